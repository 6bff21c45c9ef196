"""Version and status names through ctypes."""
import re
import unittest

from helpers import ROOT, load


class Basics(unittest.TestCase):
    def setUp(self):
        self.lib = load()

    def test_version_matches_cargo(self):
        with open(f"{ROOT}/Cargo.toml") as f:
            want = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
        self.assertEqual(self.lib.tollgate_version().decode(), want)

    def test_status_names(self):
        self.assertEqual(self.lib.tollgate_status_str(0), b"ok")
        self.assertEqual(self.lib.tollgate_status_str(2), b"buffer_too_small")
        self.assertEqual(self.lib.tollgate_status_str(0xFFFFFFFF), b"unknown_status")


if __name__ == "__main__":
    unittest.main()
