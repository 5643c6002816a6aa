// The npm package as a shop uses it: imported as a plain ES module in
// headless Chromium, fed GA4 events, asked for recommendations — and proven
// to make no network request of its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { startServer } from "./static-server.mjs";
import { launch } from "./browser.mjs";

let server, browser, page;
const pageErrors = [];

before(async () => {
  mkdirSync(new URL("../../target/js-fixtures", import.meta.url), { recursive: true });
  execFileSync("cargo", ["run", "-q", "--example", "make_fixture", "--", "target/js-fixtures/fixture.shelf"], {
    cwd: new URL("../../", import.meta.url),
    stdio: "inherit",
  });
  server = await startServer();
  browser = await launch();
  page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/tests/js/esm-page.html`);
  await page.waitForFunction(() => window.shelfrank !== undefined);
  await page.evaluate(async () => {
    const bytes = new Uint8Array(await (await fetch("/target/js-fixtures/fixture.shelf")).arrayBuffer());
    window.rec = await window.shelfrank.Recommender.load(bytes);
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("load resolves to a Recommender and rejects bad bytes with an Error", async () => {
  const info = await page.evaluate(() => window.rec.modelInfo());
  assert.equal(info.items, 48);
  assert.equal(info.dim, 8);
  const err = await page.evaluate(async () => {
    try {
      await window.shelfrank.Recommender.load(new Uint8Array([1, 2, 3]));
      return null;
    } catch (e) {
      return { isError: e instanceof Error, message: e.message };
    }
  });
  assert.deepEqual(err, { isError: true, message: "not a shelfrank model: the file does not start with the .shelf magic bytes (was it downloaded completely, and is it the .shelf file the trainer wrote?)" });
});

test("tracking views re-ranks towards the viewed category, with reasons", async () => {
  const result = await page.evaluate(() => {
    const rec = window.rec;
    rec.forget();
    const before = rec.recommend({ k: 3 });
    for (const id of ["sku-3-1", "sku-3-2"]) rec.track({ event: "view_item", item_id: id });
    const after = rec.recommend({ k: 4 });
    return { before, after };
  });
  assert.ok(result.before.every((r) => r.reason === "popular"));
  assert.equal(result.after.length, 4);
  for (const r of result.after) {
    assert.match(r.itemId, /^sku-3-/);
    assert.match(r.reason, /^because you viewed /);
    assert.equal(typeof r.score, "number");
  }
});

test("an added-to-cart item leaves the recommendations and shows in the profile", async () => {
  const result = await page.evaluate(() => {
    const rec = window.rec;
    rec.forget();
    rec.track({ event: "view_item", item_id: "sku-0-1" });
    const top = rec.recommend({ k: 1 })[0].itemId;
    rec.track({ event: "add_to_cart", ecommerce: { items: [{ item_id: top }] } });
    return { top, after: rec.recommend({ k: 20 }).map((r) => r.itemId), profile: rec.profile() };
  });
  assert.ok(!result.after.includes(result.top));
  assert.deepEqual(result.profile.cart, [result.top]);
  assert.equal(result.profile.intent, "buying");
});

test("the GA4 dataLayer adapter tracks e-commerce pushes and ignores the rest", async () => {
  const result = await page.evaluate(() => {
    const rec = window.rec;
    rec.forget();
    const dataLayer = [{ event: "gtm.js" }, { event: "view_item", ecommerce: { items: [{ item_id: "sku-2-3" }] } }];
    const warnings = [];
    const warn = console.warn;
    console.warn = (m) => warnings.push(m);
    const disconnect = window.shelfrank.connectDataLayer(rec, dataLayer);
    dataLayer.push({ event: "page_view" });
    (function gtag() { dataLayer.push(arguments); })("event", "add_to_cart", { items: [{ item_id: "sku-2-4" }] });
    dataLayer.push({ event: "view_item" }); // no item: warned, not thrown
    disconnect();
    dataLayer.push({ event: "view_item", item_id: "sku-1-1" }); // after disconnect: ignored
    console.warn = warn;
    return { events: rec.profile().events, warnings, length: dataLayer.length };
  });
  assert.equal(result.events, 2);
  assert.equal(result.length, 6, "pushes still reach the dataLayer");
  assert.equal(result.warnings.length, 1);
  assert.match(result.warnings[0], /names no item/);
});

test("exported profiles survive JSON and localStorage round trips", async () => {
  const same = await page.evaluate(async () => {
    const rec = window.rec;
    rec.forget();
    rec.track({ event: "view_item", item_id: "sku-1-5" });
    rec.track({ event: "purchase", items: [{ item_id: "sku-1-6" }] });
    localStorage.setItem("shelfrank-test", JSON.stringify(rec.exportProfile()));
    const bytes = new Uint8Array(await (await fetch("/target/js-fixtures/fixture.shelf")).arrayBuffer());
    const other = window.shelfrank.Recommender.fromBytes(bytes);
    other.importProfile(localStorage.getItem("shelfrank-test"));
    const a = rec.recommend({ k: 8 }).map((r) => r.itemId).join();
    const b = other.recommend({ k: 8 }).map((r) => r.itemId).join();
    other.free();
    localStorage.removeItem("shelfrank-test");
    return a === b;
  });
  assert.ok(same);
});

test("the module made no network request beyond its own files", async () => {
  const allowed = ["/tests/js/esm-page.html", "/pkg/index.js", "/pkg/store.js", "/pkg/shelfrank.js", "/pkg/shelfrank_bg.wasm", "/target/js-fixtures/fixture.shelf"];
  for (const url of server.requests) {
    assert.ok(allowed.includes(url), `unexpected request ${url}`);
  }
  assert.deepEqual(pageErrors, []);
});
