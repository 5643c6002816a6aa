//! `shelfrank inspect`: header, sections, checksum status and a few items.

use shelfrank::format::{checksum, CHECKSUM_TAG, HEADER_LEN, MAGIC};
use shelfrank::Model;
use std::fmt::Write;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

const SECTION_NAMES: [(&str, &str); 13] = [
    ("DFLT", "training defaults"),
    ("ITID", "item ids"),
    ("NAME", "display names"),
    ("CATS", "category table"),
    ("ICAT", "item → category"),
    ("BRDS", "brand table"),
    ("IBRD", "item → brand"),
    ("PRIC", "prices"),
    ("STCK", "in stock"),
    ("PRIO", "popularity prior"),
    ("SCAL", "int8 row scales"),
    ("GRAM", "Gramian YᵀY"),
    ("FACT", "int8 factors"),
];

/// Describes a model file; returns the text and whether it is valid.
pub fn inspect(path: &str, bytes: Vec<u8>, show_items: usize) -> (String, bool) {
    let mut out = String::new();
    let total = bytes.len();
    let _ = writeln!(
        out,
        "{path}: {total} bytes ({:.2} MiB)",
        total as f64 / 1048576.0
    );
    if total < HEADER_LEN || bytes[..8] != MAGIC {
        let _ = writeln!(
            out,
            "  not a .shelf model (magic bytes missing or file too short)"
        );
        return (out, false);
    }
    let version = u16_at(&bytes, 8).unwrap_or(0);
    let n = u32_at(&bytes, 12).unwrap_or(0);
    let dim = u16_at(&bytes, 16).unwrap_or(0);
    let stride = u16_at(&bytes, 18).unwrap_or(0);
    let body = u64_at(&bytes, 24).unwrap_or(0) as usize;
    let _ = writeln!(
        out,
        "  header    format v{version}, {n} items × {dim} factors (row stride {stride} bytes, int8 per row)"
    );
    let crc_status = if body + 8 <= total && bytes[body..body + 4] == CHECKSUM_TAG {
        let stored = u32_at(&bytes, body + 4).unwrap_or(0);
        let computed = checksum(&bytes[..body]);
        if stored == computed {
            format!("CRC-32 {stored:08x} ok")
        } else {
            format!("CRC-32 MISMATCH: stored {stored:08x}, computed {computed:08x}")
        }
    } else {
        "checksum trailer missing or truncated".to_string()
    };
    let _ = writeln!(out, "  checksum  {crc_status}");
    match Model::from_bytes(bytes) {
        Err(e) => {
            let _ = writeln!(out, "  INVALID: {e}");
            (out, false)
        }
        Ok(m) => {
            let d = m.defaults();
            let weights: Vec<String> = shelfrank::EventKind::ALL
                .iter()
                .map(|k| format!("{}={}", k.name(), d.weights.get(*k)))
                .collect();
            let _ = writeln!(
                out,
                "  defaults  λ={} α={} half-life {}h; weights {}",
                d.lambda,
                d.alpha,
                d.half_life_hours,
                weights.join(", ")
            );
            let _ = writeln!(out, "  sections");
            for s in m.sections() {
                let what = SECTION_NAMES
                    .iter()
                    .find(|(t, _)| *t == s.tag)
                    .map_or("", |(_, w)| w);
                let _ = writeln!(
                    out,
                    "    {:4}  {:<20} offset {:>10}  {:>10} bytes  {:5.1}%",
                    s.tag,
                    what,
                    s.offset,
                    s.length,
                    100.0 * s.length as f64 / total.max(1) as f64
                );
            }
            let with_cat = (0..m.item_count())
                .filter(|&i| !m.category(i).is_empty())
                .count();
            let with_brand = (0..m.item_count())
                .filter(|&i| !m.brand(i).is_empty())
                .count();
            let with_price = (0..m.item_count())
                .filter(|&i| m.price(i).is_some())
                .count();
            let trained = (0..m.item_count())
                .filter(|&i| m.popularity(i) > 0.0)
                .count();
            let _ = writeln!(
                out,
                "  catalogue {} categories, {} brands; {} items with a category, {} with a brand, {} with a price; {} with training interactions",
                m.category_table_len(),
                m.brand_table_len(),
                with_cat,
                with_brand,
                with_price,
                trained
            );
            let mut order: Vec<usize> = (0..m.item_count()).collect();
            order.sort_by(|&a, &b| m.popularity(b).total_cmp(&m.popularity(a)).then(a.cmp(&b)));
            let _ = writeln!(out, "  most popular items");
            for &i in order.iter().take(show_items) {
                let row = m.factor_block().row_f32(m.raw_bytes(), i);
                let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
                let _ = writeln!(
                    out,
                    "    {:<16} {:<28} {:<28} {:<12} {:>9}  pop {:.3}  |y| {:.3}",
                    trunc(m.item_id(i), 16),
                    trunc(m.name(i), 28),
                    trunc(m.category(i), 28),
                    trunc(m.brand(i), 12),
                    m.price(i).map_or("-".to_string(), |p| format!("{p:.2}")),
                    m.popularity(i),
                    norm
                );
            }
            (out, true)
        }
    }
}

fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}
