//! The turned-around batch loop of tiny tables: every boundary ("step") compared with every
//! address of a block, each address's answer built by xor-ing in the change of tag at each
//! step at or before it. The loop is plain code the compiler vectorizes; on CPUs with AVX2
//! (asked once through `cpu.rs`) the same code is compiled for AVX2, whose 64-bit
//! compares SSE2 lacks.

/// Addresses handled per block (their leading 64 bits are gathered on the stack first).
pub(crate) const BLOCK: usize = 256;

/// `out[i] = start ^` the changes of every step whose key is `<= keys[i]`.
#[inline(always)]
fn apply(steps: &[(u64, u32)], start: u32, keys: &[u64], out: &mut [u32]) {
    // 64-bit lanes throughout (the compares are 64-bit), narrowed at the end.
    let mut all = [0u64; BLOCK];
    let n = keys.len().min(BLOCK);
    let (Some(acc), Some(keys)) = (all.get_mut(..n), keys.get(..n)) else {
        return;
    };
    acc.fill(u64::from(start));
    for &(key, change) in steps {
        let change = u64::from(change);
        for (o, &k) in acc.iter_mut().zip(keys) {
            *o ^= change & u64::from(key <= k).wrapping_neg();
        }
    }
    for (o, &v) in out.iter_mut().zip(acc.iter()) {
        *o = v as u32;
    }
}

/// [`apply`] compiled for AVX2.
///
/// # Safety
/// The CPU must support AVX2 (and the OS save the AVX state): see [`has_avx2`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn apply_avx2(steps: &[(u64, u32)], start: u32, keys: &[u64], out: &mut [u32]) {
    apply(steps, start, keys, out);
}

/// [`apply`] with the best code this CPU runs.
pub(crate) fn apply_best(steps: &[(u64, u32)], start: u32, keys: &[u64], out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: `has_avx2` said the CPU has AVX2 and the OS saves its state.
        unsafe { apply_avx2(steps, start, keys, out) };
        return;
    }
    apply(steps, start, keys, out);
}

/// Whether this CPU has AVX2 and the OS saves the AVX state (asked once, then cached).
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    crate::cpu::has(crate::cpu::Feature::Avx2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both compiled forms agree with a plain per-address evaluation, including keys with
    /// the top bit set and equal to a step.
    #[test]
    fn both_forms_agree_with_a_plain_evaluation() {
        let steps = [
            (0u64, 0u32),
            (5, 1),
            (1 << 63, 6),
            ((1 << 63) + 1, 2),
            (u64::MAX, 8),
        ];
        let keys: [u64; 11] = [
            0,
            4,
            5,
            6,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            (1 << 63) + 2,
            u64::MAX - 1,
            u64::MAX,
            77,
        ];
        let want: [u32; 11] = core::array::from_fn(|i| {
            steps
                .iter()
                .filter(|s| s.0 <= keys[i])
                .fold(0x10, |v, s| v ^ s.1)
        });
        let mut out = [0u32; 11];
        apply(&steps, 0x10, &keys, &mut out);
        assert_eq!(out, want);
        let mut best = [0u32; 11];
        apply_best(&steps, 0x10, &keys, &mut best);
        assert_eq!(best, want);
    }
}
