//! ALS sanity: the loss decreases, planted structure is recovered, results
//! are deterministic for a seed (and across thread counts).

use shelfrank_trainer::als::{self, AlsParams, Csr, Factors, Solver};

/// Two "shops in one": sessions 0..40 use items 0..10, sessions 40..80
/// items 10..20, each session 4 items chosen deterministically.
fn planted() -> Csr {
    let mut triples = Vec::new();
    for s in 0..80u32 {
        let base = if s < 40 { 0 } else { 10 };
        let mut items: Vec<u32> = (0..4).map(|j| base + (s * 7 + j * 3) % 10).collect();
        items.sort();
        items.dedup();
        for i in items {
            triples.push((s, i, 1.0 + (s % 3) as f32));
        }
    }
    Csr::from_sorted_triples(80, 20, &triples)
}

fn params(solver: Solver) -> AlsParams {
    AlsParams {
        factors: 8,
        iterations: 10,
        lambda: 0.1,
        alpha: 10.0,
        solver,
        cg_steps: 3,
        seed: 7,
    }
}

fn score(f: &Factors, u: usize, i: usize) -> f32 {
    f.user(u).iter().zip(f.item(i)).map(|(a, b)| a * b).sum()
}

#[test]
fn loss_decreases_every_iteration_with_exact_solves() {
    let m = planted();
    let p = params(Solver::Cholesky);
    let mut losses = Vec::new();
    als::train(&m, &p, |_, f| losses.push(als::loss(f, &m, &p)));
    assert_eq!(losses.len(), 10);
    for w in losses.windows(2) {
        assert!(w[1] <= w[0] * (1.0 + 1e-9), "loss went up: {losses:?}");
    }
    assert!(losses[9] < losses[0], "{losses:?}");
}

#[test]
fn loss_decreases_overall_with_conjugate_gradient() {
    let m = planted();
    let p = params(Solver::Cg);
    let mut losses = Vec::new();
    als::train(&m, &p, |_, f| losses.push(als::loss(f, &m, &p)));
    assert!(losses[9] < 0.8 * losses[0], "{losses:?}");
}

#[test]
fn planted_blocks_are_recovered() {
    let m = planted();
    for solver in [Solver::Cholesky, Solver::Cg] {
        let f = als::train(&m, &params(solver), |_, _| {});
        // Every session prefers its own block on average, by a clear margin.
        for u in 0..80 {
            let (own, other) = if u < 40 {
                (0..10, 10..20)
            } else {
                (10..20, 0..10)
            };
            let own_mean = own.map(|i| score(&f, u, i)).sum::<f32>() / 10.0;
            let other_mean = other.map(|i| score(&f, u, i)).sum::<f32>() / 10.0;
            assert!(
                own_mean > other_mean + 0.2,
                "{solver:?} session {u}: own {own_mean} vs other {other_mean}"
            );
        }
        // Every item's nearest item (cosine) lies in its own block.
        let cos = |a: usize, b: usize| {
            let (x, y) = (f.item(a), f.item(b));
            let d: f32 = x.iter().zip(y).map(|(p, q)| p * q).sum();
            let n = |v: &[f32]| v.iter().map(|p| p * p).sum::<f32>().sqrt();
            d / (n(x) * n(y))
        };
        for i in 0..20 {
            let nearest = (0..20)
                .filter(|&j| j != i)
                .max_by(|&a, &b| cos(i, a).total_cmp(&cos(i, b)))
                .unwrap();
            assert_eq!(
                i / 10,
                nearest / 10,
                "{solver:?}: item {i} is nearest to {nearest}"
            );
        }
    }
}

#[test]
fn observed_items_score_higher_than_unobserved_ones() {
    let m = planted();
    let f = als::train(&m, &params(Solver::Cholesky), |_, _| {});
    let (cols, _) = m.row(3);
    let seen: f32 = cols.iter().map(|&i| score(&f, 3, i as usize)).sum::<f32>() / cols.len() as f32;
    assert!(seen > 0.5, "observed items should be near 1, got {seen}");
}

#[test]
fn same_seed_gives_identical_factors_across_runs_and_thread_counts() {
    let m = planted();
    let p = params(Solver::Cg);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| als::train(&m, &p, |_, _| {}))
    };
    let a = run(2);
    let b = run(2);
    let c = run(1);
    assert_eq!(a, b);
    assert_eq!(a, c);
    let other = als::train(
        &m,
        &AlsParams {
            seed: 8,
            ..p.clone()
        },
        |_, _| {},
    );
    assert_ne!(
        a.items, other.items,
        "a different seed must change the factors"
    );
}

#[test]
fn transpose_round_trips() {
    let m = planted();
    let t = m.transpose();
    assert_eq!(t.rows, 20);
    assert_eq!(t.nnz(), m.nnz());
    assert_eq!(t.transpose(), m);
}

#[test]
fn cholesky_solves_a_known_system() {
    // [[4,2],[2,3]] x = [2,1] → x = [0.5, 0]
    let mut a = vec![4.0, 2.0, 2.0, 3.0];
    let mut b = vec![2.0, 1.0];
    assert!(als::cholesky_solve(&mut a, &mut b, 2));
    assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12, "{b:?}");
    let mut bad = vec![1.0, 2.0, 2.0, 1.0];
    assert!(!als::cholesky_solve(&mut bad, &mut [1.0, 1.0], 2));
}
