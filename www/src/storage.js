// What the storefront keeps in this browser, and nowhere else: the shopper's
// profile (as the engine exports it: item ids, event counts, minute-level
// times) and the cart. Versioned keys; anything corrupted or foreign is
// discarded with a console warning, never a broken page.

export const PROFILE_KEY = "shelfrank-demo/profile/v1";
export const CART_KEY = "shelfrank-demo/cart/v1";
const ENVELOPE = "shelfrank-demo-profile";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled (privacy mode): the session simply isn't kept
  }
}

function discard(key, why) {
  console.warn(`shelfrank demo: discarded the stored value of "${key}": ${why}`);
  try {
    storage()?.removeItem(key);
  } catch {
    /* nothing more to do */
  }
}

/** The stored engine profile, or null (nothing stored, or discarded). */
export function loadProfile() {
  const raw = storage()?.getItem(PROFILE_KEY);
  if (raw == null) return null;
  let value;
  try {
    value = JSON.parse(raw);
  } catch {
    discard(PROFILE_KEY, "it is not valid JSON");
    return null;
  }
  if (!value || typeof value !== "object" || value.kind !== ENVELOPE || value.v !== 1) {
    discard(PROFILE_KEY, "it was not written by this version of the storefront");
    return null;
  }
  const p = value.profile;
  if (!p || typeof p !== "object" || p.format !== "shelfrank-profile" || !Array.isArray(p.items)) {
    discard(PROFILE_KEY, "it holds no shelfrank profile");
    return null;
  }
  return p;
}

/** Called by main.js when the engine rejected a stored profile. */
export function rejectProfile(why) {
  discard(PROFILE_KEY, why);
}

export function saveProfile(profile) {
  try {
    storage()?.setItem(
      PROFILE_KEY,
      JSON.stringify({ kind: ENVELOPE, v: 1, savedAt: new Date().toISOString(), profile }),
    );
  } catch (e) {
    console.warn(`shelfrank demo: could not store the profile on this device: ${e.message}`);
  }
}

/** Nothing to keep (an empty profile): store nothing. */
export function clearProfile() {
  try {
    storage()?.removeItem(PROFILE_KEY);
  } catch {
    /* ignore */
  }
}

/** The raw string stored under the profile key (for "view raw profile"). */
export function rawProfile() {
  return storage()?.getItem(PROFILE_KEY) ?? null;
}

/** Cart: [{ id, qty }]. Unknown ids are dropped by the caller. */
export function loadCart() {
  const raw = storage()?.getItem(CART_KEY);
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
  for (const key of [PROFILE_KEY, CART_KEY]) {
    try {
      storage()?.removeItem(key);
    } catch {
      /* ignore */
    }
  }
}
