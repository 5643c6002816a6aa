//! Streaming readers for event logs: header detection by column name,
//! delimiter sniffing, event-name mapping, sessionisation and precise
//! errors (file, line, column) for malformed rows.

use crate::progress;
use shelfrank::EventKind;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// A malformed input row, located precisely.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: PathBuf,
    /// 1-based line number in the file (0 when the problem is the file itself).
    pub line: u64,
    /// 1-based column number and its header name, when one column is at fault.
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ", line {}", self.line)?;
        }
        if let Some((n, name)) = &self.column {
            write!(f, ", column {n} ({name})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Normalises a header name: lower case, letters and digits only
/// (`SessionId`, `session_id` and `session-id` all become `sessionid`).
pub fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub const SESSION_NAMES: &[&str] = &["sessionid", "usersession", "session"];
pub const USER_NAMES: &[&str] = &["userid", "user", "visitorid", "customerid", "clientid"];
pub const ITEM_NAMES: &[&str] = &["itemid", "productid", "item", "product", "sku"];
pub const KIND_NAMES: &[&str] = &[
    "eventtype",
    "eventname",
    "event",
    "behavior",
    "behaviortype",
    "type",
];
pub const TIME_NAMES: &[&str] = &["timestamp", "time", "eventtime", "ts", "datetime"];

/// Finds the first header that matches one of `names` (in the order of `names`).
pub fn find_column(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|want| headers.iter().position(|h| norm_header(h) == *want))
}

/// Maps GA4 names and the raw names of the public data sets to event kinds.
pub fn parse_kind(raw: &str) -> Option<EventKind> {
    let s = raw.trim().to_ascii_lowercase();
    Some(match s.as_str() {
        "view_item" | "view" | "pv" | "click" | "clicks" | "page_view" | "detail" => {
            EventKind::ViewItem
        }
        "select_item" | "select" => EventKind::SelectItem,
        "add_to_cart" | "cart" | "addtocart" => EventKind::AddToCart,
        "remove_from_cart" | "removefromcart" => EventKind::RemoveFromCart,
        "add_to_wishlist" | "fav" | "wishlist" => EventKind::AddToWishlist,
        "begin_checkout" | "checkout" => EventKind::BeginCheckout,
        "purchase" | "buy" | "transaction" | "order" => EventKind::Purchase,
        "dwell" => EventKind::Dwell,
        _ => return None,
    })
}

/// Picks the delimiter that occurs most often in the header line.
pub fn sniff_delimiter(first_line: &str) -> u8 {
    let count = |c: char| first_line.matches(c).count();
    [(b'\t', count('\t')), (b';', count(';')), (b',', count(','))]
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .filter(|&(_, n)| n > 0)
        .map_or(b',', |(d, _)| d)
}

/// Options shared by every reader.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Go on past malformed rows (counting them) instead of stopping.
    pub skip_bad_rows: bool,
    /// Gap that starts a new session when only `user_id` is given.
    pub session_gap_s: f64,
    /// Show progress bars (they hide themselves when stderr is not a terminal).
    pub progress: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            skip_bad_rows: false,
            session_gap_s: 1800.0,
            progress: true,
        }
    }
}

/// What a read saw, for the summary.
#[derive(Debug, Clone, Default)]
pub struct ReadStats {
    pub rows: u64,
    pub events: u64,
    pub bad_rows: u64,
    /// Count of skipped rows per reason.
    pub bad_reasons: BTreeMap<String, u64>,
    /// The first few skipped rows, with their location.
    pub examples: Vec<String>,
    pub sessions: u32,
    pub has_time: bool,
    pub sessionised_by_user: bool,
}

impl ReadStats {
    pub fn describe_bad(&self) -> String {
        let reasons: Vec<String> = self
            .bad_reasons
            .iter()
            .map(|(r, n)| format!("{n} × {r}"))
            .collect();
        format!(
            "{} bad rows skipped ({})",
            self.bad_rows,
            reasons.join("; ")
        )
    }
}

/// One event as a reader hands it on.
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    /// Dense session number, in order of first appearance.
    pub session: u32,
    pub item: &'a str,
    pub kind: EventKind,
    /// Seconds since the epoch, when the file has times.
    pub time_s: Option<f64>,
    /// 1-based line of the row.
    pub line: u64,
}

/// FNV-1a followed by a SplitMix64 finaliser: a stable 64-bit key for ids we
/// never need to print again (session and user ids). Collisions are
/// negligible below ~10^8 distinct ids.
pub fn hash64(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

struct Columns {
    session: Option<usize>,
    user: Option<usize>,
    item: usize,
    kind: Option<usize>,
    time: Option<usize>,
    needed: usize,
    headers: Vec<String>,
}

/// Opens a CSV-like file, sniffs the delimiter from its first line and
/// returns a reader positioned at the header.
pub fn open_csv(path: &Path) -> Result<(csv::Reader<Box<dyn Read>>, u64), InputError> {
    open_csv_with(path, true)
}

/// [`open_csv`] for a file whose first line may be data (`has_headers` false).
pub fn open_csv_with(
    path: &Path,
    has_headers: bool,
) -> Result<(csv::Reader<Box<dyn Read>>, u64), InputError> {
    let file_err = |message: String| InputError {
        file: path.to_path_buf(),
        line: 0,
        column: None,
        message,
    };
    let file = File::open(path).map_err(|e| file_err(format!("cannot open: {e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut buf = BufReader::with_capacity(1 << 20, file);
    let first = {
        let bytes = buf
            .fill_buf()
            .map_err(|e| file_err(format!("cannot read: {e}")))?;
        let end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    };
    if first.trim().is_empty() {
        return Err(file_err(
            "the file is empty (expected a header line)".into(),
        ));
    }
    let delimiter = sniff_delimiter(&first);
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(has_headers)
        .flexible(true)
        .from_reader(Box::new(buf) as Box<dyn Read>);
    Ok((reader, size))
}

/// Reads the header row as strings.
pub fn headers_of(
    reader: &mut csv::Reader<Box<dyn Read>>,
    path: &Path,
) -> Result<Vec<String>, InputError> {
    let h = reader.headers().map_err(|e| InputError {
        file: path.to_path_buf(),
        line: 1,
        column: None,
        message: format!("cannot read the header: {e}"),
    })?;
    Ok(h.iter()
        .map(|s| s.trim_start_matches('\u{feff}').trim().to_string())
        .collect())
}

fn columns(headers: Vec<String>, path: &Path) -> Result<Columns, InputError> {
    let item = find_column(&headers, ITEM_NAMES).ok_or_else(|| InputError {
        file: path.to_path_buf(),
        line: 1,
        column: None,
        message: format!(
            "no item column in the header [{}]: expected one of item_id, product_id, ItemId \
             (a file without a header, such as Taobao's, needs `shelfrank convert --format taobao` first)",
            headers.join(", ")
        ),
    })?;
    let session = find_column(&headers, SESSION_NAMES);
    let user = find_column(&headers, USER_NAMES);
    if session.is_none() && user.is_none() {
        return Err(InputError {
            file: path.to_path_buf(),
            line: 1,
            column: None,
            message: format!(
                "no session_id or user_id column in the header [{}]",
                headers.join(", ")
            ),
        });
    }
    let kind = find_column(&headers, KIND_NAMES);
    let time = find_column(&headers, TIME_NAMES);
    let needed = [session.or(user), Some(item), kind, time]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0)
        + 1;
    Ok(Columns {
        session,
        user,
        item,
        kind,
        time,
        needed,
        headers,
    })
}

/// Streams the events of `path` to `sink`, sessionising by `user_id` with a
/// gap when there is no `session_id`. Malformed rows stop the read with an
/// [`InputError`], or are counted and skipped with `skip_bad_rows`.
pub fn read_events(
    path: &Path,
    opts: &ReadOptions,
    mut sink: impl FnMut(RawEvent<'_>),
) -> Result<ReadStats, InputError> {
    let (mut reader, size) = open_csv(path)?;
    let headers = headers_of(&mut reader, path)?;
    let cols = columns(headers, path)?;
    let mut stats = ReadStats {
        has_time: cols.time.is_some(),
        sessionised_by_user: cols.session.is_none(),
        ..ReadStats::default()
    };
    let bar = progress::bytes_bar(
        opts.progress,
        size,
        &format!(
            "reading {}",
            path.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ),
    );
    let mut sessions: HashMap<u64, u32> = HashMap::new();
    // user hash -> (last time, session number)
    let mut users: HashMap<u64, (f64, u32)> = HashMap::new();
    let mut next_session: u32 = 0;
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let err = InputError {
                    file: path.to_path_buf(),
                    line,
                    column: None,
                    message: format!("unreadable row: {e}"),
                };
                if !opts.skip_bad_rows {
                    return Err(err);
                }
                note_bad(&mut stats, "unreadable row", &err);
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        stats.rows += 1;
        if stats.rows.is_multiple_of(65_536) {
            bar.set_position(reader.position().byte());
        }
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue; // blank line
        }
        match parse_row(&record, &cols) {
            Ok((session_raw, item, kind, time_s)) => {
                let session = match (cols.session, session_raw) {
                    (Some(_), key) => *sessions.entry(hash64(key)).or_insert_with(|| {
                        next_session += 1;
                        next_session - 1
                    }),
                    (None, user) => {
                        let key = hash64(user);
                        let t = time_s.unwrap_or(0.0);
                        match users.get_mut(&key) {
                            Some((last, s)) if t - *last <= opts.session_gap_s => {
                                *last = last.max(t);
                                *s
                            }
                            Some(slot) => {
                                *slot = (t, next_session);
                                next_session += 1;
                                next_session - 1
                            }
                            None => {
                                users.insert(key, (t, next_session));
                                next_session += 1;
                                next_session - 1
                            }
                        }
                    }
                };
                stats.events += 1;
                sink(RawEvent {
                    session,
                    item,
                    kind,
                    time_s,
                    line,
                });
            }
            Err((col, reason, detail)) => {
                let err = InputError {
                    file: path.to_path_buf(),
                    line,
                    column: col.map(|c| {
                        (
                            c + 1,
                            cols.headers.get(c).cloned().unwrap_or_else(|| "?".into()),
                        )
                    }),
                    message: detail,
                };
                if !opts.skip_bad_rows {
                    return Err(err);
                }
                note_bad(&mut stats, reason, &err);
            }
        }
    }
    bar.finish_and_clear();
    stats.sessions = next_session;
    Ok(stats)
}

fn note_bad(stats: &mut ReadStats, reason: &str, err: &InputError) {
    stats.bad_rows += 1;
    *stats.bad_reasons.entry(reason.to_string()).or_insert(0) += 1;
    if stats.examples.len() < 5 {
        stats.examples.push(err.to_string());
    }
}

type RowError = (Option<usize>, &'static str, String);

/// One parsed row: raw session key, item id, event kind, optional timestamp.
type ParsedRow<'r> = (&'r [u8], &'r str, EventKind, Option<f64>);

fn field(record: &csv::ByteRecord, c: usize) -> Result<&str, RowError> {
    let raw = record.get(c).ok_or_else(|| {
        (
            Some(c),
            "missing field",
            format!(
                "the row has {} fields; this column is missing",
                record.len()
            ),
        )
    })?;
    std::str::from_utf8(raw).map(str::trim).map_err(|_| {
        (
            Some(c),
            "invalid UTF-8",
            "the value is not valid UTF-8".to_string(),
        )
    })
}

fn parse_row<'r>(record: &'r csv::ByteRecord, cols: &Columns) -> Result<ParsedRow<'r>, RowError> {
    if record.len() < cols.needed {
        return Err((
            Some(record.len()),
            "missing field",
            format!(
                "expected at least {} fields, found {}",
                cols.needed,
                record.len()
            ),
        ));
    }
    let sc = cols.session.or(cols.user).unwrap_or(0);
    let session = field(record, sc)?;
    if session.is_empty() || session == "NA" && cols.session.is_none() {
        return Err((
            Some(sc),
            "empty session/user id",
            "empty session or user id".into(),
        ));
    }
    let item = field(record, cols.item)?;
    if item.is_empty() {
        return Err((Some(cols.item), "empty item id", "empty item id".into()));
    }
    let kind = match cols.kind {
        None => EventKind::ViewItem,
        Some(c) => {
            let raw = field(record, c)?;
            parse_kind(raw).ok_or_else(|| {
                (
                    Some(c),
                    "unknown event type",
                    format!(
                        "unknown event type \"{}\" (expected a GA4 name such as view_item, add_to_cart, purchase, or view, cart, remove_from_cart, pv, fav, buy, click)",
                        raw.chars().take(40).collect::<String>()
                    ),
                )
            })?
        }
    };
    let time_s = match cols.time {
        None => None,
        Some(c) => {
            let raw = field(record, c)?;
            Some(crate::timeparse::parse_timestamp(raw).ok_or_else(|| {
                (
                    Some(c),
                    "bad timestamp",
                    format!(
                        "cannot read timestamp \"{}\" (expected Unix seconds or ISO-8601 like 2019-10-01 00:00:00 UTC)",
                        raw.chars().take(40).collect::<String>()
                    ),
                )
            })?)
        }
    };
    Ok((session.as_bytes(), item, kind, time_s))
}

/// One event of a session kept in memory (for evaluation and baselines).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionEvent {
    pub item: u32,
    pub kind: EventKind,
    /// Seconds since the epoch (row order when the file has no times).
    pub time_s: f64,
}

/// Interns item ids to dense numbers in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    pub ids: Vec<String>,
    pub index: HashMap<String, u32>,
}

impl Interner {
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), i);
        i
    }

    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// A whole log held in memory as time-ordered sessions (test sets and
/// baseline training; ALS training streams instead).
#[derive(Debug, Clone, Default)]
pub struct SessionLog {
    pub items: Interner,
    pub sessions: Vec<Vec<SessionEvent>>,
    pub stats: ReadStats,
}

impl SessionLog {
    pub fn read(path: &Path, opts: &ReadOptions) -> Result<SessionLog, InputError> {
        let mut log = SessionLog::default();
        let mut row: f64 = 0.0;
        let stats = read_events(path, opts, |ev| {
            let item = log.items.intern(ev.item);
            let s = ev.session as usize;
            if log.sessions.len() <= s {
                log.sessions.resize_with(s + 1, Vec::new);
            }
            row += 1.0;
            log.sessions[s].push(SessionEvent {
                item,
                kind: ev.kind,
                time_s: ev.time_s.unwrap_or(row),
            });
        })?;
        // Stable: equal times keep file order.
        for s in &mut log.sessions {
            s.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
        }
        log.stats = stats;
        Ok(log)
    }

    pub fn event_count(&self) -> usize {
        self.sessions.iter().map(Vec::len).sum()
    }
}
