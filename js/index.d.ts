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
