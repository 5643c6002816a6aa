//! Timestamps as they appear in e-commerce logs, parsed without a date
//! library: Unix seconds (or milliseconds), ISO-8601, and the
//! `2019-10-01 00:00:00 UTC` style of the REES46 exports.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD` into days since the epoch.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.splitn(3, '-');
    let y = num(parts.next()?)?;
    let m = num(parts.next()?)?;
    let d = num(parts.next()?)?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d))
}

/// Parses a timestamp into seconds since the Unix epoch (UTC).
///
/// Accepted: `1396860669`, `1396860669.277` (seconds; values above 1e11 are
/// taken as milliseconds), `2019-10-01`, `2019-10-01 00:00:00 UTC`,
/// `2019-10-01T00:00:00Z`, `2019-10-01T00:00:00.5+02:00`.
pub fn parse_timestamp(raw: &str) -> Option<f64> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let v: f64 = s.parse().ok()?;
        if !v.is_finite() || v < 0.0 {
            return None;
        }
        return Some(if v > 1.0e11 { v / 1000.0 } else { v });
    }
    if s.len() < 10 {
        return None;
    }
    let days = parse_date(s.get(..10)?)?;
    let mut rest = s.get(10..)?.trim_start_matches(['T', ' ']);
    let mut secs = days as f64 * 86_400.0;
    if rest.is_empty() {
        return Some(secs);
    }
    // Time of day: HH:MM[:SS[.fff]]
    let time_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let time = &rest[..time_end];
    let mut it = time.split(':');
    let h = num(it.next()?)?;
    let mi = num(it.next()?)?;
    let sec: f64 = match it.next() {
        Some(x) => {
            if x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                return None;
            }
            x.parse().ok()?
        }
        None => 0.0,
    };
    if it.next().is_some() || h > 23 || mi > 59 || !(0.0..61.0).contains(&sec) {
        return None;
    }
    secs += h as f64 * 3600.0 + mi as f64 * 60.0 + sec;
    rest = rest[time_end..].trim();
    // Zone: empty, Z, UTC, GMT, +HH:MM, -HHMM
    let offset = match rest {
        "" | "Z" | "z" | "UTC" | "GMT" => 0.0,
        _ => {
            let (sign, body) = match rest.as_bytes().first()? {
                b'+' => (1.0, &rest[1..]),
                b'-' => (-1.0, &rest[1..]),
                _ => return None,
            };
            let digits: String = body.chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 && digits.len() != 2 {
                return None;
            }
            let hh = num(&digits[..2])?;
            let mm = if digits.len() == 4 {
                num(&digits[2..])?
            } else {
                0
            };
            sign * (hh as f64 * 3600.0 + mm as f64 * 60.0)
        }
    };
    Some(secs - offset)
}

/// Parses durations like `30m`, `7d`, `12h`, `90s`, `2w` into seconds.
pub fn parse_duration(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let v: f64 = n.trim().parse().ok()?;
    let mult = match unit.trim() {
        "s" | "" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 7.0 * 86_400.0,
        _ => return None,
    };
    let out = v * mult;
    (out.is_finite() && out > 0.0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(parse_timestamp("1396860669"), Some(1396860669.0));
        assert_eq!(parse_timestamp("1396860669277"), Some(1396860669.277));
        assert_eq!(
            parse_timestamp("2019-10-01 00:00:00 UTC"),
            Some(1569888000.0)
        );
        assert_eq!(parse_timestamp("2019-10-01T00:00:00Z"), Some(1569888000.0));
        assert_eq!(
            parse_timestamp("2019-10-01T02:00:00+02:00"),
            Some(1569888000.0)
        );
        assert_eq!(parse_timestamp("2016-05-09"), Some(1462752000.0));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2019-13-01"), None);
        assert_eq!(parse_duration("7d"), Some(604800.0));
        assert_eq!(parse_duration("30m"), Some(1800.0));
        assert_eq!(parse_duration("x"), None);
    }
}
