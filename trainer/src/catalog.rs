//! Catalogue CSV: `item_id`, `name`, `category`, `brand`, `price`,
//! `in_stock` (all but the id optional).

use crate::input::{find_column, headers_of, open_csv, InputError, ReadOptions, ITEM_NAMES};
use std::collections::HashMap;
use std::path::Path;

/// One catalogue row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CatalogItem {
    pub id: String,
    pub name: String,
    pub category: String,
    pub brand: String,
    pub price: Option<f32>,
    pub in_stock: bool,
}

/// The catalogue in file order, with an id index.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub items: Vec<CatalogItem>,
    pub index: HashMap<String, usize>,
    pub duplicates: u64,
    pub bad_rows: u64,
    pub examples: Vec<String>,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "y" | "t" | "in_stock" | "instock" => Some(true),
        "0" | "false" | "no" | "n" | "f" | "out_of_stock" | "outofstock" => Some(false),
        _ => None,
    }
}

impl Catalog {
    /// The catalogue at `path` (none: an empty one), with skipped bad rows and
    /// duplicate ids reported on stderr: what `train` and `import-spark` read.
    pub fn read_or_empty(path: Option<&Path>, read: &ReadOptions) -> Result<Catalog, InputError> {
        let Some(p) = path else {
            return Ok(Catalog::default());
        };
        let c = Catalog::read(p, read)?;
        if c.bad_rows > 0 {
            eprintln!(
                "warning: {}: {} bad catalogue rows skipped, e.g. {}",
                p.display(),
                c.bad_rows,
                c.examples.first().map_or("", String::as_str)
            );
        }
        if c.duplicates > 0 {
            eprintln!(
                "warning: {}: {} duplicate item ids (kept the first row of each)",
                p.display(),
                c.duplicates
            );
        }
        Ok(c)
    }

    pub fn push(&mut self, item: CatalogItem) {
        if self.index.contains_key(&item.id) {
            self.duplicates += 1;
            return;
        }
        self.index.insert(item.id.clone(), self.items.len());
        self.items.push(item);
    }

    pub fn read(path: &Path, opts: &ReadOptions) -> Result<Catalog, InputError> {
        let (mut reader, _) = open_csv(path)?;
        let headers = headers_of(&mut reader, path)?;
        let item_col = find_column(&headers, ITEM_NAMES).ok_or_else(|| InputError {
            file: path.to_path_buf(),
            line: 1,
            column: None,
            message: format!(
                "no item_id column in the catalogue header [{}]",
                headers.join(", ")
            ),
        })?;
        let name_col = find_column(&headers, &["name", "title", "productname", "itemname"]);
        let cat_col = find_column(
            &headers,
            &["category", "categorycode", "categoryid", "categorypath"],
        );
        let brand_col = find_column(&headers, &["brand", "manufacturer"]);
        let price_col = find_column(&headers, &["price"]);
        let stock_col = find_column(&headers, &["instock", "available", "availability"]);
        let mut cat = Catalog::default();
        let mut record = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            let res = reader.read_record(&mut record);
            let line = record.position().map_or(line, |p| p.line());
            let row: Result<Option<CatalogItem>, InputError> = match res {
                Ok(false) => break,
                Err(e) => Err(InputError {
                    file: path.to_path_buf(),
                    line,
                    column: None,
                    message: format!("unreadable row: {e}"),
                }),
                Ok(true) => {
                    let err = |c: usize, message: String| InputError {
                        file: path.to_path_buf(),
                        line,
                        column: Some((c + 1, headers.get(c).cloned().unwrap_or_default())),
                        message,
                    };
                    let get = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim);
                    (|| {
                        let id = get(Some(item_col)).unwrap_or("");
                        if id.is_empty() {
                            if record.len() == 1 {
                                return Ok(None); // blank line
                            }
                            return Err(err(item_col, "empty item id".into()));
                        }
                        let price = match get(price_col) {
                            None | Some("") => None,
                            Some(p) => match p.parse::<f32>() {
                                Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                                _ => {
                                    return Err(err(
                                        price_col.unwrap_or(0),
                                        format!("price \"{p}\" is not a number >= 0"),
                                    ))
                                }
                            },
                        };
                        let in_stock = match get(stock_col) {
                            None => true,
                            Some(s) => parse_bool(s).ok_or_else(|| {
                                err(
                                    stock_col.unwrap_or(0),
                                    format!("in_stock \"{s}\" is not true/false/1/0"),
                                )
                            })?,
                        };
                        Ok(Some(CatalogItem {
                            id: id.to_string(),
                            name: get(name_col).unwrap_or("").to_string(),
                            category: get(cat_col).unwrap_or("").to_string(),
                            brand: get(brand_col).unwrap_or("").to_string(),
                            price,
                            in_stock,
                        }))
                    })()
                }
            };
            match row {
                Ok(Some(item)) => cat.push(item),
                Ok(None) => {}
                Err(e) if opts.skip_bad_rows => {
                    cat.bad_rows += 1;
                    if cat.examples.len() < 5 {
                        cat.examples.push(e.to_string());
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(cat)
    }
}

/// Display name from brand and category path: `samsung`,
/// `electronics.smartphone` → "Samsung smartphone".
pub fn display_name(brand: &str, category_code: &str) -> String {
    let mut b = String::new();
    let mut chars = brand.chars();
    if let Some(f) = chars.next() {
        b.extend(f.to_uppercase());
        b.push_str(chars.as_str());
    }
    let leaf = category_code
        .rsplit('.')
        .next()
        .unwrap_or("")
        .replace('_', " ");
    match (b.is_empty(), leaf.is_empty()) {
        (false, false) => format!("{b} {leaf}"),
        (false, true) => b,
        (true, false) => {
            let mut c = leaf.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        (true, true) => String::new(),
    }
}
