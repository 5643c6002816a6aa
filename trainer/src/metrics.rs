//! Next-item metrics from rank histograms: Recall@K (hit rate), MRR@K and
//! NDCG@K (one relevant item, so NDCG = 1/log2(1+rank)), plus catalogue
//! coverage and the share of recommendations from the most popular items.

use serde::Serialize;

/// Accumulates one method's predictions.
#[derive(Debug, Clone)]
pub struct Accum {
    pub max_k: usize,
    /// hits[r-1]: targets found at rank r (1-based), r ≤ max_k.
    pub hits: Vec<u64>,
    pub predictions: u64,
    /// Per K in `ks`: which items were recommended at least once in the top K.
    pub covered: Vec<Vec<bool>>,
    /// Per K in `ks`: recommended slots, and slots holding a "head" item.
    pub slots: Vec<u64>,
    pub head_slots: Vec<u64>,
    pub ks: Vec<usize>,
}

impl Accum {
    pub fn new(ks: &[usize], n_items: usize) -> Accum {
        let max_k = ks.iter().copied().max().unwrap_or(20);
        Accum {
            max_k,
            hits: vec![0; max_k],
            predictions: 0,
            covered: ks.iter().map(|_| vec![false; n_items]).collect(),
            slots: vec![0; ks.len()],
            head_slots: vec![0; ks.len()],
            ks: ks.to_vec(),
        }
    }

    /// Records one prediction list (best first) against the true next item.
    pub fn record(&mut self, list: &[u32], target: u32, head: &[bool]) {
        self.predictions += 1;
        if let Some(pos) = list.iter().take(self.max_k).position(|&i| i == target) {
            self.hits[pos] += 1;
        }
        for (j, &k) in self.ks.iter().enumerate() {
            for &i in list.iter().take(k) {
                if let Some(c) = self.covered[j].get_mut(i as usize) {
                    *c = true;
                }
                self.slots[j] += 1;
                if head.get(i as usize).copied().unwrap_or(false) {
                    self.head_slots[j] += 1;
                }
            }
        }
    }

    pub fn merge(&mut self, other: &Accum) {
        self.predictions += other.predictions;
        for (a, b) in self.hits.iter_mut().zip(&other.hits) {
            *a += b;
        }
        for (ca, cb) in self.covered.iter_mut().zip(&other.covered) {
            for (a, b) in ca.iter_mut().zip(cb) {
                *a |= *b;
            }
        }
        for j in 0..self.ks.len() {
            self.slots[j] += other.slots[j];
            self.head_slots[j] += other.head_slots[j];
        }
    }

    pub fn recall(&self, k: usize) -> f64 {
        let h: u64 = self.hits.iter().take(k).sum();
        ratio(h as f64, self.predictions as f64)
    }

    pub fn mrr(&self, k: usize) -> f64 {
        let s: f64 = self
            .hits
            .iter()
            .take(k)
            .enumerate()
            .map(|(r, &h)| h as f64 / (r + 1) as f64)
            .sum();
        ratio(s, self.predictions as f64)
    }

    pub fn ndcg(&self, k: usize) -> f64 {
        let s: f64 = self
            .hits
            .iter()
            .take(k)
            .enumerate()
            .map(|(r, &h)| h as f64 / ((r + 2) as f64).log2())
            .sum();
        ratio(s, self.predictions as f64)
    }

    pub fn summary(&self, name: &str) -> MethodResult {
        let n_items = self.covered.first().map_or(0, Vec::len);
        MethodResult {
            name: name.to_string(),
            predictions: self.predictions,
            at: self
                .ks
                .iter()
                .enumerate()
                .map(|(j, &k)| AtK {
                    k,
                    recall: self.recall(k),
                    mrr: self.mrr(k),
                    ndcg: self.ndcg(k),
                    coverage: ratio(
                        self.covered[j].iter().filter(|&&c| c).count() as f64,
                        n_items as f64,
                    ),
                    popular_share: ratio(self.head_slots[j] as f64, self.slots[j] as f64),
                })
                .collect(),
            recall_curve: (1..=self.max_k).map(|k| self.recall(k)).collect(),
            seconds: 0.0,
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Metrics at one cut-off.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AtK {
    pub k: usize,
    pub recall: f64,
    pub mrr: f64,
    pub ndcg: f64,
    /// Share of the model's items recommended at least once in the top K.
    pub coverage: f64,
    /// Share of top-K slots filled by the 10% most popular items.
    pub popular_share: f64,
}

/// One method's results.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MethodResult {
    pub name: String,
    pub predictions: u64,
    pub at: Vec<AtK>,
    /// Recall@1 … Recall@max K.
    pub recall_curve: Vec<f64>,
    /// Wall time of the method's predictions.
    pub seconds: f64,
}

impl MethodResult {
    pub fn at_k(&self, k: usize) -> Option<&AtK> {
        self.at.iter().find(|a| a.k == k)
    }
}
