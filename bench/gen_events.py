#!/usr/bin/env python3
"""Synthetic e-commerce event log for training benchmarks (not for accuracy).

Writes an events CSV in shelfrank's layout (session_id,item_id,event_type,
timestamp) and, optionally, a catalogue CSV (item_id,name,category,brand,
price,in_stock), with the shape of a real shop's log:

- item popularity is Zipf-like (exponent --zipf, default 0.8): at 10M events
  the top 1% of items draw about a third of all events and the top 10% about
  60% (the slices in ../shared/data: 7-18% and 32-59%; the full logs they
  come from are more skewed than their slices);
- each session has a home category (drawn by category traffic) and takes
  --focus (default 0.8) of its items from it, the rest from the whole shop;
- session lengths are geometric, at least 1 (mean --mean-length, default 5);
- --repeat (default 0.25) of the events after the first revisit the previous
  item; 6% of events are add_to_cart and 2% purchase (of the item just
  viewed), the rest view_item;
- sessions start uniformly over --days (default 30) days, in start order,
  with exponential gaps of mean 60 s between their events.

Deterministic for a seed. Needs numpy only. 10 million events take about
30 s and 365 MB of disk.

  python3 bench/gen_events.py --events 10000000 --out target/bench/synth-10m.csv \
      --catalog-out target/bench/synth-catalog.csv
"""
import argparse
import sys

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--categories", type=int, default=800)
    ap.add_argument("--zipf", type=float, default=0.8)
    ap.add_argument("--mean-length", type=float, default=5.0)
    ap.add_argument("--focus", type=float, default=0.8)
    ap.add_argument("--repeat", type=float, default=0.25)
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True)
    ap.add_argument("--catalog-out")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    n_items, n_cat = a.items, a.categories

    # Items are numbered by category (contiguous ranges), popularity Zipf over
    # a random rank permutation, so every category has head and tail items.
    cat_sizes = rng.multinomial(n_items - n_cat, rng.dirichlet(np.full(n_cat, 2.0))) + 1
    cat_of = np.repeat(np.arange(n_cat), cat_sizes)
    cat_start = np.concatenate([[0], np.cumsum(cat_sizes)])
    rank = rng.permutation(n_items) + 1
    pop = rank.astype(np.float64) ** -a.zipf
    pop /= pop.sum()
    cum = np.cumsum(pop)
    cum[-1] = 1.0
    cat_lo = np.concatenate([[0.0], cum[cat_start[1:-1] - 1]])
    cat_hi = cum[cat_start[1:] - 1]
    cat_mass = cat_hi - cat_lo
    # Public item ids: sparse integers like a shop's SKUs.
    item_ids = rng.choice(np.arange(1_000_000, 1_000_000 + 20 * n_items), n_items, replace=False)

    # Sessions.
    p = 1.0 / a.mean_length
    lengths = []
    total = 0
    while total < a.events:
        chunk = rng.geometric(p, size=max(1024, int((a.events - total) * p * 1.1)))
        lengths.append(chunk)
        total += int(chunk.sum())
    lengths = np.concatenate(lengths)
    cut = np.searchsorted(np.cumsum(lengths), a.events)
    lengths = lengths[: cut + 1]
    lengths[-1] -= int(lengths.sum()) - a.events
    lengths = lengths[lengths > 0]
    n_sessions = len(lengths)
    n = int(lengths.sum())
    session = np.repeat(np.arange(n_sessions, dtype=np.int64), lengths)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(n) - np.repeat(first, lengths)

    home = np.searchsorted(np.cumsum(cat_mass), rng.random(n_sessions) * cat_mass.sum())
    home = np.minimum(home, n_cat - 1)
    h = home[session]
    u = rng.random(n)
    focused = rng.random(n) < a.focus
    target = np.where(focused, cat_lo[h] + u * cat_mass[h], u)
    item = np.minimum(np.searchsorted(cum, target, side="right"), n_items - 1)
    # Repeats and cart/purchase act on the previous item of the session.
    r = rng.random(n)
    kind = np.zeros(n, dtype=np.int8)  # 0 view, 1 cart, 2 purchase
    kind[r < 0.08] = 1
    kind[r < 0.02] = 2
    kind[pos == 0] = 0
    same = ((rng.random(n) < a.repeat) | (kind > 0)) & (pos > 0)
    # Propagate "same as previous" runs: index of the last non-repeat event.
    src = np.where(same, 0, np.arange(n))
    np.maximum.accumulate(src, out=src)
    item = item[src]

    start = np.sort(rng.random(n_sessions)) * a.days * 86400 + 1_700_000_000
    gaps = rng.exponential(60.0, n)
    gaps[first] = 0.0
    csum = np.cumsum(gaps)
    t = np.repeat(start, lengths) + csum - np.repeat(csum[first], lengths)

    names = np.array(["view_item", "add_to_cart", "purchase"])
    with open(a.out, "w", buffering=1 << 22) as f:
        f.write("session_id,item_id,event_type,timestamp\n")
        step = 1_000_000
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            s_ = session[lo:hi].tolist()
            i_ = item_ids[item[lo:hi]].tolist()
            k_ = names[kind[lo:hi]].tolist()
            t_ = t[lo:hi].astype(np.int64).tolist()
            f.write("".join(f"{a_},{b_},{c_},{d_}\n" for a_, b_, c_, d_ in zip(s_, i_, k_, t_)))
    if a.catalog_out:
        brands = rng.integers(0, 2000, n_items)
        price = np.round(rng.lognormal(3.0, 1.0, n_items), 2)
        with open(a.catalog_out, "w") as f:
            f.write("item_id,name,category,brand,price,in_stock\n")
            f.write("".join(
                f"{iid},item {iid},cat{c},brand{b},{pr},true\n"
                for iid, c, b, pr in zip(item_ids.tolist(), cat_of.tolist(), brands.tolist(), price.tolist())
            ))
    counts = np.bincount(item, minlength=n_items)
    top = np.sort(counts)[::-1]
    print(
        f"{n} events, {n_sessions} sessions, {int((counts > 0).sum())} of {n_items} items seen; "
        f"top 1% of items draw {top[: n_items // 100].sum() / n:.1%} of events, "
        f"top 10% {top[: n_items // 10].sum() / n:.1%} -> {a.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
