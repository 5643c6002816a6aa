//! Writes synthetic models with realistic factor statistics for the
//! benchmarks: `cargo run --release --example bench_models -- OUT_DIR N:DIM ...`
//! (e.g. `100000:64`). Existing files are kept.
//!
//! Realistic here means what trained ALS factors look like: per-item norms
//! spread log-normally (popular items have larger vectors), a shared
//! direction per category, Zipf popularity, a category tree and brands,
//! log-normal prices, 90% in stock.

use shelfrank::write_model;
use std::process::ExitCode;

#[path = "support/synthetic.rs"]
mod synthetic;
use synthetic::synthetic;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((dir, sizes)) = args.split_first() else {
        eprintln!("usage: bench_models OUT_DIR N:DIM ...");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("cannot create {dir}: {e}");
        return ExitCode::FAILURE;
    }
    for size in sizes {
        let Some((n, dim)) = size
            .split_once(':')
            .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        else {
            eprintln!("bad size {size}: expected N:DIM");
            return ExitCode::from(2);
        };
        let path = format!("{dir}/{n}x{dim}.shelf");
        if std::path::Path::new(&path).exists() {
            continue;
        }
        let started = std::time::Instant::now();
        match write_model(&synthetic(n, dim)) {
            Ok(bytes) => {
                if let Err(e) = std::fs::write(&path, &bytes) {
                    eprintln!("cannot write {path}: {e}");
                    return ExitCode::FAILURE;
                }
                eprintln!(
                    "wrote {path} ({:.1} MB) in {:.1} s",
                    bytes.len() as f64 / 1e6,
                    started.elapsed().as_secs_f64()
                );
            }
            Err(e) => {
                eprintln!("cannot build {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
