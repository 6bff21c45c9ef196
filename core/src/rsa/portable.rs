//! Portable Montgomery arithmetic on `L` 64-bit limbs with `u128` products: multiplication
//! (CIOS, one fused pass per limb of `b`) and a dedicated squaring (half the cross products,
//! then a separate reduction). Inputs are `< n`; outputs are fully reduced (`< n`).
//! Variable-time: it only ever handles public values.

use super::limbs::{double_and_add_squares, less_than, sub_assign};

/// `(hi, lo)` of `a * b + c + d` (never overflows 128 bits).
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, d: u64) -> (u64, u64) {
    let v = u128::from(a) * u128::from(b) + u128::from(c) + u128::from(d);
    ((v >> 64) as u64, v as u64)
}

/// Subtracts `n` once if `(top, t) >= n`; with `(top, t) < 2n` that makes it `< n`.
#[inline(always)]
fn final_subtract<const L: usize>(top: u64, t: &mut [u64; L], n: &[u64; L]) {
    if top != 0 || !less_than(t, n) {
        sub_assign(t, n);
    }
}

/// `a * b / R mod n` with `R = 2^(64 L)`; `n0 = -n^-1 mod 2^64`.
#[inline(never)]
pub(crate) fn mont_mul<const L: usize>(
    a: &[u64; L],
    b: &[u64; L],
    n: &[u64; L],
    n0: u64,
) -> [u64; L] {
    let mut t = [0u64; L];
    let mut top = 0u64;
    let (Some(&a0), Some(&n_0)) = (a.first(), n.first()) else {
        return t;
    };
    for &bi in b {
        // Column 0 decides m; then t = (t + a*bi + m*n) / 2^64 in one pass.
        let t0 = t.first().copied().unwrap_or(0);
        let (c1, lo) = mac(a0, bi, t0, 0);
        let m = lo.wrapping_mul(n0);
        let (c2, _) = mac(m, n_0, lo, 0);
        let (mut c1, mut c2) = (c1, c2);
        for j in 1..L {
            let (Some(&aj), Some(&nj), Some(&tj)) = (a.get(j), n.get(j), t.get(j)) else {
                break;
            };
            let (h1, l1) = mac(aj, bi, tj, c1);
            let (h2, l2) = mac(m, nj, l1, c2);
            if let Some(out) = t.get_mut(j - 1) {
                *out = l2;
            }
            c1 = h1;
            c2 = h2;
        }
        let v = u128::from(top) + u128::from(c1) + u128::from(c2);
        if let Some(last) = t.last_mut() {
            *last = v as u64;
        }
        top = (v >> 64) as u64;
    }
    final_subtract(top, &mut t, n);
    t
}

/// `a * a / R mod n`: the cross products once, doubled, plus the squares, then a reduction.
#[inline(never)]
pub(crate) fn mont_sqr<const L: usize>(a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
    let mut wide = [[0u64; L]; 2];
    let t = wide.as_flattened_mut();
    // Cross products a[i]*a[j], i < j, at t[i+j].
    for (i, &ai) in a.iter().enumerate() {
        let mut carry = 0u64;
        let (Some(row), Some(rest)) = (t.get_mut(2 * i + 1..i + L), a.get(i + 1..)) else {
            continue;
        };
        for (tk, &aj) in row.iter_mut().zip(rest) {
            let (h, l) = mac(ai, aj, *tk, carry);
            *tk = l;
            carry = h;
        }
        if let Some(tk) = t.get_mut(i + L) {
            *tk = carry;
        }
    }
    double_and_add_squares(t, a);
    // Montgomery reduction of the 2L-limb square.
    let mut top = 0u64;
    for i in 0..L {
        let Some(&ti) = t.get(i) else { break };
        let m = ti.wrapping_mul(n0);
        let mut carry = 0u64;
        let Some(window) = t.get_mut(i..i + L) else {
            break;
        };
        for (tk, &nk) in window.iter_mut().zip(n) {
            let (h, l) = mac(m, nk, *tk, carry);
            *tk = l;
            carry = h;
        }
        if let Some(tk) = t.get_mut(i + L) {
            let v = u128::from(*tk) + u128::from(carry) + u128::from(top);
            *tk = v as u64;
            top = (v >> 64) as u64;
        }
    }
    let [_, mut result] = wide;
    final_subtract(top, &mut result, n);
    result
}
