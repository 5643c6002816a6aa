//! Shared fixture: a small catalogue whose factors have real structure
//! (one direction per top-level category, a sub-direction per sub-category),
//! written with the crate's own model writer.
#![allow(dead_code)]

use shelfrank::{write_model, ItemRecord, ModelDefaults, ModelSpec};

pub const DIM: usize = 8;
pub const CATEGORIES: [&str; 4] = [
    "electronics.smartphone",
    "electronics.audio.headphone",
    "appliances.kitchen.kettle",
    "apparel.shoes",
];
pub const BRANDS: [&str; 3] = ["samsung", "apple", "bosch"];
pub const PER_CATEGORY: usize = 12;

/// Deterministic pseudo-random numbers in [-1, 1) (xorshift).
pub struct Noise(u64);
impl Noise {
    pub fn new(seed: u64) -> Noise {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// Item `c*PER_CATEGORY + j` is `sku-c-j`; prices rise with j; every
/// fourth item is out of stock; item 0 of each category is the most popular.
pub fn fixture_spec() -> ModelSpec {
    let mut items = Vec::new();
    let mut factors = Vec::new();
    let mut noise = Noise::new(7);
    for (c, category) in CATEGORIES.iter().enumerate() {
        for j in 0..PER_CATEGORY {
            let brand = BRANDS[(c + j) % BRANDS.len()];
            items.push(ItemRecord {
                id: format!("sku-{c}-{j}"),
                name: format!(
                    "{} {} {j}",
                    brand,
                    category.rsplit('.').next().unwrap_or("")
                ),
                category: category.to_string(),
                brand: brand.to_string(),
                price: if j == 5 {
                    None
                } else {
                    Some(10.0 + 10.0 * j as f32)
                },
                in_stock: j % 4 != 3,
                popularity: 1.0 / (1.0 + j as f32) + 0.01 * c as f32,
            });
            for d in 0..DIM {
                let mut v = 0.08 * noise.next();
                if d == c {
                    v += 1.0;
                }
                if c < 2 && d == 4 {
                    v += 0.5; // electronics share a direction
                }
                factors.push(v);
            }
        }
    }
    ModelSpec {
        dim: DIM,
        items,
        factors,
        defaults: ModelDefaults::default(),
    }
}

pub fn fixture_bytes() -> Vec<u8> {
    write_model(&fixture_spec()).expect("fixture model writes")
}

/// Category of a fixture item id `sku-c-j`.
pub fn category_of(id: &str) -> usize {
    id.split('-')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("fixture id")
}
