//! Baselines, trained on the same sessions the model was trained on:
//! most-popular, item-to-item co-occurrence (last item) and V-SKNN
//! (Ludewig & Jannach 2018), plus the item-transition table used by the
//! blending prototype.

use std::collections::HashMap;

/// A training log in model item numbers: sessions in time order.
#[derive(Debug, Clone, Default)]
pub struct TrainSessions {
    pub n_items: usize,
    /// Item sequence per session (time order, repeats kept).
    pub sessions: Vec<Vec<u32>>,
    /// Time of each session's last event (seconds).
    pub end_time: Vec<f64>,
}

/// What each method sees while a test session unfolds.
pub trait Predictor {
    fn reset(&mut self);
    fn observe(
        &mut self,
        item: u32,
        kind: shelfrank::EventKind,
        time_ms: f64,
    ) -> anyhow::Result<()>;
    /// Best first; at most `k` distinct items.
    fn predict(&mut self, k: usize) -> anyhow::Result<Vec<u32>>;
}

/// Items by training event count, most popular first (ties: lower index).
pub fn popularity_order(t: &TrainSessions) -> (Vec<u32>, Vec<u64>) {
    let mut counts = vec![0u64; t.n_items];
    for s in &t.sessions {
        for &i in s {
            counts[i as usize] += 1;
        }
    }
    let mut order: Vec<u32> = (0..t.n_items as u32)
        .filter(|&i| counts[i as usize] > 0)
        .collect();
    order.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
    (order, counts)
}

/// Appends popular items not yet in `out` until it holds `k`.
fn fill_popular(out: &mut Vec<u32>, popular: &[u32], k: usize) {
    if out.len() >= k {
        out.truncate(k);
        return;
    }
    for &p in popular {
        if out.len() >= k {
            break;
        }
        if !out.contains(&p) {
            out.push(p);
        }
    }
}

/// Top items from a score map, best first (ties: lower index), then popular.
fn top_from_scores(scores: &HashMap<u32, f64>, popular: &[u32], k: usize) -> Vec<u32> {
    let mut v: Vec<(u32, f64)> = scores.iter().map(|(&i, &s)| (i, s)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Vec<u32> = v.into_iter().take(k).map(|(i, _)| i).collect();
    fill_popular(&mut out, popular, k);
    out
}

// ---------------------------------------------------------------- popular

pub struct Popular {
    pub order: Vec<u32>,
}

impl Predictor for Popular {
    fn reset(&mut self) {}
    fn observe(&mut self, _: u32, _: shelfrank::EventKind, _: f64) -> anyhow::Result<()> {
        Ok(())
    }
    fn predict(&mut self, k: usize) -> anyhow::Result<Vec<u32>> {
        Ok(self.order.iter().take(k).copied().collect())
    }
}

// ----------------------------------------------------------- co-occurrence

/// Neighbour lists: for each item, other items by a count, best first.
#[derive(Debug, Clone, Default)]
pub struct Neighbours {
    pub lists: Vec<Vec<(u32, f32)>>,
}

/// Most distinct items per session considered for co-occurrence pairs
/// (bounds the quadratic cost of very long sessions).
pub const COOC_MAX_SESSION_ITEMS: usize = 100;
/// Neighbours kept per item.
pub const NEIGHBOURS_KEPT: usize = 200;

fn finish_lists(maps: Vec<HashMap<u32, f32>>) -> Neighbours {
    Neighbours {
        lists: maps
            .into_iter()
            .map(|m| {
                let mut v: Vec<(u32, f32)> = m.into_iter().collect();
                v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                v.truncate(NEIGHBOURS_KEPT);
                v
            })
            .collect(),
    }
}

/// Sessions in which both items occur (each session counted once).
pub fn cooccurrence(t: &TrainSessions) -> Neighbours {
    let mut maps: Vec<HashMap<u32, f32>> = vec![HashMap::new(); t.n_items];
    for s in &t.sessions {
        let mut distinct: Vec<u32> = Vec::new();
        for &i in s.iter().rev() {
            if !distinct.contains(&i) {
                distinct.push(i);
                if distinct.len() == COOC_MAX_SESSION_ITEMS {
                    break;
                }
            }
        }
        for &a in &distinct {
            for &b in &distinct {
                if a != b {
                    *maps[a as usize].entry(b).or_insert(0.0) += 1.0;
                }
            }
        }
    }
    finish_lists(maps)
}

/// Sequential transitions within sessions ("sequential rules"): after item
/// a, item b following within `window` steps adds 1/gap. Immediate repeats
/// (a followed by a) count too: shoppers come back to what they look at.
pub fn transitions(t: &TrainSessions, window: usize) -> Neighbours {
    let mut maps: Vec<HashMap<u32, f32>> = vec![HashMap::new(); t.n_items];
    for s in &t.sessions {
        for (p, &a) in s.iter().enumerate() {
            for gap in 1..=window {
                if let Some(&b) = s.get(p + gap) {
                    *maps[a as usize].entry(b).or_insert(0.0) += 1.0 / gap as f32;
                }
            }
        }
    }
    finish_lists(maps)
}

/// Recommends the neighbours of the last item seen, then popular items.
pub struct LastItem<'a> {
    pub table: &'a Neighbours,
    pub popular: &'a [u32],
    pub last: Option<u32>,
}

impl Predictor for LastItem<'_> {
    fn reset(&mut self) {
        self.last = None;
    }
    fn observe(&mut self, item: u32, _: shelfrank::EventKind, _: f64) -> anyhow::Result<()> {
        self.last = Some(item);
        Ok(())
    }
    fn predict(&mut self, k: usize) -> anyhow::Result<Vec<u32>> {
        let mut out: Vec<u32> = match self.last {
            Some(l) => self.table.lists[l as usize]
                .iter()
                .take(k)
                .map(|x| x.0)
                .collect(),
            None => Vec::new(),
        };
        fill_popular(&mut out, self.popular, k);
        Ok(out)
    }
}

// ------------------------------------------------------------------ V-SKNN

/// V-SKNN settings (names as in session-rec's `vsknn.py`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SknnParams {
    /// Neighbour sessions used for scoring.
    pub k: usize,
    /// Most recent candidate sessions (sharing an item) that are compared.
    pub sample_size: usize,
    /// idf weighting strength (0 = off): score · (1 + w·idf(item)).
    pub idf_weight: f64,
}

impl Default for SknnParams {
    fn default() -> Self {
        SknnParams {
            k: 100,
            sample_size: 500,
            idf_weight: 0.0,
        }
    }
}

/// The V-SKNN index: distinct items per training session and, per item,
/// its sessions from the most recent.
pub struct SknnIndex {
    pub params: SknnParams,
    session_items: Vec<Vec<u32>>,
    end_time: Vec<f64>,
    item_sessions: Vec<Vec<u32>>,
    idf: Vec<f64>,
}

impl SknnIndex {
    pub fn new(t: &TrainSessions, params: SknnParams) -> SknnIndex {
        let session_items: Vec<Vec<u32>> = t
            .sessions
            .iter()
            .map(|s| {
                let mut v = s.clone();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let mut item_sessions: Vec<Vec<u32>> = vec![Vec::new(); t.n_items];
        for (sid, items) in session_items.iter().enumerate() {
            for &i in items {
                item_sessions[i as usize].push(sid as u32);
            }
        }
        for list in &mut item_sessions {
            list.sort_by(|&a, &b| {
                t.end_time[b as usize]
                    .total_cmp(&t.end_time[a as usize])
                    .then(b.cmp(&a))
            });
        }
        let n = session_items.len().max(1) as f64;
        let idf = item_sessions
            .iter()
            .map(|l| {
                if l.is_empty() {
                    0.0
                } else {
                    (n / l.len() as f64).ln()
                }
            })
            .collect();
        SknnIndex {
            params,
            session_items,
            end_time: t.end_time.clone(),
            item_sessions,
            idf,
        }
    }

    /// Scores for the next item after `current` (items in order, repeats kept).
    pub fn scores(&self, current: &[u32]) -> HashMap<u32, f64> {
        let p = &self.params;
        let mut scores = HashMap::new();
        if current.is_empty() {
            return scores;
        }
        // Linear position weights ("div"): the i-th of n events weighs i/n;
        // an item's weight is that of its last occurrence.
        let len = current.len() as f64;
        let mut last_pos: HashMap<u32, usize> = HashMap::new();
        for (pos, &i) in current.iter().enumerate() {
            last_pos.insert(i, pos);
        }
        let mut weight: Vec<(u32, f64)> = last_pos
            .into_iter()
            .map(|(i, pos)| (i, (pos + 1) as f64 / len))
            .collect();
        weight.sort_unstable_by_key(|w| w.0);
        // Candidate sessions: the most recent `sample_size` sharing an item.
        let mut cand: Vec<u32> = Vec::new();
        for &(i, _) in &weight {
            cand.extend(self.item_sessions[i as usize].iter().take(p.sample_size));
        }
        cand.sort_by(|&a, &b| {
            self.end_time[b as usize]
                .total_cmp(&self.end_time[a as usize])
                .then(b.cmp(&a))
        });
        cand.dedup();
        cand.truncate(p.sample_size);
        // Similarity: Σ weights of shared items / number of distinct current items.
        let distinct = weight.len() as f64;
        let mut sims: Vec<(u32, f64)> = cand
            .into_iter()
            .filter_map(|s| {
                let items = &self.session_items[s as usize];
                let sim: f64 = weight
                    .iter()
                    .filter(|(i, _)| items.binary_search(i).is_ok())
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / distinct;
                (sim > 0.0).then_some((s, sim))
            })
            .collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        sims.truncate(p.k);
        for (s, sim) in sims {
            let items = &self.session_items[s as usize];
            // "div_score": 1/step of the most recent current item the neighbour shares.
            let step = current
                .iter()
                .rev()
                .position(|i| items.binary_search(i).is_ok())
                .map_or(1, |p| p + 1);
            let decay = 1.0 / step as f64;
            for &i in items {
                let mut sc = sim;
                if p.idf_weight > 0.0 {
                    sc += sc * self.idf[i as usize] * p.idf_weight;
                }
                *scores.entry(i).or_insert(0.0) += sc * decay;
            }
        }
        scores
    }
}

pub struct Sknn<'a> {
    pub index: &'a SknnIndex,
    pub popular: &'a [u32],
    pub current: Vec<u32>,
}

impl Predictor for Sknn<'_> {
    fn reset(&mut self) {
        self.current.clear();
    }
    fn observe(&mut self, item: u32, _: shelfrank::EventKind, _: f64) -> anyhow::Result<()> {
        self.current.push(item);
        Ok(())
    }
    fn predict(&mut self, k: usize) -> anyhow::Result<Vec<u32>> {
        Ok(top_from_scores(
            &self.index.scores(&self.current),
            self.popular,
            k,
        ))
    }
}
