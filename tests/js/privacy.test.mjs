// The privacy promise, tested: shelfrank makes no network request of its
// own. Before the package loads, the page's network APIs are instrumented —
// fetch, XMLHttpRequest.open/send, navigator.sendBeacon, WebSocket,
// EventSource, workers, RTCPeerConnection, `new Image()` and every src/href
// setter that loads a resource — and playwright records every request the
// browser makes. Then the page uses everything: load, track (directly and
// through the dataLayer adapter), recommend, similar, item, profile, export,
// import, stats, hostile inputs, the ProfileStore, forget. The only fetch
// allowed is the test's own fetch of the model file (and, while the package
// initialises, its own .wasm file); the only requests, the page's static files.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./static-server.mjs";
import { launch } from "./browser.mjs";
import { buildFixture } from "./harness.mjs";

let server, browser, context, page, model;
const requests = []; // every request playwright saw, page and workers alike
const sockets = [];
const pageErrors = [];

/** Runs in the page before any of its scripts: records every network API call. */
function instrument() {
  const calls = [];
  Object.defineProperty(window, "__netCalls", { value: calls });
  // In probe mode the wrappers record and do nothing else (the final self-check).
  window.__probe = false;
  const note = (api, url) => calls.push({ api, url: url === undefined ? "" : String(url) });

  const fetch = window.fetch;
  window.fetch = function (input, init) {
    note("fetch", input instanceof Request ? input.url : input);
    return window.__probe ? Promise.resolve(new Response("")) : fetch.call(this, input, init);
  };
  const { open, send } = XMLHttpRequest.prototype;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    note("XMLHttpRequest.open", url);
    if (!window.__probe) return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    note("XMLHttpRequest.send", "");
    if (!window.__probe) return send.call(this, body);
  };
  const beacon = navigator.sendBeacon.bind(navigator);
  navigator.sendBeacon = (url, data) => {
    note("sendBeacon", url);
    return window.__probe ? true : beacon(url, data);
  };
  for (const name of ["WebSocket", "EventSource", "Worker", "SharedWorker", "RTCPeerConnection", "Image"]) {
    const Original = window[name];
    if (typeof Original !== "function") continue;
    window[name] = new Proxy(Original, {
      construct(target, args, newTarget) {
        note(name === "Image" ? "new Image" : name, args[0]);
        if (window.__probe && name !== "Image") return {};
        return Reflect.construct(target, args, newTarget === window[name] ? target : newTarget);
      },
    });
  }
  const loaders = [
    [HTMLImageElement, "src"],
    [HTMLImageElement, "srcset"],
    [HTMLScriptElement, "src"],
    [HTMLLinkElement, "href"],
    [HTMLIFrameElement, "src"],
    [HTMLSourceElement, "src"],
    [HTMLMediaElement, "src"],
  ];
  for (const [Element, prop] of loaders) {
    const d = Object.getOwnPropertyDescriptor(Element.prototype, prop);
    Object.defineProperty(Element.prototype, prop, {
      ...d,
      set(v) {
        note(`${Element.name}.${prop}`, v);
        if (!window.__probe) d.set.call(this, v);
      },
    });
  }
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (/^(src|srcset|href|action|data|poster)$/i.test(name)) note(`setAttribute(${name})`, value);
    if (!window.__probe) return setAttribute.call(this, name, value);
  };
}

before(async () => {
  model = buildFixture("privacy");
  server = await startServer();
  browser = await launch();
  context = await browser.newContext();
  context.on("request", (r) => requests.push(r.url()));
  page = await context.newPage();
  page.on("websocket", (ws) => sockets.push(ws.url()));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.addInitScript(instrument);
  await page.goto(`${server.url}/tests/js/esm-page.html`);
  await page.waitForFunction(() => window.shelfrank !== undefined);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("while the package initialises, it fetches its own .wasm file and nothing else", async () => {
  const calls = await page.evaluate(() => window.__netCalls.splice(0));
  assert.deepEqual(calls, [{ api: "fetch", url: `${server.url}/pkg/shelfrank_bg.wasm` }]);
});

test("tracking, ranking, exporting, storing and forgetting make no network call", async () => {
  const result = await page.evaluate(async (modelPath) => {
    const { Recommender, connectDataLayer, ProfileStore } = window.shelfrank;
    // The test's own fetch of the model: the one call allowed.
    const bytes = new Uint8Array(await (await fetch(modelPath)).arrayBuffer());
    const rec = await Recommender.load(bytes, { maxItems: 30 });
    const store = new ProfileStore().attach(rec);
    const done = [];
    const kinds = ["view_item", "select_item", "add_to_cart", "remove_from_cart", "add_to_wishlist", "begin_checkout", "purchase"];
    for (let i = 0; i < 600; i++) {
      const item_id = `sku-${i % 4}-${(i * 7) % 12}`;
      rec.track({ event: kinds[i % kinds.length], item_id, timestamp: Date.now() - (600 - i) * 1000 });
      if (i % 5 === 0) rec.track({ event: "dwell", item_id, engagement_time_msec: 1000 * (i % 90) });
    }
    rec.track({ event: "purchase", ecommerce: { items: [{ item_id: "sku-1-1" }, { item_id: "sku-2-2" }, { item_id: "not-in-the-model" }] } });
    done.push("track");
    const dataLayer = [];
    const disconnect = connectDataLayer(rec, dataLayer);
    for (let i = 0; i < 50; i++) dataLayer.push({ event: "view_item", ecommerce: { items: [{ item_id: `sku-3-${i % 12}` }] } });
    dataLayer.push({ event: "page_view", page_location: "https://shop.example/secret?email=a@b.c" });
    disconnect();
    done.push("dataLayer");
    for (let i = 0; i < 20; i++) {
      rec.recommend({ k: 5 + i, filters: { categories: ["appliances"], maxPrice: 500, inStockOnly: i % 2 === 0 }, boosts: { "sku-0-1": 0.5 } });
      rec.similar(`sku-${i % 4}-${i % 12}`, { k: 4 });
    }
    rec.recommend({ items: ["sku-0-1", "sku-1-2", "unknown"] });
    done.push("recommend", "similar");
    rec.item("sku-0-3");
    const summary = rec.profile();
    done.push("item", "profile");
    const exported = rec.exportProfile();
    const json = JSON.stringify(exported);
    rec.importProfile(json);
    rec.importProfile(exported);
    done.push("export", "import");
    rec.stats();
    rec.modelInfo();
    for (const bad of [null, undefined, 42, "x", { event: "view_item" }, { k: -1 }, { k: NaN }, [], { filters: { a: 1 } }]) {
      for (const call of [() => rec.track(bad), () => rec.recommend(bad), () => rec.similar(bad), () => rec.importProfile(bad)]) {
        try {
          call();
        } catch {
          /* errors are expected; requests are not */
        }
      }
    }
    try {
      await Recommender.load(new Uint8Array(10));
    } catch {
      /* a bad model */
    }
    done.push("hostile inputs");
    store.save(rec.exportProfile());
    store.load();
    store.status();
    store.forget();
    rec.track({ event: "view_item", item_id: "sku-0-0" });
    rec.forget();
    store.detach();
    rec.free();
    done.push("store", "forget");
    // Give anything asynchronous a chance to fire.
    await new Promise((r) => setTimeout(r, 300));
    return { calls: window.__netCalls.splice(0), done, events: summary.events, keys: Object.keys(localStorage) };
  }, model);
  assert.deepEqual(result.calls, [{ api: "fetch", url: model }], "the only call is the test's own fetch of the model");
  assert.ok(result.events > 600, `tracked ${result.events} events`);
  assert.deepEqual(result.keys, [], "forget left nothing in localStorage");
  assert.deepEqual(result.done, ["track", "dataLayer", "recommend", "similar", "item", "profile", "export", "import", "hostile inputs", "store", "forget"]);
});

test("the instrumentation would have caught each kind of call (self-check)", async () => {
  const calls = await page.evaluate(() => {
    window.__probe = true;
    fetch("https://tracker.example/f");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "https://tracker.example/x");
    xhr.send("data");
    navigator.sendBeacon("https://tracker.example/b", "data");
    new WebSocket("wss://tracker.example/w");
    new EventSource("https://tracker.example/e");
    new Image().src = "https://tracker.example/i.gif";
    document.createElement("img").setAttribute("src", "https://tracker.example/a.gif");
    document.createElement("script").src = "https://tracker.example/s.js";
    document.createElement("link").href = "https://tracker.example/l.css";
    window.__probe = false;
    return window.__netCalls.splice(0).map((c) => c.api);
  });
  assert.deepEqual(calls, [
    "fetch",
    "XMLHttpRequest.open",
    "XMLHttpRequest.send",
    "sendBeacon",
    "WebSocket",
    "EventSource",
    "new Image",
    "HTMLImageElement.src",
    "setAttribute(src)",
    "HTMLScriptElement.src",
    "HTMLLinkElement.href",
  ]);
});

test("the browser requested the page's static files and the model, nothing else", () => {
  const origin = server.url;
  const allowed = ["/tests/js/esm-page.html", "/pkg/index.js", "/pkg/store.js", "/pkg/shelfrank.js", "/pkg/shelfrank_bg.wasm", model];
  assert.deepEqual([...new Set(requests)].sort(), allowed.map((p) => origin + p).sort());
  assert.deepEqual([...new Set(server.requests)].sort(), [...allowed].sort());
  assert.deepEqual(sockets, []);
  assert.deepEqual(pageErrors, []);
});
