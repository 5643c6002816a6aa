// `npm run bench`: builds the benchmark packages (SIMD and scalar, with the
// `bench` feature), writes synthetic models, runs perf/browser in headless
// Chromium and prints a table of medians. Sizes: BENCH_SIZES=10000x64,...
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync, brotliCompressSync } from "node:zlib";
import { readFileSync } from "node:fs";
import os from "node:os";
import { startServer } from "../tests/js/static-server.mjs";
import { launch } from "../tests/js/browser.mjs";

const root = new URL("../", import.meta.url);
const sh = (cmd, args, env = {}) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
const SIZES = (process.env.BENCH_SIZES || "10000x32,10000x64,10000x128,100000x32,100000x64,100000x128,1000000x32,1000000x64,1000000x128").split(",");

if (!existsSync(new URL("perf/browser/node_modules/@tensorflow/tfjs", root))) {
  sh("npm", ["ci", "--prefix", "perf/browser", "--no-audit", "--no-fund"]);
}
sh("cargo", ["run", "-q", "--release", "--example", "bench_models", "--", "target/bench/models", ...SIZES.map((s) => s.replace("x", ":"))]);
const wasmPack = (outDir, env) =>
  sh("wasm-pack", ["build", "--mode", "no-install", "--target", "web", "--release", "--out-dir", outDir, "--out-name", "shelfrank", "--", "--features", "bench"], env);
wasmPack("target/bench/pkg-simd", {});
wasmPack("target/bench/pkg-scalar", { RUSTFLAGS: "-C target-feature=-simd128", CARGO_TARGET_DIR: "target/bench/scalar-target" });

const server = await startServer();
const browser = await launch();
const page = await browser.newPage();
page.on("console", (m) => process.stderr.write(`  ${m.text().slice(0, 200)}\n`));
await page.goto(`${server.url}/perf/browser/index.html?sizes=${SIZES.join(",")}`);
await page.waitForFunction(() => window.benchResults || window.benchError, null, { timeout: 30 * 60_000, polling: 1000 });
const error = await page.evaluate(() => window.benchError);
const results = await page.evaluate(() => window.benchResults);
const chrome = browser.version();
await browser.close();
await server.close();
if (error) throw new Error(error);

const f = (x) => (x == null ? "—" : x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));
const ratio = (a, b) => (a == null || b == null ? "—" : (a / b).toFixed(1) + "×");
const lines = [];
lines.push(`Chromium ${chrome} headless, ${os.cpus()[0].model}, ${os.cpus().length} cores; medians in ms; top-${20} with filters {inStockOnly, maxPrice} unless noted.`);
lines.push("");
lines.push("| items × dim | bandwidth floor | recommend SIMD | (no filter) | recommend scalar | similar | plain JS heap | plain JS sort | TF.js wasm | track | track + fold-in | load | plain copy |");
lines.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  lines.push(`| ${r.n.toLocaleString("en")} × ${r.d} | ${f(r.bandwidth)} | ${f(r.recommendSimd)} | ${f(r.recommendSimdNoFilter)} | ${f(r.recommendScalar)} | ${f(r.similar)} | ${f(r.jsHeap)} | ${f(r.jsSort)} | ${f(r.tfjs)} | ${f(r.track)} | ${f(r.trackFoldIn)} | ${f(r.load)} | ${f(r.copy)} |`);
}
lines.push("");
lines.push("| items × dim | recommend ÷ floor | JS heap ÷ recommend | TF.js ÷ recommend | scalar ÷ SIMD | track ÷ recommend | load ÷ copy |");
lines.push("|---|---|---|---|---|---|---|");
for (const r of results) {
  lines.push(`| ${r.n.toLocaleString("en")} × ${r.d} | ${ratio(r.recommendSimd, r.bandwidth)} | ${ratio(r.jsHeap, r.recommendSimd)} | ${ratio(r.tfjs, r.recommendSimd)} | ${ratio(r.recommendScalar, r.recommendSimd)} | ${((r.track / r.recommendSimd) * 100).toFixed(2)}% | ${ratio(r.load, r.copy)} |`);
}
sh("npm", ["run", "build"]);
const wasm = readFileSync(new URL("pkg/shelfrank_bg.wasm", root));
lines.push("");
lines.push(`Package: pkg/shelfrank_bg.wasm ${(wasm.length / 1024).toFixed(1)} KB raw, ${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(1)} KB gzip, ${(brotliCompressSync(wasm).length / 1024).toFixed(1)} KB brotli.`);
const table = lines.join("\n");
console.log("\n" + table);
mkdirSync(new URL("target/bench", root), { recursive: true });
writeFileSync(new URL("target/bench/results.json", root), JSON.stringify({ chrome, results }, null, 2));
writeFileSync(new URL("target/bench/results.md", root), table + "\n");
