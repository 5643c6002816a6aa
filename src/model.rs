//! A loaded, validated model: catalogue metadata, int8 factors, popularity
//! prior, Gramian and training defaults, all read from one owned buffer.

use crate::catalog::{IdIndex, StringTable, NO_ENTRY};
use crate::error::{invalid, Result};
use crate::events::EventWeights;
use crate::factors::FactorBlock;

/// Longest recency half-life a model or a page may set: ten years, in hours.
pub const MAX_HALF_LIFE_HOURS: f64 = 24.0 * 3650.0;

/// Training-time settings the browser needs to fold users in the same way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelDefaults {
    /// ALS regularisation λ.
    pub lambda: f32,
    /// Confidence scaling: c = 1 + alpha · (weighted, decayed event count).
    pub alpha: f32,
    /// Recency half-life of event weights, in hours.
    pub half_life_hours: f32,
    pub weights: EventWeights,
}

impl Default for ModelDefaults {
    fn default() -> Self {
        ModelDefaults {
            lambda: 0.1,
            alpha: 10.0,
            half_life_hours: 24.0 * 7.0,
            weights: EventWeights::default(),
        }
    }
}

impl ModelDefaults {
    pub fn validate(&self) -> Result<()> {
        if !(self.lambda.is_finite() && self.lambda > 0.0) {
            return Err(invalid(format!(
                "regularisation lambda must be > 0, got {}",
                crate::number_text::Num::from(self.lambda)
            )));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(invalid(format!(
                "alpha must be >= 0, got {}",
                crate::number_text::Num::from(self.alpha)
            )));
        }
        if !(self.half_life_hours.is_finite()
            && self.half_life_hours > 0.0
            && self.half_life_hours as f64 <= MAX_HALF_LIFE_HOURS)
        {
            return Err(invalid(format!(
                "half-life must be > 0 and at most {} hours, got {}",
                crate::number_text::Num(MAX_HALF_LIFE_HOURS),
                crate::number_text::Num::from(self.half_life_hours)
            )));
        }
        if let Some(w) = self.weights.0.iter().find(|w| !w.is_finite()) {
            return Err(invalid(format!(
                "event weights must be finite, got {}",
                crate::number_text::Num::from(*w)
            )));
        }
        Ok(())
    }
}

/// Where a section sits in the file (kept for `inspect` and error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct SectionInfo {
    pub tag: String,
    pub offset: usize,
    pub length: usize,
}

/// A validated model. Built only by [`crate::format::read_model`].
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) bytes: Vec<u8>,
    pub(crate) factors: FactorBlock,
    pub(crate) ids: StringTable,
    pub(crate) names: StringTable,
    pub(crate) categories: StringTable,
    pub(crate) brands: StringTable,
    pub(crate) item_category: Vec<u32>,
    pub(crate) item_brand: Vec<u32>,
    pub(crate) price: Vec<f32>,
    pub(crate) in_stock: Vec<bool>,
    pub(crate) popularity: Vec<f32>,
    pub(crate) gramian: Vec<f32>,
    pub(crate) defaults: ModelDefaults,
    pub(crate) id_index: IdIndex,
    pub(crate) sections: Vec<SectionInfo>,
    pub(crate) checksum: u32,
}

impl Model {
    /// Parses and validates model bytes (see `docs/FORMAT.md`).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Model> {
        crate::format::read_model(bytes)
    }

    pub fn item_count(&self) -> usize {
        self.factors.items
    }

    pub fn dim(&self) -> usize {
        self.factors.dim
    }

    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    pub fn checksum(&self) -> u32 {
        self.checksum
    }

    pub fn sections(&self) -> &[SectionInfo] {
        &self.sections
    }

    pub fn defaults(&self) -> &ModelDefaults {
        &self.defaults
    }

    pub fn gramian(&self) -> &[f32] {
        &self.gramian
    }

    pub fn factor_block(&self) -> &FactorBlock {
        &self.factors
    }

    pub fn raw_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Index of an item id, if the model has it.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.id_index
            .lookup(&self.bytes, &self.ids, id)
            .map(|i| i as usize)
    }

    pub fn item_id(&self, i: usize) -> &str {
        self.ids.get(&self.bytes, i)
    }

    pub fn name(&self, i: usize) -> &str {
        self.names.get(&self.bytes, i)
    }

    /// Category path of item `i`, `""` when unknown.
    pub fn category(&self, i: usize) -> &str {
        match self.item_category.get(i) {
            Some(&c) if c != NO_ENTRY => self.categories.get(&self.bytes, c as usize),
            _ => "",
        }
    }

    /// Interned category number of item `i` (for mask building).
    pub fn category_code(&self, i: usize) -> u32 {
        self.item_category.get(i).copied().unwrap_or(NO_ENTRY)
    }

    pub fn category_table_len(&self) -> usize {
        self.categories.len()
    }

    pub fn category_by_code(&self, code: usize) -> &str {
        self.categories.get(&self.bytes, code)
    }

    pub fn brand(&self, i: usize) -> &str {
        match self.item_brand.get(i) {
            Some(&b) if b != NO_ENTRY => self.brands.get(&self.bytes, b as usize),
            _ => "",
        }
    }

    pub fn brand_code(&self, i: usize) -> u32 {
        self.item_brand.get(i).copied().unwrap_or(NO_ENTRY)
    }

    pub fn brand_table_len(&self) -> usize {
        self.brands.len()
    }

    pub fn brand_by_code(&self, code: usize) -> &str {
        self.brands.get(&self.bytes, code)
    }

    /// Price of item `i`, `None` when the catalogue had none.
    pub fn price(&self, i: usize) -> Option<f32> {
        self.price.get(i).copied().filter(|p| *p >= 0.0)
    }

    pub fn in_stock(&self, i: usize) -> bool {
        self.in_stock.get(i).copied().unwrap_or(false)
    }

    pub fn popularity(&self, i: usize) -> f32 {
        self.popularity.get(i).copied().unwrap_or(0.0)
    }

    /// A readable label for explanations: the display name, else the id.
    pub fn label(&self, i: usize) -> &str {
        let name = self.name(i);
        if name.is_empty() {
            self.item_id(i)
        } else {
            name
        }
    }
}
