// The demo storefront pipeline, after `npm run build` has produced pkg/:
//
//   1. prepare data  data/rees46-multicategory-2019-Oct-head.csv.gz (real REES46
//                    events, committed) → target/demo/{events.csv,catalog.csv,catalog.json}
//   2. train         `shelfrank train` (the trainer in trainer/) → target/demo/model.shelf
//   3. bundle        webpack (webpack.config.js, sources in www/) → www/dist/
//   4. serve         http://127.0.0.1:8080 (scripts/serve.mjs)
//
//   node scripts/demo.mjs            steps 1–4 (what `npm start` runs after setup + build)
//   node scripts/demo.mjs build      steps 1–3 only
//   node scripts/demo.mjs serve      step 4 only
//   options: --port N (default 8080, or $PORT)
//
// The e2e tests (tests/e2e/) import buildDemo() so they test exactly what
// `npm start` serves.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const DATA = resolve(ROOT, "data/rees46-multicategory-2019-Oct-head.csv.gz");
export const WORK = resolve(ROOT, "target/demo");
export const DIST = resolve(ROOT, "www/dist");

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s) => console.log(`\n${bold(`== demo: ${s} ==`)}`);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// ---------------------------------------------------------------- 1. data

/** Brands whose usual spelling is not simply capitalised. */
const BRAND_SPELLING = {
  hp: "HP", lg: "LG", jbl: "JBL", bbk: "BBK", zte: "ZTE", aeg: "AEG", bq: "BQ", msi: "MSI",
  tcl: "TCL", akg: "AKG", jvc: "JVC", rca: "RCA", ecco: "ECCO", wmf: "WMF", asus: "ASUS",
  dji: "DJI", bosch: "Bosch", iphone: "iPhone", oneplus: "OnePlus", xiaomi: "Xiaomi",
};

export function brandName(raw) {
  if (!raw) return "";
  const b = raw.trim().toLowerCase();
  if (BRAND_SPELLING[b]) return BRAND_SPELLING[b];
  return b.replace(/(^|[\s-])([a-z])/g, (_, sep, c) => sep + c.toUpperCase());
}

/** "appliances.kitchen.meat_grinder" → "meat grinder". */
export function categoryLeaf(code) {
  return code.split(".").pop().replace(/_/g, " ");
}

/** A readable product name from brand + category: "Samsung smartphone". */
export function productName(brand, code) {
  const leaf = categoryLeaf(code);
  const b = brandName(brand);
  return b ? `${b} ${leaf}` : leaf.charAt(0).toUpperCase() + leaf.slice(1);
}

function csvField(s) {
  const v = String(s ?? "");
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Turns the REES46 slice into the trainer's inputs and the shop's product
 * feed. Only products with a readable category code are kept (see data/README.md).
 */
export function prepareData({ data = DATA, out = WORK, log = console.log } = {}) {
  const raw = readFileSync(data);
  const text = gunzipSync(raw).toString("utf8");
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const header = lines[0].split(",");
  const col = (name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${data}: no "${name}" column in the header [${header.join(", ")}]`);
    return i;
  };
  const C = {
    time: col("event_time"), type: col("event_type"), item: col("product_id"),
    code: col("category_code"), brand: col("brand"), price: col("price"), session: col("user_session"),
  };
  const products = new Map();
  const events = ["event_time,event_type,product_id,user_session"];
  let skipped = 0;
  for (let n = 1; n < lines.length; n++) {
    const f = lines[n].split(","); // the REES46 export has no quoted fields
    const code = f[C.code];
    if (!code || !f[C.item] || !f[C.session]) {
      skipped++;
      continue;
    }
    const id = f[C.item];
    const price = Number(f[C.price]);
    let p = products.get(id);
    if (!p) {
      p = { id, category: code, brand: f[C.brand] ?? "", price: null, views: 0, carts: 0, purchases: 0 };
      products.set(id, p);
    }
    if (Number.isFinite(price) && price > 0) p.price = price; // last seen price
    if (!p.brand && f[C.brand]) p.brand = f[C.brand];
    const type = f[C.type];
    if (type === "view") p.views++;
    else if (type === "cart") p.carts++;
    else if (type === "purchase") p.purchases++;
    events.push([f[C.time], type, id, f[C.session]].map(csvField).join(","));
  }
  mkdirSync(out, { recursive: true });
  const items = [...products.values()];
  const catalogCsv = ["item_id,name,category,brand,price,in_stock"];
  for (const p of items) {
    catalogCsv.push(
      [p.id, productName(p.brand, p.category), p.category, brandName(p.brand), p.price?.toFixed(2) ?? "", "true"]
        .map(csvField)
        .join(","),
    );
  }
  // The shop's own product feed, as the page fetches it: compact rows.
  const categories = [...new Set(items.map((p) => p.category))].sort();
  const catIndex = new Map(categories.map((c, i) => [c, i]));
  const feed = {
    source: "REES46 multi-category store, 2019-10-01 00:00–02:50 UTC (data/README.md)",
    fields: ["id", "name", "category", "brand", "price", "views"],
    categories,
    items: items.map((p) => [
      p.id,
      productName(p.brand, p.category),
      catIndex.get(p.category),
      brandName(p.brand),
      p.price == null ? null : Math.round(p.price * 100) / 100,
      p.views + 3 * p.carts + 5 * p.purchases,
    ]),
  };
  writeFileSync(resolve(out, "events.csv"), events.join("\n") + "\n");
  writeFileSync(resolve(out, "catalog.csv"), catalogCsv.join("\n") + "\n");
  const json = JSON.stringify(feed);
  writeFileSync(resolve(out, "catalog.json"), json);
  log(
    `${events.length - 1} events and ${items.length} products (${categories.length} categories) from ` +
      `${lines.length - 1} rows of ${data.replace(ROOT, "")}; ${skipped} rows without a category code left out; ` +
      `catalog.json ${kb(json.length)} (${kb(gzipSync(json).length)} gzip)`,
  );
  return { events: events.length - 1, products: items.length, categories: categories.length };
}

// ---------------------------------------------------------------- 2. train

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", ...opts });
}

/** Whether the trainer CLI in trainer/ builds and has a `train` command. */
export function trainerStatus() {
  const r = run("cargo", ["run", "-q", "--release", "-p", "shelfrank-trainer", "--", "train", "--help"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.status === 0 && /--events/.test(r.stdout + r.stderr)) return { ok: true };
  return { ok: false, why: (r.stderr || r.stdout || "").trim().split("\n").slice(-6).join("\n") };
}

/** Extra `train` flags for the demo model, overridable with $SHELFRANK_TRAIN_ARGS. */
const TRAIN_ARGS = (process.env.SHELFRANK_TRAIN_ARGS ?? "").split(/\s+/).filter(Boolean);

export function trainModel({ out = WORK, log = console.log } = {}) {
  const model = resolve(out, "model.shelf");
  const stamp = resolve(out, "model.stamp");
  const inputs = createHash("sha256")
    .update(readFileSync(resolve(out, "events.csv")))
    .update(readFileSync(resolve(out, "catalog.csv")))
    .update(TRAIN_ARGS.join(" "))
    .digest("hex");
  const upToDate = existsSync(model) && existsSync(stamp) && readFileSync(stamp, "utf8") === inputs;
  const status = trainerStatus();
  if (!status.ok && upToDate) {
    // A model this trainer trained earlier from exactly these inputs: keep it.
    log(
      `WARNING: the trainer does not build right now; reusing ${model.replace(ROOT, "")}, which it trained ` +
        `earlier from the same data and flags.\n${status.why}`,
    );
    return model;
  }
  if (!status.ok) {
    throw new Error(
      "the trainer cannot train yet: `cargo run --release -p shelfrank-trainer -- train --help` failed or has no " +
        `--events option:\n${status.why}\nThe demo ships no pre-trained or fake model; it trains one from data/.`,
    );
  }
  if (upToDate) {
    // Same inputs and same flags; cargo above rebuilt the trainer if its sources changed,
    // so only retrain when the binary is newer than the model.
    const bin = resolve(ROOT, "target/release/shelfrank");
    if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(model).mtimeMs) {
      log(`model up to date: ${model.replace(ROOT, "")} (${kb(statSync(model).size)})`);
      return model;
    }
  }
  const args = [
    "run", "-q", "--release", "-p", "shelfrank-trainer", "--", "train",
    "--events", resolve(out, "events.csv"),
    "--catalog", resolve(out, "catalog.csv"),
    "--out", model,
    ...TRAIN_ARGS,
  ];
  log(`cargo ${args.join(" ").replaceAll(ROOT, "")}`);
  const t0 = Date.now();
  const r = run("cargo", args, { stdio: "inherit" });
  if (r.status !== 0) throw new Error(`training failed (exit ${r.status}): cargo ${args.join(" ")}`);
  writeFileSync(stamp, inputs);
  log(`trained ${model.replace(ROOT, "")} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${kb(statSync(model).size)})`);
  return model;
}

// ---------------------------------------------------------------- 3. bundle

export async function bundle({ log = console.log } = {}) {
  const { default: webpack } = await import("webpack");
  const { default: config } = await import(resolve(ROOT, "webpack.config.js"));
  const t0 = Date.now();
  const stats = await new Promise((ok, fail) =>
    webpack({ ...config, mode: process.env.DEMO_MODE ?? "production" }, (err, s) => (err ? fail(err) : ok(s))),
  );
  if (stats.hasErrors()) {
    throw new Error(`webpack failed:\n${stats.toString({ all: false, errors: true, colors: false })}`);
  }
  const rows = stats.compilation
    .getAssets()
    .filter((a) => !a.name.endsWith(".txt"))
    .map((a) => {
      const buf = readFileSync(resolve(DIST, a.name));
      return { name: a.name, size: buf.length, gzip: gzipSync(buf).length };
    })
    .sort((a, b) => b.size - a.size);
  log(`webpack ${((Date.now() - t0) / 1000).toFixed(1)} s → www/dist/`);
  for (const r of rows) log(`  ${r.name.padEnd(34)} ${kb(r.size).padStart(10)} ${kb(r.gzip).padStart(10)} gzip`);
  const total = rows.reduce((s, r) => s + r.gzip, 0);
  log(`  ${"total".padEnd(34)} ${kb(rows.reduce((s, r) => s + r.size, 0)).padStart(10)} ${kb(total).padStart(10)} gzip`);
  return rows;
}

// ---------------------------------------------------------------- all

export async function buildDemo({ log = console.log } = {}) {
  if (!existsSync(resolve(ROOT, "pkg/index.js"))) {
    throw new Error("pkg/ is missing: run `npm run build` first (npm start does it)");
  }
  step("prepare data");
  prepareData({ log });
  step("train the model (shelfrank train)");
  trainModel({ log });
  step("bundle the storefront (webpack)");
  await bundle({ log });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "all";
  const i = process.argv.indexOf("--port");
  const port = Number(i > 0 ? process.argv[i + 1] : (process.env.PORT ?? 8080));
  try {
    if (cmd === "build" || cmd === "all") await buildDemo();
    if (cmd === "serve" || cmd === "all") {
      const { serve } = await import("./serve.mjs");
      const s = await serve({ port });
      step("serve");
      console.log(`\n  shelfrank demo storefront: ${bold(`${s.url}/`)}\n  (everything is served from this address; Ctrl+C to stop)\n`);
    }
    if (!["build", "serve", "all"].includes(cmd)) {
      console.error("usage: node scripts/demo.mjs [build|serve] [--port N]");
      process.exit(2);
    }
  } catch (e) {
    console.error(`\ndemo: ${e.message}`);
    process.exit(1);
  }
}
