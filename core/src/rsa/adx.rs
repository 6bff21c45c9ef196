//! x86_64 Montgomery arithmetic with BMI2 `mulx` and ADX `adcx`/`adox`: the inner loop keeps
//! two independent carry chains in CF and OF, as the fastest published bignum code does. Only
//! reachable through an [`Adx`] value, which exists only once the CPU has said (via `cpuid`)
//! that it has both extensions. Product scanning is operand-separated: the full product (or a
//! dedicated square with half the cross products) is followed by a Montgomery reduction; each
//! is one assembly loop over multiply-accumulate rows.

use core::arch::asm;

use super::limbs::{double_and_add_squares, less_than, sub_assign};
use super::montgomery::Backend;

/// Proof that the CPU has BMI2 and ADX (private field: only [`Adx::detect`] makes one).
#[derive(Clone, Copy)]
pub(crate) struct Adx(());

impl Adx {
    /// `Some` when this CPU has BMI2 and ADX.
    pub(crate) fn detect() -> Option<Adx> {
        crate::cpu::has(crate::cpu::Feature::Bmi2Adx).then_some(Adx(()))
    }
}

/// Four limbs of a multiply-accumulate row: `acc[0..4] += x[0..4] * rdx` plus the running
/// high word `hi`, with CF and OF carrying between the `adcx` and the `adox` chains.
macro_rules! mac4 {
    () => {
        concat!(
            "mulx {t1}, {t0}, [{x}]\n",
            "adcx {t0}, [{acc}]\n",
            "adox {t0}, {hi}\n",
            "mov [{acc}], {t0}\n",
            "mulx {hi}, {t0}, [{x} + 8]\n",
            "adcx {t0}, [{acc} + 8]\n",
            "adox {t0}, {t1}\n",
            "mov [{acc} + 8], {t0}\n",
            "mulx {t1}, {t0}, [{x} + 16]\n",
            "adcx {t0}, [{acc} + 16]\n",
            "adox {t0}, {hi}\n",
            "mov [{acc} + 16], {t0}\n",
            "mulx {hi}, {t0}, [{x} + 24]\n",
            "adcx {t0}, [{acc} + 24]\n",
            "adox {t0}, {t1}\n",
            "mov [{acc} + 24], {t0}\n",
        )
    };
}

/// `L` is a multiple of 4 for every limb class, so whole-row loops need no tail.
const fn quads_of(limbs: usize) -> usize {
    assert!(limbs.is_multiple_of(4) && limbs > 0);
    limbs / 4
}

/// Montgomery reduction of the 2L-limb `t` (`t < n R`): `t / R mod n`, fully reduced.
/// One assembly loop over the rows: `m = t[i] n0`, `t[i..i+L] += m n`, carry into `t[i+L]`.
#[target_feature(enable = "bmi2,adx")]
fn reduce<const L: usize>(mut wide: [[u64; L]; 2], n: &[u64; L], n0: u64) -> [u64; L] {
    let params = [n0, const { quads_of(L) } as u64];
    let top: u64;
    // SAFETY: row i reads t[i..=i+L] and n[0..L] and writes t[i..=i+L]; i < L, so everything
    // stays inside the 2L-limb `wide` and `n`. Flags are only live inside a row, where only
    // mov/lea/jrcxz run between carry steps.
    unsafe {
        asm!(
            "xor {top:e}, {top:e}",
            "2:",
            "mov rdx, [{t}]",
            "imul rdx, [{params}]",
            "mov {x}, {n}",
            "mov {acc}, {t}",
            "mov rcx, [{params} + 8]",
            "xor {hi:e}, {hi:e}",
            "3:",
            mac4!(),
            "lea {x}, [{x} + 32]",
            "lea {acc}, [{acc} + 32]",
            "lea rcx, [rcx - 1]",
            "jrcxz 4f",
            "jmp 3b",
            "4:",
            "mov {t0:e}, 0",
            "adcx {hi}, {t0}",
            "adox {hi}, {t0}",
            "add {hi}, {top}",
            "mov {top:e}, 0",
            "adc {top}, 0",
            "add [{acc}], {hi}",
            "adc {top}, 0",
            "lea {t}, [{t} + 8]",
            "dec {rows}",
            "jnz 2b",
            t = inout(reg) wide.as_mut_ptr().cast::<u64>() => _,
            n = in(reg) n.as_ptr(),
            params = in(reg) params.as_ptr(),
            rows = inout(reg) L => _,
            x = out(reg) _,
            acc = out(reg) _,
            hi = out(reg) _,
            t0 = out(reg) _,
            t1 = out(reg) _,
            top = out(reg) top,
            out("rdx") _,
            out("rcx") _,
            options(nostack),
        );
    }
    let [_, mut result] = wide;
    if top != 0 || !less_than(&result, n) {
        sub_assign(&mut result, n);
    }
    result
}

/// `a * b / R mod n`: the full product in one assembly loop over the limbs of `b`, then
/// [`reduce`].
#[target_feature(enable = "bmi2,adx")]
fn mont_mul<const L: usize>(a: &[u64; L], b: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
    let mut wide = [[0u64; L]; 2];
    // SAFETY: row i reads b[i], a[0..L] and t[i..i+L], writes t[i..=i+L]; i < L, so all
    // accesses stay inside `a`, `b` and the 2L-limb `wide`. Flags as in `reduce`.
    unsafe {
        asm!(
            "2:",
            "mov rdx, [{b}]",
            "mov {x}, {a}",
            "mov {acc}, {t}",
            "mov rcx, {quads}",
            "xor {hi:e}, {hi:e}",
            "3:",
            mac4!(),
            "lea {x}, [{x} + 32]",
            "lea {acc}, [{acc} + 32]",
            "lea rcx, [rcx - 1]",
            "jrcxz 4f",
            "jmp 3b",
            "4:",
            "mov {t0:e}, 0",
            "adcx {hi}, {t0}",
            "adox {hi}, {t0}",
            "mov [{acc}], {hi}",
            "lea {t}, [{t} + 8]",
            "lea {b}, [{b} + 8]",
            "dec {rows}",
            "jnz 2b",
            t = inout(reg) wide.as_mut_ptr().cast::<u64>() => _,
            a = in(reg) a.as_ptr(),
            b = inout(reg) b.as_ptr() => _,
            quads = in(reg) const { quads_of(L) },
            rows = inout(reg) L => _,
            x = out(reg) _,
            acc = out(reg) _,
            hi = out(reg) _,
            t0 = out(reg) _,
            t1 = out(reg) _,
            out("rdx") _,
            out("rcx") _,
            options(nostack),
        );
    }
    reduce(wide, n, n0)
}

/// `a * a / R mod n` with half the cross products: one assembly loop over the rows
/// `t[2i+1..i+L] += a[i+1..L] * a[i]` (row `i` has `L-1-i` limbs; its carry goes to `t[i+L]`),
/// then doubling plus the squares `a[i]^2`, then [`reduce`].
#[target_feature(enable = "bmi2,adx")]
fn mont_sqr<const L: usize>(a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
    let mut wide = [[0u64; L]; 2];
    // SAFETY: row i (0 <= i < L-1) reads a[i..L] and t[2i+1..i+L], writes t[2i+1..=i+L]; with
    // i + L <= 2L - 2 all accesses stay inside `a` and the 2L-limb `wide`. Flags are only live
    // inside a row, where only mov/lea/jrcxz run between carry steps.
    unsafe {
        asm!(
            "2:",
            "mov rdx, [{ai}]",
            "lea {x}, [{ai} + 8]",
            "mov {acc}, {trow}",
            "mov rcx, {len}",
            "shr rcx, 2",
            "mov {singles}, {len}",
            "and {singles}, 3",
            "xor {hi:e}, {hi:e}",
            "jrcxz 4f",
            "3:",
            mac4!(),
            "lea {x}, [{x} + 32]",
            "lea {acc}, [{acc} + 32]",
            "lea rcx, [rcx - 1]",
            "jrcxz 4f",
            "jmp 3b",
            "4:",
            "mov rcx, {singles}",
            "jrcxz 6f",
            "5:",
            "mulx {t1}, {t0}, [{x}]",
            "adcx {t0}, [{acc}]",
            "adox {t0}, {hi}",
            "mov [{acc}], {t0}",
            "mov {hi}, {t1}",
            "lea {x}, [{x} + 8]",
            "lea {acc}, [{acc} + 8]",
            "lea rcx, [rcx - 1]",
            "jrcxz 6f",
            "jmp 5b",
            "6:",
            "mov {t0:e}, 0",
            "adcx {hi}, {t0}",
            "adox {hi}, {t0}",
            "mov [{acc}], {hi}",
            "lea {ai}, [{ai} + 8]",
            "lea {trow}, [{trow} + 16]",
            "dec {len}",
            "jnz 2b",
            ai = inout(reg) a.as_ptr() => _,
            trow = inout(reg) wide.as_mut_ptr().cast::<u64>().wrapping_add(1) => _,
            len = inout(reg) L - 1 => _,
            singles = out(reg) _,
            x = out(reg) _,
            acc = out(reg) _,
            hi = out(reg) _,
            t0 = out(reg) _,
            t1 = out(reg) _,
            out("rdx") _,
            out("rcx") _,
            options(nostack),
        );
    }
    double_and_add_squares(wide.as_flattened_mut(), a);
    reduce(wide, n, n0)
}

impl Backend for Adx {
    #[inline(always)]
    fn mul<const L: usize>(&self, a: &[u64; L], b: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
        // SAFETY: an `Adx` exists only when cpuid reported BMI2 and ADX.
        unsafe { mont_mul(a, b, n, n0) }
    }
    #[inline(always)]
    fn sqr<const L: usize>(&self, a: &[u64; L], n: &[u64; L], n0: u64) -> [u64; L] {
        // SAFETY: as above.
        unsafe { mont_sqr(a, n, n0) }
    }
}
