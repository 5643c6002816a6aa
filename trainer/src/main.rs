//! `shelfrank` command line: inspect model files (training lands with the trainer issue).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, path] if cmd == "inspect" => match std::fs::read(path) {
            Ok(bytes) => match shelfrank::Model::from_bytes(bytes) {
                Ok(m) => {
                    println!(
                        "{path}: {} items × {} factors, {} bytes, checksum {:08x} ok",
                        m.item_count(),
                        m.dim(),
                        m.byte_len(),
                        m.checksum()
                    );
                    for s in m.sections() {
                        println!(
                            "  {:4}  offset {:>10}  length {:>10}",
                            s.tag, s.offset, s.length
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {path}: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("error: cannot read {path}: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: shelfrank inspect MODEL.shelf");
            ExitCode::from(2)
        }
    }
}
