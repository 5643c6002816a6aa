//! `shelfrank import-spark`: item factors trained on Apache Spark
//! (`examples/spark/train_als.py`) → the same int8 `.shelf` file `train`
//! writes, assembled by the trainer's own functions: catalogue metadata,
//! cold items from category/brand means ([`fill_cold`]), the popularity prior
//! from the job's per-item event counts, and the engine's writer (which
//! quantises and computes the Gramian).
//!
//! The factors directory (`docs/SPARK.md` documents it):
//!
//! ```text
//! DIR/metadata/part-*        one JSON line: rank, alpha, half_life_hours,
//!   (or DIR/metadata.json)   event_weights, fold_in_lambda, … (format
//!                            "shelfrank-spark-factors", version 1)
//! DIR/items/part-*           one JSON line per item:
//!                            {"item_id": "…", "events": 42, "factors": [f32 × rank]}
//!                            "factors" absent or null: no factors (cold)
//! ```
//!
//! Files whose names start with `_` or `.` (Spark's `_SUCCESS`, `.crc`) are
//! ignored. Every problem is reported with the file and line.

use crate::als::{Factors, Rng};
use crate::catalog::{Catalog, CatalogItem};
use crate::input::ReadOptions;
use crate::train::{
    fill_cold, item_records, quantisation_error, write_and_read_back, ItemCoverage,
};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shelfrank::{EventKind, EventWeights, ModelDefaults, ModelSpec};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The `format` value of the metadata line.
pub const FORMAT_NAME: &str = "shelfrank-spark-factors";
/// The metadata version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// What `import-spark` needs.
#[derive(Debug, Clone)]
pub struct ImportConfig {
    /// The job's output directory (holding `metadata/` and `items/`).
    pub factors: PathBuf,
    pub catalog: Option<PathBuf>,
    pub out: PathBuf,
    /// λ written into the model for the browser's fold-in (default: the
    /// metadata's `fold_in_lambda`).
    pub regularization: Option<f32>,
    pub read: ReadOptions,
}

/// The job's metadata line. Unknown fields are ignored (newer jobs may add some).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SparkMetadata {
    pub format: String,
    pub version: u32,
    pub rank: usize,
    #[serde(default)]
    pub max_iter: usize,
    #[serde(default)]
    pub reg_param: f32,
    pub alpha: f32,
    #[serde(default)]
    pub seed: u64,
    pub half_life_hours: f32,
    /// GA4 event name → weight; kinds left out keep the engine default.
    pub event_weights: HashMap<String, f32>,
    pub fold_in_lambda: f32,
    #[serde(default)]
    pub events: u64,
    #[serde(default)]
    pub sessions: u64,
    #[serde(default)]
    pub nonzeros: u64,
    #[serde(default)]
    pub spark_version: String,
}

/// What the import did, for the printed summary.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub factors_dir: String,
    pub catalog_file: Option<String>,
    pub out: String,
    pub metadata: SparkMetadata,
    pub item_lines: usize,
    #[serde(flatten)]
    pub coverage: ItemCoverage,
    pub not_in_catalog: usize,
    pub lambda: f32,
    pub model_bytes: usize,
    pub quantisation_rel_error: f64,
    pub seconds: f64,
}

/// One item line, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SparkItem {
    pub id: String,
    pub events: u64,
    pub factors: Option<Vec<f32>>,
}

/// The data files of a Spark output folder, sorted by name: every regular
/// file except those starting with `_` or `.`. Errors when the folder is
/// missing or holds none.
pub fn part_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in rd {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('_') || name.starts_with('.') || !entry.path().is_file() {
            continue;
        }
        if [".gz", ".bz2", ".snappy", ".lz4", ".zst", ".deflate"]
            .iter()
            .any(|s| name.ends_with(s))
        {
            bail!(
                "{}: compressed output is not read; write JSON with option(\"compression\", \"none\") (train_als.py does)",
                entry.path().display()
            );
        }
        files.push(entry.path());
    }
    files.sort();
    if files.is_empty() {
        bail!(
            "{}: no data files (the folder is empty or holds only _SUCCESS/.crc files); \
             did the Spark job finish?",
            dir.display()
        );
    }
    Ok(files)
}

fn located(file: &Path, line: usize, msg: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("{}, line {line}: {msg}", file.display())
}

/// Reads `DIR/metadata.json` or the single line of `DIR/metadata/part-*`.
pub fn read_metadata(dir: &Path) -> Result<SparkMetadata> {
    let single = dir.join("metadata.json");
    let folder = dir.join("metadata");
    let files = if single.is_file() {
        vec![single]
    } else if folder.is_dir() {
        part_files(&folder)?
    } else {
        if !dir.is_dir() {
            bail!("{}: no such directory", dir.display());
        }
        bail!(
            "{}: no metadata/ folder or metadata.json: not the output of examples/spark/train_als.py",
            dir.display()
        );
    };
    let mut found: Option<(SparkMetadata, PathBuf)> = None;
    for f in &files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if let Some((_, first)) = &found {
                bail!(
                    "{}, line {}: a second metadata line (the first is in {})",
                    f.display(),
                    n + 1,
                    first.display()
                );
            }
            let m: SparkMetadata = serde_json::from_str(line)
                .map_err(|e| located(f, n + 1, format!("not valid metadata JSON: {e}")))?;
            if m.format != FORMAT_NAME {
                return Err(located(
                    f,
                    n + 1,
                    format!("format is \"{}\", expected \"{FORMAT_NAME}\"", m.format),
                ));
            }
            if m.version != FORMAT_VERSION {
                return Err(located(
                    f,
                    n + 1,
                    format!(
                        "metadata version {} is not supported (this build reads {FORMAT_VERSION})",
                        m.version
                    ),
                ));
            }
            if m.rank == 0 || m.rank > shelfrank::format::MAX_DIM {
                return Err(located(
                    f,
                    n + 1,
                    format!(
                        "rank must be 1..={}, got {}",
                        shelfrank::format::MAX_DIM,
                        m.rank
                    ),
                ));
            }
            found = Some((m, f.clone()));
        }
    }
    found
        .map(|(m, _)| m)
        .ok_or_else(|| anyhow!("{}: the metadata file is empty", files[0].display()))
}

/// The model defaults from the metadata (and an optional λ override).
pub fn defaults_of(meta: &SparkMetadata, lambda: Option<f32>) -> Result<ModelDefaults> {
    let mut weights = EventWeights::default();
    for (name, &w) in &meta.event_weights {
        let kind = EventKind::parse(name).map_err(|e| anyhow!("metadata event_weights: {e}"))?;
        weights
            .set(kind, w)
            .map_err(|e| anyhow!("metadata event_weights: {e}"))?;
    }
    let d = ModelDefaults {
        lambda: lambda.unwrap_or(meta.fold_in_lambda),
        alpha: meta.alpha,
        half_life_hours: meta.half_life_hours,
        weights,
    };
    d.validate().map_err(|e| anyhow!("metadata: {e}"))?;
    Ok(d)
}

/// Parses and checks one item line.
pub fn parse_item_line(line: &str, rank: usize) -> std::result::Result<SparkItem, String> {
    let v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            let lower = line.to_ascii_lowercase();
            if lower.contains("nan") || lower.contains("infinity") {
                return Err(format!(
                    "not valid JSON ({e}); the line holds a non-finite value (NaN or Infinity)"
                ));
            }
            return Err(format!("not valid JSON: {e}"));
        }
    };
    let obj = v.as_object().ok_or("expected a JSON object")?;
    let id = match obj.get("item_id") {
        None | Some(Value::Null) => return Err("missing item_id".into()),
        Some(Value::String(s)) if s.trim().is_empty() => return Err("empty item_id".into()),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("item_id must be a string, got {other}")),
    };
    let events = match obj.get("events") {
        None | Some(Value::Null) => {
            return Err(format!("item \"{id}\": missing events (the event count)"))
        }
        Some(n) => n
            .as_u64()
            .ok_or_else(|| format!("item \"{id}\": events must be a whole number >= 0, got {n}"))?,
    };
    let factors = match obj.get("factors") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            if a.len() != rank {
                return Err(format!(
                    "item \"{id}\": {} factors, but the metadata's rank is {rank} (dimension mismatch)",
                    a.len()
                ));
            }
            let mut out = Vec::with_capacity(rank);
            for (j, x) in a.iter().enumerate() {
                let f = match x {
                    Value::Number(n) => n.as_f64().map(|f| f as f32),
                    _ => None,
                };
                match f {
                    Some(f) if f.is_finite() => out.push(f),
                    Some(_) => {
                        return Err(format!(
                            "item \"{id}\": factor {j} is {x}, not a finite number in the f32 range (a diverged run?)"
                        ))
                    }
                    None => {
                        return Err(format!(
                            "item \"{id}\": factor {j} is {x}, not a finite number (NaN/Infinity from a diverged run?)"
                        ))
                    }
                }
            }
            Some(out)
        }
        Some(other) => {
            return Err(format!(
                "item \"{id}\": factors must be an array of numbers, got {}",
                other.to_string().chars().take(40).collect::<String>()
            ))
        }
    };
    Ok(SparkItem {
        id,
        events,
        factors,
    })
}

/// Reads every item line under `DIR/items/`, rejecting duplicates.
pub fn read_items(dir: &Path, rank: usize) -> Result<Vec<SparkItem>> {
    let folder = dir.join("items");
    if !folder.is_dir() {
        bail!(
            "{}: no items/ folder: not the output of examples/spark/train_als.py",
            dir.display()
        );
    }
    let mut items = Vec::new();
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let files = part_files(&folder)?;
    for (fi, f) in files.iter().enumerate() {
        let file =
            std::fs::File::open(f).with_context(|| format!("cannot open {}", f.display()))?;
        for (n, line) in BufReader::with_capacity(1 << 20, file).lines().enumerate() {
            let line =
                line.with_context(|| format!("cannot read {}, line {}", f.display(), n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let item = parse_item_line(&line, rank).map_err(|e| located(f, n + 1, e))?;
            if let Some(&(ff, fl)) = seen.get(&item.id) {
                return Err(located(
                    f,
                    n + 1,
                    format!(
                        "duplicate item_id \"{}\" (first at {}, line {fl})",
                        item.id,
                        files[ff].display()
                    ),
                ));
            }
            seen.insert(item.id.clone(), (fi, n + 1));
            items.push(item);
        }
    }
    if items.is_empty() {
        bail!("{}: no item lines", folder.display());
    }
    if !items.iter().any(|i| i.factors.is_some()) {
        bail!("{}: no item has factors", folder.display());
    }
    Ok(items)
}

/// Imports and writes the model (temporary file + rename).
pub fn import_spark(cfg: &ImportConfig) -> Result<ImportSummary> {
    let t0 = Instant::now();
    let meta = read_metadata(&cfg.factors)?;
    let defaults = defaults_of(&meta, cfg.regularization)?;
    let k = meta.rank;
    let spark_items = read_items(&cfg.factors, k)?;
    let catalog = Catalog::read_or_empty(cfg.catalog.as_deref(), &cfg.read)?;

    // Model items: the catalogue in its order, then items only the events
    // know, in the job's order — as `train` appends unknown event items.
    let mut items: Vec<CatalogItem> = catalog.items;
    let mut index = catalog.index;
    let mut counts = vec![0u64; items.len()];
    let mut column_of: Vec<Option<u32>> = vec![None; items.len()];
    let mut warm: Vec<f32> = Vec::new();
    let mut not_in_catalog = 0;
    for it in &spark_items {
        let i = match index.get(&it.id) {
            Some(&i) => i,
            None => {
                not_in_catalog += 1;
                items.push(CatalogItem {
                    id: it.id.clone(),
                    in_stock: true,
                    ..CatalogItem::default()
                });
                counts.push(0);
                column_of.push(None);
                index.insert(it.id.clone(), items.len() - 1);
                items.len() - 1
            }
        };
        counts[i] = it.events;
        if let Some(f) = &it.factors {
            column_of[i] = Some((warm.len() / k) as u32);
            warm.extend_from_slice(f);
        }
    }
    drop(index);
    let factors = Factors {
        k,
        users: Vec::new(),
        items: warm,
    };
    let mut all = vec![0f32; items.len() * k];
    let coverage = fill_cold(&items, &column_of, &factors, &mut all);
    let spec = ModelSpec {
        dim: k,
        // The popularity prior exactly as `train` computes it.
        items: item_records(&items, &counts),
        factors: all,
        defaults,
    };
    let (model_bytes, model) = write_and_read_back(&spec, &cfg.out)?;
    // The job writes no session vectors: measure the int8 score error with
    // up to 200 trained item vectors as queries (similar-item scoring).
    let n_warm = factors.items.len() / k;
    let mut rng = Rng(meta.seed ^ 0x5EED);
    let sample: Vec<Vec<f32>> = (0..n_warm.min(200))
        .map(|_| factors.item(rng.below(n_warm)).to_vec())
        .collect();
    let qerr = quantisation_error(&model, &spec.factors, &sample);
    Ok(ImportSummary {
        factors_dir: cfg.factors.display().to_string(),
        catalog_file: cfg.catalog.as_ref().map(|p| p.display().to_string()),
        out: cfg.out.display().to_string(),
        lambda: defaults.lambda,
        metadata: meta,
        item_lines: spark_items.len(),
        coverage,
        not_in_catalog,
        model_bytes,
        quantisation_rel_error: qerr,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// The human summary printed by `import-spark`.
pub fn print_summary(s: &ImportSummary, out: &mut dyn Write) -> std::io::Result<()> {
    let m = &s.metadata;
    writeln!(out, "imported {} → {}", s.factors_dir, s.out)?;
    writeln!(
        out,
        "  spark     {} events, {} sessions, {} session–item pairs; rank {}, {} iterations, regParam {}, α={}, half-life {}h, seed {} (Spark {})",
        m.events, m.sessions, m.nonzeros, m.rank, m.max_iter, m.reg_param, m.alpha, m.half_life_hours, m.seed, m.spark_version
    )?;
    writeln!(
        out,
        "  items     {}; {} not in the catalogue",
        s.coverage, s.not_in_catalog
    )?;
    writeln!(out, "  fold-in   λ={} (browser)", s.lambda)?;
    writeln!(
        out,
        "  file      {} bytes ({:.2} MiB); int8 score error {:.2}% (relative, f32 vs int8, item-vector queries)",
        s.model_bytes,
        s.model_bytes as f64 / 1048576.0,
        100.0 * s.quantisation_rel_error
    )?;
    writeln!(out, "  time      {:.2}s", s.seconds)?;
    Ok(())
}
