// Compiled with `tsc --noEmit` in `npm test`: the package's types must let a
// shop developer write this without `any`, and must reject the mistakes below.
import { Recommender, connectDataLayer, type Recommendation, type ProfileSummary } from "../../pkg/index.js";
import { ProfileStore, type ProfileStoreStatus, type ProfileStoreReason, type ExportedProfile } from "../../pkg/index.js";

export async function example(bytes: Uint8Array): Promise<string[]> {
  const rec: Recommender = await Recommender.load(bytes, { maxItems: 100, eventWeights: { add_to_cart: 5 } });
  rec.track({ event: "view_item", item_id: "SKU-1" });
  rec.track({ event: "add_to_cart", ecommerce: { items: [{ item_id: "SKU-2" }] } });
  const recs: Recommendation[] = rec.recommend({ k: 8, filters: { categories: ["electronics"], maxPrice: 500 }, excludeInCart: true });
  const profile: ProfileSummary = rec.profile();
  const intent: "browsing" | "comparing" | "buying" = profile.intent;
  const similar = rec.similar("SKU-1", { k: 4 });
  const stop = connectDataLayer(rec, []);
  stop();
  // @ts-expect-error: k is a number
  rec.recommend({ k: "8" });
  // @ts-expect-error: unknown event names are rejected at compile time
  rec.track({ event: "page_view", item_id: "x" });
  return [...recs.map((r) => r.reason), intent, ...similar.map((r) => r.itemId)];
}

// The README's quick start: every options argument may be left out.
export async function defaults(bytes: ArrayBuffer): Promise<number> {
  const rec = await Recommender.load(bytes);
  const sync = Recommender.fromBytes(new Uint8Array(bytes));
  return rec.recommend().length + rec.similar("SKU-1").length + sync.recommend().length;
}

// The profile store, as a shop page uses it (and as a page with the
// recommender in a Web Worker uses it: load / save / discard / forget).
export async function persisted(bytes: Uint8Array): Promise<ProfileStoreReason | null> {
  const rec = await Recommender.load(bytes, {});
  const store: ProfileStore = new ProfileStore({ maxAgeDays: 7, namespace: "my-shop", keepRecent: false }).attach(rec);
  const key: string = store.key;
  rec.track({ event: "view_item", item_id: "SKU-1" });
  const status: ProfileStoreStatus = store.status();
  const expires: number | null = status.expiresAt;
  const viaStats: ProfileStoreStatus | undefined = rec.stats().storage;
  store.forget();
  store.detach();

  const manual = new ProfileStore({ storage: sessionStorage, now: () => Date.now() });
  const saved: ExportedProfile | null = manual.load();
  if (saved) manual.discard(new Error("refused"));
  const ok: boolean = manual.save(rec.exportProfile());
  // @ts-expect-error: maxAgeDays is a number of days
  new ProfileStore({ maxAgeDays: "30" });
  // @ts-expect-error: unknown options are rejected at compile time
  new ProfileStore({ ttl: 30 });
  // @ts-expect-error: save() takes an exported profile, not its JSON
  manual.save(JSON.stringify(rec.exportProfile()));
  return ok && key && expires !== 0 && viaStats ? status.reason : null;
}
