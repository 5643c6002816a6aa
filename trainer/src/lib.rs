//! The shelfrank trainer: reads e-commerce event logs, trains an implicit
//! ALS factor model, writes `.shelf` files through the engine's own writer
//! and evaluates them through the engine's own `Recommender`.

pub mod als;
pub mod baselines;
pub mod catalog;
pub mod convert;
pub mod eval;
pub mod import_spark;
pub mod input;
pub mod inspect;
pub mod metrics;
pub mod progress;
pub mod report;
pub mod timeparse;
pub mod train;
