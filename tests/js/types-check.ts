// Compiled with `tsc --noEmit` in `npm test`: the package's types must let a
// shop developer write this without `any`, and must reject the mistakes below.
import { Recommender, connectDataLayer, type Recommendation, type ProfileSummary } from "../../pkg/index.js";

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
