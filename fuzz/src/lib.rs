//! Shared pieces of the fuzz targets: the test fixture model and the
//! invariants every ranking result must satisfy.

#[path = "../../tests/common/mod.rs"]
#[allow(dead_code)]
pub mod common;

use shelfrank::{LoadOptions, Model, RankOptions, Ranked, Recommender};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The fixture model bytes (48 items, dim 8), built once per process.
pub fn fixture() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(common::fixture_bytes)
}

/// Checks what must hold for any successful `recommend`/`similar` result.
pub fn check_ranked(model: &Model, opts: &RankOptions, out: &[Ranked], excluded: &[usize]) {
    assert!(
        out.len() <= opts.k,
        "{} results for k = {}",
        out.len(),
        opts.k
    );
    let mut seen = HashSet::new();
    for r in out {
        assert!(
            r.index < model.item_count(),
            "index {} out of range",
            r.index
        );
        assert!(seen.insert(r.index), "item {} returned twice", r.index);
        assert!(!r.score.is_nan(), "NaN score for item {}", r.index);
        assert!(
            !excluded.contains(&r.index),
            "excluded item {} returned",
            r.index
        );
        if opts.in_stock_only {
            assert!(
                model.in_stock(r.index),
                "out-of-stock item {} returned",
                r.index
            );
        }
        if opts.min_price.is_some() || opts.max_price.is_some() {
            let p = model
                .price(r.index)
                .expect("price filter passed an unpriced item");
            assert!(opts.min_price.is_none_or(|lo| p >= lo));
            assert!(opts.max_price.is_none_or(|hi| p <= hi));
        }
        if let Some(c) = &opts.candidates {
            assert!(
                c.iter().any(|id| id == model.item_id(r.index)),
                "item {} is not among the candidates",
                r.index
            );
        }
    }
    for w in out.windows(2) {
        assert!(
            w[0].score >= w[1].score,
            "results not sorted: {} before {}",
            w[0].score,
            w[1].score
        );
    }
}

/// Items the shopper's history hides under `opts` (same rule as the engine).
pub fn history_hidden(r: &Recommender, opts: &RankOptions) -> Vec<usize> {
    let summary = r.export_profile();
    let m = r.model();
    summary
        .items
        .iter()
        .filter_map(|it| {
            let i = m.index_of(&it.id)?;
            let c = it.counts;
            let viewed = c[0] > 0 || c[1] > 0 || c[7] > 0;
            let in_cart = c[2] > c[3];
            let bought = c[6] > 0;
            ((opts.exclude_viewed && viewed)
                || (opts.exclude_in_cart && in_cart)
                || (opts.exclude_purchased && bought))
                .then_some(i)
        })
        .collect()
}

/// Runs every engine entry point once on a freshly loaded, valid model.
pub fn exercise(model: Model) {
    let n = model.item_count();
    for i in 0..n.min(64) {
        let id = model.item_id(i).to_string();
        assert_eq!(model.index_of(&id), Some(i), "id {id:?} does not resolve");
        let _ = (
            model.label(i),
            model.category(i),
            model.brand(i),
            model.price(i),
        );
    }
    let mut r = Recommender::new(model, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("a model that loads must be usable: {e}"));
    let opts = RankOptions::for_recommend();
    let out = r.recommend(&opts).expect("popularity ranking");
    check_ranked(r.model(), &opts, &out, &[]);
    if n == 0 {
        return;
    }
    let first = r.model().item_id(0).to_string();
    let t = 1.7e12;
    for (k, kind) in shelfrank::EventKind::ALL.into_iter().enumerate() {
        let mut e = shelfrank::Event::new(kind, first.clone(), t + k as f64);
        e.dwell_ms = Some(30_000.0);
        assert!(r.track(&e).expect("track"));
    }
    // Fold-in may fail on a model whose Gramian is not positive definite,
    // but with an error, not a panic.
    if let Ok(out) = r.recommend(&opts) {
        let hidden = history_hidden(&r, &opts);
        check_ranked(r.model(), &opts, &out, &hidden);
    }
    let sim = RankOptions::for_similar();
    if let Ok(out) = r.similar(&first, &sim) {
        check_ranked(r.model(), &sim, &out, &[0]);
    }
    let _ = r.profile_summary();
    let exported = r.export_profile();
    r.import_profile(&exported)
        .unwrap_or_else(|e| panic!("an exported profile must import: {e}"));
    assert_eq!(
        r.export_profile(),
        exported,
        "export → import → export differs"
    );
    r.forget();
    assert_eq!(r.stats().distinct_items, 0);
}

/// Regenerates the committed seed corpus in `fuzz/seeds/`:
/// `cargo +nightly test --manifest-path fuzz/Cargo.toml -- --ignored write_seeds`.
#[cfg(test)]
mod seeds {
    use shelfrank::format::write_model;
    use shelfrank::signature::{sign_model, SigningKey};
    use shelfrank::{ItemRecord, ModelDefaults, ModelSpec};
    use std::path::Path;

    fn tiny(n: usize, dim: usize) -> Vec<u8> {
        let items = (0..n)
            .map(|i| ItemRecord {
                id: format!("i{i}"),
                name: if i % 2 == 0 {
                    format!("Item {i}")
                } else {
                    String::new()
                },
                category: ["", "a", "a.b"][i % 3].to_string(),
                brand: ["", "x"][i % 2].to_string(),
                price: (i % 3 != 0).then_some(i as f32),
                in_stock: i % 2 == 0,
                popularity: i as f32,
            })
            .collect();
        let factors = (0..n * dim)
            .map(|j| ((j * 7 % 11) as f32 - 5.0) / 5.0)
            .collect();
        write_model(&ModelSpec {
            dim,
            items,
            factors,
            defaults: ModelDefaults::default(),
        })
        .unwrap()
    }

    #[test]
    #[ignore]
    fn write_seeds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let load = root.join("load_model");
        std::fs::create_dir_all(&load).unwrap();
        let fixture = super::fixture().to_vec();
        let mut signed = fixture.clone();
        sign_model(&mut signed, &SigningKey::from_seed([1; 32])).unwrap();
        let files: Vec<(&str, Vec<u8>)> = vec![
            ("fixture.shelf", fixture.clone()),
            ("fixture-signed.shelf", signed),
            ("empty-catalogue.shelf", tiny(0, 1)),
            ("one-item.shelf", tiny(1, 1)),
            ("five-items-dim17.shelf", tiny(5, 17)),
            ("header-only.shelf", fixture[..64].to_vec()),
        ];
        for (name, bytes) in files {
            std::fs::write(load.join(name), bytes).unwrap();
        }
        // engine_ops decodes its structure from any bytes: a few fixed
        // pseudo-random starting points of different lengths.
        let ops = root.join("engine_ops");
        std::fs::create_dir_all(&ops).unwrap();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for (k, len) in [16usize, 64, 256, 1024].into_iter().enumerate() {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 32) as u8
                })
                .collect();
            std::fs::write(ops.join(format!("random-{k}")), bytes).unwrap();
        }
    }
}
