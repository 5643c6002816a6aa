//! `shelfrank eval`: the session-based next-item protocol, run through the
//! engine exactly as the browser runs it, next to baselines on the same split.

use crate::baselines::{
    self, LastItem, Neighbours, Popular, Predictor, Sknn, SknnIndex, SknnParams, TrainSessions,
};
use crate::input::{ReadOptions, SessionLog};
use crate::metrics::{Accum, MethodResult};
use crate::progress;
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use serde::Serialize;
use shelfrank::factors::dot_scalar as dot;
use shelfrank::{Event, EventKind, LoadOptions, Model, RankOptions, Recommender};
use std::path::PathBuf;
use std::time::Instant;

/// The blending prototype: factor score plus β × item-to-item transition
/// score of the last item (both scaled to a maximum of 1 per request).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BlendParams {
    pub beta: f32,
    /// Steps after an item that count as its successors (weight 1/gap).
    pub window: usize,
}

#[derive(Debug, Clone)]
pub struct EvalConfig {
    pub model: PathBuf,
    pub test: PathBuf,
    /// Training events: needed for the baselines.
    pub train: Option<PathBuf>,
    pub ks: Vec<usize>,
    pub sknn: SknnParams,
    pub blend: Option<BlendParams>,
    pub threads: Option<usize>,
    pub read: ReadOptions,
    /// Evaluate only the first N test sessions (quick checks).
    pub max_sessions: Option<usize>,
}

/// Machine-readable result of one evaluation run.
#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    pub model: String,
    pub test: String,
    pub train: Option<String>,
    pub ks: Vec<usize>,
    pub protocol: String,
    pub test_sessions: usize,
    pub test_events_kept: usize,
    pub test_events_dropped_unknown: usize,
    pub predictions: u64,
    pub model_items: usize,
    pub model_dim: usize,
    pub model_bytes: usize,
    pub sknn: SknnParams,
    pub blend: Option<BlendParams>,
    pub methods: Vec<MethodResult>,
    pub seconds: f64,
}

pub const PROTOCOL: &str = "session-based next-item: for each test session, events are fed one by one \
and the method predicts the next event's item; test events whose item has no training interaction are \
removed first and sessions left with fewer than 2 events are skipped; baselines are filled up with \
most-popular items when they have fewer than K candidates; the engine is asked with exclude_viewed=false.";

/// One test event in model numbering.
#[derive(Debug, Clone, Copy)]
struct TestEvent {
    item: u32,
    kind: EventKind,
    time_ms: f64,
}

/// The engine as the browser runs it.
struct Engine {
    rec: Recommender,
    opts: RankOptions,
}

impl Predictor for Engine {
    fn reset(&mut self) {
        self.rec.forget();
    }
    fn observe(&mut self, item: u32, kind: EventKind, time_ms: f64) -> Result<()> {
        let id = self.rec.model().item_id(item as usize).to_string();
        self.rec
            .track(&Event::new(kind, id, time_ms))
            .map_err(|e| anyhow::anyhow!("track: {e}"))?;
        Ok(())
    }
    fn predict(&mut self, k: usize) -> Result<Vec<u32>> {
        self.opts.k = k;
        Ok(self
            .rec
            .recommend(&self.opts)
            .map_err(|e| anyhow::anyhow!("recommend: {e}"))?
            .into_iter()
            .map(|r| r.index as u32)
            .collect())
    }
}

/// Prototype: the engine's folded-in user vector and int8 scores over the
/// whole catalogue, blended with the last item's transition scores.
struct Blend<'a> {
    rec: Recommender,
    table: &'a Neighbours,
    params: BlendParams,
    last: Option<u32>,
    scores: Vec<f32>,
}

impl Predictor for Blend<'_> {
    fn reset(&mut self) {
        self.rec.forget();
        self.last = None;
    }
    fn observe(&mut self, item: u32, kind: EventKind, time_ms: f64) -> Result<()> {
        let id = self.rec.model().item_id(item as usize).to_string();
        self.rec
            .track(&Event::new(kind, id, time_ms))
            .map_err(|e| anyhow::anyhow!("track: {e}"))?;
        self.last = Some(item);
        Ok(())
    }
    fn predict(&mut self, k: usize) -> Result<Vec<u32>> {
        let (empty, query) = {
            let u = self
                .rec
                .user_vector()
                .map_err(|e| anyhow::anyhow!("fold-in: {e}"))?;
            (u.is_empty(), u.query.clone())
        };
        let model = self.rec.model();
        let n = model.item_count();
        self.scores.clear();
        if empty {
            self.scores.extend((0..n).map(|i| model.popularity(i)));
        } else {
            let block = model.factor_block();
            let bytes = model.raw_bytes();
            let qs = query.scale;
            self.scores
                .extend((0..n).map(|i| {
                    dot(block.row(bytes, i), &query.values) as f32 * qs * block.scales[i]
                }));
        }
        let max = self.scores.iter().fold(0f32, |m, s| m.max(s.abs()));
        if max > 0.0 {
            self.scores.iter_mut().for_each(|s| *s /= max);
        }
        if let Some(l) = self.last {
            let list = &self.table.lists[l as usize];
            if let Some(&(_, top)) = list.first() {
                for &(j, w) in list {
                    self.scores[j as usize] += self.params.beta * w / top;
                }
            }
        }
        Ok(top_k(&self.scores, k))
    }
}

/// Indices of the `k` highest scores, best first; ties go to the lower index.
pub fn top_k(scores: &[f32], k: usize) -> Vec<u32> {
    let order = |a: &u32, b: &u32| {
        scores[*b as usize]
            .total_cmp(&scores[*a as usize])
            .then(a.cmp(b))
    };
    let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
    if k < idx.len() {
        idx.select_nth_unstable_by(k, order);
        idx.truncate(k);
    }
    idx.sort_by(order);
    idx
}

/// Reads a training log into model numbering (items the model lacks are dropped).
pub fn train_sessions(model: &Model, log: &SessionLog) -> TrainSessions {
    let map: Vec<Option<u32>> = log
        .items
        .ids
        .iter()
        .map(|id| model.index_of(id).map(|i| i as u32))
        .collect();
    let mut t = TrainSessions {
        n_items: model.item_count(),
        ..TrainSessions::default()
    };
    for s in &log.sessions {
        let seq: Vec<u32> = s.iter().filter_map(|e| map[e.item as usize]).collect();
        if seq.is_empty() {
            continue;
        }
        t.end_time
            .push(s.iter().map(|e| e.time_s).fold(f64::MIN, f64::max));
        t.sessions.push(seq);
    }
    t
}

enum MethodKind {
    Engine,
    Popular,
    Cooc,
    Sknn,
    Blend,
}

/// Runs the protocol; returns every method's metrics.
pub fn evaluate(cfg: &EvalConfig) -> Result<EvalResult> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    pool.install(|| evaluate_inner(cfg))
}

fn evaluate_inner(cfg: &EvalConfig) -> Result<EvalResult> {
    let t0 = Instant::now();
    if cfg.ks.is_empty()
        || cfg
            .ks
            .iter()
            .any(|&k| k == 0 || k > shelfrank::ranking::MAX_K)
    {
        bail!("--k values must be 1..={}", shelfrank::ranking::MAX_K);
    }
    let max_k = cfg.ks.iter().copied().max().unwrap_or(20);
    let bytes = std::fs::read(&cfg.model)
        .with_context(|| format!("cannot read {}", cfg.model.display()))?;
    let model = Model::from_bytes(bytes.clone())
        .map_err(|e| anyhow::anyhow!("{}: {e}", cfg.model.display()))?;
    let n_items = model.item_count();
    // "Present in training" = the model's popularity prior is positive.
    let trained: Vec<bool> = (0..n_items).map(|i| model.popularity(i) > 0.0).collect();
    let mut by_pop: Vec<usize> = (0..n_items).collect();
    by_pop.sort_by(|&a, &b| {
        model
            .popularity(b)
            .total_cmp(&model.popularity(a))
            .then(a.cmp(&b))
    });
    let mut head = vec![false; n_items];
    for &i in by_pop.iter().take(n_items.div_ceil(10)) {
        head[i] = true;
    }

    let test = SessionLog::read(&cfg.test, &cfg.read)?;
    let test_map: Vec<Option<u32>> = test
        .items
        .ids
        .iter()
        .map(|id| model.index_of(id).filter(|&i| trained[i]).map(|i| i as u32))
        .collect();
    let mut dropped = 0usize;
    let mut sessions: Vec<Vec<TestEvent>> = Vec::new();
    for s in &test.sessions {
        let kept: Vec<TestEvent> = s
            .iter()
            .filter_map(|e| {
                let m = test_map[e.item as usize];
                if m.is_none() {
                    dropped += 1;
                }
                m.map(|item| TestEvent {
                    item,
                    kind: e.kind,
                    time_ms: (e.time_s * 1000.0).clamp(0.0, 9.0e13),
                })
            })
            .collect();
        if kept.len() >= 2 {
            sessions.push(kept);
        }
    }
    if let Some(m) = cfg.max_sessions {
        sessions.truncate(m);
    }
    if sessions.is_empty() {
        bail!(
            "{}: no test session has 2 or more events on items the model was trained on",
            cfg.test.display()
        );
    }
    let kept_events: usize = sessions.iter().map(Vec::len).sum();

    let mut kinds = vec![MethodKind::Engine];
    let (popular, cooc, sknn, trans) = match &cfg.train {
        Some(path) => {
            let log = SessionLog::read(path, &cfg.read)?;
            let t = train_sessions(&model, &log);
            let (order, _) = baselines::popularity_order(&t);
            let cooc = baselines::cooccurrence(&t);
            let sknn = SknnIndex::new(&t, cfg.sknn.clone());
            let trans = cfg
                .blend
                .map(|b| baselines::transitions(&t, b.window.max(1)));
            kinds.extend([MethodKind::Popular, MethodKind::Cooc, MethodKind::Sknn]);
            if trans.is_some() {
                kinds.push(MethodKind::Blend);
            }
            (order, Some(cooc), Some(sknn), trans)
        }
        None => (Vec::new(), None, None, None),
    };
    let names: Vec<&str> = kinds
        .iter()
        .map(|k| match k {
            MethodKind::Engine => "shelfrank",
            MethodKind::Popular => "most-popular",
            MethodKind::Cooc => "co-occurrence",
            MethodKind::Sknn => "V-SKNN",
            MethodKind::Blend => "shelfrank+transitions (prototype)",
        })
        .collect();

    let bar = progress::count_bar(
        cfg.read.progress,
        sessions.len() as u64,
        "evaluating sessions",
    );
    let threads = rayon::current_num_threads().max(1);
    let chunk = sessions.len().div_ceil(threads * 8).max(1);
    let make = |kind: &MethodKind| -> Result<Box<dyn Predictor + '_>> {
        let engine = || {
            Recommender::load(bytes.clone(), &LoadOptions::default())
                .map_err(|e| anyhow::anyhow!("{e}"))
        };
        Ok(match kind {
            MethodKind::Engine => Box::new(Engine {
                rec: engine()?,
                opts: RankOptions {
                    k: max_k,
                    ..RankOptions::for_similar()
                },
            }),
            MethodKind::Popular => Box::new(Popular {
                order: popular.iter().take(max_k).copied().collect(),
            }),
            MethodKind::Cooc => Box::new(LastItem {
                table: cooc.as_ref().context("no co-occurrence table")?,
                popular: &popular,
                last: None,
            }),
            MethodKind::Sknn => Box::new(Sknn {
                index: sknn.as_ref().context("no V-SKNN index")?,
                popular: &popular,
                current: Vec::new(),
            }),
            MethodKind::Blend => Box::new(Blend {
                rec: engine()?,
                table: trans.as_ref().context("no transition table")?,
                params: cfg.blend.context("no blend settings")?,
                last: None,
                scores: Vec::new(),
            }),
        })
    };
    let partials: Vec<Result<Vec<(Accum, f64)>>> = sessions
        .par_chunks(chunk)
        .map(|group| {
            let mut preds: Vec<Box<dyn Predictor>> =
                kinds.iter().map(&make).collect::<Result<_>>()?;
            let mut acc: Vec<(Accum, f64)> = kinds
                .iter()
                .map(|_| (Accum::new(&cfg.ks, n_items), 0.0))
                .collect();
            for s in group {
                for (p, (a, secs)) in preds.iter_mut().zip(acc.iter_mut()) {
                    let t = Instant::now();
                    p.reset();
                    for w in s.windows(2) {
                        p.observe(w[0].item, w[0].kind, w[0].time_ms)?;
                        let list = p.predict(max_k)?;
                        a.record(&list, w[1].item, &head);
                    }
                    *secs += t.elapsed().as_secs_f64();
                }
                bar.inc(1);
            }
            Ok(acc)
        })
        .collect();
    bar.finish_and_clear();
    let mut total: Vec<(Accum, f64)> = kinds
        .iter()
        .map(|_| (Accum::new(&cfg.ks, n_items), 0.0))
        .collect();
    for p in partials {
        for ((a, s), (b, t)) in total.iter_mut().zip(p?) {
            a.merge(&b);
            *s += t;
        }
    }
    let methods: Vec<MethodResult> = total
        .iter()
        .zip(&names)
        .map(|((a, secs), name)| {
            let mut r = a.summary(name);
            r.seconds = *secs;
            r
        })
        .collect();
    Ok(EvalResult {
        model: cfg.model.display().to_string(),
        test: cfg.test.display().to_string(),
        train: cfg.train.as_ref().map(|p| p.display().to_string()),
        ks: cfg.ks.clone(),
        protocol: PROTOCOL.to_string(),
        test_sessions: sessions.len(),
        test_events_kept: kept_events,
        test_events_dropped_unknown: dropped,
        predictions: methods.first().map_or(0, |m| m.predictions),
        model_items: n_items,
        model_dim: model.dim(),
        model_bytes: model.byte_len(),
        sknn: cfg.sknn.clone(),
        blend: cfg.blend,
        methods,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// A plain-text table for the terminal.
pub fn print_table(r: &EvalResult) -> String {
    let mut s = format!(
        "{} test sessions, {} predictions ({} test events on unknown items dropped)\n",
        r.test_sessions, r.predictions, r.test_events_dropped_unknown
    );
    s.push_str(&format!("{:<36}", "method"));
    for k in &r.ks {
        s.push_str(&format!(
            " {:>9} {:>9} {:>9} {:>8} {:>8}",
            format!("Recall@{k}"),
            format!("MRR@{k}"),
            format!("NDCG@{k}"),
            format!("Cov@{k}"),
            format!("Pop@{k}")
        ));
    }
    s.push('\n');
    for m in &r.methods {
        s.push_str(&format!("{:<36}", m.name));
        for a in &m.at {
            s.push_str(&format!(
                " {:>9.4} {:>9.4} {:>9.4} {:>8.3} {:>8.3}",
                a.recall, a.mrr, a.ndcg, a.coverage, a.popular_share
            ));
        }
        s.push('\n');
    }
    s
}
