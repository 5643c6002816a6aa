//! Synthetic models with realistic factor statistics, shared by the
//! browser benchmark (`examples/bench_models.rs`) and `cargo bench`
//! (`benches/engine.rs`): per-item norms spread log-normally (popular items
//! have larger vectors), a shared direction per category, Zipf popularity,
//! a category tree and brands, log-normal prices, 90% in stock.

use shelfrank::{ItemRecord, ModelDefaults, ModelSpec};

pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-12), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A model of `n` items with `dim` factors, the same for the same sizes.
pub fn synthetic(n: usize, dim: usize) -> ModelSpec {
    let mut rng = Rng(0x5EED ^ (n as u64) << 8 ^ dim as u64);
    let categories: Vec<String> = (0..60).map(|c| format!("dept{}.cat{}", c / 6, c)).collect();
    let centroids: Vec<Vec<f64>> = (0..categories.len())
        .map(|_| (0..dim).map(|_| rng.normal() * 0.3).collect())
        .collect();
    let mut items = Vec::with_capacity(n);
    let mut factors = Vec::with_capacity(n * dim);
    for i in 0..n {
        let c = (rng.next_u64() % categories.len() as u64) as usize;
        let norm = (rng.normal() * 0.5).exp() * 0.4;
        for centre in &centroids[c] {
            factors.push(((centre + rng.normal() * 0.2) * norm) as f32);
        }
        items.push(ItemRecord {
            id: format!("item-{i}"),
            name: format!("Product {i}"),
            category: categories[c].clone(),
            brand: format!("brand{}", rng.next_u64() % 200),
            price: Some(((rng.normal() * 0.8 + 3.5).exp()) as f32),
            in_stock: rng.uniform() < 0.9,
            popularity: 1.0 / (1.0 + i as f32).powf(0.8),
        });
    }
    ModelSpec {
        dim,
        items,
        factors,
        defaults: ModelDefaults::default(),
    }
}
