//! Numbers in error messages, written without `core`'s float formatting.
//!
//! `format!("{}", x)` on an `f32`/`f64` links the shortest-round-trip float
//! printer (Grisu + Dragon4 and their tables, ~15 KB of `.wasm`) into every
//! page. Error messages only need a readable value, so [`Num`] prints whole
//! numbers exactly and others with six significant digits, the way
//! JavaScript spells the special values (`NaN`, `Infinity`).

use std::fmt;

/// A number as a shop developer would read it in an error message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl From<f32> for Num {
    fn from(x: f32) -> Num {
        Num(x as f64)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x.is_nan() {
            return f.write_str("NaN");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        }
        let sign = if x < 0.0 { "-" } else { "" };
        let a = x.abs();
        if a == a.trunc() && a < 1e15 {
            return write!(f, "{sign}{}", a as u64);
        }
        // Six significant digits: d.ddddd × 10^e, then fixed or exponent form.
        let mut e = a.log10().floor() as i32;
        let mut digits = (a / 10f64.powi(e - 5)).round() as u64;
        if digits >= 1_000_000 {
            digits /= 10;
            e += 1;
        }
        let text = digits.to_string();
        let text = text.trim_end_matches('0');
        let text = if text.is_empty() { "0" } else { text };
        if (-5..15).contains(&e) {
            if e < 0 {
                let zeros = "0".repeat((-e - 1) as usize);
                write!(f, "{sign}0.{zeros}{text}")
            } else {
                let int_len = e as usize + 1;
                if text.len() <= int_len {
                    let pad = "0".repeat(int_len - text.len());
                    write!(f, "{sign}{text}{pad}")
                } else {
                    write!(f, "{sign}{}.{}", &text[..int_len], &text[int_len..])
                }
            }
        } else {
            let (head, tail) = text.split_at(1);
            let dot = if tail.is_empty() { "" } else { "." };
            write!(
                f,
                "{sign}{head}{dot}{tail}e{}{e}",
                if e > 0 { "+" } else { "" }
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Num;

    #[test]
    fn numbers_read_like_javascript() {
        let cases: [(f64, &str); 14] = [
            (0.0, "0"),
            (-3.0, "-3"),
            (1500.0, "1500"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (1.0 / 3.0, "0.333333"),
            (123.456789, "123.457"),
            (0.000123, "0.000123"),
            (1e-7, "1e-7"),
            (1e21, "1e+21"),
            (9.9999996, "10"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, text) in cases {
            assert_eq!(Num(x).to_string(), text, "{x:?}");
        }
        assert_eq!(Num::from(0.1f32).to_string(), "0.1");
    }
}
