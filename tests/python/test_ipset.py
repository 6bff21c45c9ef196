"""CIDR tables through the C ABI (tollgate._ffi), as Python users of the shared library drive them."""
import ctypes
import ipaddress
import random
import unittest

from helpers import load

OK = 0


class IpSet(unittest.TestCase):
    def setUp(self):
        self.lib = load()

    def aligned(self, size):
        """A buffer of `size` bytes at the alignment the library asks for."""
        align = self.lib.tollgate_ipset_align()
        raw = ctypes.create_string_buffer(size + align)
        offset = (-ctypes.addressof(raw)) % align
        return raw, ctypes.addressof(raw) + offset

    def handle(self):
        """Room for a tollgate_ipset (8-byte aligned, as ctypes buffers of c_uint64 are)."""
        return (ctypes.c_uint64 * (self.lib.tollgate_ipset_size() // 8))()

    def build(self, text):
        data = text.encode()
        size = ctypes.c_size_t(0)
        self.assertEqual(self.lib.tollgate_ipset_required_size(data, len(data), ctypes.byref(size)), OK)
        keep, addr = self.aligned(size.value)
        out = self.handle()
        self.assertEqual(self.lib.tollgate_ipset_build(addr, size.value, data, len(data), out), OK)
        self.assertEqual(self.lib.tollgate_ipset_image(out), addr)
        return (keep, out), out

    def text_tags(self, set_ptr, addr):
        data = addr.encode()
        tags = ctypes.c_uint32(0)
        status = self.lib.tollgate_ipset_lookup_text(set_ptr, data, len(data), ctypes.byref(tags))
        return tags.value if status == OK else None

    def test_lookups_match_a_python_oracle(self):
        rng = random.Random(7)
        entries = []
        for _ in range(300):
            if rng.random() < 0.5:
                net = ipaddress.ip_network((rng.getrandbits(32), rng.randint(8, 32)), strict=False)
            else:
                net = ipaddress.ip_network(((0x2001 << 112) | rng.getrandbits(112), rng.randint(16, 128)), strict=False)
            entries.append((net, 1 << rng.randint(0, 5)))
        text = "".join(f"{n} {t}\n" for n, t in entries)
        keep, s = self.build(text)

        def oracle(addr):
            if addr.version == 6 and addr.ipv4_mapped is not None:
                addr = addr.ipv4_mapped
            tags = 0
            for n, t in entries:
                if n.version == addr.version and addr in n:
                    tags |= t
            return tags

        probes = []
        for n, _ in entries[:100]:
            probes += [n.network_address, n.broadcast_address]
        probes += [ipaddress.ip_address(rng.getrandbits(32)) for _ in range(100)]
        probes += [ipaddress.IPv6Address((0x2001 << 112) | rng.getrandbits(112)) for _ in range(100)]
        probes += [ipaddress.IPv6Address("::ffff:" + str(n.network_address)) for n, _ in entries if n.version == 4][:50]
        for a in probes:
            want = oracle(a)
            self.assertEqual(self.lib.tollgate_ipset_lookup(s, a.packed, len(a.packed)), want, str(a))
            self.assertEqual(self.text_tags(s, str(a)), want, str(a))

    def test_image_round_trip_and_corruption(self):
        keep, s = self.build("10.0.0.0/8 1\n2001:db8::/32 2\n")
        n = self.lib.tollgate_ipset_image_len(s)
        image = ctypes.string_at(self.lib.tollgate_ipset_image(s), n)
        buf, addr = self.aligned(n)
        ctypes.memmove(addr, image, n)
        out = self.handle()
        self.assertEqual(self.lib.tollgate_ipset_load(addr, n, out), OK)
        self.assertEqual(self.text_tags(out, "10.9.9.9"), 1)
        self.assertEqual(self.text_tags(out, "2001:db8::7"), 2)
        bad = self.handle()
        self.assertEqual(self.lib.tollgate_ipset_load(addr, n - 1, bad), 25)  # image_truncated
        ctypes.memmove(addr + n - 3, b"\x55", 1)
        self.assertNotEqual(self.lib.tollgate_ipset_load(addr, n, bad), OK)
        self.assertEqual(self.lib.tollgate_ipset_image_len(bad), 0)
        # A handle never filled is refused as image_corrupt, not read as an image.
        tags = ctypes.c_uint32(0)
        self.assertEqual(self.lib.tollgate_ipset_lookup_text(bad, b"10.0.0.1", 8, ctypes.byref(tags)), 29)  # image_corrupt

    def test_errors_and_acs(self):
        size = ctypes.c_size_t(99)
        text = b"10.1.2.3/8\n"
        self.assertEqual(self.lib.tollgate_ipset_required_size(text, len(text), ctypes.byref(size)), 22)  # host_bits_set
        self.assertEqual(size.value, 99)
        acs = self.lib.tollgate_acs_ipset()
        self.assertEqual(self.text_tags(acs, "52.112.0.1"), 3)
        self.assertEqual(self.text_tags(acs, "2603:1027::1"), 2)
        self.assertEqual(self.text_tags(acs, "1.1.1.1"), 0)
        self.assertIsNone(self.text_tags(acs, "1.1.1.01"))


if __name__ == "__main__":
    unittest.main()
