//! Runtime CPU feature detection on x86_64, for the fast paths that need more than the
//! baseline: `cpuid` (and `xgetbv` for the register state the OS saves), asked once per feature
//! and cached in a relaxed atomic. A `cpuid` can cost microseconds in a virtual machine; racing
//! first callers store the same answer and nothing else is published through it. Each fast path
//! turns an answer into its proof type (`Adx`, `Ifma`, `Avx2`, `ShaNi`) or asks before each call
//! (the tiny address tables).

use core::arch::asm;
use core::arch::x86_64::{__cpuid, __cpuid_count};
use core::sync::atomic::{AtomicU8, Ordering};

/// A CPU feature (set) some fast path needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feature {
    /// BMI2 `mulx` and ADX `adcx`/`adox` (the ADX RSA backend).
    Bmi2Adx,
    /// SHA, SSSE3 and SSE4.1 (SHA-256 with SHA-NI).
    ShaNi,
    /// AVX2 with the OS saving the AVX state (token scans, base64url, tiny address tables).
    Avx2,
    /// AVX-512F and IFMA with the OS saving the AVX-512 state (the IFMA RSA backend).
    Avx512Ifma,
    /// AVX-512F with the OS saving the AVX-512 state (tiny address tables).
    Avx512,
}

/// Cached answers, indexed by [`Feature`]: 0 = not asked yet, 1 = absent, 2 = present.
static STATE: [AtomicU8; 5] = [const { AtomicU8::new(0) }; 5];

/// Whether this CPU (and OS) supports `feature`; asked once, then cached.
pub(crate) fn has(feature: Feature) -> bool {
    let Some(slot) = STATE.get(feature as usize) else {
        return false; // impossible: one slot per feature
    };
    match slot.load(Ordering::Relaxed) {
        0 => {
            let present = probe(feature);
            slot.store(if present { 2 } else { 1 }, Ordering::Relaxed);
            present
        }
        known => known == 2,
    }
}

/// The `cpuid` bits (and XCR0 state bits) behind each feature.
#[allow(unused_unsafe)]
fn probe(feature: Feature) -> bool {
    // SAFETY: `cpuid` exists on every x86_64 CPU; leaf 0 gives the highest leaf.
    let max_leaf = unsafe { __cpuid(0) }.eax;
    if max_leaf < 7 {
        return false;
    }
    // SAFETY: as above; leaf 1 always exists.
    let ecx1 = unsafe { __cpuid(1) }.ecx;
    // SAFETY: leaf 7 is supported (checked above).
    let ebx7 = unsafe { __cpuid_count(7, 0) }.ebx;
    let bit = |word: u32, n: u32| word & (1 << n) != 0;
    // CPUID.1:ECX.OSXSAVE (bit 27) must be set before `xgetbv` may run.
    let os_saves = |mask: u64| bit(ecx1, 27) && xcr0() & mask == mask;
    match feature {
        Feature::Bmi2Adx => bit(ebx7, 8) && bit(ebx7, 19),
        Feature::ShaNi => bit(ecx1, 9) && bit(ecx1, 19) && bit(ebx7, 29),
        // XCR0 bits 1 and 2: SSE and AVX state.
        Feature::Avx2 => bit(ebx7, 5) && os_saves(0x6),
        // XCR0 bits 1, 2, 5, 6, 7: SSE, AVX, opmask and ZMM state.
        Feature::Avx512Ifma => bit(ebx7, 16) && bit(ebx7, 21) && os_saves(0xe6),
        Feature::Avx512 => bit(ebx7, 16) && os_saves(0xe6),
    }
}

/// XCR0, the state components the OS saves; only called once OSXSAVE is known to be set.
fn xcr0() -> u64 {
    let (eax, edx): (u32, u32);
    // SAFETY: `xgetbv` with ECX = 0 is valid when CPUID.1:ECX.OSXSAVE is set, which the only
    // caller checks first; it reads a register and touches no memory.
    unsafe {
        asm!("xgetbv", in("ecx") 0u32, out("eax") eax, out("edx") edx,
             options(nomem, nostack, preserves_flags));
    }
    (u64::from(edx) << 32) | u64::from(eax)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_match_std_detection_and_stay_cached() {
        let cases = [
            (
                Feature::Bmi2Adx,
                std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("adx"),
            ),
            (
                Feature::ShaNi,
                std::is_x86_feature_detected!("sha")
                    && std::is_x86_feature_detected!("ssse3")
                    && std::is_x86_feature_detected!("sse4.1"),
            ),
            (Feature::Avx2, std::is_x86_feature_detected!("avx2")),
            (
                Feature::Avx512Ifma,
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512ifma"),
            ),
            (Feature::Avx512, std::is_x86_feature_detected!("avx512f")),
        ];
        for (feature, std_says) in cases {
            assert_eq!(has(feature), std_says, "{feature:?}");
            assert_eq!(has(feature), std_says, "{feature:?} (cached)");
        }
    }
}
