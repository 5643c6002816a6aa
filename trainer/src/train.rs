//! `shelfrank train`: events + catalogue → implicit ALS → `.shelf` file.

use crate::als::{self, AlsParams, Csr, Factors, Rng};
use crate::catalog::{Catalog, CatalogItem};
use crate::convert::write_atomic;
use crate::input::{read_events, ReadOptions, ReadStats};
use crate::progress;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use shelfrank::events::event_units;
use shelfrank::factors::{dot_scalar as dot, QuantizedQuery};
use shelfrank::{
    write_model, EventKind, EventWeights, ItemRecord, Model, ModelDefaults, ModelSpec,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything `train` needs.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub events: PathBuf,
    pub catalog: Option<PathBuf>,
    pub out: PathBuf,
    pub als: AlsParams,
    pub weights: EventWeights,
    pub half_life_hours: f32,
    pub threads: Option<usize>,
    pub read: ReadOptions,
    /// Compute and print the training objective after each iteration.
    pub track_loss: bool,
}

/// Parses `view_item=1,add_to_cart=4,purchase=8` over the engine defaults.
/// Raw data-set names (view, cart, buy, …) are accepted too.
pub fn parse_event_weights(spec: &str) -> Result<EventWeights> {
    let mut w = EventWeights::default();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .with_context(|| format!("event weight \"{part}\" is not name=value"))?;
        let kind = crate::input::parse_kind(name)
            .with_context(|| format!("unknown event name \"{name}\" in --event-weights"))?;
        let v: f32 = value
            .trim()
            .parse()
            .with_context(|| format!("event weight \"{value}\" for {name} is not a number"))?;
        w.set(kind, v).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(w)
}

/// What training did, for the printed summary and the reports.
#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub events_file: String,
    pub catalog_file: Option<String>,
    pub out: String,
    pub rows: u64,
    pub events: u64,
    pub bad_rows: u64,
    pub sessions: u32,
    pub sessions_with_signal: usize,
    #[serde(flatten)]
    pub coverage: ItemCoverage,
    pub nonzeros: usize,
    pub factors: usize,
    pub iterations: usize,
    pub lambda: f32,
    pub alpha: f32,
    pub half_life_hours: f32,
    pub solver: String,
    pub seed: u64,
    pub threads: usize,
    pub event_weights: Vec<(String, f32)>,
    pub read_seconds: f64,
    pub als_seconds: f64,
    pub write_seconds: f64,
    pub total_seconds: f64,
    pub model_bytes: usize,
    pub quantisation_rel_error: f64,
    pub losses: Vec<f64>,
}

/// Compact record of one event during training: 16 bytes.
#[derive(Clone, Copy)]
struct Rec {
    session: u32,
    item: u32,
    /// Seconds since the first event of the file (0 without times).
    t: i32,
    w: f32,
}

/// The interaction matrix plus what is needed to write the model.
pub struct Prepared {
    pub items: Vec<CatalogItem>,
    /// Event count per item (popularity).
    pub counts: Vec<u64>,
    /// Sessions × warm items, strengths.
    pub matrix: Csr,
    /// Model item → ALS column (warm items only).
    pub column_of: Vec<Option<u32>>,
    pub stats: ReadStats,
}

/// Reads the catalogue and events and builds the session × item matrix
/// with strengths Σ w(kind)·2^(−age/half-life), age measured from the
/// session's last event and clamped at zero, as the engine's profile does.
pub fn prepare(cfg: &TrainConfig, catalog: Catalog) -> Result<Prepared> {
    let mut items = catalog.items;
    let mut index: HashMap<String, u32> = catalog
        .index
        .into_iter()
        .map(|(k, v)| (k, v as u32))
        .collect();
    let mut counts = vec![0u64; items.len()];
    let mut recs: Vec<Rec> = Vec::new();
    let mut session_end: Vec<i32> = Vec::new();
    let mut base: Option<f64> = None;
    let weights = cfg.weights;
    let stats = read_events(&cfg.events, &cfg.read, |ev| {
        let item = match index.get(ev.item) {
            Some(&i) => i,
            None => {
                let i = items.len() as u32;
                items.push(CatalogItem {
                    id: ev.item.to_string(),
                    in_stock: true,
                    ..CatalogItem::default()
                });
                index.insert(ev.item.to_string(), i);
                counts.push(0);
                i
            }
        };
        counts[item as usize] += 1;
        let t = match ev.time_s {
            Some(ts) => {
                let b = *base.get_or_insert(ts);
                (ts - b).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32
            }
            None => 0,
        };
        let s = ev.session as usize;
        if session_end.len() <= s {
            session_end.resize(s + 1, i32::MIN);
        }
        session_end[s] = session_end[s].max(t);
        let w = weights.get(ev.kind) * event_units(ev.kind, None);
        if w != 0.0 {
            recs.push(Rec {
                session: ev.session,
                item,
                t,
                w,
            });
        }
    })?;
    drop(index);
    if stats.events == 0 {
        if stats.bad_rows > 0 {
            let reasons: Vec<String> = stats
                .bad_reasons
                .iter()
                .map(|(why, n)| format!("{n} × {why}"))
                .collect();
            bail!(
                "{}: no events to train on: all {} data rows were skipped ({}); first: {}",
                cfg.events.display(),
                stats.bad_rows,
                reasons.join(", "),
                stats.examples.first().map_or("-", String::as_str)
            );
        }
        bail!("{}: no events to train on", cfg.events.display());
    }
    recs.sort_unstable_by_key(|r| (r.session, r.item, r.t, r.w.to_bits()));
    let half_life_s = cfg.half_life_hours as f64 * 3600.0;
    let mut triples: Vec<(u32, u32, f32)> = Vec::new();
    let mut start = 0;
    while start < recs.len() {
        let (s, i) = (recs[start].session, recs[start].item);
        let mut end = start;
        let mut strength = 0f64;
        let t_end = session_end[s as usize] as f64;
        while end < recs.len() && recs[end].session == s && recs[end].item == i {
            let r = recs[end];
            let age = (t_end - r.t as f64).max(0.0);
            strength += r.w as f64 * (-age / half_life_s * std::f64::consts::LN_2).exp();
            end += 1;
        }
        if strength > 0.0 {
            triples.push((s, i, strength as f32));
        }
        start = end;
    }
    drop(recs);
    // Compact the warm items into ALS columns.
    let mut column_of: Vec<Option<u32>> = vec![None; items.len()];
    let mut next = 0u32;
    let mut seen = vec![false; items.len()];
    for &(_, i, _) in &triples {
        seen[i as usize] = true;
    }
    for (i, s) in seen.iter().enumerate() {
        if *s {
            column_of[i] = Some(next);
            next += 1;
        }
    }
    for t in &mut triples {
        t.1 = column_of[t.1 as usize].unwrap_or(0);
    }
    let matrix = Csr::from_sorted_triples(stats.sessions as usize, next as usize, &triples);
    Ok(Prepared {
        items,
        counts,
        matrix,
        column_of,
        stats,
    })
}

/// Catalogue metadata with the popularity prior: ln(1 + events), scaled so
/// the most interacted-with item is 1.
pub fn item_records(items: &[CatalogItem], counts: &[u64]) -> Vec<ItemRecord> {
    let max_count = counts.iter().copied().max().unwrap_or(0);
    let norm = (1.0 + max_count as f64).ln().max(f64::MIN_POSITIVE);
    items
        .iter()
        .zip(counts)
        .map(|(it, &c)| ItemRecord {
            id: it.id.clone(),
            name: it.name.clone(),
            category: it.category.clone(),
            brand: it.brand.clone(),
            price: it.price,
            in_stock: it.in_stock,
            popularity: ((1.0 + c as f64).ln() / norm) as f32,
        })
        .collect()
}

/// Writes the model to `out` (temp file + rename) and reads it back through
/// the engine, so a file that would not load is never reported as written.
pub fn write_and_read_back(spec: &ModelSpec, out: &Path) -> Result<(usize, Model)> {
    let bytes = write_model(spec).map_err(|e| anyhow::anyhow!("cannot write the model: {e}"))?;
    write_atomic(out, |w| {
        w.write_all(&bytes)?;
        Ok(())
    })?;
    let len = bytes.len();
    let model = Model::from_bytes(bytes)
        .map_err(|e| anyhow::anyhow!("the written model does not read back: {e}"))?;
    Ok((len, model))
}

/// Where the model's item factors came from: trained, or a cold-start rule
/// of [`fill_cold`]. Printed and reported by `train` and `import-spark`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ItemCoverage {
    pub items: usize,
    pub warm_items: usize,
    pub cold_items: usize,
    pub cold_by_category_brand: usize,
    pub cold_by_category: usize,
    pub cold_by_brand: usize,
    pub cold_zero: usize,
}

impl std::fmt::Display for ItemCoverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} total: {} trained, {} cold (factors from category+brand {}, category {}, brand {}, none {})",
            self.items,
            self.warm_items,
            self.cold_items,
            self.cold_by_category_brand,
            self.cold_by_category,
            self.cold_by_brand,
            self.cold_zero
        )
    }
}

/// Cold-start factors: the mean of warm items sharing category and brand,
/// else category, else brand, else zero. Returns how many items each rule
/// served.
pub fn fill_cold(
    items: &[CatalogItem],
    column_of: &[Option<u32>],
    f: &Factors,
    out: &mut [f32],
) -> ItemCoverage {
    let k = f.k;
    let mut sums: HashMap<(u8, String, String), (Vec<f64>, usize)> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let Some(c) = column_of[i] else { continue };
        let row = f.item(c as usize);
        let keys = [
            (!it.category.is_empty() && !it.brand.is_empty())
                .then(|| (0u8, it.category.clone(), it.brand.clone())),
            (!it.category.is_empty()).then(|| (1u8, it.category.clone(), String::new())),
            (!it.brand.is_empty()).then(|| (2u8, String::new(), it.brand.clone())),
        ];
        for key in keys.into_iter().flatten() {
            let e = sums.entry(key).or_insert_with(|| (vec![0f64; k], 0));
            for (a, &v) in e.0.iter_mut().zip(row) {
                *a += v as f64;
            }
            e.1 += 1;
        }
    }
    let mut counts = [0usize; 4];
    for (i, it) in items.iter().enumerate() {
        let dst = &mut out[i * k..(i + 1) * k];
        if let Some(c) = column_of[i] {
            dst.copy_from_slice(f.item(c as usize));
            continue;
        }
        let keys = [
            (0u8, it.category.clone(), it.brand.clone()),
            (1u8, it.category.clone(), String::new()),
            (2u8, String::new(), it.brand.clone()),
        ];
        let mut done = false;
        for (rule, key) in keys.into_iter().enumerate() {
            if let Some((sum, n)) = sums.get(&key) {
                for (d, s) in dst.iter_mut().zip(sum) {
                    *d = (*s / *n as f64) as f32;
                }
                counts[rule] += 1;
                done = true;
                break;
            }
        }
        if !done {
            dst.iter_mut().for_each(|v| *v = 0.0);
            counts[3] += 1;
        }
    }
    let cold_items = counts.iter().sum::<usize>();
    ItemCoverage {
        items: items.len(),
        warm_items: items.len() - cold_items,
        cold_items,
        cold_by_category_brand: counts[0],
        cold_by_category: counts[1],
        cold_by_brand: counts[2],
        cold_zero: counts[3],
    }
}

/// Mean relative error ‖s − ŝ‖/‖s‖ of full-catalogue scores for a sample
/// of trained users: f32 factors versus the model's int8 rows and an int8
/// query, exactly as the engine scores.
pub fn quantisation_error(model: &Model, factors: &[f32], users: &[Vec<f32>]) -> f64 {
    let block = model.factor_block();
    let bytes = model.raw_bytes();
    let k = block.dim;
    let mut total = 0.0;
    let mut n = 0;
    for x in users {
        let q = QuantizedQuery::new(x, block.stride);
        let (mut num, mut den) = (0f64, 0f64);
        for i in 0..block.items {
            let exact: f64 = factors[i * k..(i + 1) * k]
                .iter()
                .zip(x)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum();
            let approx = dot(block.row(bytes, i), &q.values) as f64
                * q.scale as f64
                * block.scales[i] as f64;
            num += (exact - approx).powi(2);
            den += exact * exact;
        }
        if den > 0.0 {
            total += (num / den).sqrt();
            n += 1;
        }
    }
    if n == 0 {
        0.0
    } else {
        total / n as f64
    }
}

/// Trains and writes the model; prints progress to stderr.
pub fn train(cfg: &TrainConfig) -> Result<TrainSummary> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    let threads = pool.current_num_threads();
    pool.install(|| train_inner(cfg, threads))
}

fn train_inner(cfg: &TrainConfig, threads: usize) -> Result<TrainSummary> {
    let t0 = Instant::now();
    let defaults = ModelDefaults {
        lambda: cfg.als.lambda,
        alpha: cfg.als.alpha,
        half_life_hours: cfg.half_life_hours,
        weights: cfg.weights,
    };
    defaults.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
    if cfg.als.factors == 0 || cfg.als.factors > shelfrank::format::MAX_DIM {
        bail!(
            "--factors must be 1..={}, got {}",
            shelfrank::format::MAX_DIM,
            cfg.als.factors
        );
    }
    let catalog = Catalog::read_or_empty(cfg.catalog.as_deref(), &cfg.read)?;
    let catalog_len = catalog.items.len();
    let prep = prepare(cfg, catalog)?;
    if prep.stats.bad_rows > 0 {
        eprintln!("warning: {}", prep.stats.describe_bad());
        for e in &prep.stats.examples {
            eprintln!("  {e}");
        }
    }
    let read_seconds = t0.elapsed().as_secs_f64();
    let m = &prep.matrix;
    if m.cols == 0 {
        bail!("no item has a positive interaction strength: check --event-weights");
    }
    eprintln!(
        "read {} events in {} sessions: {} items ({} from the catalogue), {} session–item pairs ({:.1}s)",
        prep.stats.events,
        prep.stats.sessions,
        prep.items.len(),
        catalog_len,
        m.nnz(),
        read_seconds
    );
    let t1 = Instant::now();
    let bar = progress::count_bar(
        cfg.read.progress,
        cfg.als.iterations as u64,
        "ALS iterations",
    );
    let mut losses = Vec::new();
    let factors = als::train(m, &cfg.als, |it, f| {
        bar.set_position(it as u64 + 1);
        if cfg.track_loss {
            let l = als::loss(f, m, &cfg.als);
            bar.set_prefix(format!("loss {l:.4e}"));
            losses.push(l);
        }
    });
    bar.finish_and_clear();
    let als_seconds = t1.elapsed().as_secs_f64();
    eprintln!(
        "ALS: {} iterations, {} factors, {} threads ({:.1}s)",
        cfg.als.iterations, cfg.als.factors, threads, als_seconds
    );

    let t2 = Instant::now();
    let k = cfg.als.factors;
    let mut all = vec![0f32; prep.items.len() * k];
    let coverage = fill_cold(&prep.items, &prep.column_of, &factors, &mut all);
    let spec = ModelSpec {
        dim: k,
        items: item_records(&prep.items, &prep.counts),
        factors: all,
        defaults,
    };
    let (model_bytes, model) = write_and_read_back(&spec, &cfg.out)?;
    // Quantisation error on up to 200 sessions sampled with the seed.
    let mut rng = Rng(cfg.als.seed ^ 0x5EED);
    let with_signal: Vec<usize> = (0..m.rows).filter(|&u| !m.row(u).0.is_empty()).collect();
    let sample: Vec<Vec<f32>> = (0..with_signal.len().min(200))
        .map(|_| {
            factors
                .user(with_signal[rng.below(with_signal.len())])
                .to_vec()
        })
        .collect();
    let qerr = quantisation_error(&model, &spec.factors, &sample);
    let write_seconds = t2.elapsed().as_secs_f64();
    Ok(TrainSummary {
        events_file: cfg.events.display().to_string(),
        catalog_file: cfg.catalog.as_ref().map(|p| p.display().to_string()),
        out: cfg.out.display().to_string(),
        rows: prep.stats.rows,
        events: prep.stats.events,
        bad_rows: prep.stats.bad_rows,
        sessions: prep.stats.sessions,
        sessions_with_signal: with_signal.len(),
        coverage,
        nonzeros: m.nnz(),
        factors: k,
        iterations: cfg.als.iterations,
        lambda: cfg.als.lambda,
        alpha: cfg.als.alpha,
        half_life_hours: cfg.half_life_hours,
        solver: format!("{:?}", cfg.als.solver).to_lowercase(),
        seed: cfg.als.seed,
        threads,
        event_weights: EventKind::ALL
            .iter()
            .map(|k| (k.name().to_string(), cfg.weights.get(*k)))
            .collect(),
        read_seconds,
        als_seconds,
        write_seconds,
        total_seconds: t0.elapsed().as_secs_f64(),
        model_bytes,
        quantisation_rel_error: qerr,
        losses,
    })
}

/// The human summary printed at the end of `train`.
pub fn print_summary(s: &TrainSummary, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "trained {}", s.out)?;
    writeln!(
        out,
        "  data      {} events ({} bad rows skipped), {} sessions ({} with signal), {} session–item pairs",
        s.events, s.bad_rows, s.sessions, s.sessions_with_signal, s.nonzeros
    )?;
    writeln!(out, "  items     {}", s.coverage)?;
    writeln!(
        out,
        "  model     {} factors, λ={} α={} half-life {}, {} solver, {} iterations, seed {}, {} threads",
        s.factors, s.lambda, s.alpha, crate::report::format_hours(s.half_life_hours), s.solver, s.iterations, s.seed, s.threads
    )?;
    writeln!(
        out,
        "  file      {} bytes ({:.2} MiB); int8 score error {:.2}% (relative, f32 vs int8, 200 sessions)",
        s.model_bytes,
        s.model_bytes as f64 / 1048576.0,
        100.0 * s.quantisation_rel_error
    )?;
    writeln!(
        out,
        "  time      read {:.2}s, ALS {:.2}s, write {:.2}s, total {:.2}s",
        s.read_seconds, s.als_seconds, s.write_seconds, s.total_seconds
    )?;
    Ok(())
}

/// Path helper used by tests and the CLI.
pub fn default_out(events: &Path) -> PathBuf {
    events.with_extension("shelf")
}
