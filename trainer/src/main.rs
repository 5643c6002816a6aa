//! `shelfrank` command line: train, evaluate, convert, split and inspect.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use shelfrank::signature::{sign_model, SigningKey};
use shelfrank_trainer::als::{AlsParams, Solver};
use shelfrank_trainer::baselines::SknnParams;
use shelfrank_trainer::convert::write_atomic;
use shelfrank_trainer::convert::{self, Format, SplitRule};
use shelfrank_trainer::eval::{self, BlendParams, EvalConfig};
use shelfrank_trainer::input::ReadOptions;
use shelfrank_trainer::timeparse::{parse_duration, parse_timestamp};
use shelfrank_trainer::train::{self, TrainConfig};
use shelfrank_trainer::{import_spark, inspect, report};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "shelfrank",
    version,
    about = "Train, evaluate and inspect shelfrank recommendation models"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// Skip malformed rows (reporting how many and why) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Inactivity gap that starts a new session when the log has user_id but no session_id.
    #[arg(long, default_value = "30m")]
    session_gap: String,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

impl Common {
    fn read_options(&self) -> Result<ReadOptions> {
        Ok(ReadOptions {
            skip_bad_rows: self.skip_bad_rows,
            session_gap_s: parse_duration(&self.session_gap).with_context(|| {
                format!(
                    "--session-gap \"{}\" is not a duration like 30m",
                    self.session_gap
                )
            })?,
            progress: !self.quiet && std::io::stderr().is_terminal(),
        })
    }
}

#[derive(Args, Clone)]
struct EvalArgs {
    /// Cut-offs K for the metrics, comma-separated.
    #[arg(long, default_value = "10,20", value_delimiter = ',')]
    k: Vec<usize>,
    /// Write report.md, report.json and SVG charts into this directory.
    #[arg(long)]
    report: Option<PathBuf>,
    /// V-SKNN: neighbour sessions.
    #[arg(long, default_value_t = 100)]
    sknn_k: usize,
    /// V-SKNN: most recent candidate sessions compared.
    #[arg(long, default_value_t = 500)]
    sknn_sample: usize,
    /// V-SKNN: idf weighting strength (0 = off).
    #[arg(long, default_value_t = 0.0)]
    sknn_idf: f64,
    /// Also evaluate the blending prototype with this β (factor score + β × transition score).
    #[arg(long)]
    blend_beta: Option<f32>,
    /// Successor window of the transition table used by the prototype.
    #[arg(long, default_value_t = 3)]
    blend_window: usize,
    /// Evaluate only the first N test sessions.
    #[arg(long)]
    max_sessions: Option<usize>,
}

impl EvalArgs {
    fn config(
        &self,
        model: PathBuf,
        test: PathBuf,
        train: Option<PathBuf>,
        common: &Common,
    ) -> Result<EvalConfig> {
        Ok(EvalConfig {
            model,
            test,
            train,
            ks: self.k.clone(),
            sknn: SknnParams {
                k: self.sknn_k,
                sample_size: self.sknn_sample,
                idf_weight: self.sknn_idf,
            },
            blend: self.blend_beta.map(|beta| BlendParams {
                beta,
                window: self.blend_window,
            }),
            threads: common.threads,
            read: common.read_options()?,
            max_sessions: self.max_sessions,
        })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Train an implicit-ALS model and write a .shelf file.
    Train {
        /// Events CSV (session_id or user_id, item_id, event_type, timestamp).
        #[arg(long)]
        events: PathBuf,
        /// Catalogue CSV (item_id, name, category, brand, price, in_stock).
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Output model file.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 64)]
        factors: usize,
        #[arg(long, default_value_t = 15)]
        iterations: usize,
        /// L2 regularisation λ (also used by the browser's fold-in).
        #[arg(long, default_value_t = 0.1)]
        regularization: f32,
        /// Confidence scale α: c = 1 + α·strength.
        #[arg(long, default_value_t = 10.0)]
        alpha: f32,
        /// Event weights over the defaults, e.g. view_item=1,add_to_cart=4,purchase=8.
        #[arg(long, default_value = "")]
        event_weights: String,
        /// Recency half-life of event weights, e.g. 7d, 12h.
        #[arg(long, default_value = "7d")]
        half_life: String,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Row solver.
        #[arg(long, value_enum, default_value_t = Solver::Cg)]
        solver: Solver,
        /// Conjugate-gradient steps per row and iteration.
        #[arg(long, default_value_t = 3)]
        cg_steps: usize,
        /// Print the training loss after every iteration (costs about half an iteration each).
        #[arg(long)]
        loss: bool,
        /// Evaluate the new model on these test events right away.
        #[arg(long)]
        eval_on: Option<PathBuf>,
        /// Sign the model with this Ed25519 secret key file (from `shelfrank keygen`).
        #[arg(long, value_name = "FILE")]
        sign_key: Option<PathBuf>,
        #[command(flatten)]
        eval: EvalArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Evaluate a model with the session-based next-item protocol.
    Eval {
        #[arg(long)]
        model: PathBuf,
        /// Test events (later sessions than the training ones).
        #[arg(long)]
        test: PathBuf,
        /// Training events, for the baselines (most-popular, co-occurrence, V-SKNN).
        #[arg(long)]
        train: Option<PathBuf>,
        #[command(flatten)]
        eval: EvalArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Convert a public data set's raw layout into shelfrank's events (and catalogue) CSV.
    Convert {
        #[arg(long, value_enum)]
        format: Format,
        /// Input file(s), concatenated in order.
        #[arg(long, required = true, num_args = 1..)]
        input: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// Also write a catalogue of the items seen (REES46: name, category, brand, price).
        #[arg(long)]
        catalog_out: Option<PathBuf>,
        /// DIGINETICA: product-categories.csv (itemId;categoryId) to fill the catalogue's categories.
        #[arg(long)]
        categories: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Split an events file by time into train and test (whole sessions).
    Split {
        #[arg(long)]
        events: PathBuf,
        /// Sessions ending within this duration of the last event go to test (e.g. 1d, 30m).
        #[arg(long, conflicts_with = "test_from")]
        test_last: Option<String>,
        /// Sessions ending at or after this time go to test (Unix seconds or ISO-8601).
        #[arg(long)]
        test_from: Option<String>,
        #[arg(long)]
        train_out: PathBuf,
        #[arg(long)]
        test_out: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Print a Markdown table (methods × data sets) from report directories.
    Summarize {
        /// NAME=REPORT_DIR pairs (each directory holds a report.json).
        #[arg(required = true)]
        reports: Vec<String>,
        #[arg(long, default_value_t = 20)]
        k: usize,
    },
    /// Turn item factors trained on Spark (examples/spark/train_als.py) into a .shelf file.
    ImportSpark {
        /// The Spark job's output directory (metadata/ and items/).
        #[arg(long)]
        factors: PathBuf,
        /// Catalogue CSV (item_id, name, category, brand, price, in_stock).
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Output model file.
        #[arg(long)]
        out: PathBuf,
        /// λ for the browser's fold-in (default: the job's fold_in_lambda).
        #[arg(long)]
        regularization: Option<f32>,
        /// Sign the model with this Ed25519 secret key file (from `shelfrank keygen`).
        #[arg(long, value_name = "FILE")]
        sign_key: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Make an Ed25519 key pair for signing models: writes the secret key
    /// file and prints the public key that pages pass to Recommender.load.
    Keygen {
        /// Secret key file to write (FILE.pub gets the public key).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing key file.
        #[arg(long)]
        force: bool,
    },
    /// Sign an existing model (replacing any signature it has).
    Sign {
        model: PathBuf,
        /// Ed25519 secret key file (from `shelfrank keygen`).
        #[arg(long, value_name = "FILE")]
        sign_key: PathBuf,
        /// Where to write the signed model (default: in place).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Show a model file: header, sections, checksum, a few items.
    Inspect {
        model: PathBuf,
        /// How many of the most popular items to list.
        #[arg(long, default_value_t = 8)]
        items: usize,
    },
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Train {
            events,
            catalog,
            out,
            factors,
            iterations,
            regularization,
            alpha,
            event_weights,
            half_life,
            seed,
            solver,
            cg_steps,
            loss,
            eval_on,
            sign_key,
            eval,
            common,
        } => {
            // Read the key before hours of training, not after.
            let sign_key = sign_key.as_deref().map(read_signing_key).transpose()?;
            let half_life_s = parse_duration(&half_life).with_context(|| {
                format!("--half-life \"{half_life}\" is not a duration like 7d")
            })?;
            let cfg = TrainConfig {
                events: events.clone(),
                catalog,
                out: out.clone(),
                als: AlsParams {
                    factors,
                    iterations,
                    lambda: regularization,
                    alpha,
                    solver,
                    cg_steps,
                    seed,
                },
                weights: train::parse_event_weights(&event_weights)?,
                half_life_hours: (half_life_s / 3600.0) as f32,
                threads: common.threads,
                read: common.read_options()?,
                track_loss: loss,
            };
            let summary = train::train(&cfg)?;
            if let Some(key) = &sign_key {
                sign_file(&out, &out, key)?;
            }
            train::print_summary(&summary, &mut std::io::stdout())?;
            if let Some(key) = &sign_key {
                println!(
                    "  signed    Ed25519, public key {}",
                    key.public_key_base64()
                );
            }
            if !summary.losses.is_empty() {
                let l: Vec<String> = summary.losses.iter().map(|l| format!("{l:.5e}")).collect();
                println!("  loss      {}", l.join(" → "));
            }
            if let Some(test) = eval_on {
                let ec = eval.config(out, test, Some(events), &common)?;
                let r = eval::evaluate(&ec)?;
                print!("{}", eval::print_table(&r));
                if let Some(dir) = &eval.report {
                    report::write_report(dir, &r, Some(&summary))?;
                    println!("report written to {}", dir.display());
                }
            }
        }
        Command::Eval {
            model,
            test,
            train,
            eval,
            common,
        } => {
            let ec = eval.config(model, test, train, &common)?;
            let r = eval::evaluate(&ec)?;
            print!("{}", eval::print_table(&r));
            if let Some(dir) = &eval.report {
                report::write_report(dir, &r, None)?;
                println!("report written to {}", dir.display());
            }
        }
        Command::Convert {
            format,
            input,
            out,
            catalog_out,
            categories,
            common,
        } => {
            let s = convert::convert(
                format,
                &input,
                &out,
                catalog_out.as_deref(),
                categories.as_deref(),
                &common.read_options()?,
            )?;
            println!(
                "converted {} rows into {} events ({} bad rows skipped) → {}",
                s.rows,
                s.events,
                s.skipped,
                out.display()
            );
            for e in &s.examples {
                println!("  skipped: {e}");
            }
            if let Some(c) = catalog_out {
                println!("catalogue of {} items → {}", s.catalog_items, c.display());
            }
        }
        Command::Split {
            events,
            test_last,
            test_from,
            train_out,
            test_out,
            common,
        } => {
            let rule = match (test_last, test_from) {
                (Some(d), None) => {
                    SplitRule::LastSeconds(parse_duration(&d).with_context(|| {
                        format!("--test-last \"{d}\" is not a duration like 1d")
                    })?)
                }
                (None, Some(t)) => SplitRule::From(
                    parse_timestamp(&t)
                        .with_context(|| format!("--test-from \"{t}\" is not a time"))?,
                ),
                _ => bail!("give one of --test-last DURATION or --test-from TIME"),
            };
            let s = convert::split(
                &events,
                rule,
                &train_out,
                &test_out,
                &common.read_options()?,
            )?;
            println!(
                "split at {:.0} (Unix s): train {} sessions / {} events → {}; test {} sessions / {} events → {}",
                s.cutoff,
                s.train_sessions,
                s.train_events,
                train_out.display(),
                s.test_sessions,
                s.test_events,
                test_out.display()
            );
        }
        Command::Summarize { reports, k } => {
            let entries = reports
                .iter()
                .map(|r| match r.split_once('=') {
                    Some((n, d)) => (n.to_string(), PathBuf::from(d)),
                    None => (r.clone(), PathBuf::from(r)),
                })
                .collect::<Vec<_>>();
            print!("{}", report::summarize(&entries, k)?);
        }
        Command::ImportSpark {
            factors,
            catalog,
            out,
            regularization,
            sign_key,
            common,
        } => {
            let sign_key = sign_key.as_deref().map(read_signing_key).transpose()?;
            let s = import_spark::import_spark(&import_spark::ImportConfig {
                factors,
                catalog,
                out: out.clone(),
                regularization,
                read: common.read_options()?,
            })?;
            if let Some(key) = &sign_key {
                sign_file(&out, &out, key)?;
            }
            import_spark::print_summary(&s, &mut std::io::stdout())?;
            if let Some(key) = &sign_key {
                println!(
                    "  signed    Ed25519, public key {}",
                    key.public_key_base64()
                );
            }
        }
        Command::Keygen { out, force } => keygen(&out, force)?,
        Command::Sign {
            model,
            sign_key,
            out,
        } => {
            let key = read_signing_key(&sign_key)?;
            let out = out.unwrap_or_else(|| model.clone());
            sign_file(&model, &out, &key)?;
            println!(
                "signed {} → {} (public key {})",
                model.display(),
                out.display(),
                key.public_key_base64()
            );
        }
        Command::Inspect { model, items } => {
            let bytes = std::fs::read(&model)
                .with_context(|| format!("cannot read {}", model.display()))?;
            let (text, ok) = inspect::inspect(&model.display().to_string(), bytes, items);
            print!("{text}");
            if !ok {
                bail!("{} is not a valid model", model.display());
            }
        }
    }
    Ok(())
}

/// Reads a secret key file written by `shelfrank keygen`.
fn read_signing_key(path: &std::path::Path) -> Result<SigningKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret key file {}", path.display()))?;
    SigningKey::from_key_file(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Signs the model at `from` and writes it atomically to `to`: the one path
/// by which every command that writes models signs them.
fn sign_file(from: &std::path::Path, to: &std::path::Path, key: &SigningKey) -> Result<()> {
    let mut bytes =
        std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    sign_model(&mut bytes, key)
        .map_err(|e| anyhow::anyhow!("cannot sign {}: {e}", from.display()))?;
    write_atomic(to, |w| {
        w.write_all(&bytes)?;
        Ok(())
    })
}

/// `shelfrank keygen`: 32 bytes from the operating system's random source.
fn keygen(out: &std::path::Path, force: bool) -> Result<()> {
    if out.exists() && !force {
        bail!(
            "{} exists; pass --force to replace it (models signed with the old key will no longer verify with the new public key)",
            out.display()
        );
    }
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
        .context("cannot read 32 random bytes from /dev/urandom")?;
    let key = SigningKey::from_seed(seed);
    write_atomic(out, |w| {
        w.write_all(key.to_key_file().as_bytes())?;
        Ok(())
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private", out.display()))?;
    }
    let public = out.with_file_name(format!(
        "{}.pub",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("key")
    ));
    write_atomic(&public, |w| {
        writeln!(w, "{}", key.public_key_base64())?;
        Ok(())
    })?;
    println!("secret key written to {} (keep it private)", out.display());
    println!("public key written to {}", public.display());
    println!("public key: {}", key.public_key_base64());
    println!(
        "use it in the page: Recommender.load(bytes, {{ publicKey: \"{}\" }})",
        key.public_key_base64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
