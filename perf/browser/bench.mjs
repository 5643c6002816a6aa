// In-browser benchmark: shelfrank's recommend (SIMD and scalar builds) next to
// a memory-bandwidth reference, plain JavaScript and TensorFlow.js (wasm),
// all on the same model, in the same run. Results go to window.benchResults.
import simdInit, { Recommender as SimdRec } from "/target/bench/pkg-simd/shelfrank.js";
import scalarInit, { Recommender as ScalarRec } from "/target/bench/pkg-scalar/shelfrank.js";

const params = new URLSearchParams(location.search);
const SIZES = (params.get("sizes") || "10000x64").split(",");
const BUDGET_MS = Number(params.get("budget") || 600);
const K = 20;
const OPTIONS = { k: K, filters: { inStockOnly: true, maxPrice: 500 } };
const log = (s) => { document.getElementById("log").textContent += "\n" + s; console.log(s); };

/**
 * Median of repeated runs. Browsers coarsen performance.now() (to 0.1 ms
 * without cross-origin isolation), so fast calls are timed in batches long
 * enough to measure (>= 5 ms) and divided. At least 7 batches, until the
 * time budget is spent.
 */
function median(fn, budget = BUDGET_MS) {
  fn(); // warm-up
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    if (performance.now() - t0 >= 5 || reps >= 1 << 16) break;
    reps *= 2;
  }
  const times = [];
  const start = performance.now();
  while (times.length < 7 || (performance.now() - start < budget && times.length < 200)) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    times.push((performance.now() - t0) / reps);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

async function medianAsync(fn, budget = BUDGET_MS) {
  await fn();
  const times = [];
  const start = performance.now();
  while (times.length < 7 || (performance.now() - start < budget && times.length < 100)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function jsScores(F, u, n, d) {
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += F[o + j] * u[j];
    scores[i] = s;
  }
  return scores;
}

/** What a shop developer writes by hand: score everything, sort, take 20. */
function jsSort(F, u, n, d) {
  const scores = jsScores(F, u, n, d);
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a]);
  return idx.slice(0, K);
}

/** The careful version: a size-20 min-heap instead of a sort. */
function jsHeap(F, u, n, d) {
  const hs = new Float32Array(K).fill(-Infinity);
  const hi = new Int32Array(K).fill(-1);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += F[o + j] * u[j];
    if (s <= hs[0]) continue;
    hs[0] = s; hi[0] = i;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1, r = l + 1;
      let m = p;
      if (l < K && hs[l] < hs[m]) m = l;
      if (r < K && hs[r] < hs[m]) m = r;
      if (m === p) break;
      [hs[p], hs[m]] = [hs[m], hs[p]];
      [hi[p], hi[m]] = [hi[m], hi[p]];
      p = m;
    }
  }
  return hi;
}

async function run() {
  await simdInit({ module_or_path: "/target/bench/pkg-simd/shelfrank_bg.wasm" });
  await scalarInit({ module_or_path: "/target/bench/pkg-scalar/shelfrank_bg.wasm" });
  tf.wasm.setWasmPaths("/perf/browser/node_modules/@tensorflow/tfjs-backend-wasm/dist/");
  await tf.setBackend("wasm");
  const results = [];
  for (const size of SIZES) {
    const [n, d] = size.split("x").map(Number);
    const bytes = new Uint8Array(await (await fetch(`/target/bench/models/${size}.shelf`)).arrayBuffer());
    const r = { size, n, d, modelMB: bytes.length / 1e6 };
    r.copy = median(() => bytes.slice());
    r.load = median(() => SimdRec.fromBytes(bytes).free());
    const simd = SimdRec.fromBytes(bytes);
    const scalar = ScalarRec.fromBytes(bytes);
    const t0 = 1.7e12;
    for (const [j, rec] of [simd, scalar].entries()) {
      for (let e = 0; e < 5; e++) rec.track({ event: "view_item", item_id: `item-${(e * 7919) % n}`, timestamp: t0 + e * 1000 });
      void j;
    }
    r.bandwidth = median(() => simd.benchSumFactorBlock());
    r.recommendSimd = median(() => simd.recommend(OPTIONS));
    r.recommendSimdNoFilter = median(() => simd.recommend({ k: K }));
    r.recommendScalar = median(() => scalar.recommend(OPTIONS));
    r.similar = median(() => simd.similar("item-1", { k: K }));
    let clock = t0 + 10_000;
    r.track = median(() => simd.track({ event: "view_item", item_id: "item-3", timestamp: (clock += 1000) }));
    r.trackFoldIn = median(() => { simd.track({ event: "view_item", item_id: "item-5", timestamp: (clock += 1000) }); simd.benchUserVector(); });
    const u = new Float32Array(simd.benchUserVector());
    const F = new Float32Array(simd.benchFactors());
    // Same answer check: shelfrank (unfiltered) vs the JS heap, on the top item.
    r.jsHeap = median(() => jsHeap(F, u, n, d), Math.max(BUDGET_MS, 1000));
    r.jsSort = n <= 1_000_000 ? median(() => jsSort(F, u, n, d), Math.max(BUDGET_MS, 1000)) : null;
    try {
      const Ft = tf.tensor2d(F, [n, d]);
      const ut = tf.tensor2d(u, [d, 1]);
      r.tfjs = await medianAsync(async () => {
        const { values, indices } = tf.tidy(() => tf.topk(tf.matMul(Ft, ut).reshape([n]), K));
        await indices.data();
        values.dispose();
        indices.dispose();
      });
      Ft.dispose();
      ut.dispose();
    } catch (e) {
      r.tfjs = null;
      r.tfjsError = String(e.message || e);
    }
    simd.free();
    scalar.free();
    results.push(r);
    log(JSON.stringify(r));
  }
  window.benchResults = results;
}

run().catch((e) => { window.benchError = String(e.stack || e); log("error: " + window.benchError); });
