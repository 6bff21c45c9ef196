//! Portable Montgomery arithmetic on `L` 64-bit limbs with `u128` products, by product scanning
//! (Comba; the "FIPS" interleaving of multiplication and reduction): each output column is
//! summed in a three-word accumulator, so a multiply-accumulate is one `mul` and three adds,
//! with no carry word per limb. Squaring sums each column's cross products once and doubles
//! them. Inputs are `< n`; outputs are fully reduced (`< n`).
//! Variable-time: it only ever handles public values.

use super::limbs::{less_than, sub_assign};

/// A column sum of up to `2^64` products: 192 bits as three words, least significant first.
#[derive(Clone, Copy)]
struct Column {
    w0: u64,
    w1: u64,
    w2: u64,
}

impl Column {
    const ZERO: Column = Column {
        w0: 0,
        w1: 0,
        w2: 0,
    };

    /// `self += x * y`: one `mul`, then `add`, `adc`, `adc`.
    #[inline(always)]
    fn mac(&mut self, x: u64, y: u64) {
        let p = u128::from(x) * u128::from(y);
        let (w0, c) = self.w0.overflowing_add(p as u64);
        let (w1, c) = self.w1.carrying_add((p >> 64) as u64, c);
        self.w0 = w0;
        self.w1 = w1;
        self.w2 = self.w2.wrapping_add(u64::from(c));
    }

    /// `self += other`.
    #[inline(always)]
    fn add(&mut self, other: Column) {
        let (w0, c) = self.w0.overflowing_add(other.w0);
        let (w1, c) = self.w1.carrying_add(other.w1, c);
        self.w0 = w0;
        self.w1 = w1;
        self.w2 = self.w2.wrapping_add(other.w2).wrapping_add(u64::from(c));
    }

    /// `self * 2` (the column sums of a squaring stay far below `2^191`).
    #[inline(always)]
    fn doubled(self) -> Column {
        Column {
            w0: self.w0 << 1,
            w1: (self.w1 << 1) | (self.w0 >> 63),
            w2: (self.w2 << 1) | (self.w1 >> 63),
        }
    }

    /// The lowest word.
    #[inline(always)]
    fn word(self) -> u64 {
        self.w0
    }

    /// `self / 2^64`: the carry into the next column.
    #[inline(always)]
    fn shifted(self) -> Column {
        Column {
            w0: self.w1,
            w1: self.w2,
            w2: 0,
        }
    }
}

/// Subtracts `n` once if `(top, t) >= n`; with `(top, t) < 2n` that makes it `< n`.
#[inline(always)]
fn final_subtract<const L: usize>(top: u64, t: &mut [u64; L], n: &[u64; L]) {
    if top != 0 || !less_than(t, n) {
        sub_assign(t, n);
    }
}

/// `acc + sum x[i] * y[len-1-i]`: one column's products of two equally long slices, two
/// at a time (measured: a little faster than four, whose longer tail costs more at 32 limbs;
/// padding columns to a multiple of four, or fusing the loops of a column, was slower still:
/// LLVM allocates registers worse for those loops).
#[inline(always)]
fn column(mut acc: Column, x: &[u64], y: &[u64]) -> Column {
    let (xs, ys) = (x.chunks_exact(2), y.rchunks_exact(2));
    let (x_rest, y_rest) = (xs.remainder(), ys.remainder());
    for (xc, yc) in xs.zip(ys) {
        if let (&[x0, x1], &[y1, y0]) = (xc, yc) {
            acc.mac(x0, y0);
            acc.mac(x1, y1);
        }
    }
    if let (&[x0], &[y0]) = (x_rest, y_rest) {
        acc.mac(x0, y0);
    }
    acc
}

/// Ends column `k < L` of a Montgomery product: adds the products `m[i]·n[k-i]` of the
/// quotient digits `m = m[0..k]` chosen so far to `sum`, then picks `m[k]` so that the
/// column's low word is zero. Returns `m[k]` and the carry into the next column.
#[inline(always)]
fn close_low_column(sum: Column, m: &[u64], n: &[u64], n0: u64) -> (u64, Column) {
    let (Some((&n_0, n_rest)), k) = (n.split_first(), m.len()) else {
        return (0, sum);
    };
    let mut sum = match n_rest.get(..k) {
        Some(n_part) => column(sum, m, n_part),
        None => sum,
    };
    let mk = sum.word().wrapping_mul(n0);
    sum.mac(mk, n_0);
    (mk, sum.shifted())
}

/// `a * b / R mod n` with `R = 2^(64 L)`; `n0 = -n^-1 mod 2^64`.
#[inline(never)]
pub(crate) fn mont_mul<const L: usize>(
    a: &[u64; L],
    b: &[u64; L],
    n: &[u64; L],
    n0: u64,
) -> [u64; L] {
    let mut m = [0u64; L];
    let mut t = [0u64; L];
    let mut acc = Column::ZERO;
    // Columns 0..L: each fixes one quotient digit m[k] and leaves a zero word.
    for k in 0..L {
        let (Some(a_part), Some(b_part), Some((m_done, m_rest))) =
            (a.get(..=k), b.get(..=k), m.split_at_mut_checked(k))
        else {
            break;
        };
        let (mk, carry) = close_low_column(column(acc, a_part, b_part), m_done, n, n0);
        if let Some(slot) = m_rest.first_mut() {
            *slot = mk;
        }
        acc = carry;
    }
    // Columns L..2L-1: the result's words.
    for (k, out) in (L..2 * L).zip(t.iter_mut()) {
        let low = k + 1 - L;
        let (Some(a_part), Some(b_part), Some(m_part), Some(n_part)) =
            (a.get(low..), b.get(low..), m.get(low..), n.get(low..))
        else {
            break;
        };
        let sum = column(column(acc, a_part, b_part), m_part, n_part);
        *out = sum.word();
        acc = sum.shifted();
    }
    final_subtract(acc.word(), &mut t, n);
    t
}

/// `sum_{i<j, i+j=k} x[i] * x[j]` for the column whose slice of `x` is `x` (its mirror
/// image pairs each limb with its partner): each cross product once.
#[inline(always)]
fn cross_column(x: &[u64]) -> Column {
    let half = x.len() / 2;
    let (Some(front), Some(back)) = (x.get(..half), x.get(x.len() - half..)) else {
        return Column::ZERO;
    };
    column(Column::ZERO, front, back)
}

/// The square's column: twice the cross products plus the middle limb's square (odd slice).
#[inline(always)]
fn square_column(x: &[u64]) -> Column {
    let mut sum = cross_column(x).doubled();
    if x.len() % 2 == 1 {
        if let Some(&mid) = x.get(x.len() / 2) {
            sum.mac(mid, mid);
        }
    }
    sum
}

/// `a * a / R mod n`: product scanning with each cross product once, doubled per column.
#[inline(never)]
pub(crate) fn mont_sqr<const L: usize>(a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
    let mut m = [0u64; L];
    let mut t = [0u64; L];
    let mut acc = Column::ZERO;
    for k in 0..L {
        let (Some(a_part), Some((m_done, m_rest))) = (a.get(..=k), m.split_at_mut_checked(k))
        else {
            break;
        };
        let mut sum = square_column(a_part);
        sum.add(acc);
        let (mk, carry) = close_low_column(sum, m_done, n, n0);
        if let Some(slot) = m_rest.first_mut() {
            *slot = mk;
        }
        acc = carry;
    }
    for (k, out) in (L..2 * L).zip(t.iter_mut()) {
        let low = k + 1 - L;
        let (Some(a_part), Some(m_part), Some(n_part)) = (a.get(low..), m.get(low..), n.get(low..))
        else {
            break;
        };
        let mut sum = square_column(a_part);
        sum.add(acc);
        let sum = column(sum, m_part, n_part);
        *out = sum.word();
        acc = sum.shifted();
    }
    final_subtract(acc.word(), &mut t, n);
    t
}
