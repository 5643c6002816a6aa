//! Catalogue metadata read in place from the model bytes: item ids, display
//! names, category paths, brands, prices and stock flags, plus an id → index
//! lookup that allocates nothing per item.

use crate::error::{Result, ShelfError};

/// Marks "no category" / "no brand" in the per-item index columns.
pub const NO_ENTRY: u32 = u32::MAX;

/// A table of UTF-8 strings stored as `count, offsets[count + 1], bytes`.
/// Only the offsets are copied out of the file; the text stays where it lies.
#[derive(Debug, Clone, Default)]
pub struct StringTable {
    /// Absolute position of the string bytes inside the model buffer.
    base: usize,
    offsets: Vec<u32>,
}

impl StringTable {
    /// Reads and validates a table occupying `bytes[start..start + len]`.
    /// Checks monotone offsets, bounds and UTF-8 (once, over the whole blob).
    pub fn parse(bytes: &[u8], start: usize, len: usize, section: &str) -> Result<StringTable> {
        let corrupt = |detail: String| ShelfError::Corrupt {
            section: section.to_string(),
            detail,
        };
        let sec = bytes
            .get(start..start + len)
            .ok_or_else(|| corrupt("section lies outside the file".into()))?;
        if sec.len() < 4 {
            return Err(corrupt("too short for a string count".into()));
        }
        let count = read_u32(sec, 0) as usize;
        let offsets_len = count
            .checked_add(1)
            .and_then(|c| c.checked_mul(4))
            .filter(|l| *l <= usize::MAX - 4)
            .ok_or_else(|| corrupt("string count overflows".into()))?;
        if 4 + offsets_len > sec.len() {
            return Err(corrupt(format!(
                "announces {count} strings but the section has only {} bytes",
                sec.len()
            )));
        }
        let text_start = 4 + offsets_len;
        let text_len = sec.len() - text_start;
        let mut offsets = Vec::with_capacity(count + 1);
        let mut previous = 0u32;
        for i in 0..=count {
            let off = read_u32(sec, 4 + 4 * i);
            if off < previous || off as usize > text_len {
                return Err(corrupt(format!(
                    "string offset {i} ({off}) is out of order or past the end ({text_len})"
                )));
            }
            previous = off;
            offsets.push(off);
        }
        if offsets[0] != 0 || offsets[count] as usize != text_len {
            return Err(corrupt(
                "string offsets do not cover the text exactly".into(),
            ));
        }
        let text = std::str::from_utf8(&sec[text_start..])
            .map_err(|e| corrupt(format!("text is not valid UTF-8 ({e})")))?;
        if let Some(bad) = offsets
            .iter()
            .find(|&&o| !text.is_char_boundary(o as usize))
        {
            return Err(corrupt(format!("offset {bad} splits a UTF-8 character")));
        }
        Ok(StringTable {
            base: start + text_start,
            offsets,
        })
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th string; `""` when out of range (callers pass checked indices).
    pub fn get<'a>(&self, bytes: &'a [u8], i: usize) -> &'a str {
        let (Some(&a), Some(&b)) = (self.offsets.get(i), self.offsets.get(i + 1)) else {
            return "";
        };
        let raw = bytes
            .get(self.base + a as usize..self.base + b as usize)
            .unwrap_or(&[]);
        // Validated as UTF-8 on char boundaries in `parse`.
        std::str::from_utf8(raw).unwrap_or("")
    }

    /// Serialises strings in the table layout (used by the writer).
    pub fn encode<'s>(strings: impl ExactSizeIterator<Item = &'s str>, out: &mut Vec<u8>) {
        let count = strings.len();
        let mut offsets = Vec::with_capacity(count + 1);
        let mut text = Vec::new();
        offsets.push(0u32);
        for s in strings {
            text.extend_from_slice(s.as_bytes());
            offsets.push(text.len() as u32);
        }
        out.extend_from_slice(&(count as u32).to_le_bytes());
        for o in offsets {
            out.extend_from_slice(&o.to_le_bytes());
        }
        out.extend_from_slice(&text);
    }
}

pub(crate) fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut x = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        x.copy_from_slice(s);
    }
    u32::from_le_bytes(x)
}

/// FNV-1a: tiny, deterministic and good enough for an in-memory id table.
fn fnv1a(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Open-addressing hash table from item id to item index. Slots hold indices
/// only; keys are compared against the id table in the model bytes.
#[derive(Debug, Clone, Default)]
pub struct IdIndex {
    slots: Vec<u32>,
    mask: usize,
}

impl IdIndex {
    /// Builds the index and rejects empty or duplicate ids.
    pub fn build(bytes: &[u8], ids: &StringTable) -> Result<IdIndex> {
        let n = ids.len();
        let capacity = (n * 2).next_power_of_two().max(16);
        let mut slots = vec![NO_ENTRY; capacity];
        let mask = capacity - 1;
        for i in 0..n {
            let id = ids.get(bytes, i);
            if id.is_empty() {
                return Err(ShelfError::Corrupt {
                    section: "ITID".into(),
                    detail: format!("item {i} has an empty id"),
                });
            }
            let mut slot = fnv1a(id.as_bytes()) as usize & mask;
            loop {
                let occupant = slots[slot];
                if occupant == NO_ENTRY {
                    slots[slot] = i as u32;
                    break;
                }
                if ids.get(bytes, occupant as usize) == id {
                    return Err(ShelfError::Corrupt {
                        section: "ITID".into(),
                        detail: format!(
                            "item id \"{}\" appears twice (items {occupant} and {i})",
                            crate::events::truncate_for_message(id)
                        ),
                    });
                }
                slot = (slot + 1) & mask;
            }
        }
        Ok(IdIndex { slots, mask })
    }

    pub fn lookup(&self, bytes: &[u8], ids: &StringTable, id: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mut slot = fnv1a(id.as_bytes()) as usize & self.mask;
        loop {
            let occupant = *self.slots.get(slot)?;
            if occupant == NO_ENTRY {
                return None;
            }
            if ids.get(bytes, occupant as usize) == id {
                return Some(occupant);
            }
            slot = (slot + 1) & self.mask;
        }
    }
}

/// True when `prefix` names `path` or one of its ancestors: "electronics"
/// matches "electronics.smartphone" but not "electronicsx". Separators are
/// `.`, `/` and `>` so REES46 codes and breadcrumb paths both work.
pub fn category_has_prefix(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches(['.', '/', '>', ' ']);
    if prefix.is_empty() {
        return true;
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with(['.', '/', '>', ' ']),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_prefix_matches_whole_segments_only() {
        assert!(category_has_prefix("electronics.smartphone", "electronics"));
        assert!(category_has_prefix(
            "electronics.smartphone",
            "electronics."
        ));
        assert!(category_has_prefix(
            "electronics.smartphone",
            "electronics.smartphone"
        ));
        assert!(!category_has_prefix("electronicsx.phone", "electronics"));
        assert!(!category_has_prefix("appliances", "electronics"));
        assert!(category_has_prefix("Home > Kitchen", "Home"));
    }

    #[test]
    fn string_table_round_trips_unicode() {
        let words = ["", "Samsung", "用户画像", "café"];
        let mut buf = vec![0u8; 3];
        StringTable::encode(words.iter().copied(), &mut buf);
        let len = buf.len() - 3;
        let table = StringTable::parse(&buf, 3, len, "TEST").unwrap();
        assert_eq!(table.len(), 4);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(table.get(&buf, i), *w);
        }
        assert_eq!(table.get(&buf, 99), "");
    }

    #[test]
    fn string_table_rejects_split_characters() {
        let mut buf = Vec::new();
        StringTable::encode(["é"].iter().copied(), &mut buf);
        // Point the end offset into the middle of the two-byte character.
        buf[8..12].copy_from_slice(&1u32.to_le_bytes());
        buf.truncate(buf.len() - 1);
        let len = buf.len();
        let err = StringTable::parse(&buf, 0, len, "NAME")
            .unwrap_err()
            .to_string();
        assert!(err.contains("NAME"), "{err}");
    }
}
