"""Bearer extraction and the query API key check through the C ABI (the package's ctypes
binding, tollgate._ffi), as Python hosts call them."""
import ctypes
import unittest

from helpers import TollgateStr, load


class Http(unittest.TestCase):
    def setUp(self):
        self.lib = load()

    def status(self, code):
        return self.lib.tollgate_status_str(code).decode()

    def bearer(self, value: bytes):
        buf = ctypes.create_string_buffer(value, len(value))
        tok = ctypes.c_void_p(None)
        n = ctypes.c_size_t(777)
        st = self.lib.tollgate_bearer_token(buf, len(value), ctypes.byref(tok), ctypes.byref(n))
        if st != 0:
            self.assertIsNone(tok.value, "output written on failure")
            self.assertEqual(n.value, 777, "output written on failure")
            return self.status(st)
        offset = tok.value - ctypes.addressof(buf)
        self.assertTrue(0 <= offset and offset + n.value <= len(value))
        return ctypes.string_at(tok.value, n.value)

    def check(self, uri: bytes, param: bytes, keys):
        arr = (TollgateStr * len(keys))(*[TollgateStr(k, len(k)) for k in keys])
        return self.status(self.lib.tollgate_apikey_check(uri, len(uri), param, len(param), arr, len(keys)))

    def test_bearer_tokens(self):
        self.assertEqual(self.bearer(b"Bearer eyJh.eyJp.c2ln"), b"eyJh.eyJp.c2ln")
        self.assertEqual(self.bearer(b"bEaReR    abc=="), b"abc==")
        self.assertEqual(self.bearer(b" Bearer abc \t"), b"abc")

    def test_bearer_rejections(self):
        for value in [b"", b"Bearer", b"Bearer ", b"Basic abc", b"Bearer\tabc", b"Bearer a b",
                      b"Bearer a\x00", b"Bearer \xc3\xa9"]:
            self.assertEqual(self.bearer(value), "invalid_authorization", value)

    def test_apikey_rotation_and_rejections(self):
        keys = [b"retiring-key", b"8f2d9c63a7b14d32b53c9e12a1f47fcb"]
        cases = [
            (b"https://api.example.com/webhook?token=8f2d9c63a7b14d32b53c9e12a1f47fcb", "ok"),
            (b"/hook?token=retiring%2dkey#frag", "ok"),
            (b"/hook?token=retiring+key", "key_mismatch"),
            (b"/hook?token=", "key_mismatch"),
            (b"/hook?other=1", "missing_parameter"),
            (b"/hook?token=retiring-key&token=retiring-key", "duplicate_parameter"),
            (b"/hook?token=%2", "invalid_uri"),
            (b"/hook?token=\xff", "invalid_uri"),
        ]
        for uri, want in cases:
            self.assertEqual(self.check(uri, b"token", keys), want, uri)
        self.assertEqual(self.check(b"/hook?token=x", b"token", []), "invalid_argument")
        self.assertEqual(self.check(b"/hook?token=x", b"", [b"x"]), "invalid_argument")

    def test_a_null_key_with_a_length_is_refused(self):
        arr = (TollgateStr * 1)(TollgateStr(None, 3))
        uri = b"/hook?token=abc"
        st = self.lib.tollgate_apikey_check(uri, len(uri), b"token", 5, arr, 1)
        self.assertEqual(self.status(st), "null_pointer")


if __name__ == "__main__":
    unittest.main()
