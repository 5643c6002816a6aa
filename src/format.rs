//! The `.shelf` model file: a writer (used by the trainer and by tests to
//! make fixtures) and a validating reader. The layout is documented in
//! `docs/FORMAT.md`; keep the two in step.

use crate::catalog::{read_u32, IdIndex, StringTable, NO_ENTRY};
use crate::error::{invalid, Result, ShelfError};
use crate::events::{EventWeights, EVENT_KIND_COUNT};
use crate::factors::{quantize_row, stride_for, FactorBlock};
use crate::model::{Model, ModelDefaults, SectionInfo};
use crate::number_text::Num;
use std::collections::HashMap;

/// First eight bytes of every model file (PNG-style: a high byte, a name, CR LF).
pub const MAGIC: [u8; 8] = *b"\x89SHELF\r\n";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Fixed header length in bytes.
pub const HEADER_LEN: usize = 64;
/// Bytes per section-table entry: tag, flags, offset, length.
pub const SECTION_ENTRY_LEN: usize = 16;
/// Quantisation kind 1: int8 per row with one f32 scale.
pub const QUANT_INT8_ROW: u8 = 1;
/// Tag of the checksum trailer that follows the body.
pub const CHECKSUM_TAG: [u8; 4] = *b"CRC1";
/// Tag reserved for a detached signature block after the checksum trailer.
pub const SIGNATURE_TAG: [u8; 4] = *b"SIG1";
/// Upper bound on the factor dimension (keeps the Gramian and solves small).
pub const MAX_DIM: usize = 1024;
/// Upper bound on items, far above any shop catalogue.
pub const MAX_ITEMS: usize = 50_000_000;
/// Upper bound on a row's quantisation scale (factor values up to 1.27e8,
/// far beyond any trained model): keeps item norms and scores finite.
pub const MAX_SCALE: f32 = 1.0e6;

/// Section tags in the order the writer emits them.
const SECTION_TAGS: [&[u8; 4]; 13] = [
    b"DFLT", b"ITID", b"NAME", b"CATS", b"ICAT", b"BRDS", b"IBRD", b"PRIC", b"STCK", b"PRIO",
    b"SCAL", b"GRAM", b"FACT",
];

/// One catalogue item as the trainer hands it to the writer.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    pub id: String,
    pub name: String,
    /// Category path such as `electronics.smartphone` (empty when unknown).
    pub category: String,
    pub brand: String,
    pub price: Option<f32>,
    pub in_stock: bool,
    /// Popularity prior used when the shopper has no history yet.
    pub popularity: f32,
}

/// Everything needed to write a model: items, their f32 factors (row-major,
/// `items.len() × dim`) and the defaults the model was trained with.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    pub dim: usize,
    pub items: Vec<ItemRecord>,
    pub factors: Vec<f32>,
    pub defaults: ModelDefaults,
}

fn align(buf: &mut Vec<u8>, to: usize) {
    while !buf.len().is_multiple_of(to) {
        buf.push(0);
    }
}

fn push_f32s(out: &mut Vec<u8>, values: impl IntoIterator<Item = f32>) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Interns strings into a table, returning per-item indices (NO_ENTRY for "").
fn intern<'a>(values: impl Iterator<Item = &'a str>) -> (Vec<&'a str>, Vec<u32>) {
    let mut table: Vec<&str> = Vec::new();
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut column = Vec::new();
    for v in values {
        if v.is_empty() {
            column.push(NO_ENTRY);
            continue;
        }
        let next = table.len() as u32;
        let id = *seen.entry(v).or_insert_with(|| {
            table.push(v);
            next
        });
        column.push(id);
    }
    (table, column)
}

/// Serialises a model. Quantises the factors to int8 per row and computes
/// the Gramian YᵀY from the quantised rows, so fold-in in the browser uses
/// exactly the factors that scoring uses.
pub fn write_model(spec: &ModelSpec) -> Result<Vec<u8>> {
    let n = spec.items.len();
    let dim = spec.dim;
    if dim == 0 || dim > MAX_DIM {
        return Err(invalid(format!(
            "factor dimension must be 1..={MAX_DIM}, got {dim}"
        )));
    }
    if n > MAX_ITEMS {
        return Err(invalid(format!("at most {MAX_ITEMS} items, got {n}")));
    }
    if spec.factors.len() != n * dim {
        return Err(ShelfError::DimensionMismatch {
            expected: n * dim,
            found: spec.factors.len(),
            what: "factor values (items × dim)".into(),
        });
    }
    if let Some(i) = spec.factors.iter().position(|x| !x.is_finite()) {
        return Err(ShelfError::NotFinite {
            section: "factors".into(),
            index: i,
        });
    }
    spec.defaults.validate()?;
    let mut seen = HashMap::with_capacity(n);
    for (i, item) in spec.items.iter().enumerate() {
        if item.id.is_empty() {
            return Err(invalid(format!("item {i} has an empty id")));
        }
        if let Some(first) = seen.insert(item.id.as_str(), i) {
            return Err(invalid(format!(
                "item id \"{}\" appears twice (rows {first} and {i})",
                item.id
            )));
        }
        if !item.popularity.is_finite() || item.popularity < 0.0 {
            return Err(invalid(format!(
                "item \"{}\" has popularity {}",
                item.id, item.popularity
            )));
        }
        if let Some(p) = item.price {
            if !p.is_finite() || p < 0.0 {
                return Err(invalid(format!("item \"{}\" has price {p}", item.id)));
            }
        }
    }

    let stride = stride_for(dim);
    let mut quantized = Vec::with_capacity(n * stride);
    let mut scales = Vec::with_capacity(n);
    let mut gram = vec![0f64; dim * dim];
    for (i, row) in spec.factors.chunks_exact(dim).enumerate() {
        let (q, scale) = quantize_row(row, stride);
        if scale > MAX_SCALE {
            return Err(invalid(format!(
                "item {i} has factor values up to {}; at most {} are supported",
                scale * 127.0,
                MAX_SCALE * 127.0
            )));
        }
        let deq: Vec<f64> = q[..dim].iter().map(|&x| x as f64 * scale as f64).collect();
        for a in 0..dim {
            if deq[a] == 0.0 {
                continue;
            }
            for b in 0..dim {
                gram[a * dim + b] += deq[a] * deq[b];
            }
        }
        quantized.extend(q.iter().map(|&x| x as u8));
        scales.push(scale);
    }

    let (categories, item_category) = intern(spec.items.iter().map(|i| i.category.as_str()));
    let (brands, item_brand) = intern(spec.items.iter().map(|i| i.brand.as_str()));

    let mut payloads: Vec<Vec<u8>> = Vec::with_capacity(SECTION_TAGS.len());
    let d = &spec.defaults;
    let mut dflt = Vec::new();
    push_f32s(&mut dflt, [d.lambda, d.alpha, d.half_life_hours]);
    push_f32s(&mut dflt, d.weights.0);
    payloads.push(dflt);
    for strings in [
        spec.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        spec.items.iter().map(|i| i.name.as_str()).collect(),
    ] {
        let mut t = Vec::new();
        StringTable::encode(strings.into_iter(), &mut t);
        payloads.push(t);
    }
    for (table, column) in [(&categories, &item_category), (&brands, &item_brand)] {
        let mut t = Vec::new();
        StringTable::encode(table.iter().copied(), &mut t);
        payloads.push(t);
        payloads.push(column.iter().flat_map(|c| c.to_le_bytes()).collect());
    }
    let mut pric = Vec::with_capacity(4 * n);
    push_f32s(
        &mut pric,
        spec.items.iter().map(|i| i.price.unwrap_or(-1.0)),
    );
    payloads.push(pric);
    payloads.push(spec.items.iter().map(|i| i.in_stock as u8).collect());
    let mut prio = Vec::with_capacity(4 * n);
    push_f32s(&mut prio, spec.items.iter().map(|i| i.popularity));
    payloads.push(prio);
    let mut scal = Vec::with_capacity(4 * n);
    push_f32s(&mut scal, scales);
    payloads.push(scal);
    let mut gram_bytes = Vec::with_capacity(4 * dim * dim);
    push_f32s(&mut gram_bytes, gram.iter().map(|&g| g as f32));
    payloads.push(gram_bytes);
    payloads.push(quantized);

    let mut out =
        Vec::with_capacity(HEADER_LEN + payloads.iter().map(Vec::len).sum::<usize>() + 1024);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(HEADER_LEN as u16).to_le_bytes());
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&(dim as u16).to_le_bytes());
    out.extend_from_slice(&(stride as u16).to_le_bytes());
    out.push(QUANT_INT8_ROW);
    out.push(SECTION_TAGS.len() as u8);
    out.extend_from_slice(&[0, 0]);
    let body_len_at = out.len();
    out.extend_from_slice(&0u64.to_le_bytes());
    out.resize(HEADER_LEN, 0);
    let table_at = out.len();
    out.resize(table_at + SECTION_ENTRY_LEN * SECTION_TAGS.len(), 0);
    for (k, (tag, payload)) in SECTION_TAGS.iter().zip(&payloads).enumerate() {
        align(&mut out, if **tag == *b"FACT" { 64 } else { 16 });
        let offset = out.len();
        if offset + payload.len() > u32::MAX as usize {
            return Err(invalid(
                "model would exceed 4 GB; use fewer items or factors",
            ));
        }
        out.extend_from_slice(payload);
        let e = table_at + k * SECTION_ENTRY_LEN;
        out[e..e + 4].copy_from_slice(*tag);
        out[e + 8..e + 12].copy_from_slice(&(offset as u32).to_le_bytes());
        out[e + 12..e + 16].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    }
    align(&mut out, 4);
    let body_len = out.len() as u64;
    out[body_len_at..body_len_at + 8].copy_from_slice(&body_len.to_le_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&CHECKSUM_TAG);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// CRC-32 (IEEE) as stored in the trailer; public so tools can re-seal a file.
pub fn checksum(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Recomputes the trailer checksum of a model whose body was edited
/// (for tests and tooling that build deliberately odd files).
pub fn reseal(bytes: &mut [u8]) -> Result<()> {
    if bytes.len() < 32 {
        return Err(invalid("too short to reseal"));
    }
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[24..32]);
    let body = u64::from_le_bytes(raw);
    // Checked: the length comes from the file and may be anything.
    if body
        .checked_add(8)
        .is_none_or(|end| end > bytes.len() as u64)
    {
        return Err(invalid("body length points past the end"));
    }
    let body = body as usize;
    let crc = checksum(&bytes[..body]);
    bytes[body + 4..body + 8].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn f32_column(bytes: &[u8], sec: &SectionInfo, n: usize) -> Result<Vec<f32>> {
    expect_len(sec, 4 * n)?;
    let start = sec.offset;
    let mut out = Vec::with_capacity(n);
    for (i, chunk) in bytes[start..start + 4 * n].chunks_exact(4).enumerate() {
        let v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        if !v.is_finite() {
            return Err(ShelfError::NotFinite {
                section: sec.tag.clone(),
                index: i,
            });
        }
        out.push(v);
    }
    Ok(out)
}

fn u32_column(bytes: &[u8], sec: &SectionInfo, n: usize, limit: usize) -> Result<Vec<u32>> {
    expect_len(sec, 4 * n)?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let v = read_u32(bytes, sec.offset + 4 * i);
        if v != NO_ENTRY && v as usize >= limit {
            return Err(ShelfError::Corrupt {
                section: sec.tag.clone(),
                detail: format!("item {i} points at entry {v} of a table with {limit} entries"),
            });
        }
        out.push(v);
    }
    Ok(out)
}

fn expect_len(sec: &SectionInfo, len: usize) -> Result<()> {
    if sec.length != len {
        return Err(ShelfError::Corrupt {
            section: sec.tag.clone(),
            detail: format!("length is {} bytes, expected {len}", sec.length),
        });
    }
    Ok(())
}

/// Parses and validates a model, taking ownership of the bytes so that the
/// factor block is used where it lies (no second copy).
pub fn read_model(bytes: Vec<u8>) -> Result<Model> {
    let total = bytes.len();
    if total == 0 {
        return Err(invalid(
            "model file is empty (0 bytes): pass the contents of a .shelf file",
        ));
    }
    if total < MAGIC.len() {
        return if MAGIC.starts_with(&bytes) {
            Err(ShelfError::Truncated {
                what: "magic bytes".into(),
                needed: MAGIC.len(),
                available: total,
            })
        } else {
            Err(ShelfError::BadMagic)
        };
    }
    if bytes[..8] != MAGIC {
        return Err(ShelfError::BadMagic);
    }
    if total < HEADER_LEN {
        return Err(ShelfError::Truncated {
            what: "header".into(),
            needed: HEADER_LEN,
            available: total,
        });
    }
    let version = u16_at(&bytes, 8);
    if version != FORMAT_VERSION {
        return Err(ShelfError::UnsupportedVersion(version));
    }
    let header_len = u16_at(&bytes, 10) as usize;
    if header_len != HEADER_LEN {
        return Err(ShelfError::Corrupt {
            section: "header".into(),
            detail: format!("header length {header_len}, expected {HEADER_LEN}"),
        });
    }
    let n = read_u32(&bytes, 12) as usize;
    let dim = u16_at(&bytes, 16) as usize;
    let stride = u16_at(&bytes, 18) as usize;
    let quant = bytes[20];
    let section_count = bytes[21] as usize;
    let mut body_len_bytes = [0u8; 8];
    body_len_bytes.copy_from_slice(&bytes[24..32]);
    let body_len = u64::from_le_bytes(body_len_bytes);
    let header_err = |detail: String| ShelfError::Corrupt {
        section: "header".into(),
        detail,
    };
    if n > MAX_ITEMS {
        return Err(header_err(format!("item count {n} exceeds {MAX_ITEMS}")));
    }
    if dim == 0 || dim > MAX_DIM {
        return Err(header_err(format!(
            "factor dimension {dim} is outside 1..={MAX_DIM}"
        )));
    }
    if stride != stride_for(dim) {
        return Err(ShelfError::DimensionMismatch {
            expected: stride_for(dim),
            found: stride,
            what: "row stride (padded dimension)".into(),
        });
    }
    if quant != QUANT_INT8_ROW {
        return Err(header_err(format!("quantisation kind {quant} is unknown (this build reads kind {QUANT_INT8_ROW}, int8 per row)")));
    }
    let table_end = HEADER_LEN + section_count * SECTION_ENTRY_LEN;
    if total < table_end {
        return Err(ShelfError::Truncated {
            what: "section table".into(),
            needed: table_end,
            available: total,
        });
    }
    let mut sections = Vec::with_capacity(section_count);
    for k in 0..section_count {
        let e = HEADER_LEN + k * SECTION_ENTRY_LEN;
        let tag = String::from_utf8_lossy(&bytes[e..e + 4]).into_owned();
        let offset = read_u32(&bytes, e + 8) as usize;
        let length = read_u32(&bytes, e + 12) as usize;
        sections.push(SectionInfo {
            tag,
            offset,
            length,
        });
    }
    // Truncation first, naming the first section that does not fit.
    // (Offsets and lengths are u32 each: their sum can overflow a 32-bit
    // usize, as on wasm32, so it saturates instead.)
    for s in &sections {
        if s.offset.saturating_add(s.length) > total {
            return Err(ShelfError::Truncated {
                what: format!("section {}", s.tag),
                needed: s.offset.saturating_add(s.length),
                available: total,
            });
        }
    }
    if body_len < table_end as u64 || body_len > total as u64 {
        return Err(ShelfError::Truncated {
            what: "body".into(),
            needed: body_len as usize,
            available: total,
        });
    }
    let body_len = body_len as usize;
    if total - body_len < 8 {
        return Err(ShelfError::Truncated {
            what: "checksum trailer".into(),
            needed: body_len.saturating_add(8),
            available: total,
        });
    }
    if bytes[body_len..body_len + 4] != CHECKSUM_TAG {
        return Err(ShelfError::Corrupt {
            section: "trailer".into(),
            detail: "checksum tag CRC1 missing after the last section".into(),
        });
    }
    let stored = read_u32(&bytes, body_len + 4);
    let computed = crc32fast::hash(&bytes[..body_len]);
    if stored != computed {
        return Err(ShelfError::ChecksumMismatch { stored, computed });
    }
    let after = body_len + 8;
    if after != total {
        // Only a signature block may follow the checksum (its content is
        // checked by `crate::signature::verify_model` when a key is given).
        let ok = total - after >= 8
            && bytes[after..after + 4] == SIGNATURE_TAG
            && (total - after - 8) as u64 == read_u32(&bytes, after + 4) as u64;
        if !ok {
            return Err(ShelfError::Corrupt {
                section: "trailer".into(),
                detail: format!("{} unexpected bytes after the checksum", total - after),
            });
        }
    }
    for s in &sections {
        if s.offset < table_end || s.offset.saturating_add(s.length) > body_len {
            return Err(ShelfError::Corrupt {
                section: s.tag.clone(),
                detail: format!(
                    "offset {} / length {} lies outside the body",
                    s.offset, s.length
                ),
            });
        }
    }
    let find = |tag: &[u8; 4]| -> Result<&SectionInfo> {
        let name = String::from_utf8_lossy(tag);
        sections
            .iter()
            .find(|s| s.tag.as_bytes() == tag)
            .ok_or_else(|| ShelfError::Corrupt {
                section: name.to_string(),
                detail: "required section is missing".into(),
            })
    };

    let dflt = find(b"DFLT")?;
    expect_len(dflt, 4 * (3 + EVENT_KIND_COUNT))?;
    let dvals = f32_column(&bytes, dflt, 3 + EVENT_KIND_COUNT)?;
    let mut weights = [0f32; EVENT_KIND_COUNT];
    weights.copy_from_slice(&dvals[3..]);
    let defaults = ModelDefaults {
        lambda: dvals[0],
        alpha: dvals[1],
        half_life_hours: dvals[2],
        weights: EventWeights(weights),
    };
    defaults.validate().map_err(|e| ShelfError::Corrupt {
        section: "DFLT".into(),
        detail: e.to_string(),
    })?;

    let table = |tag: &[u8; 4], expected: Option<usize>| -> Result<StringTable> {
        let s = find(tag)?;
        let t = StringTable::parse(&bytes, s.offset, s.length, &s.tag)?;
        if let Some(e) = expected {
            if t.len() != e {
                return Err(ShelfError::Corrupt {
                    section: s.tag.clone(),
                    detail: format!("{} strings for {e} items", t.len()),
                });
            }
        }
        Ok(t)
    };
    let ids = table(b"ITID", Some(n))?;
    let names = table(b"NAME", Some(n))?;
    let categories = table(b"CATS", None)?;
    let brands = table(b"BRDS", None)?;
    let item_category = u32_column(&bytes, find(b"ICAT")?, n, categories.len())?;
    let item_brand = u32_column(&bytes, find(b"IBRD")?, n, brands.len())?;
    let price = f32_column(&bytes, find(b"PRIC")?, n)?;
    let stck = find(b"STCK")?;
    expect_len(stck, n)?;
    let in_stock: Vec<bool> = bytes[stck.offset..stck.offset + n]
        .iter()
        .map(|&b| b != 0)
        .collect();
    let popularity = f32_column(&bytes, find(b"PRIO")?, n)?;
    if let Some(i) = popularity.iter().position(|&p| p < 0.0) {
        return Err(ShelfError::Corrupt {
            section: "PRIO".into(),
            detail: format!("item {i} has negative popularity"),
        });
    }
    let scales = f32_column(&bytes, find(b"SCAL")?, n)?;
    if let Some(i) = scales.iter().position(|&s| s < 0.0) {
        return Err(ShelfError::Corrupt {
            section: "SCAL".into(),
            detail: format!("item {i} has a negative scale"),
        });
    }
    if let Some(i) = scales.iter().position(|&s| s > MAX_SCALE) {
        return Err(ShelfError::Corrupt {
            section: "SCAL".into(),
            detail: format!(
                "item {i} has scale {} (at most {})",
                Num::from(scales[i]),
                Num::from(MAX_SCALE)
            ),
        });
    }
    let gram_sec = find(b"GRAM")?;
    if gram_sec.length != 4 * dim * dim {
        let found = ((gram_sec.length / 4) as f64).sqrt() as usize;
        return Err(ShelfError::DimensionMismatch {
            expected: dim,
            found,
            what: "Gramian (GRAM) versus header dimension".into(),
        });
    }
    let gramian = f32_column(&bytes, gram_sec, dim * dim)?;
    for a in 0..dim {
        if gramian[a * dim + a] < 0.0 {
            return Err(ShelfError::Corrupt {
                section: "GRAM".into(),
                detail: format!("diagonal entry {a} is negative"),
            });
        }
        for b in 0..a {
            let (x, y) = (gramian[a * dim + b], gramian[b * dim + a]);
            if (x - y).abs() > 1e-3 * (1.0 + x.abs().max(y.abs())) {
                return Err(ShelfError::Corrupt {
                    section: "GRAM".into(),
                    detail: format!("not symmetric at ({a}, {b})"),
                });
            }
        }
    }
    let fact = find(b"FACT")?;
    // n × stride reaches 5 × 10¹⁰ at the limits: checked, for 32-bit usize.
    let fact_len = n.checked_mul(stride).ok_or_else(|| {
        header_err(format!(
            "{n} items × {stride} bytes per row do not fit in memory"
        ))
    })?;
    if fact.length != fact_len {
        return Err(ShelfError::DimensionMismatch {
            expected: fact_len,
            found: fact.length,
            what: "factor block (FACT) bytes versus items × stride".into(),
        });
    }
    let id_index = IdIndex::build(&bytes, &ids)?;
    let factors = FactorBlock {
        offset: fact.offset,
        items: n,
        dim,
        stride,
        scales,
    };
    Ok(Model {
        bytes,
        factors,
        ids,
        names,
        categories,
        brands,
        item_category,
        item_brand,
        price,
        in_stock,
        popularity,
        gramian,
        defaults,
        id_index,
        sections,
        checksum: computed,
    })
}
