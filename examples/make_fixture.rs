//! Writes the test fixture model (the same one the Rust tests build) to a
//! file, for the JavaScript package tests: `cargo run --example make_fixture -- OUT.shelf`.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() -> std::process::ExitCode {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: make_fixture OUT.shelf");
        return std::process::ExitCode::from(2);
    };
    match std::fs::write(&out, common::fixture_bytes()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write {out}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
