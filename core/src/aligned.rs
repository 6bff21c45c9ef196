//! Aligned byte storage for table images ([`crate::net`] images must start at a
//! [`crate::net::IMAGE_ALIGN`]-byte boundary): [`AlignedBlock`] for storage of any length (in a
//! `Vec` or an array) and [`AlignedImage`] for a fixed size, both viewed as plain bytes without
//! unsafe code at the call site. The one reinterpretation lives here, audited once.

/// Sixteen bytes aligned to sixteen: the unit of image storage. Keep a slice of them (for
/// example `vec![AlignedBlock::ZERO; AlignedBlock::count_for(len)]`) and view it with
/// [`AlignedBlock::as_bytes`] / [`AlignedBlock::as_bytes_mut`].
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlignedBlock(pub [u8; 16]);

const _: () = assert!(core::mem::size_of::<AlignedBlock>() == AlignedBlock::SIZE);
const _: () = assert!(core::mem::align_of::<AlignedBlock>() == crate::net::IMAGE_ALIGN);

impl AlignedBlock {
    /// A block of zero bytes.
    pub const ZERO: AlignedBlock = AlignedBlock([0; 16]);
    /// Bytes per block (also its alignment).
    pub const SIZE: usize = 16;

    /// How many blocks hold `len` bytes.
    pub const fn count_for(len: usize) -> usize {
        len.div_ceil(Self::SIZE)
    }

    /// The bytes of `blocks`, `16 * blocks.len()` of them, starting 16-byte aligned.
    pub fn as_bytes(blocks: &[AlignedBlock]) -> &[u8] {
        // SAFETY: `AlignedBlock` is `repr(C)` over `[u8; 16]` with size 16 (asserted above), so
        // a slice of them is `16 * len` initialised bytes with no padding; the borrow is shared
        // for the same lifetime, and `u8` needs no alignment.
        unsafe {
            core::slice::from_raw_parts(
                blocks.as_ptr().cast::<u8>(),
                core::mem::size_of_val(blocks),
            )
        }
    }

    /// The bytes of `blocks`, writable (any byte pattern is a valid block).
    pub fn as_bytes_mut(blocks: &mut [AlignedBlock]) -> &mut [u8] {
        let len = core::mem::size_of_val(blocks);
        // SAFETY: as in `as_bytes`; the borrow is exclusive for the same lifetime, and every
        // byte pattern written through it is a valid `[u8; 16]`.
        unsafe { core::slice::from_raw_parts_mut(blocks.as_mut_ptr().cast::<u8>(), len) }
    }
}

/// `N` bytes aligned to sixteen, for storage whose size is known at compile time (a `static`,
/// a stack buffer, a `Box`). Entirely safe: it is a byte array with an alignment.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlignedImage<const N: usize>(pub [u8; N]);

const _: () = assert!(core::mem::align_of::<AlignedImage<1>>() == crate::net::IMAGE_ALIGN);

impl<const N: usize> AlignedImage<N> {
    /// `N` zero bytes.
    pub const fn zeroed() -> Self {
        AlignedImage([0; N])
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, writable.
    pub fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl<const N: usize> Default for AlignedImage<N> {
    fn default() -> Self {
        Self::zeroed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn blocks_view_as_aligned_bytes() {
        let mut blocks = vec![AlignedBlock::ZERO; AlignedBlock::count_for(33)];
        assert_eq!(blocks.len(), 3);
        let bytes = AlignedBlock::as_bytes_mut(&mut blocks);
        assert_eq!(bytes.len(), 48);
        assert_eq!(bytes.as_ptr() as usize % 16, 0);
        bytes[17] = 7;
        assert_eq!(blocks[1].0[1], 7);
        assert_eq!(AlignedBlock::as_bytes(&blocks)[17], 7);
        assert!(AlignedBlock::as_bytes(&[]).is_empty());
    }

    #[test]
    fn fixed_images_are_aligned() {
        let mut image = AlignedImage::<20>::zeroed();
        image.as_mut_bytes()[19] = 1;
        assert_eq!(image.as_bytes().len(), 20);
        assert_eq!(image.as_bytes().as_ptr() as usize % 16, 0);
        assert_eq!(image.0[19], 1);
    }
}
