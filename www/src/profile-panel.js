// "What this page knows about you": the engine's profile summary as
// charts a shopper can read, plus the privacy controls.
import { h, replace, price, categoryLabel, ago } from "./dom.js";
import { PROFILE_KEY } from "./storage.js";

const EVENT_WORDS = {
  view_item: "Viewed",
  select_item: "Clicked",
  add_to_cart: "Added to cart",
  remove_from_cart: "Removed from cart",
  add_to_wishlist: "Saved",
  begin_checkout: "Went to checkout with",
  purchase: "Bought",
  dwell: "Spent time on",
};

const INTENT = [
  ["browsing", "Browsing", "looking around"],
  ["comparing", "Comparing", "looking closely at similar products"],
  ["buying", "Buying", "something is in the cart"],
];

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function bars(list, label, empty) {
  if (!list.length) return h("p.empty", {}, empty);
  return h(
    "ul.bars",
    { "aria-label": label },
    list.map(({ name, share }) => {
      const pct = Math.round(share * 100);
      return h(
        "li.bar",
        { dataset: { name } },
        h("span.bar-label", {}, name),
        h("span.bar-track", { "aria-hidden": "true" }, h("span.bar-fill", { style: { width: `${Math.max(2, pct)}%` } })),
        h("span.bar-value", {}, `${pct}%`),
      );
    }),
  );
}

/** How long the profile is kept here, or why it is not (ProfileStore#status()). */
function storageNote(st) {
  if (!st.available) return "This browser does not let the shop keep it (private browsing?): it is forgotten when you leave.";
  if (st.reason === "quota") return "This browser's storage is full: what you do now is forgotten when you leave.";
  return `Kept in this browser for ${st.maxAgeDays} days after your last visit; “Forget me” deletes it at once.`;
}

/**
 * Renders the panel. `summary` is Recommender#profile(); `ctx` has the
 * catalogue's price range and the callbacks of the privacy controls.
 */
export function renderProfile(root, summary, ctx) {
  const empty = summary.events === 0;
  const cats = summary.categories.slice(0, 5).map((a) => ({ name: categoryLabel(a.name), share: a.share }));
  const brands = summary.brands.slice(0, 5).map((a) => ({ name: a.name || "(no brand)", share: a.share }));

  let band;
  if (summary.priceBand) {
    const { low, median, high } = summary.priceBand;
    const [min, max] = ctx.priceRange.map((p) => Math.log(Math.max(1, p)));
    const pos = (p) => `${(100 * (Math.log(Math.max(1, p)) - min)) / (max - min || 1)}%`;
    band = h(
      "div.price-band",
      {},
      h(
        "p",
        {},
        "You look at products around ",
        h("strong", {}, price(median)),
        low !== high ? ` (mostly ${price(low)} – ${price(high)}).` : ".",
      ),
      h(
        "div.band-track",
        { "aria-hidden": "true" },
        h("span.band-range", { style: { left: pos(low), width: `calc(${pos(high)} - ${pos(low)})` } }),
        h("span.band-median", { style: { left: pos(median) } }),
      ),
      h("div.band-scale", { "aria-hidden": "true" }, h("span", {}, price(ctx.priceRange[0])), h("span", {}, price(ctx.priceRange[1]))),
    );
  } else {
    band = h("p.empty", {}, "No price range yet.");
  }

  const intentIndex = INTENT.findIndex(([k]) => k === summary.intent);
  const intent = h(
    "ol.intent",
    { "aria-label": "Shopping stage" },
    INTENT.map(([key, label, hint], i) =>
      h(
        `li${i === intentIndex && !empty ? ".current" : ""}${i < intentIndex && !empty ? ".done" : ""}`,
        { "aria-current": i === intentIndex && !empty ? "step" : null, title: hint, dataset: { intent: key } },
        label,
      ),
    ),
  );
  const intentText = empty
    ? "Nothing yet: look at a product and watch this panel."
    : `Right now you seem to be ${summary.intent}: ${INTENT[intentIndex]?.[2] ?? ""}.`;

  const recent = summary.recent.slice(0, 6);
  const recentList = recent.length
    ? h(
        "ol.recent",
        {},
        recent.map((r) =>
          h(
            "li",
            {},
            h("span.recent-what", {}, `${EVENT_WORDS[r.event] ?? r.event} `),
            h("a", { href: `#/p/${encodeURIComponent(r.itemId)}` }, r.name || r.itemId),
            h("time", { datetime: new Date(r.time).toISOString() }, ago(r.time)),
          ),
        ),
      )
    : h("p.empty", {}, empty ? "No events yet." : "Nothing yet on this visit (the list is not kept between visits).");

  const counts = Object.entries(summary.eventCounts)
    .map(([k, n]) => `${n} × ${(EVENT_WORDS[k] ?? k).toLowerCase()}`)
    .join(", ");

  replace(
    root,
    h("h2#knows-h", {}, "What this page knows about you"),
    h(
      "p.device-note",
      {},
      h("strong", {}, "Stored only on this device. "),
      "Your clicks are turned into recommendations right here, in your browser. Nothing about what you do in this shop is sent anywhere.",
    ),
    h("p.small.storage-note", {}, storageNote(ctx.storage)),
    h(
      "p.summary-line",
      { dataset: { events: summary.events } },
      empty ? "This browser has no shopping history here." : `${plural(summary.events, "event")} about ${plural(summary.distinctItems, "product")}: ${counts}.`,
    ),
    h("h3", {}, "Categories you are interested in"),
    h("div#knows-categories", {}, bars(cats, "Category interest", "None yet.")),
    h("h3", {}, "Brands"),
    h("div#knows-brands", {}, bars(brands, "Brand interest", "None yet.")),
    h("h3", {}, "Price range"),
    band,
    h("h3", {}, "Shopping stage"),
    intent,
    h("p.intent-text", {}, intentText),
    h("h3", {}, "Recently"),
    recentList,
    h(
      "div.privacy",
      { role: "group", "aria-label": "Your data" },
      h(
        "button.secondary#show-raw",
        { type: "button", "aria-expanded": String(!!ctx.rawOpen), "aria-controls": "raw-profile", onclick: ctx.onToggleRaw },
        ctx.rawOpen ? "Hide stored data" : "View stored data",
      ),
      h("button.secondary#export", { type: "button", onclick: ctx.onExport }, "Export (JSON)"),
      h("button.danger#forget", { type: "button", onclick: ctx.onForget }, "Forget me"),
    ),
    h(
      "div#raw-profile",
      { hidden: !ctx.rawOpen },
      h("p.small", {}, `Exactly what is stored in this browser's localStorage under "${PROFILE_KEY}":`),
      h("pre", { tabindex: "0", "aria-label": "Stored profile (JSON)" }, ctx.rawText ?? "(nothing stored)"),
    ),
  );
}
