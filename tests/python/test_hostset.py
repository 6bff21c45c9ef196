"""Host-name tables through the C ABI (tollgate._ffi) and through tollgate.HostSet, against a
Python oracle of the matching rules."""
import ctypes
import gc
import random
import unittest

import tollgate
from helpers import load

OK = 0
INVALID_HOST_NAME = 120
IMAGE_TRUNCATED = 25


def oracle(entries, query):
    """The rules in plain Python: exact names, `*.d` for names strictly under `d`."""
    q = query[:-1] if query.endswith(".") else query
    q = q.lower()
    tags = 0
    for name, wild, t in entries:
        name = name.lower()
        if (wild and q.endswith("." + name)) or (not wild and q == name):
            tags |= t
    return tags


def random_entries(rng, count):
    """`count` random (name, wildcard, tag) entries and a generator of query names over the
    same labels (so queries hit entries often)."""
    labels = ["a", "b", "Teams", "xn--p1ai", "lync", "c-d", "0"]

    def name(n):
        return ".".join(rng.choice(labels) for _ in range(rng.randint(1, n)))

    entries = [(name(3), rng.random() < 0.5, 1 << rng.randint(0, 7)) for _ in range(count)]
    return entries, name


def list_text(entries):
    """The list syntax of `entries`."""
    return "".join(f"{'*.' if w else ''}{n} {t}\n" for n, w, t in entries)


class HostSetAbi(unittest.TestCase):
    def setUp(self):
        self.lib = load()

    def handle(self):
        return (ctypes.c_uint64 * (self.lib.tollgate_hostset_size() // 8))()

    def build(self, text):
        data = text.encode()
        size = ctypes.c_size_t(0)
        self.assertEqual(self.lib.tollgate_hostset_required_size(data, len(data), ctypes.byref(size)), OK)
        storage = (ctypes.c_uint64 * (size.value // 8 + 1))()  # 8-byte aligned
        out = self.handle()
        self.assertEqual(self.lib.tollgate_hostset_build(storage, size.value, data, len(data), out), OK)
        return (storage, out), out

    def lookup(self, s, name):
        data = name.encode()
        tags = ctypes.c_uint32(0)
        st = self.lib.tollgate_hostset_lookup(s, data, len(data), ctypes.byref(tags))
        return tags.value if st == OK else st

    def test_lookups_match_a_python_oracle(self):
        rng = random.Random(11)
        entries, name = random_entries(rng, 80)
        keep, s = self.build(list_text(entries))
        for _ in range(2000):
            q = name(6) + ("." if rng.random() < 0.2 else "")
            self.assertEqual(self.lookup(s, q), oracle(entries, q), q)

    def test_invalid_names_never_match(self):
        keep, s = self.build("*.a.b 1\na.b 2\n")
        for q in ["", ".", "a..b", "*.a.b", "x.a.b:80", "x a.b", "-x.a.b", "x_y.a.b", "ä.a.b", "a" * 64 + ".a.b"]:
            self.assertEqual(self.lookup(s, q), INVALID_HOST_NAME, repr(q))

    def test_image_round_trip_and_acs(self):
        keep, s = self.build("*.lync.com 2\n")
        n = self.lib.tollgate_hostset_image_len(s)
        image = ctypes.string_at(self.lib.tollgate_hostset_image(s), n)
        buf = (ctypes.c_uint64 * (n // 8))()
        ctypes.memmove(buf, image, n)
        out = self.handle()
        self.assertEqual(self.lib.tollgate_hostset_load(buf, n, out), OK)
        self.assertEqual(self.lookup(out, "x.lync.com"), 2)
        self.assertEqual(self.lib.tollgate_hostset_load(buf, n - 8, self.handle()), IMAGE_TRUNCATED)
        acs = self.lib.tollgate_acs_hostset()
        self.assertEqual(self.lookup(acs, "teams.microsoft.com"), 2)
        self.assertEqual(self.lookup(acs, "lync.com"), 0)


class HostSetPackage(unittest.TestCase):
    """The public ``tollgate.HostSet``, the same oracle."""

    def test_lookups_match_the_oracle_through_build_and_load(self):
        rng = random.Random(12)
        entries, name = random_entries(rng, 60)
        built = tollgate.HostSet.from_list(list_text(entries))
        loaded = tollgate.HostSet.load(built.image)
        self.assertEqual(loaded.image, built.image)
        for _ in range(1000):
            q = name(6) + ("." if rng.random() < 0.2 else "")
            want = oracle(entries, q)
            self.assertEqual(built.lookup(q), want, q)
            self.assertEqual(loaded.lookup(q.encode()), want, q)

    def test_set_outlives_its_builder_and_the_source_image(self):
        def make():
            image = bytearray(tollgate.HostSet.from_list("*.example.com 4\nexample.com 8\n").image)
            s = tollgate.HostSet.load(image)
            image[:] = bytes(len(image))  # the caller's bytes are copied, not referred to
            return s

        s = make()
        gc.collect()
        junk = [bytearray(4096) for _ in range(256)]  # reuse freed memory
        self.assertEqual(s.lookup("a.Example.COM"), 4)
        self.assertEqual(s.lookup("example.com."), 8)
        self.assertEqual(s.lookup("example.org"), 0)
        del junk

    def test_errors(self):
        s = tollgate.HostSet.from_list("*.a.b 1\n")
        for q in ["", "x.a.b:80", "*.a.b", "\u00e4.a.b", "\udc80"]:
            with self.assertRaises(tollgate.TollgateError) as cm:
                s.lookup(q)
            self.assertEqual(cm.exception.name, "invalid_host_name", repr(q))
        with self.assertRaises(TypeError):
            s.lookup(5)  # type: ignore[arg-type]
        with self.assertRaises(tollgate.TollgateError) as cm:
            tollgate.HostSet.from_list("ok.example\nbad..name\n")
        self.assertEqual(cm.exception.name, "invalid_host_name")
        self.assertIn("line 2", str(cm.exception))
        with self.assertRaises(tollgate.TollgateError) as cm:
            tollgate.HostSet.from_list("a.b zz\n")
        self.assertEqual(cm.exception.name, "invalid_list_line")
        image = bytearray(s.image)
        with self.assertRaises(tollgate.TollgateError) as cm:
            tollgate.HostSet.load(image[:-8])
        self.assertEqual(cm.exception.name, "image_truncated")
        image[-1] ^= 0x55
        with self.assertRaises(tollgate.TollgateError):
            tollgate.HostSet.load(image)
        with self.assertRaises(TypeError):
            tollgate.HostSet()
        with self.assertRaises(TypeError):
            tollgate.HostSet.load("text")  # type: ignore[arg-type]

    def test_acs(self):
        acs = tollgate.HostSet.acs()
        self.assertEqual(acs.lookup("teams.microsoft.com"), tollgate.ACS_CALLBACK)
        self.assertEqual(acs.lookup("x.lync.com"), tollgate.ACS_CALLBACK)
        self.assertEqual(acs.lookup("lync.com"), 0)
        again = tollgate.HostSet.load(acs.image)
        self.assertEqual(again.lookup("a.teams.cloud.microsoft"), tollgate.ACS_CALLBACK)
        self.assertIn("bytes", repr(acs))


if __name__ == "__main__":
    unittest.main()
