// The page's handle on the recommender in the Web Worker: promise-based
// calls, each timed as a round trip (the latency badge shows both the
// ranking time measured inside the worker and the round trip seen here).

export function startEngine() {
  // webpack bundles the worker (and the shelfrank package in it) as its own chunk.
  const worker = new Worker(new URL("./worker.js", import.meta.url), { name: "shelfrank" });
  const pending = new Map();
  let next = 1;
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    pending.delete(data.id);
    const roundTripMs = performance.now() - p.t0;
    if (data.ok) p.resolve({ result: data.result, roundTripMs });
    else p.reject(new Error(data.error));
  };
  worker.onerror = (e) => {
    const err = new Error(`recommender worker failed: ${e.message || "could not start"}`);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const call = (op, args) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject, t0: performance.now() });
      worker.postMessage({ id, op, args });
    });
  return {
    call,
    async init(args) {
      return (await call("init", args)).result;
    },
    /** The Recommender-shaped facade connectDataLayer feeds: `track(event)`. */
    recommender: {
      track(event) {
        call("track", { event }).catch((e) => console.warn(`shelfrank: event not tracked: ${e.message}`));
        return 1;
      },
    },
    state: (args) => call("state", args),
    forget: () => call("forget"),
    bench: (args) => call("bench", args),
  };
}
