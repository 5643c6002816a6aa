// The demo storefront end to end, in headless Debian Chromium: built by the
// same pipeline `npm start` runs (scripts/demo.mjs: data from data/, a model
// trained by `shelfrank train`, webpack), served on 127.0.0.1, and driven
// like a shopper would. Every request the page (and its worker) makes is
// recorded; anything but the page's own static files fails the test.
//
//   node --test tests/e2e/        (npm test runs it after `npm run build`)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launch } from "../js/browser.mjs";
import { buildDemo, DIST } from "../../scripts/demo.mjs";
import { serve } from "../../scripts/serve.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SHOTS = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const PROFILE_KEY = "shelfrank-demo/profile/v1";
const FRIDGES = "appliances.kitchen.refrigerators";

let server, browser, context, page;
let distFiles;
const requests = []; // every request the browser made: { url, method, postData }
const pageErrors = [];
const warnings = [];

before(async () => {
  if (!existsSync(`${ROOT}pkg/index.js`)) {
    const r = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
    assert.equal(r.status, 0, "npm run build failed");
  }
  await buildDemo({ log: () => {} });
  mkdirSync(SHOTS, { recursive: true });
  distFiles = new Set(readdirSync(DIST).map((f) => `/${f}`));
  server = await serve({ port: 0 });
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  // Context-wide, so requests of the Web Worker are seen too.
  context.on("request", (r) => requests.push({ url: r.url(), method: r.method(), postData: r.postData() }));
  page = await context.newPage();
  page.on("request", (r) => requests.push({ url: r.url(), method: r.method(), postData: r.postData() }));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "warning") warnings.push(m.text());
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await open("/");
});

after(async () => {
  await browser?.close();
  await server?.close();
});

// ------------------------------------------------------------ helpers

async function open(path) {
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector("html[data-ready]", { state: "attached", timeout: 30_000 });
  await settle();
}

/** Waits until the page has re-ranked after whatever just happened. */
async function settle() {
  await page.waitForFunction(() => window.shelfrankDemo !== undefined);
  await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
  await page.evaluate(() => window.shelfrankDemo.idle());
}

async function goto(hash) {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.waitForFunction((h) => location.hash === h, hash);
  await settle();
}

const rail = () =>
  page.$$eval("#rail-list .card", (cards) =>
    cards.map((c) => ({ id: c.dataset.itemId, category: c.dataset.category, reason: c.querySelector(".reason")?.textContent })),
  );
const categoryBars = () => page.$$eval("#knows-categories .bar", (bars) => bars.map((b) => b.dataset.name));
const stored = () => page.evaluate((k) => localStorage.getItem(k), PROFILE_KEY);

/** Opens a product by clicking its card in the current grid. */
async function viewFromGrid(index) {
  const card = page.locator(".listing .card").nth(index);
  const id = await card.getAttribute("data-item-id");
  await card.locator("a").click();
  await page.waitForSelector(`article.product[data-item-id="${id}"]`);
  await settle();
  return id;
}

// ------------------------------------------------------------ tests

test("the page loads with products, recommendations, the profile panel and the model's numbers", async () => {
  const cards = await page.$$(".listing .card");
  assert.ok(cards.length >= 24, `expected a product grid, got ${cards.length} cards`);
  const first = await page.$eval(".listing .card", (c) => ({
    name: c.querySelector(".card-name").textContent,
    cat: c.querySelector(".card-cat").textContent,
    price: c.querySelector(".card-price").textContent,
  }));
  assert.match(first.name, /^[A-Z]/);
  assert.match(first.cat, / › /);
  assert.match(first.price, /^\$\d/);
  const recs = await rail();
  assert.equal(recs.length, 8);
  assert.ok(recs.every((r) => r.reason === "popular"), "a new shopper gets popular items");
  assert.ok(!recs.some((r) => r.category === FRIDGES));
  assert.match(await page.textContent("#latency"), /ranked on this device in [\d.]+ ms/);
  assert.match(await page.textContent("#footer-model"), /Model: \d+ KB, 3,592 items × \d+ factors/);
  assert.match(await page.textContent("#knows .device-note"), /Stored only on this device/);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.equal(await stored(), null);
  assert.deepEqual(pageErrors, []);
});

test("category navigation, sorting and search work", async () => {
  await page.click('#catnav a[data-code="appliances"]');
  await page.waitForSelector(".chips .chip");
  await page.click(`.chips a[href="#/c/${FRIDGES}"]`);
  await page.waitForFunction((c) => document.querySelector("h1")?.textContent === "Refrigerators" && location.hash.endsWith(c), FRIDGES);
  const cats = await page.$$eval(".listing .card", (cs) => cs.map((c) => c.dataset.category));
  assert.ok(cats.length > 10 && cats.every((c) => c === "appliances.kitchen.refrigerators"));
  await page.selectOption("#sort", "price-asc");
  const prices = await page.$$eval(".listing .card-price", (ps) => ps.map((p) => Number(p.textContent.replace(/[$,]/g, ""))));
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
  await page.selectOption("#sort", "popular");

  await page.fill("#q", "samsung tv");
  await page.press("#q", "Enter");
  await page.waitForFunction(() => location.hash.startsWith("#/search/"));
  const names = await page.$$eval(".listing .card-name", (ns) => ns.map((n) => n.textContent));
  assert.ok(names.length > 0 && names.every((n) => n === "Samsung tv"), names.join(", "));
  await goto(`#/c/${FRIDGES}`);
});

test("viewing several products of one category moves it to the top of the rail and the profile", async () => {
  const viewed = [];
  for (const i of [0, 1, 2]) {
    if (i > 0) await goto(`#/c/${FRIDGES}`);
    const before = (await rail()).map((r) => r.id).join();
    viewed.push(await viewFromGrid(i));
    // re-ranked after every view: the rail on the product page already follows
    assert.notEqual((await rail()).map((r) => r.id).join(), before, `view ${i + 1} did not re-rank the rail`);
  }
  // Stay on the last one a little: a dwell event is sent on leaving.
  await page.waitForTimeout(2200);
  await goto("#/");
  const recs = await rail();
  const fridges = recs.filter((r) => r.category === FRIDGES);
  assert.equal(recs[0].category, FRIDGES);
  assert.ok(fridges.length >= 5, `only ${fridges.length} of 8 are refrigerators: ${recs.map((r) => r.category)}`);
  assert.ok(fridges.every((r) => /^because you (viewed|spent time on|clicked)/.test(r.reason)), fridges.map((r) => r.reason).join("; "));
  assert.ok(!recs.some((r) => viewed.includes(r.id)), "viewed products are not recommended again");
  assert.deepEqual((await categoryBars())[0], "Appliances › Kitchen › Refrigerators");
  assert.match(await page.textContent("#knows .summary-line"), /3 × viewed/);
  assert.match(await page.textContent("#knows .summary-line"), /spent time on/);
  assert.ok(await page.$eval("#knows .intent li.current", (li) => li.dataset.intent));
  assert.match(await page.textContent("#knows .recent"), /Viewed .*refrigerators/i);
  const saved = JSON.parse(await stored());
  assert.equal(saved.profile.format, "shelfrank-profile");
  assert.equal(saved.profile.items.length, 3);

  await page.screenshot({ path: `${SHOTS}home.png` });
});

let cartItem;
test("an item added to the cart leaves the rail; the cart suggests complements", async () => {
  const top = (await rail())[0];
  cartItem = top.id;
  await page.click(`#rail-list .card[data-item-id="${top.id}"] a`);
  await page.waitForSelector(`article.product[data-item-id="${top.id}"]`);
  await settle();
  assert.ok((await page.$$("#similar-list .card")).length > 0, "similar products are shown");
  await page.screenshot({ path: `${SHOTS}product.png` });
  await page.click("#add-to-cart");
  await settle();
  assert.equal(await page.textContent("#cart-count"), "1");
  assert.ok(!(await rail()).some((r) => r.id === top.id), "the rail on the product page drops it");
  await goto("#/");
  assert.ok(!(await rail()).some((r) => r.id === top.id), "the home rail drops it");
  assert.equal(await page.$eval("#knows .intent li.current", (li) => li.dataset.intent), "buying");

  await goto("#/cart");
  const lines = await page.$$eval(".cart-line", (ls) => ls.map((l) => l.dataset.itemId));
  assert.deepEqual(lines, [top.id]);
  const complete = await page.$$eval("#complete-list .card", (cs) => cs.map((c) => c.dataset.itemId));
  assert.ok(complete.length > 0 && !complete.includes(top.id));
  await goto("#/");
});

test("the profile and the cart survive a reload", async () => {
  const before = { bars: await categoryBars(), rail: await rail(), summary: await page.textContent("#knows .summary-line") };
  await open("/");
  assert.deepEqual(await categoryBars(), before.bars);
  assert.equal(await page.textContent("#knows .summary-line"), before.summary);
  assert.deepEqual((await rail()).map((r) => r.id), before.rail.map((r) => r.id));
  assert.equal(await page.textContent("#cart-count"), "1");
  assert.ok(!(await rail()).some((r) => r.id === cartItem));
});

test("the raw profile can be viewed and exported as JSON, without any request", async () => {
  await page.click("#show-raw");
  const raw = await page.textContent("#raw-profile pre");
  assert.equal(JSON.parse(raw).profile.format, "shelfrank-profile");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  assert.equal(download.suggestedFilename(), "shelfrank-profile.json");
  const file = await download.path();
  const { readFileSync } = await import("node:fs");
  const exported = JSON.parse(readFileSync(file, "utf8"));
  assert.equal(exported.profile.format, "shelfrank-profile");
  assert.equal(exported.profile.items.length, 4);
  await page.click("#show-raw");
});

test('"Forget me" clears the profile at once and resets the recommendations', async () => {
  await page.click("#forget");
  await settle();
  assert.equal(await stored(), null);
  assert.deepEqual(await categoryBars(), []);
  assert.match(await page.textContent("#knows .summary-line"), /no shopping history/);
  const recs = await rail();
  assert.equal(recs.length, 8);
  assert.ok(recs.every((r) => r.reason === "popular"));
  assert.equal(await page.textContent("#cart-count"), "0");
  await open("/");
  assert.deepEqual(await categoryBars(), []);
  assert.ok((await rail()).every((r) => r.reason === "popular"));
});

test("a corrupted or foreign stored profile is discarded with a warning, never a broken page", async () => {
  for (const bad of ["{not json", JSON.stringify({ hello: "world" }), JSON.stringify({ kind: "shelfrank-demo-profile", v: 1, profile: { format: "shelfrank-profile", version: 99, items: [{ id: 5 }] } })]) {
    warnings.length = 0;
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [PROFILE_KEY, bad]);
    await open("/");
    assert.ok(warnings.some((w) => w.includes("discarded the stored value")), `no warning for ${bad}: ${warnings}`);
    assert.equal(await stored(), null);
    assert.equal((await rail()).length, 8);
  }
  assert.deepEqual(pageErrors, []);
});

test("no request leaves the page but its own static files and the model", async () => {
  const origin = server.url;
  assert.ok(requests.length > 0);
  const bad = requests.filter((r) => {
    if (r.url.startsWith(`blob:${origin}/`)) return false; // the local export download
    let u;
    try {
      u = new URL(r.url);
    } catch {
      return true;
    }
    return u.origin !== origin || !(u.pathname === "/" || distFiles.has(u.pathname)) || r.method !== "GET" || r.postData || u.search;
  });
  assert.deepEqual(bad, [], `unexpected requests: ${JSON.stringify(bad, null, 1)}`);
  assert.ok(requests.some((r) => r.url.endsWith("/model.shelf")), "the model was fetched");
  // The server saw the same: only GETs of files in www/dist.
  for (const r of server.requests) {
    const path = new URL(r.url, origin).pathname;
    assert.equal(r.method, "GET");
    assert.ok(path === "/" || distFiles.has(path), `server got ${r.method} ${r.url}`);
    assert.ok(!r.url.includes("?"), `a request carried a query: ${r.url}`);
  }
});

test("screenshots are saved and small", () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const name of ["home.png", "product.png"]) {
    const size = statSync(`${SHOTS}${name}`).size;
    assert.ok(size < 300 * 1024, `${name} is ${size} bytes`);
  }
});
