// shelfrank's profile store: keeps a shopper's exported profile in this
// browser's localStorage between visits — and nowhere else.
//
//   const rec = await Recommender.load(bytes);
//   const store = new ProfileStore().attach(rec); // restores, then saves after every change
//   store.forget();                               // memory and every stored key, at once
//
// One key, `<namespace>/profile/v<format>` ("shelfrank/profile/v1"), holding
// `{"v":1,"profile":<rec.exportProfile()>}`: item ids, per-kind event counts
// and decayed weights, minute-level times — what ranking needs. The list of
// recent events (`profile().recent`, for display only) is left out unless
// `keepRecent: true`. No other timestamp is stored: a profile expires
// `maxAgeDays` (default 30) after its last tracked event.
//
// Storage is never a reason for a page to break. Unavailable (private
// browsing, blocked storage, sandboxed frame), full, corrupted, from another
// format version, tampered with, expired: the recommender keeps working in
// memory, a bad value is deleted, `status()` (and `stats().storage` of an
// attached recommender) says why, and one console.warn per kind of problem
// tells the developer. No method of this module makes a network request.

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Version of the stored envelope; it is also the last part of the key. */
const STORE_VERSION = 1;
/** `ExportedProfile.version` this store reads (PROFILE_VERSION in src/profile.rs). */
const PROFILE_VERSION = 1;
const PROFILE_FORMAT = "shelfrank-profile";
/** Event kinds, in the engine's order (codes 0–7 in counts, decayed and recent). */
const EVENT_KINDS = ["view_item", "select_item", "add_to_cart", "remove_from_cart", "add_to_wishlist", "begin_checkout", "purchase", "dwell"];
/** Most weight one event adds to a kind (a dwell of a minute or more). */
const MAX_UNITS_PER_EVENT = 6;
/** The engine's bounds: remembered items, id length, minutes since 1970 (the minute of its latest time, about the year 5000). */
const MAX_ITEMS = 10_000;
const MAX_RECENT = 1_000;
const MAX_ID_LENGTH = 4096;
const MAX_MINUTE = Math.floor(9.5e13 / MINUTE_MS) + 1;
const MAX_COUNT = 2 ** 32 - 1;
/** Clock skew tolerated before a profile "saved in the future" counts as tampered. */
const FUTURE_SLACK_MINUTES = 24 * 60;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ATTACHED = Symbol("shelfrank.ProfileStore");

const describe = (v) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isQuota = (e) =>
  e?.name === "QuotaExceededError" || e?.name === "NS_ERROR_DOM_QUOTA_REACHED" || e?.code === 22 || e?.code === 1014;
const errorText = (e) => (e && typeof e === "object" ? `${e.name ?? "Error"}: ${e.message ?? ""}` : String(e));

/** A problem found in a stored value: `code` is a status reason. */
class Bad {
  constructor(code, message) {
    this.code = code;
    this.message = message;
  }
}
const invalid = (message) => {
  throw new Bad("invalid", message);
};

function exactKeys(obj, keys, what) {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) invalid(`${what} has an unexpected field "${k.slice(0, 40)}"`);
  }
  for (const k of keys) {
    if (!(k in obj)) invalid(`${what} has no "${k}"`);
  }
}

function minute(v, what, limit, after) {
  if (!Number.isInteger(v) || v < 0 || v > MAX_MINUTE) invalid(`${what} is not a time in minutes since 1970 (got ${String(v).slice(0, 40)})`);
  if (v > limit) invalid(`${what} is later than ${after}`);
  return v;
}

function itemId(v, what) {
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_ID_LENGTH) {
    invalid(`${what} must be an item id (a non-empty string of at most ${MAX_ID_LENGTH} characters), got ${describe(v)}`);
  }
  return v;
}

function perKind(v, what) {
  if (!Array.isArray(v) || v.length !== EVENT_KINDS.length) {
    invalid(`${what} must list one value per event kind (${EVENT_KINDS.length}), got ${Array.isArray(v) ? v.length : describe(v)}`);
  }
  return v;
}

/**
 * Checks an exported profile against what the engine can have written: the
 * exact shape and types, and every number in its range. Throws a `Bad`.
 */
function checkProfile(p, nowMinute) {
  if (!isObject(p)) invalid(`the profile is ${describe(p)}, not an object`);
  if (p.format !== PROFILE_FORMAT) invalid(`it is not a shelfrank profile (format ${JSON.stringify(p.format)?.slice(0, 40)})`);
  if (p.version !== PROFILE_VERSION) {
    if (Number.isInteger(p.version) && p.version >= 0) {
      throw new Bad(
        "version",
        `it holds a version ${p.version} profile from ${p.version < PROFILE_VERSION ? "an older" : "a newer"} shelfrank; this one reads version ${PROFILE_VERSION}`,
      );
    }
    invalid(`its profile version is ${String(p.version).slice(0, 40)}`);
  }
  exactKeys(p, ["format", "version", "savedMinute", "items", "recent"], "the profile");
  const saved = minute(p.savedMinute, "savedMinute", nowMinute + FUTURE_SLACK_MINUTES, "now (a profile from the future)");
  if (!Array.isArray(p.items) || p.items.length > MAX_ITEMS) invalid(`items must be an array of at most ${MAX_ITEMS}`);
  const seen = new Set();
  p.items.forEach((item, i) => {
    const at = `items[${i}]`;
    if (!isObject(item)) invalid(`${at} is ${describe(item)}, not an object`);
    exactKeys(item, ["id", "lastMinute", "counts", "decayed"], at);
    itemId(item.id, `${at}.id`);
    if (seen.has(item.id)) invalid(`item ${JSON.stringify(item.id.slice(0, 40))} appears twice`);
    seen.add(item.id);
    minute(item.lastMinute, `${at}.lastMinute`, saved, "the profile's last activity");
    const counts = perKind(item.counts, `${at}.counts`);
    const decayed = perKind(item.decayed, `${at}.decayed`);
    counts.forEach((c, k) => {
      if (!Number.isInteger(c) || c < 0 || c > MAX_COUNT) invalid(`${at}.counts[${k}] (${EVENT_KINDS[k]}) must be a whole number >= 0, got ${String(c).slice(0, 40)}`);
      // Each event adds at most MAX_UNITS_PER_EVENT, and weights only decay.
      const d = decayed[k];
      if (typeof d !== "number" || !Number.isFinite(d) || d < 0 || d > c * MAX_UNITS_PER_EVENT + 0.01) {
        invalid(`${at}.decayed[${k}] (${EVENT_KINDS[k]}) is out of range: ${String(d).slice(0, 40)} for ${c} event(s)`);
      }
    });
  });
  if (!Array.isArray(p.recent) || p.recent.length > MAX_RECENT) invalid(`recent must be an array of at most ${MAX_RECENT}`);
  p.recent.forEach((e, i) => {
    const at = `recent[${i}]`;
    if (!Array.isArray(e) || e.length !== 3) invalid(`${at} must be [itemId, event kind, minute]`);
    itemId(e[0], `${at}[0]`);
    if (!Number.isInteger(e[1]) || e[1] < 0 || e[1] >= EVENT_KINDS.length) invalid(`${at} has an unknown event kind ${String(e[1]).slice(0, 40)}`);
    minute(e[2], `${at}[2]`, saved, "the profile's last activity");
  });
  return p;
}

/** The envelope stored under the key: `{ v: 1, profile }`. Throws a `Bad`. */
function checkEnvelope(value, nowMinute) {
  if (!isObject(value)) invalid(`it is ${describe(value)}, not a stored profile`);
  if (value.v !== STORE_VERSION) {
    if (Number.isInteger(value.v) && "profile" in value) {
      const age = value.v < STORE_VERSION ? "an older" : "a newer";
      throw new Bad("version", `it is in ${age} store format (v${value.v}), which this version of shelfrank does not read`);
    }
    invalid("it was not written by shelfrank's ProfileStore");
  }
  exactKeys(value, ["v", "profile"], "the stored value");
  return checkProfile(value.profile, nowMinute);
}

/**
 * Keeps a Recommender's profile in localStorage under one versioned,
 * namespaced key, with an expiry. See js/index.d.ts and PRIVACY.md.
 */
export class ProfileStore {
  #prefix;
  #key;
  #maxAgeMs;
  #maxAgeDays;
  #now;
  #keepRecent;
  #given; // the `storage` option, or undefined for localStorage
  #storage; // undefined: not opened yet; null: unavailable
  #warned = new Set();
  #state = { persisted: false, restored: false, reason: null, message: null, expiresAt: null };
  #rec = null;
  #methods = null; // the attached recommender's own methods
  #onStorage = null;

  constructor(options = {}) {
    if (!isObject(options)) throw new TypeError(`ProfileStore options must be an object, got ${describe(options)}`);
    const known = ["namespace", "maxAgeDays", "keepRecent", "storage", "now"];
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) throw new TypeError(`unknown ProfileStore option "${k.slice(0, 40)}"; accepted: ${known.join(", ")}`);
    }
    const { namespace = "shelfrank", maxAgeDays = 30, keepRecent = false, storage, now = Date.now } = options;
    if (typeof namespace !== "string" || !NAMESPACE.test(namespace)) {
      throw new TypeError(`namespace must be 1–64 letters, digits, ".", "_" or "-" (like "shelfrank"), got ${JSON.stringify(namespace)?.slice(0, 80)}`);
    }
    if (typeof maxAgeDays !== "number" || !(maxAgeDays > 0 && maxAgeDays <= 3650)) {
      throw new RangeError(`maxAgeDays must be a number of days above 0 and at most 3650, got ${String(maxAgeDays).slice(0, 40)}`);
    }
    if (storage !== undefined && !(storage && ["getItem", "setItem", "removeItem", "key"].every((m) => typeof storage[m] === "function"))) {
      throw new TypeError("storage must be a Storage (localStorage, sessionStorage or an object with the same methods)");
    }
    if (typeof keepRecent !== "boolean") throw new TypeError(`keepRecent must be true or false, got ${describe(keepRecent)}`);
    if (typeof now !== "function") throw new TypeError(`now must be a function returning milliseconds, like Date.now, got ${describe(now)}`);
    this.#prefix = `${namespace}/profile/`;
    this.#key = `${this.#prefix}v${STORE_VERSION}`;
    this.#maxAgeDays = maxAgeDays;
    this.#maxAgeMs = maxAgeDays * DAY_MS;
    this.#now = now;
    this.#keepRecent = keepRecent;
    this.#given = storage;
  }

  /** The localStorage key the profile is kept under, e.g. "shelfrank/profile/v1". */
  get key() {
    return this.#key;
  }

  /** Where things stand: available, persisted, restored, and the reason of the last problem. */
  status() {
    const available = this.#open() !== null;
    return { key: this.#key, available, ...this.#state, maxAgeDays: this.#maxAgeDays };
  }

  /**
   * The stored profile, checked and not expired, or null. Removes what it
   * cannot use — values in other format versions, corrupted, tampered or
   * expired ones — and records why.
   */
  load() {
    const storage = this.#open();
    this.#state.restored = false;
    this.#state.expiresAt = null;
    if (!storage) return null;
    for (const key of this.#ownedKeys()) {
      if (key === this.#key) continue;
      const version = /^v(\d+)$/.exec(key.slice(this.#prefix.length))?.[1];
      const age = version == null ? "an unknown" : Number(version) < STORE_VERSION ? "an older" : "a newer";
      this.#remove(key);
      this.#problem("version", `discarded the stored value of "${key}": it is in ${age} store format, which this version of shelfrank does not read`);
    }
    let raw;
    try {
      raw = storage.getItem(this.#key);
    } catch (e) {
      this.#unavailable(e);
      return null;
    }
    this.#state.persisted = true;
    if (raw == null) return null;
    let value;
    try {
      value = JSON.parse(raw);
    } catch {
      this.#drop(new Bad("corrupt", "it is not valid JSON"));
      return null;
    }
    const nowMinute = Math.floor(this.#now() / MINUTE_MS);
    let profile;
    try {
      profile = checkEnvelope(value, nowMinute);
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      this.#drop(e);
      return null;
    }
    const lastActive = profile.savedMinute * MINUTE_MS;
    if (this.#now() - lastActive > this.#maxAgeMs) {
      this.#remove(this.#key);
      this.#set("expired", `deleted the stored profile: its last activity (${new Date(lastActive).toISOString().slice(0, 10)}) is more than ${this.#maxAgeDays} days ago`);
      return null;
    }
    this.#state.restored = true;
    this.#state.expiresAt = lastActive + this.#maxAgeMs;
    return profile;
  }

  /**
   * Stores an exported profile (`rec.exportProfile()`), without its recent
   * events unless `keepRecent`; an empty profile removes the key. Returns
   * false when it could not be stored (the reason is in `status()`), and
   * throws only when `profile` is not an exported profile.
   */
  save(profile) {
    try {
      checkProfile(profile, Infinity); // the clock is checked on load
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      throw new TypeError(`ProfileStore.save() needs what exportProfile() returns: ${e.message}`);
    }
    const storage = this.#open();
    if (!storage) return false;
    if (profile.items.length === 0) {
      const ok = this.#remove(this.#key);
      if (ok) this.#saved(null);
      return ok;
    }
    try {
      // Ranking needs the items; the recent-events list only feeds profile().recent.
      const kept = this.#keepRecent ? profile : { ...profile, recent: [] };
      storage.setItem(this.#key, JSON.stringify({ v: STORE_VERSION, profile: kept }));
    } catch (e) {
      this.#state.persisted = false;
      if (isQuota(e)) {
        this.#problem("quota", `localStorage is full (${errorText(e)}); the profile is kept in memory only, and what was stored before stays as it was`);
      } else {
        this.#problem("write-failed", `could not write to localStorage (${errorText(e)}); the profile is kept in memory only`);
      }
      return false;
    }
    this.#saved(profile.savedMinute * MINUTE_MS + this.#maxAgeMs);
    return true;
  }

  /**
   * Deletes the stored profile because the recommender refused what `load()`
   * returned (`importProfile` threw): call it with the error's message.
   */
  discard(why = "the recommender could not read it") {
    this.#drop(new Bad("invalid", `the recommender refused it (${String(why?.message ?? why).slice(0, 300)})`));
  }

  /**
   * Forgets the shopper: the attached recommender's session, and every key
   * this store wrote (the current one and any other format version).
   */
  forget() {
    if (this.#rec) this.#methods.forget.call(this.#rec);
    let ok = true;
    if (this.#open()) {
      for (const key of this.#ownedKeys()) ok = this.#remove(key) && ok;
    }
    this.#state.restored = false;
    this.#state.expiresAt = null;
    if (ok && this.#storage) {
      this.#state.persisted = true;
      this.#state.reason = this.#state.message = null;
    }
  }

  /**
   * Connects a Recommender: restores the stored profile into it (right after
   * `Recommender.load`), then keeps the store in step — `track()` and
   * `importProfile()` save, `forget()` also removes every stored key,
   * `stats().storage` is `status()`. A "Forget" in another tab of the same
   * shop forgets this tab's session too. Returns the store.
   */
  attach(rec) {
    if (this.#rec) throw new Error("this ProfileStore is already attached to a recommender; call detach() first");
    for (const m of ["track", "exportProfile", "importProfile", "forget", "stats"]) {
      if (typeof rec?.[m] !== "function") throw new TypeError(`ProfileStore.attach() needs a shelfrank Recommender, got ${describe(rec)}`);
    }
    if (rec[ATTACHED]) throw new Error("this Recommender already has a ProfileStore attached");
    const own = { track: rec.track, exportProfile: rec.exportProfile, importProfile: rec.importProfile, forget: rec.forget, stats: rec.stats };
    this.#rec = rec;
    this.#methods = own;

    const saved = this.load();
    if (saved) {
      try {
        own.importProfile.call(rec, saved);
      } catch (e) {
        this.discard(e);
      }
    }

    const define = (name, value) => Object.defineProperty(rec, name, { value, configurable: true, writable: true, enumerable: false });
    define(ATTACHED, this);
    define("track", (event) => {
      const known = own.track.call(rec, event);
      if (known > 0) this.#persist();
      return known;
    });
    define("importProfile", (data) => {
      own.importProfile.call(rec, data);
      this.#persist();
    });
    define("forget", () => this.forget());
    define("stats", () => ({ ...own.stats.call(rec), storage: this.status() }));

    const storage = this.#open();
    if (storage && typeof globalThis.addEventListener === "function") {
      // Another tab of this shop forgot the shopper (or cleared storage):
      // forget here too, so this tab does not write the profile back.
      this.#onStorage = (e) => {
        if (e.storageArea !== storage || !(e.key === null || (e.key === this.#key && e.newValue === null))) return;
        own.forget.call(rec);
        this.#state.restored = false;
        this.#state.expiresAt = null;
      };
      globalThis.addEventListener("storage", this.#onStorage);
    }
    return this;
  }

  /** Undoes attach(): the recommender's methods are its own again. Stored data stays. */
  detach() {
    const rec = this.#rec;
    if (!rec) return;
    for (const name of [ATTACHED, "track", "importProfile", "forget", "stats"]) delete rec[name];
    if (this.#onStorage) globalThis.removeEventListener("storage", this.#onStorage);
    this.#onStorage = null;
    this.#rec = this.#methods = null;
  }

  // ------------------------------------------------------------ internals

  /** The Storage, or null when it cannot be used (probed once). */
  #open() {
    if (this.#storage !== undefined) return this.#storage;
    try {
      const storage = this.#given ?? globalThis.localStorage;
      if (!storage) throw new Error("there is no localStorage in this context (a Web Worker or a server?)");
      storage.getItem(this.#key);
      this.#storage = storage;
    } catch (e) {
      this.#unavailable(e);
    }
    return this.#storage;
  }

  #unavailable(e) {
    this.#storage = null;
    this.#state.persisted = false;
    this.#problem(
      "unavailable",
      `localStorage is not available (${errorText(e)}: private browsing, blocked storage or a sandboxed frame); the profile is kept in memory for this page only`,
    );
  }

  /** Keys under this store's prefix, whatever their version. */
  #ownedKeys() {
    const keys = [];
    try {
      for (let i = 0; i < this.#storage.length; i++) {
        const key = this.#storage.key(i);
        if (key != null && key.startsWith(this.#prefix)) keys.push(key);
      }
    } catch (e) {
      this.#unavailable(e);
    }
    return keys;
  }

  #remove(key) {
    try {
      this.#storage?.removeItem(key);
      return true;
    } catch (e) {
      this.#problem("write-failed", `could not remove "${key}" from localStorage (${errorText(e)})`);
      return false;
    }
  }

  /** Deletes an unusable stored value and says why. */
  #drop(bad) {
    this.#remove(this.#key);
    this.#state.restored = false;
    this.#state.expiresAt = null;
    this.#problem(bad.code, `discarded the stored value of "${this.#key}": ${bad.message}; recommendations go on from this page's events`);
  }

  #saved(expiresAt) {
    this.#state.persisted = true;
    this.#state.expiresAt = expiresAt;
    if (this.#state.reason === "quota" || this.#state.reason === "write-failed") this.#set(null, null);
  }

  /** Saves the attached recommender's profile; never throws. */
  #persist() {
    try {
      this.save(this.#methods.exportProfile.call(this.#rec));
    } catch (e) {
      this.#state.persisted = false;
      this.#problem("write-failed", `could not store the profile (${errorText(e)})`);
    }
  }

  #set(reason, message) {
    this.#state.reason = reason;
    this.#state.message = message;
  }

  /** Records a problem, and warns once per kind of problem. */
  #problem(reason, message) {
    this.#set(reason, message);
    if (this.#warned.has(reason)) return;
    this.#warned.add(reason);
    console.warn(`shelfrank: ${message}`);
  }
}
