//! The int8 item-factor block and the kernels that score against it.
//!
//! Each item row holds `dim` signed bytes padded with zeros to `stride` (a
//! multiple of 16, one SIMD register), plus one f32 scale: the real factor is
//! `q[j] * scale`. Rows are read in place from the model bytes.

use crate::topk::TopK;

/// Bytes per SIMD register; rows are padded to a multiple of this.
pub const LANES: usize = 16;

/// Rounds a factor dimension up to the padded row length.
pub fn stride_for(dim: usize) -> usize {
    dim.div_ceil(LANES) * LANES
}

/// Where the factor rows sit in the model buffer, and their scales.
#[derive(Debug, Clone, Default)]
pub struct FactorBlock {
    pub offset: usize,
    pub items: usize,
    pub dim: usize,
    pub stride: usize,
    pub scales: Vec<f32>,
}

impl FactorBlock {
    /// The padded int8 row of item `i` (bytes to be read as i8).
    #[inline]
    pub fn row<'a>(&self, bytes: &'a [u8], i: usize) -> &'a [u8] {
        let start = self.offset + i * self.stride;
        bytes.get(start..start + self.stride).unwrap_or(&[])
    }

    /// The dequantised factors of item `i` (length `dim`).
    pub fn row_f32(&self, bytes: &[u8], i: usize) -> Vec<f32> {
        let scale = self.scales.get(i).copied().unwrap_or(0.0);
        self.row(bytes, i)[..self.dim.min(self.stride)]
            .iter()
            .map(|&b| (b as i8) as f32 * scale)
            .collect()
    }
}

/// A query vector quantised like the item rows, so scoring is int8 × int8
/// with i32 accumulation; `scale` converts the integer dot back to a float.
#[derive(Debug, Clone, Default)]
pub struct QuantizedQuery {
    pub values: Vec<i8>,
    pub scale: f32,
}

impl QuantizedQuery {
    /// Quantises `v` symmetrically to [-127, 127], zero-padded to `stride`.
    pub fn new(v: &[f32], stride: usize) -> QuantizedQuery {
        let (values, scale) = quantize_row(v, stride);
        QuantizedQuery { values, scale }
    }
}

/// Symmetric per-row int8 quantisation shared by the model writer and the
/// query path, so both round the same way.
pub fn quantize_row(v: &[f32], stride: usize) -> (Vec<i8>, f32) {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let mut out = vec![0i8; stride.max(v.len())];
    if max == 0.0 || !max.is_finite() || v.iter().any(|x| !x.is_finite()) {
        return (out, 0.0);
    }
    let scale = max / 127.0;
    for (o, &x) in out.iter_mut().zip(v) {
        *o = (x / scale).round().clamp(-127.0, 127.0) as i8;
    }
    (out, scale)
}

/// Integer dot product of an int8 row with an int8 query, portable version.
#[inline]
pub fn dot_scalar(row: &[u8], query: &[i8]) -> i32 {
    row.iter()
        .zip(query)
        .map(|(&a, &b)| (a as i8) as i32 * b as i32)
        .sum()
}

/// SIMD128 version: widen int8 to int16 and use `i32x4.dot_i16x8_s`.
/// Both slices must have the same length, a multiple of 16.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
pub fn dot_simd(row: &[u8], query: &[i8]) -> i32 {
    use core::arch::wasm32::*;
    let n = row.len().min(query.len()) / LANES * LANES;
    let mut acc = i32x4_splat(0);
    let mut j = 0;
    while j < n {
        // SAFETY: j + 16 <= n <= len of both slices; v128_load is unaligned.
        let (a, b) = unsafe {
            (
                v128_load(row.as_ptr().add(j) as *const v128),
                v128_load(query.as_ptr().add(j) as *const v128),
            )
        };
        let a_lo = i16x8_extend_low_i8x16(a);
        let a_hi = i16x8_extend_high_i8x16(a);
        let b_lo = i16x8_extend_low_i8x16(b);
        let b_hi = i16x8_extend_high_i8x16(b);
        acc = i32x4_add(acc, i32x4_dot_i16x8(a_lo, b_lo));
        acc = i32x4_add(acc, i32x4_dot_i16x8(a_hi, b_hi));
        j += LANES;
    }
    let tail = dot_scalar(&row[n..], &query[n..]);
    i32x4_extract_lane::<0>(acc)
        + i32x4_extract_lane::<1>(acc)
        + i32x4_extract_lane::<2>(acc)
        + i32x4_extract_lane::<3>(acc)
        + tail
}

/// Dot product against a widened query, any length.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn dot_widened(row: &[u8], widened: &[core::arch::wasm32::v128]) -> i32 {
    use core::arch::wasm32::*;
    let mut acc = i32x4_splat(0);
    for (chunk, q) in row.chunks_exact(LANES).zip(widened.chunks_exact(2)) {
        // SAFETY: `chunk` is exactly 16 bytes; v128_load is unaligned.
        let v = unsafe { v128_load(chunk.as_ptr() as *const v128) };
        acc = i32x4_add(acc, i32x4_dot_i16x8(i16x8_extend_low_i8x16(v), q[0]));
        acc = i32x4_add(acc, i32x4_dot_i16x8(i16x8_extend_high_i8x16(v), q[1]));
    }
    horizontal_sum(acc)
}

/// Unrolled dot product for rows of exactly `C` × 16 bytes, with two
/// accumulators so consecutive chunks do not wait on each other.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn dot_fixed<const C: usize>(row: &[u8], widened: &[core::arch::wasm32::v128]) -> i32 {
    use core::arch::wasm32::*;
    if row.len() < C * LANES || widened.len() < 2 * C {
        return dot_widened(row, widened);
    }
    let mut a = i32x4_splat(0);
    let mut b = i32x4_splat(0);
    for c in 0..C {
        // SAFETY: row.len() >= C * 16 was checked above; v128_load is unaligned.
        let v = unsafe { v128_load(row.as_ptr().add(c * LANES) as *const v128) };
        a = i32x4_add(
            a,
            i32x4_dot_i16x8(i16x8_extend_low_i8x16(v), widened[2 * c]),
        );
        b = i32x4_add(
            b,
            i32x4_dot_i16x8(i16x8_extend_high_i8x16(v), widened[2 * c + 1]),
        );
    }
    horizontal_sum(i32x4_add(a, b))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn horizontal_sum(v: core::arch::wasm32::v128) -> i32 {
    use core::arch::wasm32::*;
    i32x4_extract_lane::<0>(v)
        + i32x4_extract_lane::<1>(v)
        + i32x4_extract_lane::<2>(v)
        + i32x4_extract_lane::<3>(v)
}

#[inline(always)]
fn scan_with(
    rows: &[u8],
    stride: usize,
    scales: &[f32],
    query_scale: f32,
    top: &mut TopK,
    dot: impl Fn(&[u8]) -> i32,
) {
    if stride == 0 {
        return;
    }
    let mut threshold = f32::NEG_INFINITY;
    for (i, (row, &scale)) in rows.chunks_exact(stride).zip(scales).enumerate() {
        // The product of two finite scales can overflow; clamped, a zero dot
        // stays 0 instead of becoming 0 × ∞ = NaN.
        let s = dot(row) as f32 * (query_scale * scale).min(f32::MAX);
        if s > threshold || !top.is_full() {
            top.push(i, s);
            threshold = top.worst_score();
        }
    }
}

/// A query prepared once per ranking call: on SIMD builds it is widened to
/// i16 lanes up front, so each row costs two widenings, two
/// `i32x4.dot_i16x8_s` and two adds per 16 bytes.
pub struct QueryKernel<'q> {
    query: &'q [i8],
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    widened: Vec<core::arch::wasm32::v128>,
}

impl<'q> QueryKernel<'q> {
    pub fn new(query: &'q [i8]) -> QueryKernel<'q> {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            use core::arch::wasm32::*;
            let widened = query
                .chunks_exact(LANES)
                .flat_map(|c| {
                    let mut b = [0u8; LANES];
                    for (o, &x) in b.iter_mut().zip(c) {
                        *o = x as u8;
                    }
                    let v = u8x16(
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                        b[12], b[13], b[14], b[15],
                    );
                    [i16x8_extend_low_i8x16(v), i16x8_extend_high_i8x16(v)]
                })
                .collect();
            QueryKernel { query, widened }
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            QueryKernel { query }
        }
    }

    /// Integer dot product of one padded row with the query. Common row
    /// lengths (32, 64, 128 dims…) get a fully unrolled kernel; the branch
    /// is the same for every row, so it is always predicted.
    #[inline(always)]
    pub fn dot(&self, row: &[u8]) -> i32 {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            match self.widened.len() / 2 {
                1 => dot_fixed::<1>(row, &self.widened),
                2 => dot_fixed::<2>(row, &self.widened),
                3 => dot_fixed::<3>(row, &self.widened),
                4 => dot_fixed::<4>(row, &self.widened),
                6 => dot_fixed::<6>(row, &self.widened),
                8 => dot_fixed::<8>(row, &self.widened),
                _ => dot_widened(row, &self.widened),
            }
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            dot_scalar(row, self.query)
        }
    }

    /// Scores every row of a contiguous block in index order and offers
    /// each to `top`. Rows come in index order, so once the heap is full a
    /// later row must beat the worst score strictly (it loses ties): one
    /// float compare per row on the common path. Monomorphised per row length.
    pub fn scan_rows(&self, rows: &[u8], scales: &[f32], query_scale: f32, top: &mut TopK) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            let w = &self.widened;
            match w.len() / 2 {
                1 => scan_with(rows, 16, scales, query_scale, top, |r| dot_fixed::<1>(r, w)),
                2 => scan_with(rows, 32, scales, query_scale, top, |r| dot_fixed::<2>(r, w)),
                4 => scan_with(rows, 64, scales, query_scale, top, |r| dot_fixed::<4>(r, w)),
                8 => scan_with(rows, 128, scales, query_scale, top, |r| {
                    dot_fixed::<8>(r, w)
                }),
                c => scan_with(rows, c * LANES, scales, query_scale, top, |r| {
                    dot_widened(r, w)
                }),
            }
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            scan_with(rows, self.query.len(), scales, query_scale, top, |r| {
                dot_scalar(r, self.query)
            })
        }
    }

    /// The portable kernel, kept callable on SIMD builds for comparison.
    pub fn dot_portable(&self, row: &[u8]) -> i32 {
        dot_scalar(row, self.query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantisation_error_is_within_half_a_step() {
        let v: Vec<f32> = (0..40)
            .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let (q, scale) = quantize_row(&v, stride_for(v.len()));
        assert_eq!(q.len(), 48);
        for (x, qi) in v.iter().zip(&q) {
            assert!((x - *qi as f32 * scale).abs() <= scale * 0.5 + 1e-6);
        }
        assert!(q[40..].iter().all(|&p| p == 0), "padding stays zero");
    }

    #[test]
    fn zero_and_nan_rows_quantise_to_zero() {
        assert_eq!(quantize_row(&[0.0; 3], 16).1, 0.0);
        assert_eq!(quantize_row(&[f32::NAN, 1.0], 16).1, 0.0);
    }

    #[test]
    fn scalar_dot_matches_integer_arithmetic() {
        let row: Vec<u8> = [-128i8, 127, -1, 5].iter().map(|&x| x as u8).collect();
        let query = [1i8, 1, -127, 2];
        assert_eq!(dot_scalar(&row, &query), -128 + 127 + 127 + 10);
    }
}
