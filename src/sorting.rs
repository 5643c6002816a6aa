//! One small in-place heapsort for the engine's few sorts.
//!
//! The standard library's sorts are faster on large inputs, but every
//! instantiation adds kilobytes of code to the `.wasm` the shopper
//! downloads; the engine sorts short lists (history items, boosts,
//! affinities, the top k), where O(n log n) with tiny code is the better
//! trade. Not stable: callers that need an order for equal keys compare a
//! tie-breaker too.

/// Sorts `v` so that no element is `less` than the one before it.
pub fn sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n, &mut less);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &mut less);
    }
}

fn sift_down<T>(v: &mut [T], mut root: usize, end: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[root], &v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::sort_by;

    #[test]
    fn sorts_like_the_standard_library() {
        let mut seed = 12345u64;
        for n in [0usize, 1, 2, 3, 7, 64, 257, 1000] {
            let mut v: Vec<(u32, u32)> = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed % 50) as u32, (seed >> 32) as u32)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort();
            sort_by(&mut v, |a, b| a < b);
            assert_eq!(v, expected, "n = {n}");
        }
    }
}
