//! Implicit-feedback ALS (Hu, Koren & Volinsky 2008), multithreaded with
//! rayon and deterministic for a seed: every row is solved independently
//! from the other side's factors, and the Gramian is summed over fixed
//! chunks in a fixed order, so results do not depend on scheduling.
//!
//! For user u with observed items i and confidence c_ui = 1 + α·s_ui, the
//! update solves (YᵀY + Yᵀ(Cᵤ − I)Y + λI) xᵤ = YᵀCᵤ pᵤ, as the browser's
//! fold-in does (src/foldin.rs), either exactly (Cholesky) or with a few
//! warm-started conjugate-gradient steps (Takács et al. 2011).

use rayon::prelude::*;

/// A sparse matrix in compressed rows; `values` hold interaction strengths s
/// (confidence is 1 + α·s).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    pub rows: usize,
    pub cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl Csr {
    /// Builds from (row, col, value) triples sorted by row (cols any order).
    pub fn from_sorted_triples(rows: usize, cols: usize, triples: &[(u32, u32, f32)]) -> Csr {
        let mut indptr = vec![0usize; rows + 1];
        for &(r, _, _) in triples {
            indptr[r as usize + 1] += 1;
        }
        for r in 0..rows {
            indptr[r + 1] += indptr[r];
        }
        Csr {
            rows,
            cols,
            indptr,
            indices: triples.iter().map(|t| t.1).collect(),
            values: triples.iter().map(|t| t.2).collect(),
        }
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// The transpose (counting sort; rows of the result are in increasing
    /// order of the original row index).
    pub fn transpose(&self) -> Csr {
        let mut indptr = vec![0usize; self.cols + 1];
        for &c in &self.indices {
            indptr[c as usize + 1] += 1;
        }
        for c in 0..self.cols {
            indptr[c + 1] += indptr[c];
        }
        let mut next = indptr.clone();
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f32; self.nnz()];
        for r in 0..self.rows {
            let (cols, vals) = self.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                let slot = &mut next[c as usize];
                indices[*slot] = r as u32;
                values[*slot] = v;
                *slot += 1;
            }
        }
        Csr {
            rows: self.cols,
            cols: self.rows,
            indptr,
            indices,
            values,
        }
    }
}

/// How each row's least-squares problem is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Solver {
    /// Warm-started conjugate gradient, a few steps per row (fast).
    Cg,
    /// Exact Cholesky solve per row (k³/3 per row; exact).
    Cholesky,
}

#[derive(Debug, Clone)]
pub struct AlsParams {
    pub factors: usize,
    pub iterations: usize,
    pub lambda: f32,
    pub alpha: f32,
    pub solver: Solver,
    pub cg_steps: usize,
    pub seed: u64,
}

impl Default for AlsParams {
    fn default() -> Self {
        AlsParams {
            factors: 64,
            iterations: 15,
            lambda: 0.1,
            alpha: 10.0,
            solver: Solver::Cg,
            cg_steps: 3,
            seed: 42,
        }
    }
}

/// Trained factors, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Factors {
    pub k: usize,
    pub users: Vec<f32>,
    pub items: Vec<f32>,
}

impl Factors {
    pub fn user(&self, u: usize) -> &[f32] {
        &self.users[u * self.k..(u + 1) * self.k]
    }
    pub fn item(&self, i: usize) -> &[f32] {
        &self.items[i * self.k..(i + 1) * self.k]
    }
}

/// SplitMix64: small, seedable, good enough for initialisation and sampling.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_f64() * n as f64) as usize % n.max(1)
    }
}

fn init(n: usize, k: usize, rng: &mut Rng) -> Vec<f32> {
    let scale = 0.1 / (k as f64).sqrt();
    (0..n * k)
        .map(|_| ((rng.next_f64() - 0.5) * 2.0 * scale) as f32)
        .collect()
}

const GRAM_CHUNK: usize = 4096;

/// YᵀY summed in f64 over fixed chunks, in order: deterministic.
pub fn gramian(y: &[f32], k: usize) -> Vec<f64> {
    let partials: Vec<Vec<f64>> = y
        .par_chunks(GRAM_CHUNK * k)
        .map(|chunk| {
            let mut g = vec![0f64; k * k];
            for row in chunk.chunks_exact(k) {
                for a in 0..k {
                    let ra = row[a] as f64;
                    if ra == 0.0 {
                        continue;
                    }
                    let ga = &mut g[a * k..(a + 1) * k];
                    for (gb, &rb) in ga.iter_mut().zip(row) {
                        *gb += ra * rb as f64;
                    }
                }
            }
            g
        })
        .collect();
    let mut g = vec![0f64; k * k];
    for p in partials {
        for (a, b) in g.iter_mut().zip(p) {
            *a += b;
        }
    }
    g
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves all rows of `x` against fixed `y`. `g` is YᵀY (without λ).
fn solve_side(x: &mut [f32], y: &[f32], g: &[f64], m: &Csr, p: &AlsParams) {
    let k = p.factors;
    let mut greg = g.to_vec();
    for d in 0..k {
        greg[d * k + d] += p.lambda as f64;
    }
    let g32: Vec<f32> = greg.iter().map(|&v| v as f32).collect();
    x.par_chunks_mut(k).enumerate().for_each(|(u, xu)| {
        let (cols, vals) = m.row(u);
        if cols.is_empty() {
            xu.iter_mut().for_each(|v| *v = 0.0);
            return;
        }
        match p.solver {
            Solver::Cholesky => solve_cholesky(xu, y, &greg, cols, vals, p.alpha, k),
            Solver::Cg => solve_cg(xu, y, &g32, cols, vals, p.alpha, k, p.cg_steps),
        }
    });
}

#[allow(clippy::too_many_arguments)]
fn solve_cg(
    x: &mut [f32],
    y: &[f32],
    g: &[f32],
    cols: &[u32],
    vals: &[f32],
    alpha: f32,
    k: usize,
    steps: usize,
) {
    // r = b − A x, with A = G + Σ (c−1) y yᵀ and b = Σ c y.
    let mut r = vec![0f32; k];
    for a in 0..k {
        r[a] = -dot(&g[a * k..(a + 1) * k], x);
    }
    for (&i, &s) in cols.iter().zip(vals) {
        let yi = &y[i as usize * k..(i as usize + 1) * k];
        let cm1 = alpha * s;
        let coef = (1.0 + cm1) - cm1 * dot(yi, x);
        for (rv, &yv) in r.iter_mut().zip(yi) {
            *rv += coef * yv;
        }
    }
    let mut pvec = r.clone();
    let mut rs_old = dot(&r, &r);
    let mut ap = vec![0f32; k];
    for _ in 0..steps {
        if rs_old < 1e-20 {
            break;
        }
        for a in 0..k {
            ap[a] = dot(&g[a * k..(a + 1) * k], &pvec);
        }
        for (&i, &s) in cols.iter().zip(vals) {
            let yi = &y[i as usize * k..(i as usize + 1) * k];
            let coef = alpha * s * dot(yi, &pvec);
            for (av, &yv) in ap.iter_mut().zip(yi) {
                *av += coef * yv;
            }
        }
        let pap = dot(&pvec, &ap);
        if pap <= 0.0 || !pap.is_finite() {
            break;
        }
        let step = rs_old / pap;
        for a in 0..k {
            x[a] += step * pvec[a];
            r[a] -= step * ap[a];
        }
        let rs_new = dot(&r, &r);
        let beta = rs_new / rs_old;
        for a in 0..k {
            pvec[a] = r[a] + beta * pvec[a];
        }
        rs_old = rs_new;
    }
}

fn solve_cholesky(
    x: &mut [f32],
    y: &[f32],
    greg: &[f64],
    cols: &[u32],
    vals: &[f32],
    alpha: f32,
    k: usize,
) {
    let mut a = greg.to_vec();
    let mut b = vec![0f64; k];
    for (&i, &s) in cols.iter().zip(vals) {
        let yi = &y[i as usize * k..(i as usize + 1) * k];
        let cm1 = (alpha * s) as f64;
        for r in 0..k {
            let yr = yi[r] as f64;
            b[r] += (1.0 + cm1) * yr;
            let w = cm1 * yr;
            if w == 0.0 {
                continue;
            }
            let row = &mut a[r * k..(r + 1) * k];
            for (av, &yc) in row.iter_mut().zip(yi) {
                *av += w * yc as f64;
            }
        }
    }
    if cholesky_solve(&mut a, &mut b, k) {
        for (xv, bv) in x.iter_mut().zip(&b) {
            *xv = *bv as f32;
        }
    }
}

/// In-place Cholesky factorisation and solve of a symmetric positive
/// definite system; returns false when the matrix is not SPD.
pub fn cholesky_solve(a: &mut [f64], b: &mut [f64], k: usize) -> bool {
    for j in 0..k {
        let mut d = a[j * k + j];
        for p in 0..j {
            d -= a[j * k + p] * a[j * k + p];
        }
        if d <= 0.0 || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = s / d;
        }
    }
    for i in 0..k {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * k + p] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    true
}

/// The implicit-ALS objective: Σ c (p − xᵀy)² over all user–item pairs
/// plus λ(‖X‖² + ‖Y‖²), computed without touching the zero entries.
pub fn loss(f: &Factors, m: &Csr, p: &AlsParams) -> f64 {
    let k = f.k;
    let g = gramian(&f.items, k);
    let per_user: Vec<f64> = (0..m.rows)
        .into_par_iter()
        .map(|u| {
            let xu = f.user(u);
            let mut l = 0f64;
            for a in 0..k {
                let mut s = 0f64;
                for b in 0..k {
                    s += g[a * k + b] * xu[b] as f64;
                }
                l += xu[a] as f64 * s;
            }
            let (cols, vals) = m.row(u);
            for (&i, &s) in cols.iter().zip(vals) {
                let pred = dot(xu, f.item(i as usize)) as f64;
                let c = 1.0 + (p.alpha * s) as f64;
                l += c * (1.0 - pred).powi(2) - pred * pred;
            }
            l + p.lambda as f64 * xu.iter().map(|v| (*v as f64).powi(2)).sum::<f64>()
        })
        .collect();
    per_user.iter().sum::<f64>()
        + p.lambda as f64 * f.items.iter().map(|v| (*v as f64).powi(2)).sum::<f64>()
}

/// Trains user and item factors on `user_items` (rows = sessions).
/// `on_iteration(iteration, factors)` runs after each full iteration.
pub fn train(
    user_items: &Csr,
    p: &AlsParams,
    mut on_iteration: impl FnMut(usize, &Factors),
) -> Factors {
    let k = p.factors;
    let item_users = user_items.transpose();
    let mut rng = Rng(p.seed);
    let mut f = Factors {
        k,
        items: init(user_items.cols, k, &mut rng),
        users: init(user_items.rows, k, &mut rng),
    };
    for it in 0..p.iterations {
        let g = gramian(&f.items, k);
        solve_side(&mut f.users, &f.items, &g, user_items, p);
        let g = gramian(&f.users, k);
        solve_side(&mut f.items, &f.users, &g, &item_users, p);
        on_iteration(it, &f);
    }
    f
}
