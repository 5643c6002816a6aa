//! Converters from the public data sets' raw layouts to shelfrank's event
//! CSV (`session_id,item_id,event_type,timestamp` or `user_id,…`) and
//! catalogue CSV (`item_id,name,category,brand,price,in_stock`), plus a
//! time-based train/test split.

use crate::catalog::{display_name, Catalog, CatalogItem};
use crate::input::{open_csv, open_csv_with, read_events, InputError, ReadOptions, ReadStats};
use crate::timeparse::parse_timestamp;
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The raw layouts `convert` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// REES46 (Kaggle): event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session
    Rees46,
    /// YOOCHOOSE as prepared by session-rec: tab-separated SessionId ItemId Time
    Yoochoose,
    /// DIGINETICA: session_id;user_id;item_id;timeframe;eventdate
    Diginetica,
    /// Taobao UserBehavior: no header, user,item,category,behavior,unix_ts
    Taobao,
}

/// Writes a file atomically: a temporary file in the same directory,
/// renamed over the target only when everything was written.
pub fn write_atomic(path: &Path, f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".shelfrank-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        f(&mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot sync {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot rename the temporary file to {}", path.display()))?;
    Ok(())
}

fn fmt_time(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{}", t as i64)
    } else {
        format!("{t:.3}")
    }
}

/// What a conversion produced.
#[derive(Debug, Default)]
pub struct ConvertSummary {
    pub rows: u64,
    pub events: u64,
    pub skipped: u64,
    pub catalog_items: usize,
    pub examples: Vec<String>,
}

struct Row {
    session: String,
    item: String,
    kind: &'static str,
    time: f64,
}

fn map_kind(raw: &str) -> Option<&'static str> {
    crate::input::parse_kind(raw).map(|k| k.name())
}

/// Converts `inputs` (concatenated) of `format` into an events file and,
/// when `catalog_out` is given, a catalogue of the items seen.
pub fn convert(
    format: Format,
    inputs: &[PathBuf],
    out: &Path,
    catalog_out: Option<&Path>,
    categories: Option<&Path>,
    opts: &ReadOptions,
) -> Result<ConvertSummary> {
    let mut summary = ConvertSummary::default();
    let mut catalog = Catalog::default();
    let mut extra_categories: HashMap<String, String> = HashMap::new();
    if let Some(cats) = categories {
        let (mut r, _) = open_csv(cats)?;
        let _ = crate::input::headers_of(&mut r, cats)?;
        let mut rec = csv::StringRecord::new();
        while r.read_record(&mut rec).map_err(|e| InputError {
            file: cats.to_path_buf(),
            line: rec.position().map_or(0, |p| p.line()),
            column: None,
            message: format!("unreadable row: {e}"),
        })? {
            if let (Some(i), Some(c)) = (rec.get(0), rec.get(1)) {
                extra_categories.insert(i.trim().to_string(), c.trim().to_string());
            }
        }
    }
    let header = match format {
        Format::Taobao => "user_id,item_id,event_type,timestamp",
        _ => "session_id,item_id,event_type,timestamp",
    };
    write_atomic(out, |w| {
        writeln!(w, "{header}")?;
        for input in inputs {
            convert_one(
                format,
                input,
                opts,
                &mut summary,
                &mut catalog,
                &mut |row| {
                    writeln!(
                        w,
                        "{},{},{},{}",
                        csv_field(&row.session),
                        csv_field(&row.item),
                        row.kind,
                        fmt_time(row.time)
                    )?;
                    Ok(())
                },
            )?;
        }
        Ok(())
    })?;
    if let Some(path) = catalog_out {
        for item in &mut catalog.items {
            if item.category.is_empty() {
                if let Some(c) = extra_categories.get(&item.id) {
                    item.category = c.clone();
                }
            }
        }
        summary.catalog_items = catalog.items.len();
        write_catalog(path, &catalog.items)?;
    }
    Ok(summary)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes a catalogue CSV atomically.
pub fn write_catalog(path: &Path, items: &[CatalogItem]) -> Result<()> {
    write_atomic(path, |w| {
        writeln!(w, "item_id,name,category,brand,price,in_stock")?;
        for it in items {
            writeln!(
                w,
                "{},{},{},{},{},{}",
                csv_field(&it.id),
                csv_field(&it.name),
                csv_field(&it.category),
                csv_field(&it.brand),
                it.price.map_or(String::new(), |p| format!("{p}")),
                if it.in_stock { 1 } else { 0 }
            )?;
        }
        Ok(())
    })
}

fn convert_one(
    format: Format,
    input: &Path,
    opts: &ReadOptions,
    summary: &mut ConvertSummary,
    catalog: &mut Catalog,
    emit: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<()> {
    // Taobao has no header: the first line is data.
    let first_is_data = format == Format::Taobao;
    let (mut reader, _) = open_csv_with(input, !first_is_data)?;
    let headers = if first_is_data {
        Vec::new()
    } else {
        crate::input::headers_of(&mut reader, input)?
    };
    let col = |names: &[&str]| -> Result<usize> {
        crate::input::find_column(&headers, names).with_context(|| {
            format!(
                "{}: expected a column named {} in the header [{}]",
                input.display(),
                names[0],
                headers.join(", ")
            )
        })
    };
    let mut rec = csv::StringRecord::new();
    match format {
        Format::Rees46 => {
            let (ct, ty, pid, cid, ccode, brand, price, uid, us) = (
                col(&["eventtime"])?,
                col(&["eventtype"])?,
                col(&["productid"])?,
                col(&["categoryid"])?,
                col(&["categorycode"])?,
                col(&["brand"])?,
                col(&["price"])?,
                col(&["userid"])?,
                col(&["usersession"])?,
            );
            let need = [ct, ty, pid, cid, ccode, brand, price, uid, us]
                .into_iter()
                .max()
                .unwrap_or(0)
                + 1;
            while let Some(line) = next_row(&mut reader, &mut rec, need, summary, opts, input)? {
                let Some(time) = parse_timestamp(&rec[ct]) else {
                    bad(
                        summary,
                        opts,
                        input,
                        line,
                        Some((ct + 1, "event_time")),
                        format!("bad timestamp \"{}\"", &rec[ct]),
                    )?;
                    continue;
                };
                let Some(kind) = map_kind(&rec[ty]) else {
                    bad(
                        summary,
                        opts,
                        input,
                        line,
                        Some((ty + 1, "event_type")),
                        format!("unknown event type \"{}\"", &rec[ty]),
                    )?;
                    continue;
                };
                let item = rec[pid].trim();
                if item.is_empty() {
                    bad(
                        summary,
                        opts,
                        input,
                        line,
                        Some((pid + 1, "product_id")),
                        "empty product id".into(),
                    )?;
                    continue;
                }
                let session = if rec[us].trim().is_empty() {
                    format!("user-{}", rec[uid].trim())
                } else {
                    rec[us].trim().to_string()
                };
                let code = rec[ccode].trim();
                let category = if code.is_empty() {
                    rec[cid].trim()
                } else {
                    code
                };
                let price_v = rec[price]
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|p| p.is_finite() && *p >= 0.0);
                match catalog.index.get(item) {
                    Some(&i) => {
                        // Keep the latest price; fill gaps in brand/category.
                        let it = &mut catalog.items[i];
                        if price_v.is_some() {
                            it.price = price_v;
                        }
                        if it.brand.is_empty() && !rec[brand].trim().is_empty() {
                            it.brand = rec[brand].trim().to_string();
                            it.name = display_name(&it.brand, code);
                        }
                    }
                    None => catalog.push(CatalogItem {
                        id: item.to_string(),
                        name: display_name(rec[brand].trim(), code),
                        category: category.to_string(),
                        brand: rec[brand].trim().to_string(),
                        price: price_v,
                        in_stock: true,
                    }),
                }
                summary.events += 1;
                emit(Row {
                    session,
                    item: item.to_string(),
                    kind,
                    time,
                })?;
            }
        }
        Format::Yoochoose | Format::Diginetica => {
            let s = col(&["sessionid"])?;
            let i = col(&["itemid"])?;
            let (t, date) = if format == Format::Yoochoose {
                (col(&["time", "timestamp"])?, None)
            } else {
                (col(&["timeframe"])?, Some(col(&["eventdate"])?))
            };
            let need = [Some(s), Some(i), Some(t), date]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(0)
                + 1;
            while let Some(line) = next_row(&mut reader, &mut rec, need, summary, opts, input)? {
                let time = match date {
                    None => parse_timestamp(&rec[t]),
                    // DIGINETICA: day of the event plus milliseconds since the session began.
                    Some(d) => crate::timeparse::parse_date(rec[d].trim()).and_then(|days| {
                        rec[t]
                            .trim()
                            .parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite() && *v >= 0.0)
                            .map(|ms| days as f64 * 86_400.0 + ms / 1000.0)
                    }),
                };
                let Some(time) = time else {
                    bad(
                        summary,
                        opts,
                        input,
                        line,
                        Some((t + 1, "time")),
                        format!("bad time \"{}\"", &rec[t]),
                    )?;
                    continue;
                };
                let item = rec[i].trim();
                if item.is_empty() {
                    bad(
                        summary,
                        opts,
                        input,
                        line,
                        Some((i + 1, "item_id")),
                        "empty item id".into(),
                    )?;
                    continue;
                }
                if !catalog.index.contains_key(item) {
                    catalog.push(CatalogItem {
                        id: item.to_string(),
                        in_stock: true,
                        ..CatalogItem::default()
                    });
                }
                summary.events += 1;
                emit(Row {
                    session: rec[s].trim().to_string(),
                    item: item.to_string(),
                    kind: "view_item",
                    time,
                })?;
            }
        }
        Format::Taobao => {
            // user,item,category,behavior,unix_ts
            while let Some(line) = next_row(&mut reader, &mut rec, 5, summary, opts, input)? {
                let kind = match map_kind(&rec[3]) {
                    Some(k) => k,
                    None => {
                        bad(
                            summary,
                            opts,
                            input,
                            line,
                            Some((4, "behavior")),
                            format!("unknown behavior \"{}\"", &rec[3]),
                        )?;
                        continue;
                    }
                };
                let Some(time) = parse_timestamp(&rec[4]) else {
                    bad(
                        summary,
                        opts,
                        input,
                        line,
                        Some((5, "timestamp")),
                        format!("bad timestamp \"{}\"", &rec[4]),
                    )?;
                    continue;
                };
                let item = rec[1].trim().to_string();
                if !catalog.index.contains_key(&item) {
                    catalog.push(CatalogItem {
                        id: item.clone(),
                        category: rec[2].trim().to_string(),
                        in_stock: true,
                        ..CatalogItem::default()
                    });
                }
                summary.events += 1;
                emit(Row {
                    session: rec[0].trim().to_string(),
                    item,
                    kind,
                    time,
                })?;
            }
        }
    }
    Ok(())
}

/// Reads the next data row with at least `need` fields into `rec` and
/// returns its line, or `None` at the end of the file. Unreadable and short
/// rows are counted and reported through [`bad`] (an error unless
/// `--skip-bad-rows`), then skipped.
fn next_row(
    reader: &mut csv::Reader<Box<dyn std::io::Read>>,
    rec: &mut csv::StringRecord,
    need: usize,
    summary: &mut ConvertSummary,
    opts: &ReadOptions,
    input: &Path,
) -> Result<Option<u64>> {
    loop {
        match reader.read_record(rec) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                bad(
                    summary,
                    opts,
                    input,
                    0,
                    None,
                    format!("unreadable row: {e}"),
                )?;
                continue;
            }
        }
        let line = rec.position().map_or(0, |p| p.line());
        summary.rows += 1;
        if rec.len() < need {
            bad(
                summary,
                opts,
                input,
                line,
                Some((rec.len() + 1, "?")),
                format!("expected {need} fields, found {}", rec.len()),
            )?;
            continue;
        }
        return Ok(Some(line));
    }
}

fn bad(
    summary: &mut ConvertSummary,
    opts: &ReadOptions,
    file: &Path,
    line: u64,
    column: Option<(usize, &str)>,
    message: String,
) -> Result<()> {
    let err = InputError {
        file: file.to_path_buf(),
        line,
        column: column.map(|(n, s)| (n, s.to_string())),
        message,
    };
    if !opts.skip_bad_rows {
        return Err(err.into());
    }
    summary.skipped += 1;
    if summary.examples.len() < 5 {
        summary.examples.push(err.to_string());
    }
    Ok(())
}

/// How `split` chooses the test sessions.
#[derive(Debug, Clone, Copy)]
pub enum SplitRule {
    /// Sessions ending within this many seconds of the log's last event.
    LastSeconds(f64),
    /// Sessions ending at or after this Unix time.
    From(f64),
}

/// Result counts of a split.
#[derive(Debug, Default)]
pub struct SplitSummary {
    pub train_sessions: u64,
    pub test_sessions: u64,
    pub train_events: u64,
    pub test_events: u64,
    pub cutoff: f64,
    pub stats: ReadStats,
}

/// Splits an event log by time, whole sessions at a time (a session goes to
/// test when its last event is at or after the cut-off, as in session-rec).
/// Two streaming passes: memory holds one time per session.
pub fn split(
    events: &Path,
    rule: SplitRule,
    train_out: &Path,
    test_out: &Path,
    opts: &ReadOptions,
) -> Result<SplitSummary> {
    let mut end: Vec<f64> = Vec::new();
    let mut max_t = f64::NEG_INFINITY;
    let stats = read_events(events, opts, |ev| {
        let t = ev.time_s.unwrap_or(0.0);
        let s = ev.session as usize;
        if end.len() <= s {
            end.resize(s + 1, f64::NEG_INFINITY);
        }
        end[s] = end[s].max(t);
        max_t = max_t.max(t);
    })?;
    if !stats.has_time {
        bail!(
            "{}: a time split needs a timestamp column",
            events.display()
        );
    }
    let cutoff = match rule {
        SplitRule::LastSeconds(s) => max_t - s,
        SplitRule::From(t) => t,
    };
    let mut summary = SplitSummary {
        cutoff,
        ..SplitSummary::default()
    };
    let is_test: Vec<bool> = end.iter().map(|&e| e >= cutoff).collect();
    summary.test_sessions = is_test.iter().filter(|&&b| b).count() as u64;
    summary.train_sessions = is_test.len() as u64 - summary.test_sessions;
    let header = "session_id,item_id,event_type,timestamp";
    let mut train_events = 0;
    let mut test_events = 0;
    write_atomic(test_out, |test_w| {
        write_atomic(train_out, |w| {
            writeln!(w, "{header}")?;
            writeln!(test_w, "{header}")?;
            let mut io_err: Option<std::io::Error> = None;
            let quiet = ReadOptions {
                progress: false,
                ..opts.clone()
            };
            read_events(events, &quiet, |ev| {
                let line = format!(
                    "s{},{},{},{}\n",
                    ev.session,
                    csv_field(ev.item),
                    ev.kind.name(),
                    fmt_time(ev.time_s.unwrap_or(0.0))
                );
                let res = if is_test.get(ev.session as usize).copied().unwrap_or(false) {
                    test_events += 1;
                    test_w.write_all(line.as_bytes())
                } else {
                    train_events += 1;
                    w.write_all(line.as_bytes())
                };
                if let Err(e) = res {
                    io_err.get_or_insert(e);
                }
            })?;
            match io_err {
                Some(e) => Err(e.into()),
                None => Ok(()),
            }
        })
    })?;
    summary.train_events = train_events;
    summary.test_events = test_events;
    summary.stats = stats;
    Ok(summary)
}
