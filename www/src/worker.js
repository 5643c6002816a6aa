// The recommender runs in this Web Worker, so ranking never blocks the page.
//
// The message handler is installed synchronously, before anything else:
// the shelfrank package initialises its WebAssembly with top-level await,
// and a worker that only listened after that await would drop the page's
// first messages. Messages are handled one at a time, in order.
const ready = import(/* webpackChunkName: "recommender" */ "./worker-ops.js");
let queue = Promise.resolve();

self.onmessage = ({ data }) => {
  queue = queue.then(async () => {
    const { id, op, args } = data;
    try {
      const { ops, loaded } = await ready;
      if (!Object.hasOwn(ops, op)) throw new Error(`unknown worker operation ${op}`);
      if (op !== "init" && !loaded()) throw new Error("the recommender is not loaded yet");
      const result = await ops[op](args ?? {});
      self.postMessage({ id, ok: true, result });
    } catch (e) {
      self.postMessage({ id, ok: false, error: e?.message ?? String(e) });
    }
  });
};
