export * from "./shelfrank.js";
import type { Recommender, EventName } from "./shelfrank.js";

/** GA4 e-commerce events the engine understands. */
export declare const TRACKED_EVENTS: readonly EventName[];

export interface DataLayerOptions {
  /** Called after each event the adapter passed to `track`. */
  onTracked?: (event: Record<string, unknown>) => void;
}

/**
 * Feeds a page's GA4 `dataLayer` (existing entries and future pushes) into the
 * recommender. Returns a function that disconnects it.
 */
export declare function connectDataLayer(
  recommender: Recommender,
  dataLayer?: unknown[],
  options?: DataLayerOptions,
): () => void;

// ------------------------------------------------------------ ProfileStore (js/store.js)

import type { ExportedProfile } from "./shelfrank.js";

/** The part of the Web Storage API the store uses (localStorage, sessionStorage, or a stand-in). */
export interface ProfileStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ProfileStoreOptions {
  /** First part of the key: `<namespace>/profile/v1`. 1–64 of `A–Z a–z 0–9 . _ -`. Default "shelfrank". */
  namespace?: string;
  /** A stored profile is deleted this many days after its last tracked event. Default 30, at most 3650. */
  maxAgeDays?: number;
  /**
   * Also store the last events (`profile().recent`, the "recently viewed" list).
   * Default false: ranking does not need them, so after a reload `recent` starts empty.
   */
  keepRecent?: boolean;
  /** Where to keep it. Default: `localStorage` (if it is unavailable the store works in memory only). */
  storage?: ProfileStorage;
  /** The clock, in milliseconds since 1970. Default `Date.now` (tests inject one). */
  now?: () => number;
}

/**
 * Why the store is not simply in step with the recommender:
 * - `unavailable`: localStorage cannot be used (private browsing, blocked storage, sandboxed frame);
 * - `quota`: localStorage is full, the latest profile is in memory only;
 * - `write-failed`: another error while writing or removing;
 * - `corrupt`: the stored value was not JSON (deleted);
 * - `invalid`: it had the wrong shape, types or ranges, or the recommender refused it (deleted);
 * - `version`: it was in another format version (deleted);
 * - `expired`: it was older than `maxAgeDays` (deleted; the only reason that does not warn).
 */
export type ProfileStoreReason = "unavailable" | "quota" | "write-failed" | "corrupt" | "invalid" | "version" | "expired";

export interface ProfileStoreStatus {
  /** The localStorage key, e.g. "shelfrank/profile/v1". */
  key: string;
  /** false: nothing is stored, the profile lives in this page's memory only. */
  available: boolean;
  /** The profile in memory is also what is stored (false after a failed write). */
  persisted: boolean;
  /** A stored profile was restored by load() / attach(). */
  restored: boolean;
  /** The last problem, or null; `message` says it in words (and was logged once with console.warn). */
  reason: ProfileStoreReason | null;
  message: string | null;
  maxAgeDays: number;
  /** When the stored profile will be deleted (ms since 1970), or null when nothing is stored. */
  expiresAt: number | null;
}

/**
 * Keeps the shopper's exported profile in localStorage, on this device only,
 * under one versioned, namespaced key, for `maxAgeDays` after the last event.
 * Storage faults never throw: the recommender keeps working in memory and
 * `status()` says why.
 */
export declare class ProfileStore {
  constructor(options?: ProfileStoreOptions);
  /** The key the profile is stored under. */
  readonly key: string;
  /**
   * Restores the stored profile into `recommender` (call it right after
   * `Recommender.load`), then saves after every `track()` / `importProfile()`;
   * the recommender's `forget()` also deletes every stored key and its
   * `stats().storage` is `status()`. Returns this store.
   */
  attach(recommender: Recommender): this;
  /** Gives the recommender its own methods back; what is stored stays. */
  detach(): void;
  /** The stored profile (checked, not expired), or null. Deletes what it cannot use. */
  load(): ExportedProfile | null;
  /** Stores `exportProfile()`'s result, without `recent` unless `keepRecent` (an empty profile removes the key). false: not stored, see status(). */
  save(profile: ExportedProfile): boolean;
  /** Deletes the stored profile because the recommender's importProfile() refused it. */
  discard(why?: string | Error): void;
  /** Forgets the attached recommender's session and deletes every key this store wrote. */
  forget(): void;
  status(): ProfileStoreStatus;
}

declare module "./shelfrank.js" {
  interface Stats {
    /** Present when a ProfileStore is attached: its status(). */
    storage?: ProfileStoreStatus;
  }
}
