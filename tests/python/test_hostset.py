"""Host-name tables through ctypes, against a Python oracle of the matching rules."""
import ctypes
import random
import unittest

from tollgate_ctypes import load

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


class HostSet(unittest.TestCase):
    def setUp(self):
        lib = self.lib = load()
        p, sz, u32 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint32
        lib.tollgate_hostset_size.restype = sz
        lib.tollgate_hostset_size.argtypes = []
        lib.tollgate_hostset_align.restype = sz
        lib.tollgate_hostset_align.argtypes = []
        lib.tollgate_hostset_required_size.argtypes = [ctypes.c_char_p, sz, ctypes.POINTER(sz)]
        lib.tollgate_hostset_required_size.restype = u32
        lib.tollgate_hostset_build.argtypes = [p, sz, ctypes.c_char_p, sz, p]
        lib.tollgate_hostset_build.restype = u32
        lib.tollgate_hostset_load.argtypes = [p, sz, p]
        lib.tollgate_hostset_load.restype = u32
        lib.tollgate_hostset_lookup.argtypes = [p, ctypes.c_char_p, sz, ctypes.POINTER(u32)]
        lib.tollgate_hostset_lookup.restype = u32
        lib.tollgate_hostset_image.argtypes = [p]
        lib.tollgate_hostset_image.restype = p
        lib.tollgate_hostset_image_len.argtypes = [p]
        lib.tollgate_hostset_image_len.restype = sz
        lib.tollgate_acs_hostset.argtypes = []
        lib.tollgate_acs_hostset.restype = p

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
        labels = ["a", "b", "Teams", "xn--p1ai", "lync", "c-d", "0"]

        def name(n):
            return ".".join(rng.choice(labels) for _ in range(rng.randint(1, n)))

        entries = [(name(3), rng.random() < 0.5, 1 << rng.randint(0, 7)) for _ in range(80)]
        text = "".join(f"{'*.' if w else ''}{n} {t}\n" for n, w, t in entries)
        keep, s = self.build(text)
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


if __name__ == "__main__":
    unittest.main()
