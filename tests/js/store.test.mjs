// The package's ProfileStore in headless Chromium, under every storage fault
// a shop's visitors bring: private mode (storage that throws), a full
// storage, corrupted JSON, other format versions, tampered values, expired
// profiles — the recommender keeps working in memory, the reason is in
// status() and stats().storage, one console.warn says it — plus persistence
// across a reload, and forget() removing every key the package wrote.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./static-server.mjs";
import { launch } from "./browser.mjs";
import { buildFixture, openPage, load } from "./harness.mjs";

const KEY = "shelfrank/profile/v1";
const DAY = 86_400_000;
let server, browser, model;

before(async () => {
  model = buildFixture("store");
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** In-page helpers, installed before the package loads. */
function helpers() {
  window.T = {
    /** Every localStorage key, sorted (read with the real methods, whatever a test overrides). */
    keys() {
      const s = window.localStorage;
      const n = Object.getOwnPropertyDescriptor(Storage.prototype, "length").get.call(s);
      const keys = [];
      for (let i = 0; i < n; i++) keys.push(T.realKey.call(s, i));
      return keys.sort();
    },
    realKey: Storage.prototype.key,
    realSet: Storage.prototype.setItem,
    realGet: Storage.prototype.getItem,
    /** A fresh Recommender with a store attached. */
    open(options) {
      const { Recommender, ProfileStore } = window.shelfrank;
      const rec = Recommender.fromBytes(window.modelBytes, {});
      const store = new ProfileStore(options).attach(rec);
      return { rec, store };
    },
    /** Does the recommender answer, and follow new events? */
    works(rec) {
      rec.track({ event: "view_item", item_id: "sku-3-1" });
      rec.track({ event: "view_item", item_id: "sku-3-2" });
      const recs = rec.recommend({ k: 3 });
      return recs.length === 3 && recs.every((r) => r.reason.startsWith("because you"));
    },
  };
}

async function fresh(options = {}) {
  return openPage(browser, server, model, { ...options, init: [helpers, ...(options.init ?? [])] });
}

/** A valid stored value: what the store writes after a few events (optionally `daysAgo`). */
async function validValue(daysAgo = 0) {
  const { page, context } = await fresh();
  const value = await page.evaluate((ms) => {
    const rec = window.shelfrank.Recommender.fromBytes(window.modelBytes, {});
    const t = Date.now() - ms;
    rec.track({ event: "view_item", item_id: "sku-1-1", timestamp: t - 120_000 });
    rec.track({ event: "add_to_cart", item_id: "sku-1-2", timestamp: t - 60_000 });
    rec.track({ event: "dwell", item_id: "sku-1-1", engagement_time_msec: 45_000, timestamp: t });
    return { v: 1, profile: rec.exportProfile() };
  }, daysAgo * DAY);
  await context.close();
  return value;
}

/**
 * Stores `raw` under `key`, opens a recommender with a store attached, and
 * reports what happened.
 */
async function attachOver(entries, options = {}) {
  const { page, context, errors } = await fresh();
  const result = await page.evaluate(
    ({ entries, options }) => {
      for (const [k, v] of entries) localStorage.setItem(k, v);
      const { rec, store } = T.open(options);
      const status = store.status();
      const events = rec.profile().events;
      const stats = rec.stats();
      const works = T.works(rec);
      return { status, events, stats, works, keys: T.keys(), warnings: window.warnings, stored: localStorage.getItem(status.key) };
    },
    { entries, options },
  );
  await context.close();
  assert.deepEqual(errors, []);
  return result;
}

test("the store reads what this engine exports (format and version in step with src/profile.rs)", async () => {
  const value = await validValue();
  assert.equal(value.profile.format, "shelfrank-profile");
  assert.equal(value.profile.version, 1, "exportProfile()'s version changed: update PROFILE_VERSION in js/store.js (and migrate)");
  const { page, context } = await fresh();
  const ok = await page.evaluate(() => {
    // Every event kind, dwell at its cap, out-of-order times: save() accepts all the engine writes.
    const { rec, store } = T.open();
    const kinds = ["view_item", "select_item", "add_to_cart", "remove_from_cart", "add_to_wishlist", "begin_checkout", "purchase"];
    const now = Date.now();
    for (let i = 0; i < 300; i++) {
      const item_id = `sku-${i % 4}-${i % 12}`;
      const timestamp = now - ((i * 7919) % 50) * 60_000;
      rec.track({ event: kinds[i % kinds.length], item_id, timestamp });
      rec.track({ event: "dwell", item_id, engagement_time_msec: 600_000, timestamp });
    }
    return store.status().persisted && store.save(rec.exportProfile()) && store.load() !== null;
  });
  await context.close();
  assert.equal(ok, true);
});

test("attach restores the profile after a reload: same recommendations, one key, minimal envelope", async () => {
  const { page, context, errors } = await fresh();
  const before = await page.evaluate(() => {
    const { rec, store } = T.open();
    rec.track({ event: "view_item", item_id: "sku-2-1" });
    rec.track({ event: "add_to_cart", ecommerce: { items: [{ item_id: "sku-2-2" }] } });
    return {
      recs: rec.recommend({ k: 5 }).map((r) => r.itemId),
      profile: rec.profile(),
      exported: rec.exportProfile(),
      status: rec.stats().storage,
      keys: T.keys(),
      raw: localStorage.getItem(store.key),
    };
  });
  assert.deepEqual(before.keys, [KEY]);
  assert.ok(before.exported.recent.length > 0);
  assert.deepEqual(
    JSON.parse(before.raw),
    { v: 1, profile: { ...before.exported, recent: [] } },
    "the value is the exported profile without its recent events (display only), in a {v, profile} envelope, nothing more",
  );
  assert.equal(before.status.persisted, true);
  assert.equal(before.status.available, true);
  assert.equal(before.status.reason, null);
  assert.equal(before.status.expiresAt, before.exported.savedMinute * 60_000 + 30 * DAY);

  await load(page, server, model);
  const after = await page.evaluate(() => {
    const { rec } = T.open();
    return { recs: rec.recommend({ k: 5 }).map((r) => r.itemId), profile: rec.profile(), status: rec.stats().storage, warnings };
  });
  assert.deepEqual(after.recs, before.recs);
  assert.deepEqual(after.profile, { ...before.profile, recent: [] }, "the same profile; the recent-events list starts anew");
  assert.equal(after.status.restored, true);
  assert.equal(after.status.reason, null);
  assert.deepEqual(after.warnings, []);
  await context.close();
  assert.deepEqual(errors, []);
});

test("keepRecent: true also keeps the recent events (times to the minute)", async () => {
  const { page, context } = await fresh();
  const before = await page.evaluate(() => {
    const { rec } = T.open({ keepRecent: true });
    rec.track({ event: "view_item", item_id: "sku-0-1" });
    rec.track({ event: "add_to_wishlist", item_id: "sku-0-2" });
    return rec.profile();
  });
  await load(page, server, model);
  const after = await page.evaluate(() => T.open({ keepRecent: true }).rec.profile());
  await context.close();
  const minutes = (p) => ({ ...p, recent: p.recent.map((e) => ({ ...e, time: Math.floor(e.time / 60_000) * 60_000 })) });
  assert.equal(after.recent.length, 2);
  assert.deepEqual(after, minutes(before));
});

test("private mode, storage methods throwing: works in memory, says why, warns once", async () => {
  const privateMode = () => {
    for (const m of ["getItem", "setItem", "removeItem", "key", "clear"]) {
      Storage.prototype[m] = function () {
        throw new DOMException("The operation is insecure.", "SecurityError");
      };
    }
  };
  const { page, context, errors } = await fresh({ init: [privateMode] });
  const r = await page.evaluate(() => {
    const { rec, store } = T.open();
    const works = T.works(rec);
    for (let i = 0; i < 10; i++) rec.track({ event: "view_item", item_id: `sku-2-${i}` });
    const stats = rec.stats();
    rec.forget();
    return { works, stats, status: store.status(), events: rec.profile().events, warnings };
  });
  await context.close();
  assert.equal(r.works, true);
  assert.equal(r.stats.eventsTracked, 12);
  assert.equal(r.stats.storage.available, false);
  assert.equal(r.stats.storage.persisted, false);
  assert.equal(r.stats.storage.reason, "unavailable");
  assert.match(r.stats.storage.message, /localStorage is not available \(SecurityError/);
  assert.equal(r.status.reason, "unavailable");
  assert.equal(r.events, 0, "forget() still forgets in memory");
  assert.equal(r.warnings.length, 1, r.warnings.join("\n"));
  assert.match(r.warnings[0], /^shelfrank: localStorage is not available/);
  assert.deepEqual(errors, []);
});

test("private mode, localStorage itself throwing on access: works in memory", async () => {
  const blocked = () => {
    Object.defineProperty(window, "localStorage", {
      get() {
        throw new DOMException("Access is denied for this document.", "SecurityError");
      },
    });
  };
  const { page, context, errors } = await fresh({ init: [blocked] });
  const r = await page.evaluate(() => {
    const rec = window.shelfrank.Recommender.fromBytes(window.modelBytes, {});
    const store = new window.shelfrank.ProfileStore().attach(rec);
    rec.track({ event: "view_item", item_id: "sku-3-1" });
    const recs = rec.recommend({ k: 2 });
    store.forget();
    return { recs, status: store.status(), saved: store.save(rec.exportProfile()), loaded: store.load(), warnings };
  });
  await context.close();
  assert.equal(r.recs.length, 2);
  assert.match(r.recs[0].reason, /^because you viewed/);
  assert.equal(r.status.available, false);
  assert.equal(r.status.reason, "unavailable");
  assert.equal(r.saved, false);
  assert.equal(r.loaded, null);
  assert.equal(r.warnings.length, 1);
  assert.deepEqual(errors, []);
});

test("a full localStorage (QuotaExceededError): works in memory, keeps the last stored value, recovers", async () => {
  const { page, context, errors } = await fresh();
  const r = await page.evaluate(() => {
    const { rec, store } = T.open();
    rec.track({ event: "view_item", item_id: "sku-0-5" });
    const storedBefore = localStorage.getItem(store.key);
    Storage.prototype.setItem = function () {
      throw new DOMException("Setting the value of 'x' exceeded the quota.", "QuotaExceededError");
    };
    for (let i = 0; i < 10; i++) rec.track({ event: "view_item", item_id: `sku-1-${i}` });
    const during = { status: rec.stats().storage, works: T.works(rec), stored: localStorage.getItem(store.key), warnings: [...warnings] };
    Storage.prototype.setItem = T.realSet;
    rec.track({ event: "view_item", item_id: "sku-0-1" });
    const stored = JSON.parse(localStorage.getItem(store.key));
    return { storedBefore, during, after: store.status(), storedEvents: stored.profile.items.length, exported: rec.exportProfile().items.length };
  });
  await context.close();
  assert.equal(r.during.works, true);
  assert.equal(r.during.status.reason, "quota");
  assert.equal(r.during.status.persisted, false);
  assert.equal(r.during.status.available, true);
  assert.match(r.during.status.message, /localStorage is full \(QuotaExceededError/);
  assert.equal(r.during.stored, r.storedBefore, "what was stored before stays as it was");
  assert.equal(r.during.warnings.length, 1, "one warning for eleven failed writes");
  assert.equal(r.after.reason, null, "the next successful write clears the problem");
  assert.equal(r.after.persisted, true);
  assert.equal(r.storedEvents, r.exported);
  assert.deepEqual(errors, []);
});

test("corrupted JSON is deleted with a warning; the recommender starts fresh", async () => {
  const valid = JSON.stringify(await validValue());
  for (const raw of ["{not json", "", "undefined", valid.slice(0, valid.length >> 1), "\u0000\u0001binary"]) {
    const r = await attachOver([[KEY, raw]]);
    assert.equal(r.status.reason, "corrupt", raw);
    assert.equal(r.status.restored, false);
    assert.equal(r.events, 0);
    assert.equal(r.works, true);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /discarded the stored value of "shelfrank\/profile\/v1": it is not valid JSON/);
    assert.equal(JSON.parse(r.stored).profile.items.length, 2, "then the new session is stored");
  }
});

test("other format versions are deleted cleanly (there is no older format to migrate yet)", async () => {
  const value = await validValue();
  const cases = [
    { entries: [["shelfrank/profile/v0", JSON.stringify({ items: [["sku-1-1", 3]] })]], restored: false },
    { entries: [["shelfrank/profile/v0", "{}"], [KEY, JSON.stringify(value)]], restored: true },
    { entries: [["shelfrank/profile/v2", JSON.stringify(value)]], restored: false },
    { entries: [["shelfrank/profile/legacy", "x"]], restored: false },
    { entries: [[KEY, JSON.stringify({ ...value, v: 0 })]], restored: false },
    { entries: [[KEY, JSON.stringify({ v: 1, profile: { ...value.profile, version: 0 } })]], restored: false },
    { entries: [[KEY, JSON.stringify({ v: 1, profile: { ...value.profile, version: 2, extra: [] } })]], restored: false },
  ];
  for (const { entries, restored } of cases) {
    const r = await attachOver(entries);
    const what = JSON.stringify(entries).slice(0, 120);
    assert.equal(r.status.reason, "version", what);
    assert.equal(r.status.restored, restored, what);
    assert.equal(r.events, restored ? 3 : 0, what);
    assert.equal(r.works, true);
    assert.deepEqual(r.keys, [KEY], `only the current key is left: ${what}`);
    assert.equal(r.warnings.length, 1, what);
    assert.match(r.warnings[0], /discarded the stored value of "shelfrank\/profile\/\w+": it (is in an? (older|newer|unknown) store format|holds a version \d profile from an? (older|newer) shelfrank)/);
  }
});

test("tampered values (shape, types, ranges, unknown kinds) are deleted with a warning", async () => {
  const value = await validValue();
  const p = value.profile;
  const item = p.items[0];
  const withItem = (patch) => ({ ...value, profile: { ...p, items: [{ ...item, ...patch }, ...p.items.slice(1)] } });
  const withProfile = (patch) => ({ ...value, profile: { ...p, ...patch } });
  const counts9 = [...item.counts, 1];
  const cases = {
    "not an object": [1, 2, 3],
    "null": null,
    "a string": "shelfrank",
    "a foreign envelope": { kind: "shelfrank-demo-profile", v: 1, savedAt: "2024-01-01", profile: p },
    "an extra envelope field": { ...value, user: "alice@example.com" },
    "no profile": { v: 1 },
    "a foreign format": withProfile({ format: "other" }),
    "an extra profile field": withProfile({ email: "alice@example.com" }),
    "items not an array": withProfile({ items: { 0: item } }),
    "recent not an array": withProfile({ recent: "x" }),
    "a savedMinute in the future": withProfile({ savedMinute: Math.floor(Date.now() / 60_000) + 3 * 24 * 60 }),
    "a negative savedMinute": withProfile({ savedMinute: -5 }),
    "a fractional savedMinute": withProfile({ savedMinute: 1.5 }),
    "an empty id": withItem({ id: "" }),
    "a numeric id": withItem({ id: 42 }),
    "a 5000-character id": withItem({ id: "x".repeat(5000) }),
    "a duplicate id": withProfile({ items: [item, item] }),
    "an unexpected item field": withItem({ note: "free text" }),
    "a missing item field": withItem({ decayed: undefined }),
    "counts as strings": withItem({ counts: item.counts.map(String) }),
    "a negative count": withItem({ counts: item.counts.map((c, k) => (k === 0 ? -1 : c)) }),
    "a fractional count": withItem({ counts: item.counts.map((c, k) => (k === 0 ? 0.5 : c)) }),
    "a count beyond u32": withItem({ counts: item.counts.map((c, k) => (k === 0 ? 2 ** 32 : c)) }),
    "counts for an unknown ninth event kind": withItem({ counts: counts9, decayed: [...item.decayed, 1] }),
    "too few kinds": withItem({ counts: item.counts.slice(1) }),
    "a null (NaN) weight": withItem({ decayed: item.decayed.map((d, k) => (k === 0 ? null : d)) }),
    "a huge weight": withItem({ decayed: item.decayed.map((d, k) => (k === 0 ? 1e9 : d)) }),
    "a negative weight": withItem({ decayed: item.decayed.map((d, k) => (k === 0 ? -3 : d)) }),
    "a weight without events": withItem({ decayed: item.decayed.map((d, k) => (k === 4 ? 2 : d)) }),
    "a lastMinute after savedMinute": withItem({ lastMinute: p.savedMinute + 10 }),
    "an unknown event kind in recent": withProfile({ recent: [[item.id, 8, p.savedMinute]] }),
    "a recent entry of the wrong length": withProfile({ recent: [[item.id, 0]] }),
    "a recent entry with a string kind": withProfile({ recent: [[item.id, "view_item", p.savedMinute]] }),
  };
  for (const [what, bad] of Object.entries(cases)) {
    const r = await attachOver([[KEY, JSON.stringify(bad)]]);
    assert.equal(r.status.reason, "invalid", what);
    assert.equal(r.status.restored, false, what);
    assert.equal(r.events, 0, what);
    assert.equal(r.works, true, what);
    assert.equal(r.stats.storage.reason, "invalid", what);
    assert.equal(r.warnings.length, 1, `${what}: ${r.warnings}`);
    assert.match(r.warnings[0], /^shelfrank: discarded the stored value of "shelfrank\/profile\/v1": /, what);
    assert.deepEqual(r.keys, [KEY], what);
    assert.equal(JSON.parse(r.stored).profile.items.length, 2, `${what}: the new session replaced it`);
  }
});

test("ids the model does not know are not tampering: dropped on import, the rest restored", async () => {
  const value = await validValue();
  value.profile.items.push({ ...value.profile.items[0], id: "sku-from-an-older-model" });
  const r = await attachOver([[KEY, JSON.stringify(value)]]);
  assert.equal(r.status.restored, true);
  assert.equal(r.status.reason, null);
  assert.equal(r.stats.droppedOnImport, 1);
  assert.deepEqual(r.warnings, []);
});

test("stored profiles expire after maxAgeDays (default 30) since the last event, without a warning", async () => {
  const old = JSON.stringify(await validValue(31));
  const r = await attachOver([[KEY, old]]);
  assert.equal(r.status.reason, "expired");
  assert.match(r.status.message, /more than 30 days ago/);
  assert.equal(r.status.restored, false);
  assert.equal(r.events, 0);
  assert.deepEqual(r.warnings, []);
  assert.equal(JSON.parse(r.stored).profile.items.length, 2, "the old value is gone, the new session stored");

  const kept = await attachOver([[KEY, old]], { maxAgeDays: 60 });
  assert.equal(kept.status.reason, null);
  assert.equal(kept.status.restored, true);
  assert.equal(kept.events, 3);

  const recent = await validValue(29);
  const fresh29 = await attachOver([[KEY, JSON.stringify(recent)]]);
  assert.equal(fresh29.status.restored, true);
  assert.equal(fresh29.status.maxAgeDays, 30);

  // An injected clock: the same value, read 2 days later with maxAgeDays 1.
  const now = await validValue();
  const { page, context } = await fresh();
  const r2 = await page.evaluate(
    ({ key, raw, DAY }) => {
      localStorage.setItem(key, raw);
      const { ProfileStore } = window.shelfrank;
      const today = new ProfileStore({ maxAgeDays: 1 });
      const profile = today.load();
      const expiresAt = today.status().expiresAt;
      const later = new ProfileStore({ maxAgeDays: 1, now: () => Date.now() + 2 * DAY });
      return { loaded: profile !== null, expiresAt, later: later.load(), status: later.status(), keys: T.keys() };
    },
    { key: KEY, raw: JSON.stringify(now), DAY },
  );
  await context.close();
  assert.equal(r2.loaded, true);
  assert.equal(r2.expiresAt, now.profile.savedMinute * 60_000 + DAY);
  assert.equal(r2.later, null);
  assert.equal(r2.status.reason, "expired");
  assert.deepEqual(r2.keys, []);
});

test("forget() removes every key the package wrote, and only those", async () => {
  const { page, context, errors } = await fresh();
  const r = await page.evaluate(() => {
    localStorage.setItem("shop/cart", "[1,2]");
    localStorage.setItem("shelfrank-profile", "the shop's own, hand-made copy");
    const before = T.keys();
    const { rec, store } = T.open();
    rec.track({ event: "view_item", item_id: "sku-2-1" });
    const other = new window.shelfrank.ProfileStore({ namespace: "other-shop" });
    other.save(rec.exportProfile());
    const during = T.keys();
    store.forget();
    const afterStore = T.keys();
    // rec.forget() of an attached recommender does the same.
    rec.track({ event: "view_item", item_id: "sku-2-2" });
    localStorage.setItem("shelfrank/profile/v0", "{}"); // as if left by an older version
    const again = T.keys();
    rec.forget();
    return { before, during, afterStore, again, after: T.keys(), events: rec.profile().events, status: store.status() };
  });
  await context.close();
  assert.deepEqual(r.before, ["shelfrank-profile", "shop/cart"]);
  assert.deepEqual(r.during, ["other-shop/profile/v1", "shelfrank-profile", KEY, "shop/cart"]);
  assert.deepEqual(r.afterStore, ["other-shop/profile/v1", "shelfrank-profile", "shop/cart"]);
  assert.deepEqual(r.again, ["other-shop/profile/v1", "shelfrank-profile", "shelfrank/profile/v0", KEY, "shop/cart"]);
  assert.deepEqual(r.after, ["other-shop/profile/v1", "shelfrank-profile", "shop/cart"]);
  assert.equal(r.events, 0);
  assert.equal(r.status.persisted, true);
  assert.equal(r.status.expiresAt, null);
  assert.deepEqual(errors, []);
});

test("forget in one tab forgets in the other open tabs too (they do not write the profile back)", async () => {
  const a = await fresh();
  const b = await openPage(browser, server, model, { context: a.context, init: [helpers] });
  await a.page.evaluate(() => {
    window.s = T.open();
    window.s.rec.track({ event: "view_item", item_id: "sku-1-1" });
  });
  await b.page.evaluate(() => {
    window.s = T.open();
  });
  assert.equal(await b.page.evaluate(() => window.s.rec.profile().events), 1, "tab B restored tab A's profile");
  await a.page.evaluate(() => window.s.rec.forget());
  await b.page.waitForFunction(() => window.s.rec.profile().events === 0);
  const stored = await b.page.evaluate(() => {
    window.s.rec.track({ event: "view_item", item_id: "sku-2-4" });
    return JSON.parse(localStorage.getItem(window.s.store.key)).profile.items.map((i) => i.id);
  });
  assert.deepEqual(stored, ["sku-2-4"]);
  await a.context.close();
});

test("without a recommender (it runs in a Web Worker): load, save, discard; bad calls throw clear Errors", async () => {
  const { page, context, errors } = await fresh();
  const r = await page.evaluate(() => {
    const { Recommender, ProfileStore } = window.shelfrank;
    const rec = Recommender.fromBytes(window.modelBytes, {});
    const store = new ProfileStore({ namespace: "shop-7", storage: sessionStorage });
    rec.track({ event: "purchase", item_id: "sku-0-0" });
    const saved = store.save(rec.exportProfile());
    const inSession = sessionStorage.getItem("shop-7/profile/v1") !== null && localStorage.length === 0;
    const loaded = store.load();
    store.discard(new Error("importProfile: version 7 is not supported"));
    const afterDiscard = { status: store.status(), left: sessionStorage.length };
    store.save(rec.exportProfile());
    rec.forget();
    const emptied = store.save(rec.exportProfile());
    const errorsOf = (f) => {
      try {
        f();
        return null;
      } catch (e) {
        return `${e.constructor.name}: ${e.message}`;
      }
    };
    const attached = new ProfileStore().attach(rec);
    return {
      saved,
      inSession,
      loaded: loaded?.items.map((i) => i.id),
      afterDiscard,
      emptied,
      left: sessionStorage.length,
      thrown: [
        errorsOf(() => store.save('{"format":"shelfrank-profile"}')),
        errorsOf(() => store.save(null)),
        errorsOf(() => new ProfileStore({ maxAgeDays: 0 })),
        errorsOf(() => new ProfileStore({ maxAgeDays: Infinity })),
        errorsOf(() => new ProfileStore({ namespace: "a/b" })),
        errorsOf(() => new ProfileStore({ ttl: 3 })),
        errorsOf(() => new ProfileStore({ storage: {} })),
        errorsOf(() => new ProfileStore().attach({})),
        errorsOf(() => attached.attach(rec)),
        errorsOf(() => new ProfileStore().attach(rec)),
      ],
      works: T.works(rec),
      warnings,
    };
  });
  await context.close();
  assert.equal(r.saved, true);
  assert.equal(r.inSession, true);
  assert.deepEqual(r.loaded, ["sku-0-0"]);
  assert.equal(r.afterDiscard.status.reason, "invalid");
  assert.match(r.afterDiscard.status.message, /the recommender refused it \(importProfile: version 7 is not supported\)/);
  assert.equal(r.afterDiscard.left, 0);
  assert.equal(r.emptied, true, "an empty profile removes the key");
  assert.equal(r.left, 0);
  assert.deepEqual(r.thrown, [
    "TypeError: ProfileStore.save() needs what exportProfile() returns: the profile is string, not an object",
    "TypeError: ProfileStore.save() needs what exportProfile() returns: the profile is null, not an object",
    "RangeError: maxAgeDays must be a number of days above 0 and at most 3650, got 0",
    "RangeError: maxAgeDays must be a number of days above 0 and at most 3650, got Infinity",
    'TypeError: namespace must be 1–64 letters, digits, ".", "_" or "-" (like "shelfrank"), got "a/b"',
    'TypeError: unknown ProfileStore option "ttl"; accepted: namespace, maxAgeDays, keepRecent, storage, now',
    "TypeError: storage must be a Storage (localStorage, sessionStorage or an object with the same methods)",
    "TypeError: ProfileStore.attach() needs a shelfrank Recommender, got object",
    "Error: this ProfileStore is already attached to a recommender; call detach() first",
    "Error: this Recommender already has a ProfileStore attached",
  ]);
  assert.equal(r.works, true);
  assert.equal(r.warnings.length, 1, "one warning: the discard");
  assert.deepEqual(errors, []);
});

test("detach() gives the recommender its own methods back", async () => {
  const { page, context } = await fresh();
  const r = await page.evaluate(() => {
    const { rec, store } = T.open();
    rec.track({ event: "view_item", item_id: "sku-1-1" });
    store.detach();
    rec.track({ event: "view_item", item_id: "sku-1-2" });
    const stored = JSON.parse(localStorage.getItem(store.key)).profile.items.length;
    rec.forget();
    return { stored, keys: T.keys(), own: Object.getOwnPropertyNames(rec), hasStorage: "storage" in rec.stats() };
  });
  await context.close();
  assert.equal(r.stored, 1, "no saves after detach");
  assert.deepEqual(r.keys, [KEY], "and rec.forget() no longer touches storage");
  assert.deepEqual(r.own, ["__wbg_ptr"]);
  assert.equal(r.hasStorage, false);
});
