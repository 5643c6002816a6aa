// shelfrank demo storefront. A plain-DOM shop (no framework) that
// personalises in the browser: the recommender (the npm package "shelfrank")
// runs in a Web Worker, fed with the GA4 e-commerce events this page pushes
// to window.dataLayer — through the package's own connectDataLayer adapter.
// Nothing about the shopper leaves the device: the profile lives in
// localStorage, and the page only ever fetches its own static files.
import { connectDataLayer } from "shelfrank";
import { startEngine } from "./engine.js";
import { h, replace, price, categoryLabel, categoryParts, announce } from "./dom.js";
import * as store from "./storage.js";
import { renderProfile } from "./profile-panel.js";

window.dataLayer = window.dataLayer || [];
const dataLayer = window.dataLayer;

const PAGE = 24; // products per "page" of a grid
const S = {
  items: [],
  byId: new Map(),
  tops: [], // [{ code, label, count }]
  subs: new Map(), // top code → [{ code, count }]
  cart: [], // [{ id, qty }]
  sort: "popular",
  shown: PAGE,
  route: { name: "home" },
  last: null, // last state from the worker
  roundTripMs: null,
  rev: 0,
  rawOpen: false,
  model: null,
  priceRange: [1, 1000],
  dwell: null, // { id, since }
};

const $ = (sel) => document.querySelector(sel);
const engine = startEngine();

// ------------------------------------------------------------ GA4 events

function ga4Item(it, extra = {}) {
  return {
    item_id: it.id,
    item_name: it.name,
    item_brand: it.brand || undefined,
    item_category: it.category,
    price: it.price ?? undefined,
    ...extra,
  };
}

function pushEcommerce(event, items, extra = {}) {
  const value = items.reduce((s, i) => s + (i.price ?? 0) * (i.quantity ?? 1), 0);
  dataLayer.push({ ecommerce: null }); // GA4 convention: clear the previous ecommerce object
  dataLayer.push({ event, ...extra, ecommerce: { currency: "USD", value: Math.round(value * 100) / 100, items } });
}

/** Dwell: time on a product page, reported when the shopper leaves it. */
function endDwell() {
  if (!S.dwell) return;
  const ms = Math.round(performance.now() - S.dwell.since);
  const id = S.dwell.id;
  S.dwell = null;
  if (ms >= 2000) dataLayer.push({ event: "dwell", item_id: id, engagement_time_msec: ms });
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") {
    const id = S.dwell?.id;
    endDwell();
    if (id && S.route.name === "product") S.dwell = null; // resumes on the next visit
  } else if (S.route.name === "product" && !S.dwell) {
    S.dwell = { id: S.route.id, since: performance.now() };
  }
});

// ------------------------------------------------------------ cart

function cartCount() {
  return S.cart.reduce((s, l) => s + l.qty, 0);
}

function addToCart(it) {
  const line = S.cart.find((l) => l.id === it.id);
  if (line) line.qty++;
  else S.cart.push({ id: it.id, qty: 1 });
  store.saveCart(S.cart);
  pushEcommerce("add_to_cart", [ga4Item(it, { quantity: 1 })]);
  announce(`${it.name} added to your cart.`);
  renderView();
}

function removeFromCart(it) {
  const line = S.cart.find((l) => l.id === it.id);
  if (!line) return;
  S.cart = S.cart.filter((l) => l.id !== it.id);
  store.saveCart(S.cart);
  pushEcommerce("remove_from_cart", [ga4Item(it, { quantity: line.qty })]);
  announce(`${it.name} removed from your cart.`);
  renderView();
}

function placeOrder() {
  const lines = S.cart.map((l) => ga4Item(S.byId.get(l.id), { quantity: l.qty }));
  pushEcommerce("begin_checkout", lines);
  pushEcommerce("purchase", lines, { transaction_id: `demo-${Date.now()}` });
  S.cart = [];
  store.saveCart(S.cart);
  announce("Order placed (a demo: nothing was charged, nothing was sent).");
  renderView();
}

// ------------------------------------------------------------ refresh

let refreshing = null;
let refreshAgain = false;

/** Asks the worker for everything shopper-dependent and re-renders it. */
function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      const { result, roundTripMs } = await engine.state({
        itemId: S.route.name === "product" ? S.route.id : null,
        cart: S.cart.map((l) => l.id),
      });
      S.last = result;
      S.roundTripMs = roundTripMs;
      store.profile.save(result.saved); // an empty profile removes the key
      renderDynamic();
    } while (refreshAgain);
  })()
    .catch((e) => console.error(`shelfrank demo: ${e.message}`))
    .finally(() => (refreshing = null));
  return refreshing;
}

// ------------------------------------------------------------ rendering helpers

function art(it, size = "") {
  const top = it.category.split(".")[0];
  return h(
    `span.art.t-${top}${size}`,
    { "aria-hidden": "true" },
    h("span.art-leaf", {}, categoryParts(it.category).at(-1)),
    it.brand ? h("span.art-brand", {}, it.brand) : null,
  );
}

function card(it, { reason = null, list = null } = {}) {
  return h(
    "li.card",
    { dataset: { itemId: it.id, category: it.category } },
    h(
      "a.card-link",
      {
        href: `#/p/${encodeURIComponent(it.id)}`,
        onclick: () => list && pushEcommerce("select_item", [ga4Item(it)], { item_list_name: list }),
      },
      art(it),
      h("span.card-name", {}, it.name),
      h("span.card-cat", {}, categoryLabel(it.category)),
      h("span.card-price", {}, price(it.price)),
    ),
    reason ? h("p.reason", {}, reason) : null,
  );
}

function recCards(recs, list) {
  return recs.map((r) => {
    const it = S.byId.get(r.itemId) ?? { id: r.itemId, name: r.name, category: r.category, brand: r.brand, price: r.price };
    return card(it, { reason: r.reason, list });
  });
}

function sortItems(items) {
  const by = {
    popular: (a, b) => b.popularity - a.popularity,
    "price-asc": (a, b) => (a.price ?? Infinity) - (b.price ?? Infinity),
    "price-desc": (a, b) => (b.price ?? -Infinity) - (a.price ?? -Infinity),
    name: (a, b) => a.name.localeCompare(b.name),
  }[S.sort];
  return [...items].sort(by);
}

function grid(items, { title, list }) {
  const sorted = sortItems(items);
  const shown = sorted.slice(0, S.shown);
  const select = h(
    "select#sort",
    {
      onchange: (e) => {
        S.sort = e.target.value;
        S.shown = PAGE;
        renderView();
        $("#sort")?.focus();
      },
    },
    [
      ["popular", "Most popular"],
      ["price-asc", "Price: low to high"],
      ["price-desc", "Price: high to low"],
      ["name", "Name A–Z"],
    ].map(([v, label]) => h("option", { value: v, selected: v === S.sort }, label)),
  );
  return h(
    "section.listing",
    { "aria-labelledby": "listing-h" },
    h(
      "div.toolbar",
      {},
      h("h2#listing-h", {}, title, h("span.count", {}, ` (${items.length.toLocaleString("en-US")})`)),
      h("label.sort", { for: "sort" }, "Sort by ", select),
    ),
    items.length ? h("ul.grid", {}, shown.map((it) => card(it, { list }))) : h("p.empty", {}, "No products found."),
    sorted.length > shown.length
      ? h(
          "button.more",
          {
            type: "button",
            onclick: () => {
              const first = S.shown;
              S.shown += PAGE;
              renderView();
              document.querySelectorAll(".listing .card-link")[first]?.focus();
            },
          },
          `Show more (${(sorted.length - shown.length).toLocaleString("en-US")} left)`,
        )
      : null,
  );
}

function railSection() {
  return h(
    "section.rail#rail",
    { "aria-labelledby": "rail-h" },
    h("div.rail-head", {}, h("h2#rail-h", {}, "Recommended for you"), h("span.badge#latency", { title: "" }, "…")),
    h("ul.rail-list#rail-list", { "aria-live": "off" }),
  );
}

function breadcrumbs(code, last = null) {
  const parts = code.split(".");
  const crumbs = [h("li", {}, h("a", { href: "#/" }, "Home"))];
  parts.forEach((_, i) => {
    const sub = parts.slice(0, i + 1).join(".");
    const label = categoryParts(sub).at(-1);
    const isLast = i === parts.length - 1 && !last;
    crumbs.push(h("li", {}, isLast ? h("span", { "aria-current": "page" }, label) : h("a", { href: `#/c/${sub}` }, label)));
  });
  if (last) crumbs.push(h("li", {}, h("span", { "aria-current": "page" }, last)));
  return h("nav.crumbs", { "aria-label": "Breadcrumb" }, h("ol", {}, crumbs));
}

// ------------------------------------------------------------ views

const views = {
  home() {
    return [
      h(
        "div.hero",
        {},
        h("h1", { tabindex: "-1" }, "Electronics, appliances, furniture and more"),
        h(
          "p",
          {},
          `${S.items.length.toLocaleString("en-US")} real products from a multi-category store. Every recommendation on this page is computed in your browser — look at a few products and watch the shop adapt, and see exactly what it knows about you in the panel.`,
        ),
      ),
      railSection(),
      grid(S.items, { title: "Popular products", list: "popular_products" }),
    ];
  },

  category({ code }) {
    const items = S.items.filter((it) => it.category === code || it.category.startsWith(code + "."));
    const top = code.split(".")[0];
    const subs = (S.subs.get(top) ?? []).filter((s) => s.code !== code && s.code.startsWith(code + "."));
    const siblings = code.includes(".") ? [] : subs;
    const chips = (code.includes(".") ? (S.subs.get(top) ?? []).filter((s) => s.code.startsWith(code + ".")) : siblings);
    return [
      breadcrumbs(code),
      h("h1", { tabindex: "-1" }, categoryParts(code).at(-1)),
      chips.length
        ? h(
            "nav.chips",
            { "aria-label": `${categoryParts(code).at(-1)} subcategories` },
            h(
              "ul",
              {},
              chips.map((s) =>
                h("li", {}, h("a.chip", { href: `#/c/${s.code}` }, categoryParts(s.code).slice(code.split(".").length).join(" › "), h("span.count", {}, ` ${s.count}`))),
              ),
            ),
          )
        : null,
      grid(items, { title: `All in ${categoryParts(code).at(-1)}`, list: `category_${code}` }),
      railSection(),
    ];
  },

  search({ q }) {
    const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
    const items = S.items.filter((it) => {
      const text = `${it.name} ${it.brand} ${categoryLabel(it.category)} ${it.category}`.toLowerCase();
      return terms.every((t) => text.includes(t));
    });
    return [
      h("h1", { tabindex: "-1" }, `Search: “${q}”`),
      grid(items, { title: "Results", list: "search_results" }),
      railSection(),
    ];
  },

  product({ id }) {
    const it = S.byId.get(id);
    if (!it) return [h("h1", { tabindex: "-1" }, "Product not found"), h("p", {}, h("a", { href: "#/" }, "Back to the shop"))];
    const inCart = S.cart.find((l) => l.id === id);
    return [
      breadcrumbs(it.category, it.name),
      h(
        "article.product",
        { dataset: { itemId: it.id, category: it.category } },
        art(it, ".large"),
        h(
          "div.product-info",
          {},
          h("h1", { tabindex: "-1" }, it.name),
          h(
            "dl.facts",
            {},
            h("dt", {}, "Brand"),
            h("dd", {}, it.brand || "—"),
            h("dt", {}, "Category"),
            h("dd", {}, h("a", { href: `#/c/${it.category}` }, categoryLabel(it.category))),
            h("dt", {}, "Item number"),
            h("dd", {}, it.id),
            h("dt", {}, "Availability"),
            h("dd", {}, it.inStock ? "In stock" : "Out of stock"),
          ),
          h("p.product-price", {}, price(it.price)),
          h(
            "div.actions",
            {},
            h("button.primary#add-to-cart", { type: "button", onclick: () => addToCart(it), disabled: !it.inStock }, inCart ? `Add another (${inCart.qty} in cart)` : "Add to cart"),
            inCart ? h("a.button.secondary", { href: "#/cart" }, "Go to cart") : null,
          ),
        ),
      ),
      h(
        "section.similar#similar",
        { "aria-labelledby": "similar-h" },
        h("h2#similar-h", {}, "Similar products"),
        h("ul.rail-list#similar-list"),
      ),
      railSection(),
    ];
  },

  cart() {
    const lines = S.cart.map((l) => ({ ...l, it: S.byId.get(l.id) })).filter((l) => l.it);
    const total = lines.reduce((s, l) => s + (l.it.price ?? 0) * l.qty, 0);
    return [
      h("h1", { tabindex: "-1" }, "Your cart"),
      lines.length
        ? h(
            "div.cart",
            {},
            h(
              "ul.cart-lines",
              {},
              lines.map((l) =>
                h(
                  "li.cart-line",
                  { dataset: { itemId: l.id } },
                  art(l.it, ".small"),
                  h("a", { href: `#/p/${encodeURIComponent(l.id)}` }, l.it.name),
                  h("span.qty", {}, `× ${l.qty}`),
                  h("span.line-price", {}, price((l.it.price ?? 0) * l.qty)),
                  h("button.link", { type: "button", onclick: () => removeFromCart(l.it), "aria-label": `Remove ${l.it.name} from the cart` }, "Remove"),
                ),
              ),
            ),
            h("p.total", {}, "Total ", h("strong", {}, price(total))),
            h("button.primary", { type: "button", onclick: placeOrder }, "Place order (demo)"),
          )
        : h("p.empty", {}, "Your cart is empty. ", h("a", { href: "#/" }, "Continue shopping")),
      h(
        "section.complete#complete",
        { "aria-labelledby": "complete-h", hidden: !lines.length },
        h("h2#complete-h", {}, "Complete your cart"),
        h("ul.rail-list#complete-list"),
      ),
    ];
  },
};

function parseRoute() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const [name, ...rest] = hash.split("/");
  const arg = rest.join("/");
  if (name === "c" && arg) return { name: "category", code: arg };
  if (name === "p" && arg) return { name: "product", id: arg };
  if (name === "search") return { name: "search", q: arg };
  if (name === "cart") return { name: "cart" };
  return { name: "home" };
}

function renderView() {
  const r = S.route;
  const main = $("#view");
  const y = window.scrollY;
  replace(main, views[r.name](r));
  window.scrollTo(0, y);
  $("#cart-count").textContent = cartCount();
  $("#cart-link").setAttribute("aria-label", `Cart, ${cartCount()} items`);
  for (const a of document.querySelectorAll("#catnav a")) {
    const on = (r.name === "category" && (r.code === a.dataset.code || r.code.startsWith(a.dataset.code + "."))) ||
      (r.name === "product" && S.byId.get(r.id)?.category.startsWith(a.dataset.code));
    if (on) a.setAttribute("aria-current", "true");
    else a.removeAttribute("aria-current");
  }
  renderDynamic();
}

/** The parts that change with the profile: rail, similar, complements, panel, badges. */
function renderDynamic() {
  const st = S.last;
  if (!st) return;
  S.rev++;
  document.documentElement.dataset.rev = S.rev;
  const rail = $("#rail-list");
  if (rail) replace(rail, recCards(st.recommended, "recommended_for_you"));
  const sim = $("#similar-list");
  if (sim && st.similar) replace(sim, recCards(st.similar, "similar_products"));
  const comp = $("#complete-list");
  if (comp) replace(comp, st.complete ? recCards(st.complete, "complete_your_cart") : []);
  const ms = st.timing.rankMs;
  const badge = $("#latency");
  if (badge) {
    badge.textContent = `ranked on this device in ${ms < 1 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
    badge.title = `Ranking ${S.items.length.toLocaleString("en-US")} products took ${ms.toFixed(2)} ms inside the Web Worker; the whole round trip from the page ${S.roundTripMs.toFixed(1)} ms.`;
  }
  $("#footer-latency").textContent =
    `last ranking ${ms.toFixed(2)} ms in a Web Worker (round trip ${S.roundTripMs.toFixed(1)} ms)`;
  renderProfile($("#knows"), st.profile, {
    priceRange: S.priceRange,
    storage: store.profile.status(),
    rawOpen: S.rawOpen,
    rawText: S.rawOpen ? prettyRaw() : null,
    onToggleRaw: () => {
      S.rawOpen = !S.rawOpen;
      renderDynamic();
      $("#show-raw")?.focus();
    },
    onExport: exportProfile,
    onForget: forgetMe,
  });
}

function prettyRaw() {
  const raw = store.rawProfile();
  if (raw == null) return null;
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

function exportProfile() {
  const data = {
    exportedAt: new Date().toISOString(),
    note: "Everything the shelfrank demo shop stored about you, in this browser only.",
    storageKey: store.PROFILE_KEY,
    profile: S.last?.saved ?? null,
    summary: S.last?.profile ?? null,
    cart: S.cart,
  };
  // A blob: URL, made and downloaded locally: no request leaves the page.
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const a = h("a", { href: url, download: "shelfrank-profile.json", hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  announce("Your profile was exported as shelfrank-profile.json.");
}

async function forgetMe() {
  S.dwell = null;
  await engine.forget();
  store.forgetAll();
  dataLayer.length = 0; // the page's copy of past events goes too
  S.cart = [];
  S.rawOpen = false;
  renderView();
  await refresh();
  announce("Forgotten: your profile and cart are gone from this device. Recommendations are back to what is popular.");
  $("#forget")?.focus();
}

function route({ focus = true } = {}) {
  endDwell();
  S.route = parseRoute();
  S.shown = PAGE;
  renderView();
  if (S.route.name === "product" && S.byId.has(S.route.id)) {
    const it = S.byId.get(S.route.id);
    pushEcommerce("view_item", [ga4Item(it)]);
    S.dwell = { id: it.id, since: performance.now() };
  }
  const q = $("#q");
  const wanted = S.route.name === "search" ? S.route.q : "";
  if (q.value !== wanted && document.activeElement !== q) q.value = wanted;
  if (focus) {
    window.scrollTo(0, 0);
    $("#view h1")?.focus({ preventScroll: true });
  }
  refresh();
}

// ------------------------------------------------------------ boot

function buildIndex(items) {
  S.items = items;
  S.byId = new Map(items.map((it) => [it.id, it]));
  const tops = new Map();
  const subs = new Map();
  for (const it of items) {
    const parts = it.category.split(".");
    tops.set(parts[0], (tops.get(parts[0]) ?? 0) + 1);
    for (let i = 2; i <= parts.length; i++) {
      const code = parts.slice(0, i).join(".");
      const list = subs.get(parts[0]) ?? new Map();
      list.set(code, (list.get(code) ?? 0) + 1);
      subs.set(parts[0], list);
    }
  }
  S.tops = [...tops].sort((a, b) => b[1] - a[1]).map(([code, count]) => ({ code, count }));
  S.subs = new Map(
    [...subs].map(([top, m]) => [top, [...m].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count)]),
  );
  const prices = items.map((it) => it.price).filter((p) => p > 0).sort((a, b) => a - b);
  S.priceRange = [prices[0] ?? 1, prices.at(-1) ?? 1000];
}

async function boot() {
  const saved = store.profile.load();
  let init;
  try {
    init = await engine.init({
      modelUrl: new URL("model.shelf", document.baseURI).href,
      catalogUrl: new URL("catalog.json", document.baseURI).href,
      saved,
    });
  } catch (e) {
    replace($("#view"), h("h1", {}, "The shop could not start"), h("p", {}, e.message));
    console.error(e);
    return;
  }
  if (init.restore.status === "rejected") store.profile.discard(init.restore.message);
  S.model = init.modelInfo;
  buildIndex(init.items);
  S.cart = store.loadCart().filter((l) => S.byId.has(l.id));

  replace(
    $("#catnav ul"),
    S.tops.map((t) => h("li", {}, h("a", { href: `#/c/${t.code}`, dataset: { code: t.code } }, categoryParts(t.code)[0]))),
  );
  $("#q").placeholder = `Search ${S.items.length.toLocaleString("en-US")} products`;
  $("#search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = $("#q").value.trim();
    location.hash = q ? `#/search/${encodeURIComponent(q)}` : "#/";
  });
  const m = S.model;
  $("#footer-model").textContent =
    `Model: ${(m.bytes / 1024).toFixed(0)} KB, ${m.items.toLocaleString("en-US")} items × ${m.dim} factors (checksum ${m.checksum}), loaded in ${init.loadMs.toFixed(0)} ms.`;

  // The package's GA4 adapter, on the page's own dataLayer. The "recommender"
  // it feeds is the worker's: track() posts the event to it.
  connectDataLayer(engine.recommender, dataLayer, { onTracked: () => queueMicrotask(refresh) });

  window.addEventListener("hashchange", () => route());
  window.addEventListener("pagehide", endDwell);
  route({ focus: false });
  document.documentElement.dataset.ready = "1";
  // For tests and the curious: measured latency, and the last state.
  window.shelfrankDemo = {
    bench: async (n = 200) => (await engine.bench({ n })).result,
    roundTrip: async (n = 50) => {
      const t = [];
      for (let i = 0; i < n; i++) t.push((await engine.state({ cart: [] })).roundTripMs);
      t.sort((a, b) => a - b);
      return { n, median: t[n >> 1], p95: t[Math.floor(n * 0.95)] };
    },
    state: () => S.last,
    /** Resolves when no re-ranking is pending. */
    idle: async () => {
      while (refreshing) await refreshing;
    },
  };
}

boot();
