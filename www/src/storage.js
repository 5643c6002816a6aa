// What the storefront keeps in this browser, and nowhere else:
// - the shopper's profile, through the shelfrank package's own ProfileStore
//   (key "shelfrank-demo/profile/v1"; deleted 30 days after the last event;
//   a corrupted, tampered or outdated value is deleted with a console
//   warning, and without storage the shop simply works in memory);
// - the cart, under the demo's own versioned key.
// The recommender runs in a Web Worker (no localStorage there), so the page
// uses the store without attaching it: load → the worker imports, the
// worker's exports → save, and forget.
import { ProfileStore } from "shelfrank";

export const profile = new ProfileStore({ namespace: "shelfrank-demo" });
export const PROFILE_KEY = profile.key;
export const CART_KEY = "shelfrank-demo/cart/v1";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled (privacy mode): the session simply isn't kept
  }
}

function read(key) {
  try {
    return storage()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function remove(key) {
  try {
    storage()?.removeItem(key);
  } catch {
    /* nothing more to do */
  }
}

function discard(key, why) {
  console.warn(`shelfrank demo: discarded the stored value of "${key}": ${why}`);
  remove(key);
}

/** The raw string stored under the profile key (for "view stored data"). */
export function rawProfile() {
  return read(PROFILE_KEY);
}

/** Cart: [{ id, qty }]. Unknown ids are dropped by the caller. */
export function loadCart() {
  const raw = read(CART_KEY);
  if (raw == null) return [];
  try {
    const v = JSON.parse(raw);
    if (Array.isArray(v) && v.every((l) => l && typeof l.id === "string" && Number.isInteger(l.qty) && l.qty > 0)) {
      return v;
    }
    discard(CART_KEY, "it is not a cart of this storefront");
  } catch {
    discard(CART_KEY, "it is not valid JSON");
  }
  return [];
}

export function saveCart(cart) {
  try {
    storage()?.setItem(CART_KEY, JSON.stringify(cart));
  } catch (e) {
    console.warn(`shelfrank demo: could not store the cart: ${e.message}`);
  }
}

/** "Forget me": removes everything this storefront stored. */
export function forgetAll() {
  profile.forget();
  remove(CART_KEY);
}
