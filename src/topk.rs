//! Exact top-k selection in O(n log k): a bounded heap, never a sort of
//! the catalogue. Ties are broken by the lower item index, so rankings are
//! deterministic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Heap entry ordered so that the *worst* candidate sits on top of a
/// max-heap: lower score is worse; on equal scores the higher index is worse.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f32,
    index: u32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.index.cmp(&other.index))
    }
}

pub struct TopK {
    k: usize,
    heap: BinaryHeap<Candidate>,
}

impl TopK {
    pub fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    #[inline]
    pub fn push(&mut self, index: usize, score: f32) {
        let c = Candidate {
            score,
            index: index as u32,
        };
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if let Some(worst) = self.heap.peek() {
            if c < *worst {
                self.heap.pop();
                self.heap.push(c);
            }
        }
    }

    pub fn is_full(&self) -> bool {
        self.heap.len() >= self.k
    }

    /// The score a newcomer must beat once the heap is full.
    pub fn worst_score(&self) -> f32 {
        self.heap.peek().map_or(f32::NEG_INFINITY, |c| c.score)
    }

    /// Best first; ties broken by the lower item index.
    pub fn into_sorted(self) -> Vec<(usize, f32)> {
        let v = self.heap.into_sorted_vec();
        v.into_iter().map(|c| (c.index as usize, c.score)).collect()
    }
}
