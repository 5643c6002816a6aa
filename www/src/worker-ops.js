// The operations of the recommender worker (worker.js loads this module).
// The worker owns the only Recommender instance; the page talks to it with
// small request/response messages (see engine.js). It uses the npm
// package's own API, imported as a shop would.
import { Recommender } from "shelfrank";

let rec = null;

/** Runs fn and returns [result, milliseconds]. */
function timed(fn) {
  const t0 = performance.now();
  const result = fn();
  return [result, performance.now() - t0];
}

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export const ops = {
  /** Loads the model and the shop's product feed, restores a saved profile. */
  async init({ modelUrl, catalogUrl, saved }) {
    const [modelBytes, feed] = await Promise.all([
      fetchBytes(modelUrl),
      fetch(catalogUrl).then((r) => {
        if (!r.ok) throw new Error(`cannot load ${catalogUrl}: HTTP ${r.status}`);
        return r.json();
      }),
    ]);
    const t0 = performance.now();
    rec = await Recommender.load(modelBytes);
    const loadMs = performance.now() - t0;

    // The product feed lists what the shop sells; the model knows
    // popularity and stock. Products the model does not know are left out.
    const items = [];
    let unknown = 0;
    for (const [id, name, cat, brand, price] of feed.items) {
      let info;
      try {
        info = rec.item(id);
      } catch {
        unknown++;
        continue;
      }
      items.push({
        id,
        name: name ?? info.name,
        category: feed.categories[cat] ?? info.category,
        brand: brand ?? info.brand,
        price: price ?? info.price,
        inStock: info.inStock,
        popularity: info.popularity,
      });
    }

    let restore = { status: "none" };
    if (saved != null) {
      try {
        rec.importProfile(saved);
        restore = { status: "restored", stats: rec.stats() };
      } catch (e) {
        rec.forget();
        restore = { status: "rejected", message: e.message };
      }
    }
    return { items, unknown, loadMs, modelInfo: rec.modelInfo(), restore };
  },

  /** One GA4-style event, as connectDataLayer passes it. */
  track({ event }) {
    return rec.track(event);
  },

  /**
   * Everything the page shows that depends on the shopper: the rail, the
   * similar products of the open product, the cart's complements, the
   * profile, and the data to store. One round trip per re-render.
   */
  state({ itemId = null, cart = [], k = 8 }) {
    const [recommended, rankMs] = timed(() => rec.recommend({ k }));
    let similar = null;
    let similarMs = null;
    if (itemId) {
      [similar, similarMs] = timed(() => rec.similar(itemId, { k: 6, excludeInCart: true }));
    }
    let complete = null;
    if (cart.length) {
      // Complements: what this shopper's profile ranks highest *outside*
      // the categories already in the cart.
      const cats = [];
      for (const id of cart) {
        try {
          const c = rec.item(id).category;
          if (c && !cats.includes(c)) cats.push(c);
        } catch {
          // an id the model does not know: nothing to exclude
        }
      }
      complete = rec.recommend({ k: 4, filters: { excludeCategories: cats } });
      if (complete.length === 0) complete = rec.recommend({ k: 4 });
    }
    return {
      recommended,
      similar,
      complete,
      timing: { rankMs, similarMs },
      profile: rec.profile(),
      saved: rec.exportProfile(),
      stats: rec.stats(),
    };
  },

  forget() {
    rec.forget();
    return true;
  },

  /** Micro-benchmark for the report: n rankings, in ms each. */
  bench({ n = 200, k = 8 }) {
    const times = [];
    for (let i = 0; i < n; i++) times.push(timed(() => rec.recommend({ k }))[1]);
    times.sort((a, b) => a - b);
    return { n, median: times[n >> 1], p95: times[Math.floor(n * 0.95)], max: times[n - 1] };
  },
};

export const loaded = () => rec !== null;
