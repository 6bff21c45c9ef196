//! An in-place heapsort with no panic path. The standard library's sorts keep a panic for
//! comparators that are not a total order (`panic_on_ord_violation`) and bounds checks the
//! optimiser cannot remove; the shipped library must contain no panic path at all. Every
//! access here is a checked `get`/split, and an inconsistent comparator only yields an
//! unspecified order. O(n log n) time, no extra memory, not stable. Also the in-place
//! removal of repeats from a sorted slice, under the same rules.

use core::cmp::Ordering;

/// Moves the distinct values of sorted `v`, each mapped by `key` (which must keep equal
/// values adjacent), to its front in order, and returns how many there are (like `dedup`
/// on a `Vec`).
pub fn dedup_sorted_by_key<T: Copy + PartialEq>(v: &mut [T], key: impl Fn(T) -> T) -> usize {
    let mut kept = 0usize;
    for i in 0..v.len() {
        let Some(x) = v.get(i).map(|&x| key(x)) else {
            break;
        };
        // `kept <= i`: the values still to be read are never overwritten.
        if kept == 0 || v.get(kept - 1) != Some(&x) {
            if let Some(slot) = v.get_mut(kept) {
                *slot = x;
            }
            kept += 1;
        }
    }
    kept
}

/// Sorts `v` in ascending order by `compare` (like `sort_unstable_by`).
pub fn sort_unstable_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    let mut less = |a: &T, b: &T| compare(a, b) == Ordering::Less;
    let len = v.len();
    // Build a max-heap over the whole slice...
    for node in (0..len / 2).rev() {
        sift_down(v, node, &mut less);
    }
    // ...then move its maximum behind the shrinking heap, one element at a time.
    for end in (1..len).rev() {
        let Some(heap) = v.get_mut(..=end) else {
            return;
        };
        if let Some((root, rest)) = heap.split_first_mut() {
            if let Some(last) = rest.last_mut() {
                core::mem::swap(root, last);
            }
        }
        let Some(heap) = v.get_mut(..end) else { return };
        sift_down(heap, 0, &mut less);
    }
}

/// Moves `v[node]` down until neither child is greater.
fn sift_down<T>(v: &mut [T], mut node: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    loop {
        let left = node.saturating_mul(2).saturating_add(1);
        let Some(left_value) = v.get(left) else {
            return;
        };
        let mut child = left;
        if let Some(right_value) = v.get(left + 1) {
            if less(left_value, right_value) {
                child = left + 1;
            }
        }
        // node < child: split so that both can be borrowed mutably.
        let Some((upper, lower)) = v.split_at_mut_checked(child) else {
            return;
        };
        let (Some(parent), Some(child_value)) = (upper.get_mut(node), lower.first_mut()) else {
            return;
        };
        if !less(parent, child_value) {
            return;
        }
        core::mem::swap(parent, child_value);
        node = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    #[test]
    fn small_cases() {
        for n in 0..40u32 {
            let mut v: Vec<u32> = (0..n).map(|i| (i * 7919) % 13).collect();
            let mut expected = v.clone();
            expected.sort();
            sort_unstable_by(&mut v, Ord::cmp);
            assert_eq!(v, expected, "n = {n}");
        }
    }

    #[test]
    fn an_inconsistent_comparator_neither_panics_nor_loses_elements() {
        let mut v: Vec<u32> = (0..200).collect();
        let mut flip = false;
        sort_unstable_by(&mut v, |_, _| {
            flip = !flip;
            if flip {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        });
        v.sort();
        assert_eq!(v, (0..200).collect::<Vec<_>>());
    }

    proptest! {
        #[test]
        fn sorts_like_std(mut v in proptest::collection::vec(any::<(u8, u16)>(), 0..600)) {
            let mut expected = v.clone();
            expected.sort();
            sort_unstable_by(&mut v, Ord::cmp);
            prop_assert_eq!(v, expected);
        }

        #[test]
        fn sorts_by_a_key_like_std(mut v in proptest::collection::vec(any::<(u8, u8)>(), 0..300)) {
            let mut expected = v.clone();
            expected.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            sort_unstable_by(&mut v, |a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            prop_assert_eq!(v, expected);
        }
    }
}
