"""Spark throughput: notes/s of ``nlp.spark`` in local[1] and local[2] (``make bench``).

    python -m benchmarks.spark_bench [--shared ../shared] [--masters local[1] local[2]]

Codes ``SHARED/realdata/mtsamples_all.jsonl`` (2,376 real notes, read in place,
never copied) through :func:`nlp.spark.code_jsonl`, one fresh SparkSession per
master, with the prescreen on (the default: notes without any CCM signal skip
the pipeline) and off (every note runs the full pipeline). The clock covers the
coding job only (the session is started and the model shipped and loaded by a
warm-up job first); result rows are counted by status, nothing is written.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.accuracy import update_readme_block

ROOT = Path(__file__).resolve().parent.parent


def run(master: str, source: str, model: str | None, max_partition_bytes: str,
        prescreen: bool) -> dict:
    from pyspark.sql import functions as F

    from nlp import spark as ccm_spark

    spark = ccm_spark.session(master, app_name=f"ccm-coder-bench-{master}", conf={
        "spark.ui.enabled": "false",
        "spark.sql.files.maxPartitionBytes": max_partition_bytes,
    })
    spark.sparkContext.setLogLevel("ERROR")
    try:
        warm = spark.createDataFrame([("w", "CCM generator implant.")] * 8, "id string, text string")
        ccm_spark.code_dataframe(warm.repartition(spark.sparkContext.defaultParallelism),
                                 model=model, prescreen=prescreen).count()          # ship + load the model in every worker
        coded = ccm_spark.code_jsonl(spark, source, model, prescreen=prescreen)
        tasks = coded.rdd.getNumPartitions()
        start = time.perf_counter()
        stats = coded.groupBy("status").agg(
            F.count("*").alias("n"), F.sum((F.size("codes") > 0).cast("int")).alias("coded")).collect()
        seconds = time.perf_counter() - start
        counts = {r["status"]: r["n"] for r in stats}
        coded_codes = sum(r["coded"] or 0 for r in stats)
    finally:
        spark.stop()
    notes = sum(counts.values())
    return {"master": master, "prescreen": "on" if prescreen else "off", "notes": notes, "tasks": tasks, "seconds": seconds,
            "rate": notes / seconds, "errors": counts.get("error", 0), "with_codes": coded_codes}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared folder")
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--model", default=None, help="model folder (default: models/)")
    parser.add_argument("--max-partition-bytes", default="1m",
                        help="spark.sql.files.maxPartitionBytes (smaller: more, evener tasks)")
    args = parser.parse_args(argv)
    source = Path(args.shared) / "realdata" / "mtsamples_all.jsonl"
    if not source.is_file():
        sys.exit(f"spark_bench: no {source}")
    rows = [run(m, str(source), args.model, args.max_partition_bytes, p)
            for p in (True, False) for m in args.masters]
    lines = [f"Spark local mode on {source.name} ({rows[0]['notes']:,} notes); "
             f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
             f"pyspark {__import__('pyspark').__version__} (`make bench`).", "",
             "| prescreen | master | tasks | seconds | notes/s | speed-up | error rows | notes with codes |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        base = next(x["rate"] for x in rows if x["prescreen"] == r["prescreen"])
        lines.append(f"| {r['prescreen']} | {r['master']} | {r['tasks']} | {r['seconds']:.1f} | "
                     f"{r['rate']:.1f} | {r['rate'] / base:.2f}x | {r['errors']} | {r['with_codes']} |")
    print("\n".join(lines))
    update_readme_block("spark", "\n".join(lines))

if __name__ == "__main__":
    main()
