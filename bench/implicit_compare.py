#!/usr/bin/env python3
"""shelfrank's ALS against the Python library `implicit`, on identical data.

Both sides get the same training events, the same session x item matrix of
strengths s (sum over a session's events on an item of
weight(kind) * 2^(-age/half-life), age measured from the session's last
event, exactly as `shelfrank train` builds it), the same confidence
c = 1 + alpha*s, the same factors, regularisation, iterations and
conjugate-gradient steps (3), and the same number of threads. Both are
evaluated with the same session-based next-item protocol on the same test
events (see docs/EVALUATION.md):

- shelfrank: `shelfrank train` (no catalogue, so both sides know the same
  items) then `shelfrank eval`, i.e. the browser engine: profile, exact
  fold-in of the session (Cholesky), int8 item factors, top-K with
  exclude_viewed=false;
- implicit: `AlternatingLeastSquares.fit`, then for every prefix of every test
  session its strengths as the engine computes them (decayed to the prefix's
  last event) and `recommend(..., recalculate_user=True,
  filter_already_liked_items=False, N=K)`, which solves the same fold-in
  exactly (Cholesky) with float32 item factors.

Times: shelfrank's is the ALS step that `shelfrank train` reports (reading
the CSV and writing the model file excluded); implicit's is `fit()` alone
(building the matrix in Python excluded). Prints a Markdown table and
writes --json.

  python3 bench/implicit_compare.py --shelfrank target/release/shelfrank \
      --train target/eval/yoochoose/train.csv --test target/eval/yoochoose/test.csv
"""
import argparse
import csv
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

# implicit warns (and slows down) when BLAS itself is multithreaded.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

# shelfrank's defaults (src/events.rs, EventWeights::default) and the raw
# data-set names it accepts (trainer/src/input.rs, parse_kind).
DEFAULT_WEIGHTS = {
    "view_item": 1.0, "select_item": 1.0, "add_to_cart": 4.0, "remove_from_cart": -4.0,
    "add_to_wishlist": 3.0, "begin_checkout": 6.0, "purchase": 8.0, "dwell": 0.5,
}
ALIASES = {
    "view": "view_item", "pv": "view_item", "click": "view_item", "clicks": "view_item",
    "page_view": "view_item", "detail": "view_item", "select": "select_item",
    "cart": "add_to_cart", "addtocart": "add_to_cart", "removefromcart": "remove_from_cart",
    "fav": "add_to_wishlist", "wishlist": "add_to_wishlist", "checkout": "begin_checkout",
    "buy": "purchase", "transaction": "purchase", "order": "purchase",
}


def kind_of(raw):
    s = raw.strip().lower()
    return ALIASES.get(s, s)


def parse_weights(spec):
    w = dict(DEFAULT_WEIGHTS)
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, value = part.split("=", 1)
        w[kind_of(name)] = float(value)
    return w


def parse_duration_s(d):
    m = re.fullmatch(r"\s*([0-9.]+)\s*(ms|s|m|h|d|w)?\s*", d)
    if not m:
        raise SystemExit(f"--half-life {d!r} is not a duration like 7d")
    unit = {"ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}[m.group(2)]
    return float(m.group(1)) * unit


def read_sessions(path):
    """Sessions (time order, stable) of (item, kind, time_s), as shelfrank's SessionLog."""
    sessions = {}
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        for row_no, row in enumerate(r):
            t = row.get("timestamp")
            ts = float(t) if t not in (None, "") else float(row_no)
            sessions.setdefault(row["session_id"], []).append((row["item_id"], kind_of(row["event_type"]), ts))
    out = []
    for evs in sessions.values():
        evs.sort(key=lambda e: e[2])
        out.append(evs)
    return out


def strengths(events, weights, half_life_s, now):
    """Item -> decayed strength at `now`, as trainer and engine compute it."""
    s = {}
    for item, kind, t in events:
        w = weights.get(kind, 0.0)
        if w == 0.0:
            continue
        age = max(0.0, now - t)
        s[item] = s.get(item, 0.0) + w * math.exp(-age / half_life_s * math.log(2))
    return {i: v for i, v in s.items() if v > 0.0}


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def train_shelfrank(binary, a, model):
    """Runs `shelfrank train` `--repeat` times into `model`: the ALS wall time
    it reports and the CPU time of the whole command, per run."""
    cmd = [binary, "train", "-q", "--events", a.train, "--out", model,
           "--factors", str(a.factors), "--iterations", str(a.iterations),
           "--alpha", str(a.alpha), "--regularization", str(a.regularization),
           "--event-weights", a.event_weights, "--half-life", a.half_life,
           "--seed", str(a.seed), "--threads", str(a.threads), "--cg-steps", "3"]
    walls, cpus = [], []
    for _ in range(a.repeat):
        c0 = cpu_children()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        cpus.append(cpu_children() - c0)
        m = re.search(r"ALS ([0-9.]+)s", out)
        walls.append(float(m.group(1)) if m else float("nan"))
    return walls, cpus


def run_shelfrank(binary, a, ks):
    """Trains `--repeat` times (best ALS wall time and best CPU time of the
    whole train command), evaluates the last model."""
    with tempfile.TemporaryDirectory() as d:
        model = os.path.join(d, "model.shelf")
        walls, cpus = train_shelfrank(binary, a, model)
        rep = os.path.join(d, "report")
        subprocess.run([binary, "eval", "-q", "--model", model, "--test", a.test,
                        "--k", ",".join(map(str, ks)), "--threads", str(a.threads), "--report", rep],
                       check=True, capture_output=True, text=True)
        with open(os.path.join(rep, "report.json")) as f:
            r = json.load(f)["evaluation"]
    eng = r["methods"][0]
    return walls, cpus, eng, r


def time_only(a, ui, fit_walls, fit_cpus, version):
    with tempfile.TemporaryDirectory() as d:
        walls, cpus = train_shelfrank(a.shelfrank, a, os.path.join(d, "m.shelf"))
    name = a.name or os.path.basename(a.train)
    print(f"{name}: {ui.shape[0]} sessions x {ui.shape[1]} items, {ui.nnz} nonzeros (training time only); "
          f"{a.factors} factors, {a.iterations} iterations, {a.threads} threads")
    print(f"| library | train wall s (best of {a.repeat}) | train CPU s |")
    print("|---|---:|---:|")
    print(f"| shelfrank (ALS, CG 3) | {min(walls):.2f} | {min(cpus):.2f} |")
    print(f"| implicit {version} (CG 3) | {min(fit_walls):.2f} | {min(fit_cpus):.2f} |")
    print(f"(load average {os.getloadavg()[0]:.1f}; shelfrank CPU covers the whole train command, "
          f"implicit's fit() alone)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"name": name, "train": a.train, "sessions": ui.shape[0], "items": ui.shape[1],
                       "nonzeros": int(ui.nnz), "load_average": os.getloadavg(),
                       "shelfrank": {"als_seconds_all": walls, "train_cpu_seconds": min(cpus)},
                       "implicit": {"fit_seconds_all": fit_walls, "fit_cpu_seconds": min(fit_cpus)}}, f, indent=2)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", help="test events; without it only training times are compared")
    ap.add_argument("--shelfrank", default="target/release/shelfrank")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--alpha", type=float, default=100.0)
    ap.add_argument("--regularization", type=float, default=1.0)
    ap.add_argument("--event-weights", default="view_item=1,add_to_cart=1,remove_from_cart=0,purchase=1")
    ap.add_argument("--half-life", default="7d")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--name", default="")
    ap.add_argument("--repeat", type=int, default=3, help="training runs per library; the best time counts")
    ap.add_argument("--json")
    a = ap.parse_args()

    import implicit
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_info

    weights = parse_weights(a.event_weights)
    hl = parse_duration_s(a.half_life)

    # ---- training matrix (same as trainer/src/train.rs prepare())
    train = read_sessions(a.train)
    item_index = {}
    for evs in train:
        for item, _, _ in evs:
            item_index.setdefault(item, len(item_index))
    rows, cols, vals = [], [], []
    for u, evs in enumerate(train):
        end = max(t for _, _, t in evs)
        for item, v in strengths(evs, weights, hl, end).items():
            rows.append(u)
            cols.append(item_index[item])
            vals.append(v)
    n_users, n_items = len(train), len(item_index)
    ui = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(n_users, n_items))

    # ---- implicit: fit (--repeat times, the best wall and CPU time count)
    fit_walls, fit_cpus = [], []
    for _ in range(a.repeat):
        model = AlternatingLeastSquares(factors=a.factors, regularization=a.regularization, alpha=a.alpha,
                                        iterations=a.iterations, use_cg=True, num_threads=a.threads,
                                        random_state=a.seed)
        model.cg_steps = 3
        c0, t0 = cpu_self(), time.perf_counter()
        model.fit(ui, show_progress=False)
        fit_walls.append(time.perf_counter() - t0)
        fit_cpus.append(cpu_self() - c0)
    fit_s = min(fit_walls)

    if not a.test:
        return time_only(a, ui, fit_walls, fit_cpus, implicit.__version__)

    # ---- test prefixes (same filtering as shelfrank eval)
    test = read_sessions(a.test)
    p_rows, p_cols, p_vals, targets = [], [], [], []
    dropped = kept_sessions = 0
    for evs in test:
        kept = [e for e in evs if e[0] in item_index]
        dropped += len(evs) - len(kept)
        if len(kept) < 2:
            continue
        kept_sessions += 1
        for j in range(1, len(kept)):
            prefix = kept[:j]
            now = max(t for _, _, t in prefix)
            s = strengths(prefix, weights, hl, now)
            r = len(targets)
            for item, v in s.items():
                p_rows.append(r)
                p_cols.append(item_index[item])
                p_vals.append(v)
            targets.append(item_index[kept[j][0]])
    n_pred = len(targets)
    prefixes = sp.csr_matrix((np.array(p_vals, dtype=np.float32), (p_rows, p_cols)), shape=(n_pred, n_items))
    t0 = time.perf_counter()
    ids, _ = model.recommend(np.arange(n_pred), prefixes, N=a.k, recalculate_user=True,
                             filter_already_liked_items=False)
    rec_s = time.perf_counter() - t0
    targets = np.array(targets)
    hit = ids == targets[:, None]
    found = hit.any(axis=1)
    rank = hit.argmax(axis=1) + 1
    recall = float(found.mean())
    mrr = float(np.where(found, 1.0 / rank, 0.0).mean())
    ndcg = float(np.where(found, 1.0 / np.log2(rank + 1), 0.0).mean())

    # ---- shelfrank on the same files
    als_walls, als_cpus, eng, rep = run_shelfrank(a.shelfrank, a, sorted({10, a.k}))
    als_s = min(als_walls)
    at = {x["k"]: x for x in eng["at"]}[a.k]

    res = {
        "name": a.name or os.path.basename(os.path.dirname(os.path.abspath(a.train))),
        "train": a.train, "test": a.test,
        "sessions": n_users, "items": n_items, "nonzeros": int(ui.nnz),
        "settings": {k: getattr(a, k) for k in ("factors", "iterations", "alpha", "regularization",
                                                 "event_weights", "half_life", "threads", "seed", "k")},
        "implicit_version": implicit.__version__,
        "blas": [{k: x.get(k) for k in ("internal_api", "version", "num_threads")} for x in threadpool_info()],
        "load_average": os.getloadavg(),
        "implicit": {"fit_seconds": fit_s, "fit_seconds_all": fit_walls, "fit_cpu_seconds": min(fit_cpus),
                     "recommend_seconds": rec_s, "recall": recall, "mrr": mrr,
                     "ndcg": ndcg, "predictions": n_pred, "test_sessions": kept_sessions,
                     "dropped_unknown": dropped},
        "shelfrank": {"als_seconds": als_s, "als_seconds_all": als_walls,
                      "train_cpu_seconds": min(als_cpus), "eval_seconds": eng.get("seconds"), "recall": at["recall"],
                      "mrr": at["mrr"], "ndcg": at["ndcg"], "predictions": rep["predictions"],
                      "test_sessions": rep["test_sessions"], "dropped_unknown": rep["test_events_dropped_unknown"]},
    }
    s, i = res["shelfrank"], res["implicit"]
    if (s["predictions"], s["test_sessions"]) != (i["predictions"], i["test_sessions"]):
        print(f"warning: protocol mismatch: shelfrank {s['predictions']} predictions in {s['test_sessions']} "
              f"sessions, implicit {i['predictions']} in {i['test_sessions']}", file=sys.stderr)
    k = a.k
    print(f"{res['name']}: {n_users} sessions x {n_items} items, {ui.nnz} nonzeros; {n_pred} predictions; "
          f"{a.factors} factors, {a.iterations} iterations, alpha {a.alpha:g}, lambda {a.regularization:g}, "
          f"{a.threads} threads")
    print(f"| library | train wall s (best of {a.repeat}) | train CPU s | Recall@{k} | MRR@{k} | NDCG@{k} |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| shelfrank (ALS, CG 3) | {als_s:.2f} | {min(als_cpus):.2f} | {s['recall']:.4f} | {s['mrr']:.4f} "
          f"| {s['ndcg']:.4f} |")
    print(f"| implicit {implicit.__version__} (CG 3) | {fit_s:.2f} | {min(fit_cpus):.2f} | {recall:.4f} | {mrr:.4f} "
          f"| {ndcg:.4f} |")
    print(f"(load average {os.getloadavg()[0]:.1f}; shelfrank CPU covers the whole train command, "
          f"implicit's fit() alone)")
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
