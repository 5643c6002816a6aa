#!/usr/bin/env python3
"""Train shelfrank's implicit-ALS item factors on Apache Spark.

Reads events in the native trainer's schema (CSV with a header, or Parquet),
turns them into the same session x item strengths as `shelfrank train`,
trains `pyspark.ml.recommendation.ALS(implicitPrefs=True)` and writes a
factors directory that `shelfrank import-spark` turns into a `.shelf` model:

    OUT/metadata/part-*.json   one JSON line: the training settings and counts
    OUT/items/part-*.json      one JSON line per item seen in the events:
                               {"item_id": "...", "events": 42, "factors": [...]}
                               ("factors" is absent for items whose strength
                               was never positive, e.g. only removed from carts)

Laptop:   python3 examples/spark/train_als.py --events events.csv --out factors/
Cluster:  spark-submit --master yarn --deploy-mode cluster \\
              examples/spark/train_als.py --events hdfs:///logs/events/ \\
              --out hdfs:///models/factors/
          (then copy OUT to the machine that runs `shelfrank import-spark`)

Interaction strength, exactly as trainer/src/train.rs `prepare` computes it:

    s(session, item) = sum over the session's events e on the item of
                       w(kind_e) * units(kind_e) * 2^(-(t_end - t_e) / half_life)

  * w: the event-kind weights (engine defaults view_item 1, select_item 1,
    add_to_cart 4, remove_from_cart -4, add_to_wishlist 3, begin_checkout 6,
    purchase 8, dwell 0.5), overridable with --event-weights like the trainer;
  * units: 1 for every kind except dwell, whose units come from a duration the
    CSV schema does not carry, so a logged dwell event adds 0 (as natively);
  * t_end: the time of the session's last event of any kind (zero-weight ones
    included); age t_end - t_e clamped at zero; no time column: no decay.
    The native trainer rounds times to whole seconds from the file's first
    event; this job uses the times unrounded (a difference of at most one
    second of age, i.e. a relative weight difference below 2e-6 at 7 days);
  * pairs whose total s is not > 0 are dropped (a remove_from_cart can cancel
    an add_to_cart);
  * ALS confidence is c = 1 + alpha * s and the preference is 1.

Sessions: the session_id column when there is one; otherwise user_id split
by an inactivity gap (--session-gap, default 30m) over time-ordered events
(the native reader applies the gap in file order: the same for logs sorted by
time). Per-item event counts (for the popularity prior) count every valid
event of any kind, as natively.

Regularisation: Spark's ALS scales regParam by each row's number of positive
entries (ALS-WR), the native trainer and the browser's fold-in use one fixed
lambda. metadata.fold_in_lambda = reg_param x (mean positive items per
session) is what the importer writes as the model's lambda unless told
otherwise (`shelfrank import-spark --regularization`).
"""

import argparse
import json
import os
import re
import sys
import time

# The engine's defaults (src/events.rs, EventWeights::default) in EventKind order.
KINDS = [
    "view_item",
    "select_item",
    "add_to_cart",
    "remove_from_cart",
    "add_to_wishlist",
    "begin_checkout",
    "purchase",
    "dwell",
]
DEFAULT_WEIGHTS = [1.0, 1.0, 4.0, -4.0, 3.0, 6.0, 8.0, 0.5]

# Raw event names -> kind, as trainer/src/input.rs `parse_kind`.
EVENT_NAMES = {
    **{n: "view_item" for n in ["view_item", "view", "pv", "click", "clicks", "page_view", "detail"]},
    **{n: "select_item" for n in ["select_item", "select"]},
    **{n: "add_to_cart" for n in ["add_to_cart", "cart", "addtocart"]},
    **{n: "remove_from_cart" for n in ["remove_from_cart", "removefromcart"]},
    **{n: "add_to_wishlist" for n in ["add_to_wishlist", "fav", "wishlist"]},
    **{n: "begin_checkout" for n in ["begin_checkout", "checkout"]},
    **{n: "purchase" for n in ["purchase", "buy", "transaction", "order"]},
    "dwell": "dwell",
}

# Header names, as trainer/src/input.rs (compared after norm_header).
SESSION_NAMES = ["sessionid", "usersession", "session"]
USER_NAMES = ["userid", "user", "visitorid", "customerid", "clientid"]
ITEM_NAMES = ["itemid", "productid", "item", "product", "sku"]
KIND_NAMES = ["eventtype", "eventname", "event", "behavior", "behaviortype", "type"]
TIME_NAMES = ["timestamp", "time", "eventtime", "ts", "datetime"]


def norm_header(h):
    return "".join(c.lower() for c in h if c.isascii() and c.isalnum())


def find_column(headers, names):
    for want in names:
        for h in headers:
            if norm_header(h) == want:
                return h
    return None


def parse_duration(s):
    """`30m`, `7d`, `12h`, `90s`, `2w` -> seconds (trainer/src/timeparse.rs)."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-z]*)\s*", s)
    mult = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
    if not m or m.group(2) not in mult:
        raise argparse.ArgumentTypeError(f'"{s}" is not a duration like 30m, 7d')
    v = float(m.group(1)) * mult[m.group(2)]
    if not v > 0:
        raise argparse.ArgumentTypeError(f'"{s}" must be > 0')
    return v


def parse_weights(spec):
    """`view_item=1,add_to_cart=4` (raw names too) over the engine defaults."""
    w = dict(zip(KINDS, DEFAULT_WEIGHTS))
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if "=" not in part:
            raise argparse.ArgumentTypeError(f'event weight "{part}" is not name=value')
        name, value = part.split("=", 1)
        kind = EVENT_NAMES.get(name.strip().lower())
        if kind is None:
            raise argparse.ArgumentTypeError(f'unknown event name "{name}" in --event-weights')
        try:
            v = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f'event weight "{value}" for {name} is not a number')
        if not (abs(v) <= 1.0e4):
            raise argparse.ArgumentTypeError(f"event weight for {name} must be within +-10000")
        w[kind] = v
    return w


def sniff_delimiter(first_line):
    """The delimiter that occurs most often in the header (tab, ';', ',')."""
    counts = [("\t", first_line.count("\t")), (";", first_line.count(";")), (",", first_line.count(","))]
    best = max(counts, key=lambda c: c[1])  # first of equals wins, as natively
    return best[0] if best[1] > 0 else ","


def args_parser():
    p = argparse.ArgumentParser(
        description="Train shelfrank item factors with Spark MLlib ALS (implicit preferences).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--events", required=True, nargs="+", help="events CSV/TSV file(s) or directory, or Parquet")
    p.add_argument("--out", required=True, help="output directory (overwritten)")
    p.add_argument("--input-format", choices=["auto", "csv", "parquet"], default="auto",
                   help="auto: parquet when the path ends in .parquet or is a Parquet directory")
    p.add_argument("--delimiter", default=None, help="CSV delimiter (default: sniffed from the header)")
    p.add_argument("--rank", "--factors", type=int, default=64, dest="rank")
    p.add_argument("--max-iter", "--iterations", type=int, default=15, dest="max_iter")
    p.add_argument("--reg-param", type=float, default=0.01,
                   help="Spark's regParam (scaled per row by its count of positive entries, ALS-WR)")
    p.add_argument("--alpha", type=float, default=10.0, help="confidence scale: c = 1 + alpha * strength")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--event-weights", type=parse_weights, default=parse_weights(""))
    p.add_argument("--half-life", type=parse_duration, default=parse_duration("7d"))
    p.add_argument("--session-gap", type=parse_duration, default=parse_duration("30m"))
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="drop malformed rows (counted) instead of stopping at the first")
    p.add_argument("--master", default=None,
                   help="Spark master when run with python3 (default local[*]); spark-submit's --master wins")
    p.add_argument("--driver-memory", default=None,
                   help="driver JVM memory when run with python3, e.g. 8g (spark-submit: use its --driver-memory)")
    p.add_argument("--blocks", type=int, default=None, help="ALS user and item blocks (default: Spark's, 10)")
    p.add_argument("--checkpoint-dir", default=None,
                   help="checkpoint directory (cuts the RDD lineage every 10 iterations on long runs)")
    p.add_argument("--dump-strengths", default=None,
                   help="also write the (session, item, strength) pairs as JSON lines here (for checks)")
    p.add_argument("--output-files", type=int, default=1,
                   help="part files in OUT/items (1 keeps it one file; raise for millions of items)")
    return p


def linear_algebra_backends(spark):
    """Which BLAS and LAPACK Spark's ALS runs on in the driver JVM (all of Spark
    in local mode): "JNIBLAS"/"JNILAPACK" when a native library (libblas.so.3,
    liblapack.so.3, e.g. Debian's libopenblas0-pthread) was found, otherwise a
    Java fallback, several times slower for ALS's Cholesky solves."""
    def name(cls):
        try:
            return cls.getInstance().getClass().getSimpleName()
        except Exception:
            return None

    try:
        netlib = spark.sparkContext._jvm.dev.ludovic.netlib
        return name(netlib.blas.BLAS), name(netlib.lapack.LAPACK)
    except Exception:
        return None, None


def session_builder(master, driver_memory=None):
    from pyspark.sql import SparkSession

    b = SparkSession.builder.appName("shelfrank-train-als")
    b = b.config("spark.sql.session.timeZone", "UTC")
    # ALS solves many small k x k systems, one per row, in parallel tasks: a
    # multi-threaded native BLAS would only oversubscribe the cores (Spark's
    # MLlib guide, SPARK-21305). The local-mode JVM inherits this process's
    # environment; executors on a cluster get it through executorEnv.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    b = (b.config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
         .config("spark.executorEnv.MKL_NUM_THREADS", "1"))
    if driver_memory:
        b = b.config("spark.driver.memory", driver_memory)
    # Under spark-submit the master is already set; with plain python3 use --master or local[*].
    from pyspark import SparkConf

    if master or not SparkConf().contains("spark.master"):
        m = master or "local[*]"
        b = b.master(m).config("spark.ui.showConsoleProgress", "false")
        if m.startswith("local"):
            b = (b.config("spark.ui.enabled", "false")
                 .config("spark.driver.host", "127.0.0.1")
                 .config("spark.driver.bindAddress", "127.0.0.1")
                 .config("spark.sql.shuffle.partitions", "8"))
    return b.getOrCreate()


class InputError(Exception):
    pass


def read_events(spark, args):
    """Returns a DataFrame (session string, item string, kind string, t double-or-null)
    of valid events, and a dict of bad-row counts."""
    from pyspark.sql import functions as F

    paths = args.events
    fmt = args.input_format
    if fmt == "auto":
        fmt = "parquet" if all(p.rstrip("/").endswith(".parquet") for p in paths) else "csv"
        if fmt == "csv":
            # a directory of Parquet parts without the suffix
            try:
                fs_first = spark.read.text(paths[0]).limit(1).collect()
                if fs_first and fs_first[0][0].startswith("PAR1"):
                    fmt = "parquet"
            except Exception:
                pass
    if fmt == "parquet":
        df = spark.read.parquet(*paths)
    else:
        first = spark.read.text(paths[0]).limit(1).collect()
        if not first or not first[0][0].strip():
            raise InputError(f"{paths[0]}: the file is empty (expected a header line)")
        header_line = first[0][0].lstrip("\ufeff")
        delim = args.delimiter or sniff_delimiter(header_line)
        df = (spark.read.option("header", True).option("sep", delim).option("inferSchema", False)
              .option("mode", "PERMISSIVE").option("enforceSchema", False).csv(list(paths)))
        # Spark keeps a BOM and surrounding blanks in header names; clean them.
        df = df.toDF(*[c.lstrip("\ufeff").strip() for c in df.columns])
    headers = df.columns
    item_c = find_column(headers, ITEM_NAMES)
    if item_c is None:
        raise InputError(f"{paths[0]}: no item column in the header [{', '.join(headers)}]: "
                         "expected one of item_id, product_id, ItemId")
    session_c = find_column(headers, SESSION_NAMES)
    user_c = find_column(headers, USER_NAMES)
    if session_c is None and user_c is None:
        raise InputError(f"{paths[0]}: no session_id or user_id column in the header [{', '.join(headers)}]")
    kind_c = find_column(headers, KIND_NAMES)
    time_c = find_column(headers, TIME_NAMES)

    key_c = session_c or user_c
    key = F.trim(F.col(f"`{key_c}`").cast("string"))
    item = F.trim(F.col(f"`{item_c}`").cast("string"))
    if kind_c is None:
        kind = F.lit("view_item")
        kind_raw = F.lit("view_item")
    else:
        kind_raw = F.col(f"`{kind_c}`").cast("string")
        m = F.create_map(*[F.lit(x) for kv in EVENT_NAMES.items() for x in kv])
        kind = m[F.lower(F.trim(kind_raw))]
    if time_c is None:
        t = F.lit(None).cast("double")
        t_raw = F.lit(None).cast("string")
    else:
        dtype = dict(df.dtypes)[time_c]
        c = F.col(f"`{time_c}`")
        if dtype in ("timestamp", "timestamp_ntz", "date"):
            t = c.cast("timestamp").cast("double")
            t_raw = c.cast("string")
        else:
            s = F.trim(c.cast("string"))
            t_raw = s
            num = F.expr(f"try_cast(trim(cast(`{time_c}` as string)) as double)")
            iso = F.expr(f"cast(try_cast(trim(cast(`{time_c}` as string)) as timestamp) as double)")
            t = (F.when(s.rlike(r"^[0-9.]+$"), F.when(num > 1.0e11, num / 1000.0).otherwise(num))
                 .otherwise(iso))
    ev = df.select(key.alias("key"), item.alias("item"), kind.alias("kind"),
                   kind_raw.alias("kind_raw"), t.alias("t"), t_raw.alias("t_raw"))
    reason = (F.when(F.col("key").isNull() | (F.col("key") == "") |
                     ((F.col("key") == "NA") & F.lit(session_c is None)), "empty session/user id")
              .when(F.col("item").isNull() | (F.col("item") == ""), "empty item id")
              .when(F.col("kind").isNull(), "unknown event type")
              .when(F.col("t_raw").isNotNull() & (F.col("t").isNull() | (F.col("t") < 0)), "bad timestamp")
              .when(F.lit(time_c is not None) & F.col("t_raw").isNull(), "missing field"))
    ev = ev.withColumn("bad", reason).cache()
    bad = {r["bad"]: (r["n"], r["example"]) for r in
           ev.where(F.col("bad").isNotNull()).groupBy("bad")
             .agg(F.count("*").alias("n"),
                  F.first(F.concat_ws(" | ", "key", "item", "kind_raw", "t_raw")).alias("example"))
             .collect()}
    if bad and not args.skip_bad_rows:
        reason, (n, example) = sorted(bad.items())[0]
        raise InputError(f"{', '.join(paths)}: {sum(v[0] for v in bad.values())} malformed rows, "
                         f"e.g. {n} x {reason} (row: {example}); fix them or pass --skip-bad-rows")
    ev = ev.where(F.col("bad").isNull()).select("key", "item", "kind", "t")
    if session_c is None:
        ev = sessionise(ev, args.session_gap)
    else:
        ev = ev.withColumnRenamed("key", "session")
    return ev, {k: v[0] for k, v in bad.items()}, session_c is None


def sessionise(ev, gap_s):
    """user_id -> sessions split where the time since the user's previous event exceeds the gap."""
    from pyspark.sql import Window, functions as F

    w = Window.partitionBy("key").orderBy(F.col("t").asc_nulls_first())
    tt = F.coalesce(F.col("t"), F.lit(0.0))
    ev = ev.withColumn("prev", F.lag(tt).over(w))
    ev = ev.withColumn("new", F.when(F.col("prev").isNull() | (tt - F.col("prev") > gap_s), 1).otherwise(0))
    ev = ev.withColumn("n", F.sum("new").over(w.rowsBetween(Window.unboundedPreceding, 0)))
    return ev.select(F.concat_ws("\u0001", "key", F.col("n").cast("string")).alias("session"),
                     "item", "kind", "t")


def strengths(ev, weights, half_life_s):
    """(session, item, strength > 0): sum of w * 2^(-age/half-life) per pair, as train.rs `prepare`."""
    from pyspark.sql import Window, functions as F

    # units: 1, except dwell whose duration the schema lacks -> 0 (trainer: event_units(kind, None)).
    wmap = F.create_map(*[x for k in KINDS for x in (F.lit(k), F.lit(0.0 if k == "dwell" else weights[k]))])
    ev = ev.withColumn("w", wmap[F.col("kind")])
    t_end = F.max(F.coalesce(F.col("t"), F.lit(0.0))).over(Window.partitionBy("session"))
    ev = ev.withColumn("t_end", t_end).where(F.col("w") != 0.0)
    age = F.greatest(F.col("t_end") - F.coalesce(F.col("t"), F.lit(0.0)), F.lit(0.0))
    decay = F.exp(-age / F.lit(half_life_s) * F.lit(0.6931471805599453))
    pairs = (ev.groupBy("session", "item").agg(F.sum(F.col("w") * decay).alias("strength"))
             .where(F.col("strength") > 0.0)
             .withColumn("strength", F.col("strength").cast("float")))
    return pairs


def main(argv=None):
    args = args_parser().parse_args(argv)
    t0 = time.time()
    spark = session_builder(args.master, args.driver_memory)
    spark.sparkContext.setLogLevel("WARN")
    if args.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(args.checkpoint_dir)
    from pyspark.ml.feature import IndexToString, StringIndexer
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F

    if not (1 <= args.rank <= 1024):
        raise InputError(f"--rank must be 1..=1024, got {args.rank}")
    ev, bad, by_user = read_events(spark, args)
    ev = ev.cache()
    counts = ev.groupBy("item").agg(F.count("*").alias("events")).cache()
    totals = ev.agg(F.count("*").alias("n"), F.countDistinct("session").alias("s")).first()
    n_events, n_sessions = totals["n"], totals["s"]
    if n_events == 0:
        raise InputError(f"{', '.join(args.events)}: no events to train on")
    pairs = strengths(ev, args.event_weights, args.half_life).cache()
    nnz = pairs.count()
    if nnz == 0:
        raise InputError("no item has a positive interaction strength: check --event-weights")

    if args.dump_strengths:
        pairs.write.mode("overwrite").option("compression", "none").json(args.dump_strengths)

    # Dense ALS ids: StringIndexer for sessions and for items (only those with signal).
    s_idx = StringIndexer(inputCol="session", outputCol="u", stringOrderType="alphabetAsc").fit(pairs)
    i_idx = StringIndexer(inputCol="item", outputCol="i", stringOrderType="alphabetAsc").fit(pairs)
    data = i_idx.transform(s_idx.transform(pairs)).select(
        F.col("u").cast("int").alias("u"), F.col("i").cast("int").alias("i"), "strength")
    n_rows = len(s_idx.labels)
    mean_row_nnz = nnz / max(n_rows, 1)

    als = ALS(rank=args.rank, maxIter=args.max_iter, regParam=args.reg_param, alpha=args.alpha,
              implicitPrefs=True, nonnegative=False, seed=args.seed, userCol="u", itemCol="i",
              ratingCol="strength", coldStartStrategy="nan")
    if args.blocks:
        als = als.setNumUserBlocks(args.blocks).setNumItemBlocks(args.blocks)
    t1 = time.time()
    model = als.fit(data)
    item_factors = model.itemFactors.cache()
    n_factor_rows = item_factors.count()  # forces training
    als_seconds = time.time() - t1

    # The id map: ALS item index -> item id (the indexer's labels).
    to_id = IndexToString(inputCol="i", outputCol="item", labels=i_idx.labels)
    factors = to_id.transform(item_factors.select(F.col("id").cast("double").alias("i"), "features")).select(
        "item", F.col("features").alias("factors"))
    items = (counts.join(factors, "item", "left")
             .select(F.col("item").alias("item_id"), "events", "factors")
             .orderBy("item_id"))
    out = args.out.rstrip("/")
    (items.coalesce(max(args.output_files, 1)).write.mode("overwrite")
     .option("compression", "none").json(out + "/items"))
    try:  # CPU seconds of the driver JVM (all of Spark in local mode; Linux), for benchmarks
        pid = spark.sparkContext._gateway.proc.pid
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        jvm_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:
        jvm_cpu = None
    try:  # peak resident memory of the driver JVM (Linux), for benchmarks
        with open(f"/proc/{spark.sparkContext._gateway.proc.pid}/status") as f:
            hwm = [ln for ln in f if ln.startswith("VmHWM:")]
        jvm_peak_mib = int(hwm[0].split()[1]) / 1024 if hwm else None
    except Exception:
        jvm_peak_mib = None
    blas, lapack = linear_algebra_backends(spark)
    meta = {
        "format": "shelfrank-spark-factors",
        "version": 1,
        "rank": args.rank,
        "max_iter": args.max_iter,
        "reg_param": args.reg_param,
        "alpha": args.alpha,
        "seed": args.seed,
        "implicit_prefs": True,
        "half_life_hours": args.half_life / 3600.0,
        "event_weights": {k: args.event_weights[k] for k in KINDS},
        "fold_in_lambda": args.reg_param * mean_row_nnz,
        "mean_row_nnz": mean_row_nnz,
        "events": n_events,
        "bad_rows": sum(bad.values()),
        "sessions": n_sessions,
        "sessions_with_signal": n_rows,
        "sessionised_by_user": by_user,
        "items_with_factors": n_factor_rows,
        "nonzeros": nnz,
        "als_seconds": round(als_seconds, 3),
        "total_seconds": round(time.time() - t0, 3),
        "driver_jvm_cpu_seconds": None if jvm_cpu is None else round(jvm_cpu, 3),
        "driver_jvm_peak_rss_mib": None if jvm_peak_mib is None else round(jvm_peak_mib, 1),
        "blas": blas,
        "lapack": lapack,
        "spark_version": spark.version,
        "source": ", ".join(args.events),
    }
    (spark.createDataFrame([(json.dumps(meta),)], "value string").coalesce(1)
     .write.mode("overwrite").option("compression", "none").text(out + "/metadata"))
    n_items = counts.count()
    print(f"trained {out}: {n_events} events ({sum(bad.values())} bad rows skipped), "
          f"{n_sessions} sessions ({n_rows} with signal), {nnz} session-item pairs; "
          f"{n_items} items, {n_factor_rows} with factors; rank {args.rank}, {args.max_iter} iterations, "
          f"regParam {args.reg_param}, alpha {args.alpha}; BLAS {blas}, LAPACK {lapack}; "
          f"ALS {als_seconds:.1f}s, "
          f"total {time.time() - t0:.1f}s")
    spark.stop()


if __name__ == "__main__":
    try:
        main()
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
