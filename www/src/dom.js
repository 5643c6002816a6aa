// Small DOM helpers: elements are built with textContent (never innerHTML),
// so product data can never inject markup.

/** h("a.card", { href }, child, …): tag with optional .classes and #id. */
export function h(spec, attrs = {}, ...children) {
  const [, tag = "div", rest = ""] = spec.match(/^([a-z0-9-]*)(.*)$/i);
  const el = document.createElement(tag || "div");
  for (const part of rest.match(/[.#][^.#]+/g) ?? []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style") Object.assign(el.style, v); // CSSOM: allowed by the page's CSP
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
export const price = (p) => (p == null ? "price on request" : usd.format(p));

const TOP_LABELS = { country_yard: "Garden", auto: "Auto", kids: "Kids" };
/** "appliances.kitchen.meat_grinder" → ["Appliances", "Kitchen", "Meat grinder"]. */
export function categoryParts(code) {
  return code.split(".").map((p, i) => {
    if (i === 0 && TOP_LABELS[p]) return TOP_LABELS[p];
    const s = p.replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  });
}
export const categoryLabel = (code) => categoryParts(code).join(" › ");
export const categoryLeafLabel = (code) => categoryParts(code).at(-1);

export function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hrs = Math.round(m / 60);
  if (hrs < 48) return `${hrs} h ago`;
  return `${Math.round(hrs / 24)} days ago`;
}

/** Live region announcements for screen readers (and a visible toast). */
export function announce(text) {
  const el = document.getElementById("announce");
  el.textContent = "";
  // a new text node so repeated messages are read again
  setTimeout(() => (el.textContent = text), 30);
  el.classList.add("show");
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => el.classList.remove("show"), 4000);
}
