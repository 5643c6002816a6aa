//! shelfrank: on-device product recommendations.
//!
//! A shop trains a factor model on its server and ships it as one `.shelf`
//! file; this crate loads it in the browser (via WebAssembly), builds a
//! session profile from the shopper's events and ranks products locally.
//! The engine is plain Rust (testable natively, reused by the trainer);
//! [`wasm_api`] is the thin JavaScript-facing layer. See ARCHITECTURE.md.

pub mod catalog;
pub mod error;
pub mod events;
pub mod factors;
pub mod foldin;
pub mod format;
pub mod model;
pub mod number_text;
pub mod profile;
pub mod ranking;
pub mod recommender;
pub mod settings;
pub mod signature;
pub mod sorting;
pub mod summary;
pub mod topk;
pub mod wasm_api;

pub use error::{Result, ShelfError};
pub use events::{EventKind, EventWeights};
pub use format::{read_model, write_model, ItemRecord, ModelSpec};
pub use model::{Model, ModelDefaults};
pub use profile::{Event, ExportedProfile, SessionProfile};
pub use ranking::{RankOptions, Ranked, Reason};
pub use recommender::Recommender;
pub use settings::LoadOptions;
