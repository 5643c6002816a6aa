//! `--report DIR`: report.md for people, report.json for machines and three
//! hand-written SVG charts (metric bars per method, Recall@K over K,
//! coverage versus popularity).

use crate::convert::write_atomic;
use crate::eval::EvalResult;
use crate::train::TrainSummary;
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;

use std::path::Path;

const COLORS: [&str; 8] = [
    "#1b7f79", "#9aa0a6", "#e0a800", "#6f42c1", "#d9534f", "#2c7be5", "#8d6e63", "#00a65a",
];

#[derive(Serialize)]
struct Json<'a> {
    generator: &'static str,
    evaluation: &'a EvalResult,
    training: Option<&'a TrainSummary>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes report.md, report.json and the charts into `dir`.
pub fn write_report(dir: &Path, r: &EvalResult, train: Option<&TrainSummary>) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json = serde_json::to_string_pretty(&Json {
        generator: concat!("shelfrank-trainer ", env!("CARGO_PKG_VERSION")),
        evaluation: r,
        training: train,
    })?;
    write_atomic(&dir.join("report.json"), |w| {
        Ok(w.write_all(json.as_bytes())?)
    })?;
    let charts = [
        ("metrics.svg", bars_svg(r)),
        ("recall_curve.svg", curve_svg(r)),
        ("coverage_popularity.svg", scatter_svg(r)),
    ];
    for (name, svg) in &charts {
        write_atomic(&dir.join(name), |w| Ok(w.write_all(svg.as_bytes())?))?;
    }
    let md = markdown(r, train);
    write_atomic(&dir.join("report.md"), |w| Ok(w.write_all(md.as_bytes())?))?;
    Ok(())
}

/// The human report.
pub fn markdown(r: &EvalResult, train: Option<&TrainSummary>) -> String {
    let mut s = String::new();
    let k = r.ks.iter().copied().max().unwrap_or(20);
    let _ = writeln!(s, "# shelfrank evaluation\n");
    let _ = writeln!(
        s,
        "Model `{}` ({} items × {} factors, {:.1} KiB), test events `{}`{}.\n",
        r.model,
        r.model_items,
        r.model_dim,
        r.model_bytes as f64 / 1024.0,
        r.test,
        r.train
            .as_ref()
            .map_or(String::new(), |t| format!(", baselines trained on `{t}`"))
    );
    if let Some(best) = r.methods.iter().max_by(|a, b| {
        let ra = a.at_k(k).map_or(0.0, |x| x.recall);
        let rb = b.at_k(k).map_or(0.0, |x| x.recall);
        ra.total_cmp(&rb)
    }) {
        let engine = r.methods.first();
        let _ = writeln!(
            s,
            "**At a glance:** after each product a shopper looked at, the next product they opened was among shelfrank's top {k} suggestions **{:.1}%** of the time (best method here: {} with {:.1}%). {} test sessions, {} predictions.\n",
            engine.and_then(|m| m.at_k(k)).map_or(0.0, |a| 100.0 * a.recall),
            best.name,
            best.at_k(k).map_or(0.0, |a| 100.0 * a.recall),
            r.test_sessions,
            r.predictions
        );
    }
    let _ = writeln!(s, "## Results\n");
    let mut header = "| method |".to_string();
    let mut rule = "|---|".to_string();
    for k in &r.ks {
        let _ = write!(header, " Recall@{k} | MRR@{k} | NDCG@{k} |");
        rule.push_str("---:|---:|---:|");
    }
    let _ = write!(header, " coverage@{k} | popular share@{k} |");
    rule.push_str("---:|---:|");
    let _ = writeln!(s, "{header}\n{rule}");
    for m in &r.methods {
        let _ = write!(s, "| {} |", m.name);
        for a in &m.at {
            let _ = write!(s, " {:.4} | {:.4} | {:.4} |", a.recall, a.mrr, a.ndcg);
        }
        if let Some(a) = m.at_k(k) {
            let _ = write!(
                s,
                " {:.1}% | {:.1}% |",
                100.0 * a.coverage,
                100.0 * a.popular_share
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "\n![metrics per method](metrics.svg)\n\n![Recall@K over K](recall_curve.svg)\n\n![coverage versus popularity](coverage_popularity.svg)\n"
    );
    let _ = writeln!(s, "## How to read this\n");
    let _ = writeln!(s, "- **Recall@K**: how often the product the shopper opened next was in the top K suggestions.");
    let _ = writeln!(s, "- **MRR@K**: like Recall, but a hit at position 1 counts 1, at position 2 counts ½, …: rewards putting the right product first.");
    let _ = writeln!(
        s,
        "- **NDCG@K**: the same idea with a gentler, logarithmic discount by position."
    );
    let _ = writeln!(s, "- **coverage**: share of the catalogue that was suggested at least once; low coverage means the same few products are shown to everyone.");
    let _ = writeln!(
        s,
        "- **popular share**: share of suggestion slots taken by the 10% most popular products.\n"
    );
    let _ = writeln!(s, "## Protocol and settings\n");
    let _ = writeln!(s, "{}\n", r.protocol);
    let _ = writeln!(
        s,
        "- {} test sessions kept, {} test events kept, {} test events on items without training interactions removed.",
        r.test_sessions, r.test_events_kept, r.test_events_dropped_unknown
    );
    let _ = writeln!(
        s,
        "- V-SKNN: k={} neighbours, sample of the {} most recent sessions sharing an item, linear position decay in the query session, 1/step match decay, idf weight {}.",
        r.sknn.k, r.sknn.sample_size, r.sknn.idf_weight
    );
    if let Some(b) = r.blend {
        let _ = writeln!(s, "- Blend prototype: factor score (scaled to max 1) + {} × transition score from the last item (successors within {} steps, weight 1/gap, scaled to max 1). Needs an engine change to ship.", b.beta, b.window);
    }
    for m in &r.methods {
        let _ = writeln!(
            s,
            "- {}: {:.2}s of prediction CPU time for {} predictions.",
            m.name, m.seconds, m.predictions
        );
    }
    if let Some(t) = train {
        let _ = writeln!(s, "\n## Training\n");
        let _ = writeln!(
            s,
            "{} events, {} sessions, {} items ({} cold), {} factors, λ={}, α={}, half-life {}, {} iterations ({} solver), seed {}, {} threads; {:.2}s total; model {} bytes, int8 score error {:.2}%.",
            t.events, t.sessions, t.coverage.items, t.coverage.cold_items, t.factors, t.lambda, t.alpha, format_hours(t.half_life_hours), t.iterations, t.solver, t.seed, t.threads, t.total_seconds, t.model_bytes, 100.0 * t.quantisation_rel_error
        );
    }
    s
}

fn svg_head(w: u32, h: u32, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
        w / 2,
        esc(title)
    )
}

fn legend(s: &mut String, names: &[&str], x: f64, y: f64) {
    for (i, n) in names.iter().enumerate() {
        let yy = y + i as f64 * 18.0;
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            yy - 10.0,
            COLORS[i % COLORS.len()],
            x + 18.0,
            yy,
            esc(n)
        );
    }
}

fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if v <= m * mag {
            return m * mag;
        }
    }
    10.0 * mag
}

fn y_axis(s: &mut String, x0: f64, y0: f64, h: f64, w: f64, max: f64, pct: bool) {
    for t in 0..=5 {
        let v = max * t as f64 / 5.0;
        let y = y0 - h * t as f64 / 5.0;
        let label = if pct {
            format!("{:.0}%", 100.0 * v)
        } else {
            format!("{v:.2}")
        };
        let _ = writeln!(
            s,
            "<line x1=\"{x0}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e6e6e6\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#555\">{label}</text>",
            x0 + w,
            x0 - 6.0,
            y + 4.0
        );
    }
}

/// Grouped bars: Recall@K and MRR@K for each K, one bar per method.
pub fn bars_svg(r: &EvalResult) -> String {
    let groups: Vec<(String, Vec<f64>)> =
        r.ks.iter()
            .flat_map(|&k| {
                [
                    (
                        format!("Recall@{k}"),
                        r.methods
                            .iter()
                            .map(|m| m.at_k(k).map_or(0.0, |a| a.recall))
                            .collect(),
                    ),
                    (
                        format!("MRR@{k}"),
                        r.methods
                            .iter()
                            .map(|m| m.at_k(k).map_or(0.0, |a| a.mrr))
                            .collect(),
                    ),
                ]
            })
            .collect();
    let names: Vec<&str> = r.methods.iter().map(|m| m.name.as_str()).collect();
    let (w, h) = (860u32, 400u32);
    let (x0, y0, pw, ph) = (60.0, 340.0, 560.0, 290.0);
    let max = nice_max(
        groups
            .iter()
            .flat_map(|g| g.1.iter().copied())
            .fold(0.0, f64::max),
    );
    let mut s = svg_head(w, h, "Next-item accuracy per method (higher is better)");
    y_axis(&mut s, x0, y0, ph, pw, max, false);
    let gw = pw / groups.len().max(1) as f64;
    let bw = (gw * 0.8) / names.len().max(1) as f64;
    for (g, (label, vals)) in groups.iter().enumerate() {
        let gx = x0 + g as f64 * gw + gw * 0.1;
        for (m, v) in vals.iter().enumerate() {
            let bh = ph * v / max;
            let _ = writeln!(
                s,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {:.4}</title></rect>",
                gx + m as f64 * bw,
                y0 - bh,
                bw * 0.92,
                bh,
                COLORS[m % COLORS.len()],
                esc(names[m]),
                v
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            gx + gw * 0.4,
            y0 + 18.0,
            esc(label)
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{}\" y2=\"{y0}\" stroke=\"#333\"/>",
        x0 + pw
    );
    legend(&mut s, &names, 640.0, 70.0);
    s.push_str("</svg>\n");
    s
}

/// Recall@K for K = 1 … max K, one line per method.
pub fn curve_svg(r: &EvalResult) -> String {
    let names: Vec<&str> = r.methods.iter().map(|m| m.name.as_str()).collect();
    let (w, h) = (860u32, 400u32);
    let (x0, y0, pw, ph) = (60.0, 340.0, 560.0, 290.0);
    let kmax = r
        .methods
        .iter()
        .map(|m| m.recall_curve.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let max = nice_max(
        r.methods
            .iter()
            .flat_map(|m| m.recall_curve.iter().copied())
            .fold(0.0, f64::max),
    );
    let mut s = svg_head(w, h, "Recall@K: share of next products found in the top K");
    y_axis(&mut s, x0, y0, ph, pw, max, true);
    let xk = |k: usize| x0 + pw * (k - 1) as f64 / (kmax - 1) as f64;
    for k in (1..=kmax).filter(|k| *k == 1 || k % 5 == 0) {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{k}</text>",
            xk(k),
            y0 + 18.0
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">K (number of suggestions shown)</text>",
        x0 + pw / 2.0,
        y0 + 40.0
    );
    for (m, method) in r.methods.iter().enumerate() {
        let pts: Vec<String> = method
            .recall_curve
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", xk(i + 1), y0 - ph * v / max))
            .collect();
        let _ = writeln!(
            s,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" points=\"{}\"/>",
            COLORS[m % COLORS.len()],
            pts.join(" ")
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{}\" y2=\"{y0}\" stroke=\"#333\"/>",
        x0 + pw
    );
    legend(&mut s, &names, 640.0, 70.0);
    s.push_str("</svg>\n");
    s
}

/// Catalogue coverage (x) against the share of popular items (y) at max K.
pub fn scatter_svg(r: &EvalResult) -> String {
    let k = r.ks.iter().copied().max().unwrap_or(20);
    let names: Vec<&str> = r.methods.iter().map(|m| m.name.as_str()).collect();
    let (w, h) = (860u32, 420u32);
    let (x0, y0, pw, ph) = (70.0, 350.0, 540.0, 290.0);
    let xmax = nice_max(
        r.methods
            .iter()
            .filter_map(|m| m.at_k(k))
            .map(|a| a.coverage)
            .fold(0.0, f64::max),
    );
    let mut s = svg_head(
        w,
        h,
        &format!("Catalogue coverage vs popularity bias (top {k})"),
    );
    y_axis(&mut s, x0, y0, ph, pw, 1.0, true);
    for t in 0..=5 {
        let v = xmax * t as f64 / 5.0;
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{:.0}%</text>",
            x0 + pw * t as f64 / 5.0,
            y0 + 18.0,
            100.0 * v
        );
    }
    let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">share of the catalogue ever suggested (more = broader)</text>", x0 + pw / 2.0, y0 + 40.0);
    let _ = writeln!(s, "<text transform=\"translate(18,{}) rotate(-90)\" text-anchor=\"middle\">slots taken by the top-10% products</text>", y0 - ph / 2.0);
    for (m, method) in r.methods.iter().enumerate() {
        if let Some(a) = method.at_k(k) {
            let (cx, cy) = (x0 + pw * a.coverage / xmax, y0 - ph * a.popular_share);
            let rad = 5.0 + 20.0 * a.recall;
            let _ = writeln!(
                s,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{rad:.1}\" fill=\"{}\" fill-opacity=\"0.75\"><title>{}: coverage {:.1}%, popular share {:.1}%, Recall@{k} {:.3}</title></circle>",
                COLORS[m % COLORS.len()],
                esc(&method.name),
                100.0 * a.coverage,
                100.0 * a.popular_share,
                a.recall
            );
        }
    }
    let _ = writeln!(
        s,
        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{}\" y2=\"{y0}\" stroke=\"#333\"/>",
        x0 + pw
    );
    legend(&mut s, &names, 640.0, 70.0);
    let _ = writeln!(
        s,
        "<text x=\"640\" y=\"{}\" fill=\"#555\">circle size = Recall@{k}</text>",
        80.0 + names.len() as f64 * 18.0
    );
    s.push_str("</svg>\n");
    s
}

/// Builds the cross-data-set table (methods × data sets, "Recall@K / MRR@K")
/// from `name=DIR` pairs whose DIR holds a report.json.
pub fn summarize(entries: &[(String, std::path::PathBuf)], k: usize) -> Result<String> {
    let mut columns: Vec<(String, serde_json::Value)> = Vec::new();
    for (name, dir) in entries {
        let path = dir.join("report.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        columns.push((name.clone(), v));
    }
    let mut methods: Vec<String> = Vec::new();
    for (_, v) in &columns {
        for m in v["evaluation"]["methods"].as_array().into_iter().flatten() {
            if let Some(n) = m["name"].as_str() {
                if !methods.iter().any(|x| x == n) {
                    methods.push(n.to_string());
                }
            }
        }
    }
    let mut s = String::new();
    let _ = write!(s, "| method (Recall@{k} / MRR@{k}) |");
    for (name, _) in &columns {
        let _ = write!(s, " {name} |");
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "|---|{}", "---:|".repeat(columns.len()));
    for m in &methods {
        let _ = write!(s, "| {m} |");
        for (_, v) in &columns {
            let cell = v["evaluation"]["methods"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["name"].as_str() == Some(m))
                .and_then(|x| {
                    x["at"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|a| a["k"].as_u64() == Some(k as u64))
                        .map(|a| {
                            format!(
                                "{:.3} / {:.3}",
                                a["recall"].as_f64().unwrap_or(0.0),
                                a["mrr"].as_f64().unwrap_or(0.0)
                            )
                        })
                })
                .unwrap_or_else(|| "–".into());
            let _ = write!(s, " {cell} |");
        }
        let _ = writeln!(s);
    }
    let _ = write!(s, "| *test sessions / predictions* |");
    for (_, v) in &columns {
        let e = &v["evaluation"];
        let _ = write!(
            s,
            " {} / {} |",
            e["test_sessions"].as_u64().unwrap_or(0),
            e["predictions"].as_u64().unwrap_or(0)
        );
    }
    let _ = writeln!(s);
    let _ = write!(s, "| *training time / model size* |");
    for (_, v) in &columns {
        let t = &v["training"];
        let _ = write!(
            s,
            " {:.1}s / {:.0} KiB |",
            t["total_seconds"].as_f64().unwrap_or(0.0),
            t["model_bytes"].as_f64().unwrap_or(0.0) / 1024.0
        );
    }
    let _ = writeln!(s);
    Ok(s)
}

/// A duration in hours as people write it: `7d`, `12h`, `5m`, `30s`.
pub fn format_hours(hours: f32) -> String {
    let s = (hours as f64 * 3600.0).round();
    let (n, unit) = if s >= 86_400.0 && s % 86_400.0 == 0.0 {
        (s / 86_400.0, "d")
    } else if s >= 3_600.0 && s % 3_600.0 == 0.0 {
        (s / 3_600.0, "h")
    } else if s >= 60.0 && s % 60.0 == 0.0 {
        (s / 60.0, "m")
    } else {
        (s, "s")
    };
    format!("{n}{unit}")
}
