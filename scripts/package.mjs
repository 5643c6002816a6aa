// Turns wasm-pack's output in pkg/ into the npm package `shelfrank`:
// adds the initialising entry point (js/index.js), the profile store
// (js/store.js), the README, PRIVACY.md, and an
// `exports` map, so `import { Recommender } from "shelfrank"` works in
// webpack 5, Vite and plain ES modules alike.
import { copyFileSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { gzipSync, brotliCompressSync } from "node:zlib";

const pkgDir = new URL("../pkg/", import.meta.url);
const root = new URL("../", import.meta.url);
copyFileSync(new URL("js/index.js", root), new URL("index.js", pkgDir));
copyFileSync(new URL("js/index.d.ts", root), new URL("index.d.ts", pkgDir));
copyFileSync(new URL("js/store.js", root), new URL("store.js", pkgDir));
copyFileSync(new URL("README.md", root), new URL("README.md", pkgDir));
copyFileSync(new URL("PRIVACY.md", root), new URL("PRIVACY.md", pkgDir));

const manifest = JSON.parse(readFileSync(new URL("package.json", pkgDir), "utf8"));
manifest.main = "index.js";
manifest.module = "index.js";
manifest.types = "index.d.ts";
manifest.files = ["index.js", "index.d.ts", "store.js", "shelfrank.js", "shelfrank.d.ts", "shelfrank_bg.wasm", "shelfrank_bg.wasm.d.ts", "README.md", "PRIVACY.md"];
manifest.exports = {
  ".": { types: "./index.d.ts", default: "./index.js" },
  "./shelfrank_bg.wasm": "./shelfrank_bg.wasm",
};
manifest.sideEffects = ["./index.js", "./shelfrank.js"];
manifest.keywords = ["recommendations", "recommender", "wasm", "ecommerce", "privacy", "ga4"];
writeFileSync(new URL("package.json", pkgDir), JSON.stringify(manifest, null, 2) + "\n");

const wasm = readFileSync(new URL("shelfrank_bg.wasm", pkgDir));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `shelfrank package ready in pkg/: shelfrank_bg.wasm ${kb(wasm.length)} raw, ` +
    `${kb(gzipSync(wasm, { level: 9 }).length)} gzip, ${kb(brotliCompressSync(wasm).length)} brotli`,
);
