//! RSA signature verification — filled in by issue 3.
