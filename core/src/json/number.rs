//! JSON numbers read as Unix times: integer or fractional, exponent allowed, rounded down
//! (`exp`) or up (`nbf`); negative or beyond `i64::MAX` is refused.

/// Which way a fractional time is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// Toward zero (for `exp`: a token never lives longer than it says).
    Down,
    /// Away from zero (for `nbf`, `iat`: a token never starts earlier than it says).
    Up,
}

/// The largest time accepted: `i64::MAX`, so every time fits a C `int64_t`.
const MAX_TIME: u64 = i64::MAX as u64;

/// `raw` is a validated JSON number. Returns it rounded, or `None` when it is negative (even
/// `-0`) or larger than [`MAX_TIME`] after rounding.
pub(super) fn to_time(raw: &[u8], round: Round) -> Option<u64> {
    // The common case, a plain integer of at most 18 digits (below 10^18 < i64::MAX): no
    // rounding, no overflow.
    if raw.len() <= 18 && digit_run(raw) == raw.len() {
        let mut words = raw.chunks_exact(8);
        let mut value = 0u64;
        for word in &mut words {
            if let Ok(word) = <[u8; 8]>::try_from(word) {
                value = value * 100_000_000 + eight_digits(u64::from_le_bytes(word));
            }
        }
        return Some(
            words
                .remainder()
                .iter()
                .fold(value, |acc, &d| acc * 10 + u64::from(d - b'0')),
        );
    }
    if raw.first() == Some(&b'-') {
        return None;
    }
    let mantissa_end = raw
        .iter()
        .position(|&b| b == b'e' || b == b'E')
        .unwrap_or(raw.len());
    let (mantissa, exponent) = raw.split_at_checked(mantissa_end)?;
    let (int_digits, frac_digits) = match mantissa.iter().position(|&b| b == b'.') {
        Some(dot) => {
            let (i, f) = mantissa.split_at_checked(dot)?;
            (i, f.get(1..)?)
        }
        None => (mantissa, &[][..]),
    };
    let exponent = parse_exponent(exponent.get(1..).unwrap_or(&[]));

    // The value is 0.D1D2D3... × 10^point with D = int_digits ++ frac_digits, after dropping
    // leading zeros (each one moves the point left).
    let digits = || int_digits.iter().chain(frac_digits).copied();
    let leading_zeros = digits().take_while(|&d| d == b'0').count();
    let significant = || digits().skip(leading_zeros);
    if significant().next().is_none() {
        return Some(0);
    }
    let point = i64::try_from(int_digits.len())
        .ok()?
        .saturating_sub(i64::try_from(leading_zeros).ok()?)
        .saturating_add(exponent);
    // The first significant digit is non-zero, so the value is at least 10^(point-1):
    // more than 19 integer digits can never fit in i64.
    if point > 19 {
        return None;
    }
    let int_len = usize::try_from(point.max(0)).ok()?;
    let mut value: u64 = 0;
    let mut int_part = significant().chain(core::iter::repeat(b'0')).take(int_len);
    for d in &mut int_part {
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    let has_fraction = significant().skip(int_len).any(|d| d != b'0');
    if round == Round::Up && has_fraction {
        value = value.checked_add(1)?;
    }
    (value <= MAX_TIME).then_some(value)
}

/// The length of the JSON number (RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]?
/// [0-9]+)?`) at the front of `bytes`, the longest such prefix; `Err` with the offset where the
/// grammar failed when there is none. What follows the number is the caller's to check.
#[inline(always)]
pub(super) fn number_len(bytes: &[u8]) -> Result<usize, usize> {
    let digits = |at: usize| digit_run(bytes.get(at..).unwrap_or_default());
    let mut pos = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => pos += digits(pos),
        _ => return Err(pos),
    }
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let run = digits(pos);
        if run == 0 {
            return Err(pos);
        }
        pos += run;
    }
    if let Some(b'e' | b'E') = bytes.get(pos) {
        pos += 1;
        if let Some(b'+' | b'-') = bytes.get(pos) {
            pos += 1;
        }
        let run = digits(pos);
        if run == 0 {
            return Err(pos);
        }
        pos += run;
    }
    Ok(pos)
}

/// How many ASCII digits `bytes` starts with: eight bytes per step (each byte XOR `0`
/// is 0 to 9 exactly for a digit, and adding 0x76 to its low seven bits sets its high bit
/// exactly when they are 10 or more; no carry crosses a byte), then byte by byte.
#[inline]
pub(super) fn digit_run(bytes: &[u8]) -> usize {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut len = 0;
    for word in bytes.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let x = u64::from_le_bytes(word) ^ ZEROS;
        let not_digit = (x | ((x & LOW7) + 0x7676_7676_7676_7676)) & HIGH;
        if not_digit != 0 {
            return len + (not_digit.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    let tail = bytes.get(len..).unwrap_or_default();
    len + tail.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The value of eight ASCII digits read as a little-endian word (the first digit is the most
/// significant): pairs, then fours, then the eight combined with three multiplications.
#[inline]
fn eight_digits(word: u64) -> u64 {
    let d = word.wrapping_sub(0x3030_3030_3030_3030);
    // Each byte 2k now holds (digit 2k)·10 + digit 2k+1 (the odd bytes hold junk).
    let pairs = d.wrapping_mul(10).wrapping_add(d >> 8);
    let low = pairs & 0x0000_00ff_0000_00ff; // pairs 0 and 2 (of 4)
    let high = (pairs >> 16) & 0x0000_00ff_0000_00ff; // pairs 1 and 3
                                                      // Pair 0·10^6 + pair 1·10^4 + pair 2·10^2 + pair 3 lands in the upper 32 bits.
    (low.wrapping_mul(100 + (1_000_000 << 32)) + high.wrapping_mul(1 + (10_000 << 32))) >> 32
}

/// The decimal exponent, saturated far beyond any meaningful range (`[-+]?digits`).
fn parse_exponent(raw: &[u8]) -> i64 {
    let (negative, digits) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, raw),
    };
    let magnitude = digits.iter().fold(0i64, |acc, &d| {
        acc.saturating_mul(10)
            .saturating_add(i64::from(d.wrapping_sub(b'0')))
            .min(1 << 40)
    });
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::{to_time, Round};
    use proptest::prelude::*;

    fn t(s: &str, r: Round) -> Option<u64> {
        assert!(crate::json::parse(s.as_bytes(), 1).is_ok(), "{s}");
        to_time(s.as_bytes(), r)
    }

    #[test]
    fn integers_fractions_exponents() {
        use Round::*;
        assert_eq!(t("0", Down), Some(0));
        assert_eq!(t("1300819380", Down), Some(1300819380));
        assert_eq!(t("1.5", Down), Some(1));
        assert_eq!(t("1.5", Up), Some(2));
        assert_eq!(t("1.000", Up), Some(1));
        assert_eq!(t("0.0001", Up), Some(1));
        assert_eq!(t("0.0001", Down), Some(0));
        assert_eq!(t("1e3", Down), Some(1000));
        assert_eq!(t("1.5E1", Down), Some(15));
        assert_eq!(t("15e-1", Up), Some(2));
        assert_eq!(t("15e-1", Down), Some(1));
        assert_eq!(t("0.00015e4", Down), Some(1));
        assert_eq!(t("0e999999999999", Down), Some(0));
        assert_eq!(t("1e-999999999999", Down), Some(0));
        assert_eq!(t("1e-999999999999", Up), Some(1));
        assert_eq!(t("999999999999999999", Up), Some(999_999_999_999_999_999));
        assert_eq!(
            t("1000000000000000000", Up),
            Some(1_000_000_000_000_000_000)
        );
        assert_eq!(t("9223372036854775807", Down), Some(i64::MAX as u64));
        assert_eq!(t("9223372036854775807.5", Down), Some(i64::MAX as u64));
        assert_eq!(t("9223372036854775807.5", Up), None);
        assert_eq!(t("9223372036854775808", Down), None);
        assert_eq!(t("18446744073709551616", Down), None);
        assert_eq!(t("1e19", Down), None);
        assert_eq!(t("1e999999999999", Down), None);
        assert_eq!(t("-1", Down), None);
        assert_eq!(t("-0", Down), None);
        assert_eq!(t("-0.5", Up), None);
    }

    proptest! {
        #[test]
        fn digit_runs_and_words_match_byte_loops(
            bytes in proptest::collection::vec(proptest::sample::select(
                [b'0', b'5', b'9', b'/', b':', 0xb0, 0xb9, 0x30 ^ 0x80, b'e', b'.', 0x00, 0xff].as_slice()), 0..30),
            digits in proptest::collection::vec(b'0'..=b'9', 8),
        ) {
            let naive = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            prop_assert_eq!(super::digit_run(&bytes), naive);
            let word = u64::from_le_bytes(digits.clone().try_into().unwrap());
            let want = digits.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
            prop_assert_eq!(super::eight_digits(word), want);
        }

        #[test]
        fn plain_integers(int in any::<u64>(), digits in 1usize..=20) {
            // Every length around the 18-digit fast path, and beyond i64::MAX.
            let int = int % 10u64.saturating_pow(digits as u32).max(1);
            let text = std::format!("{int}");
            let want = (int <= i64::MAX as u64).then_some(int);
            prop_assert_eq!(t(&text, Round::Down), want);
            prop_assert_eq!(t(&text, Round::Up), want);
        }

        #[test]
        fn matches_integer_and_decimal_oracle(int in 0u64..=(i64::MAX as u64), frac in 0u32..1000, shift in 0u32..4) {
            // int.frac (3 digits) written as int.frac, and as (int*10^shift + ...)e-shift.
            let text = std::format!("{int}.{frac:03}");
            let up = if frac > 0 { int.checked_add(1).filter(|v| *v <= i64::MAX as u64) } else { Some(int) };
            prop_assert_eq!(t(&text, Round::Down), Some(int));
            prop_assert_eq!(t(&text, Round::Up), up);
            let digits = std::format!("{int}{frac:03}");
            let exp_form = std::format!("{digits}e-{}", 3 + shift);
            let scaled_int = int / 10u64.pow(shift);
            let has_frac = frac > 0 || int % 10u64.pow(shift) != 0;
            prop_assert_eq!(t(&exp_form, Round::Down), Some(scaled_int));
            prop_assert_eq!(t(&exp_form, Round::Up), Some(scaled_int + u64::from(has_frac)));
        }
    }
}
