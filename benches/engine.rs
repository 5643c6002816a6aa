//! Native benchmarks of the engine core (`cargo bench`, criterion).
//!
//! The browser benchmark (`npm run bench`) is the one that matters for
//! shops; this one tracks the same operations natively so that a
//! regression in the plain-Rust core shows up without a browser. Every
//! group carries its own baseline measured in the same run:
//! - `ranking/*`: top-20 `recommend` with a typical filter set (in stock,
//!   price ≤ 500) against a pass that only sums the same number of int8
//!   bytes (the memory-bandwidth floor any scorer pays);
//! - `track`: one event plus the fold-in, against one `recommend`;
//! - `load`: bytes → ready recommender, against a plain copy of the bytes.
//!
//! Sizes: `SHELFRANK_BENCH_SIZES=10000x64,100000x64` (the default).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use shelfrank::{write_model, Event, EventKind, LoadOptions, RankOptions, Recommender};
use std::hint::black_box;

#[path = "../examples/support/synthetic.rs"]
mod synthetic;

fn sizes() -> Vec<(usize, usize)> {
    let spec =
        std::env::var("SHELFRANK_BENCH_SIZES").unwrap_or_else(|_| "10000x64,100000x64".to_string());
    spec.split(',')
        .filter_map(|s| {
            let (n, d) = s.trim().split_once('x')?;
            Some((n.parse().ok()?, d.parse().ok()?))
        })
        .collect()
}

/// Bytes of one padded int8 row (rows are padded to 16 bytes for SIMD).
fn stride(dim: usize) -> usize {
    dim.div_ceil(16) * 16
}

fn typical_options() -> RankOptions {
    RankOptions {
        k: 20,
        in_stock_only: true,
        max_price: Some(500.0),
        ..RankOptions::for_recommend()
    }
}

/// A recommender with a short realistic session already folded in.
fn warmed(bytes: &[u8]) -> Recommender {
    let mut rec =
        Recommender::load(bytes.to_vec(), &LoadOptions::default()).expect("synthetic model loads");
    let kinds = [
        EventKind::ViewItem,
        EventKind::ViewItem,
        EventKind::SelectItem,
        EventKind::AddToCart,
        EventKind::ViewItem,
    ];
    for (i, kind) in kinds.iter().enumerate() {
        let event = Event::new(*kind, format!("item-{}", i * 37), 1.7e12 + i as f64 * 1e4);
        rec.track(&event).expect("known item");
    }
    rec
}

fn ranking(c: &mut Criterion) {
    let mut group = c.benchmark_group("ranking");
    for (n, dim) in sizes() {
        let bytes = write_model(&synthetic::synthetic(n, dim)).expect("model builds");
        let label = format!("{n}x{dim}");
        group.throughput(Throughput::Bytes((n * stride(dim)) as u64));

        let block: Vec<i8> = bytes
            .iter()
            .take(n * stride(dim))
            .map(|&b| b as i8)
            .collect();
        group.bench_function(BenchmarkId::new("bandwidth_floor_sum_int8", &label), |b| {
            b.iter(|| {
                let mut acc = [0i32; 16];
                for chunk in black_box(&block).chunks_exact(16) {
                    for (a, &x) in acc.iter_mut().zip(chunk) {
                        *a += x as i32;
                    }
                }
                acc.iter().sum::<i32>()
            })
        });

        let mut rec = warmed(&bytes);
        let opts = typical_options();
        group.bench_function(BenchmarkId::new("recommend_top20_filtered", &label), |b| {
            b.iter(|| rec.recommend(black_box(&opts)).expect("ranks"))
        });
        let plain = RankOptions {
            k: 20,
            ..RankOptions::for_recommend()
        };
        group.bench_function(
            BenchmarkId::new("recommend_top20_unfiltered", &label),
            |b| b.iter(|| rec.recommend(black_box(&plain)).expect("ranks")),
        );
        let similar = RankOptions {
            k: 20,
            ..RankOptions::for_similar()
        };
        group.bench_function(BenchmarkId::new("similar_top20", &label), |b| {
            b.iter(|| rec.similar("item-3", black_box(&similar)).expect("ranks"))
        });
    }
    group.finish();
}

fn track(c: &mut Criterion) {
    let mut group = c.benchmark_group("track");
    for (n, dim) in sizes() {
        let bytes = write_model(&synthetic::synthetic(n, dim)).expect("model builds");
        let label = format!("{n}x{dim}");
        let mut rec = warmed(&bytes);
        let mut t = 1.8e12;
        let mut i = 0usize;
        // `track` alone is lazy; the fold-in runs on the next ranking, so
        // the honest cost of "one event, then ready" includes user_vector().
        group.bench_function(BenchmarkId::new("track_and_fold_in", &label), |b| {
            b.iter(|| {
                i = (i + 7919) % n;
                t += 1000.0;
                let event = Event::new(EventKind::ViewItem, format!("item-{i}"), t);
                rec.track(black_box(&event)).expect("known item");
                rec.user_vector()
                    .map(|u| black_box(u as *const _))
                    .expect("folds")
            })
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    for (n, dim) in sizes() {
        let bytes = write_model(&synthetic::synthetic(n, dim)).expect("model builds");
        let label = format!("{n}x{dim}");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("plain_copy", &label), |b| {
            b.iter(|| black_box(&bytes).to_vec())
        });
        group.bench_function(BenchmarkId::new("load_validated", &label), |b| {
            b.iter(|| {
                Recommender::load(black_box(&bytes).to_vec(), &LoadOptions::default())
                    .expect("loads")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ranking, track, load);
criterion_main!(benches);
