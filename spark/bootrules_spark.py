"""Check console logs with bootrules on Apache Spark: one row per session, written to Parquet.

The verdicts are the command line's: each executor runs the same engine and rule pack through the
`bootrules` Python module (built from this repository with maturin), and every row is read from the
file object that `bootrules check --format jsonl` would print for the same bytes.

    spark-submit bootrules_spark.py --input s3a://bucket/tickets/ --output s3a://bucket/triage/

Writes, under --output:
  sessions/    one row per session (a file with no session, or unreadable, or skipped, has one
               row with `session` null and the error or reason in `detail`)
  outcomes/    sessions and verdicts (the last session of each file) by outcome
  signatures/  for each signature, in how many files and sessions it was found
and prints the summary as JSON on standard output.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Iterable, Iterator, Optional, Sequence

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

# One row of `sessions/`. `findings` keeps every finding's rule id (report order), `session_json`
# the whole session object (stages, evidence text, meaning, remedy) so nothing of the report is lost.
SESSION_SCHEMA = StructType(
    [
        StructField("path", StringType(), False),
        StructField("source", StringType(), False),
        StructField("status", StringType(), False),
        StructField("detail", StringType(), True),
        StructField("session", IntegerType(), True),
        StructField("start_line", LongType(), True),
        StructField("end_line", LongType(), True),
        StructField("outcome", StringType(), True),
        StructField("last_stage", StringType(), True),
        StructField("top_finding", StringType(), True),
        StructField("category", StringType(), True),
        StructField("severity", StringType(), True),
        StructField("line", LongType(), True),
        StructField("evidence", StringType(), True),
        StructField("findings", ArrayType(StringType()), False),
        StructField("session_json", StringType(), True),
    ]
)

# Spark holds a whole file in one binary cell, and a cell cannot pass 2 GiB; the default leaves
# executors room for a few such files at once.
DEFAULT_MAX_FILE_MIB = 1024

# Spark packs small files into one task until their sizes, each counted as at least this many
# bytes (4 MiB by default), reach spark.sql.files.maxPartitionBytes (128 MiB). Attachments are a
# few hundred KiB, so the default makes tasks of about 30 files, and the cost of each task (a
# Parquet file, a commit) outweighs the checking. Unless set with --conf, a file counts as 256 KiB.
OPEN_COST = "spark.sql.files.openCostInBytes"
DEFAULT_OPEN_COST = "256k"

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "critical": 3}


def rule_pack(rule_dirs: Sequence[str]) -> Any:
    """This worker process's compiled pack, loaded on first use.

    `RulePack.shared` compiles once per process and returns the same pack afterwards; Spark
    reuses Python workers across tasks (spark.python.worker.reuse, on by default), so a pack is
    compiled once per worker, not per task or file. The module is imported here, on the
    executor, because this job's own code is shipped to executors by value.
    """
    import bootrules

    return bootrules.RulePack.shared(list(rule_dirs) or None)


def top_finding(session: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The finding that best explains a session, chosen as the command line chooses it.

    The session's `cause` (the first finding of the chain that led to its outcome) when it has
    one; else the most severe, then fatal, then earliest finding; among equals the later one in
    the list, as Rust's `max_by_key` picks (the CSV and human reports show the same one).
    """
    findings = session["findings"]
    cause = session.get("cause")
    if cause is not None and 0 <= cause < len(findings):
        return findings[cause]
    best: Optional[dict[str, Any]] = None
    best_key: Optional[tuple[int, bool, int]] = None
    for finding in findings:
        key = (SEVERITY_RANK.get(finding["severity"], -1), bool(finding["fatal"]), -finding["line"])
        if best_key is None or key >= best_key:
            best, best_key = finding, key
    return best


def session_rows(file_object: dict[str, Any], source: str) -> Iterator[tuple]:
    """Flattens one file object of the JSON contract, read from `source`, into rows of SESSION_SCHEMA."""
    path = file_object["path"]
    status = file_object["status"]
    sessions = file_object.get("sessions", [])
    if not sessions:
        detail = file_object.get("error") or file_object.get("reason") or "no console output"
        yield (path, source, status, detail) + (None,) * 10 + ([], None)
        return
    for session in sessions:
        findings = session["findings"]
        top = top_finding(session)
        yield (
            path,
            source,
            status,
            top["title"] if top else None,
            session["index"],
            session["start_line"],
            session["end_line"],
            session["outcome"],
            session.get("last_stage"),
            top["rule"] if top else None,
            top["category"] if top else None,
            top["severity"] if top else None,
            top["line"] if top else None,
            top["text"] if top else None,
            [f["rule"] for f in findings],
            json.dumps(session, ensure_ascii=False),
        )


def check_partition(files: Iterable[Any], rule_dirs: Sequence[str]) -> Iterator[tuple]:
    """Checks every (path, content) of one partition with the worker's pack.

    A file's failure is that file's error row, never the task's: the engine already reports
    unreadable bytes (a truncated archive, a bad member) as an error file object, and anything
    else raised while checking one file is caught here for the same reason.
    """
    pack = rule_pack(rule_dirs)
    for path, content in files:
        try:
            objects = [json.loads(line) for line in pack.check_jsonl(path, content)]
        except Exception as error:  # noqa: BLE001 - one file must not fail the batch
            objects = [
                {"path": path, "status": "error", "error": f"cannot check: {error}", "sessions": []}
            ]
        for file_object in objects:
            yield from session_rows(file_object, path)


def read_inputs(spark: SparkSession, inputs: Sequence[str]) -> DataFrame:
    """Every file under the inputs (folders recursively, any Hadoop file system URI)."""
    return (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(list(inputs))
    )


def sessions_frame(
    files: DataFrame,
    rule_dirs: Sequence[str] = (),
    max_file_mib: int = DEFAULT_MAX_FILE_MIB,
) -> DataFrame:
    """One row per session of every file Spark reads, checked on the executors."""
    limit = max_file_mib * (1 << 20)
    # binaryFile applies a filter on `length` before it reads any content, so a huge file is
    # never loaded: it becomes an error row, as an unreadable file is for the command line.
    too_big = files.where(F.col("length") > limit).select(
        "path",
        F.col("path").alias("source"),
        F.lit("error").alias("status"),
        F.concat(
            F.lit("cannot read: "),
            F.col("length").cast("string"),
            F.lit(f" bytes, over the limit of {limit} bytes for one file (--max-file-mib)"),
        ).alias("detail"),
    )
    dirs = list(rule_dirs)
    checked = (
        files.where(F.col("length") <= limit)
        .select("path", "content")
        .rdd.mapPartitions(lambda part: check_partition(part, dirs))
        .toDF(SESSION_SCHEMA)
    )
    return with_schema(checked.unionByName(too_big, allowMissingColumns=True))


def with_schema(rows: DataFrame) -> DataFrame:
    """The columns of SESSION_SCHEMA in order, `findings` an empty list rather than null."""
    rows = rows.withColumn("findings", F.coalesce(F.col("findings"), F.array().cast("array<string>")))
    return rows.select(*SESSION_SCHEMA.fieldNames())


def unread_files(spark: SparkSession, files: DataFrame, sessions: DataFrame) -> DataFrame:
    """Rows for the files Spark lists but never hands to a task: the empty ones.

    A scan makes no split of a zero-length file, so it never reaches check_partition; the
    command line reports it as read, with no session ("no console output"), and so does this.
    """
    listed = [(hadoop_path(p),) for p in files.inputFiles()]
    if not listed:
        return sessions.limit(0)
    seen = sessions.select("source").distinct()
    missing = spark.createDataFrame(listed, "source string").join(seen, "source", "left_anti")
    return with_schema(
        missing.select(
            F.col("source").alias("path"),
            "source",
            F.lit("ok").alias("status"),
            F.lit("no console output").alias("detail"),
        ).unionByName(sessions.limit(0), allowMissingColumns=True)
    )


def hadoop_path(uri: str) -> str:
    """A listed file's URI as scans show it (`file:///x` is `file:/x` there)."""
    return "file:/" + uri[len("file:///"):] if uri.startswith("file:///") else uri


def outcomes_frame(sessions: DataFrame) -> DataFrame:
    """Sessions by outcome, and verdicts: the outcome of each file's last session."""
    judged = sessions.where(F.col("session").isNotNull())
    last = Window.partitionBy("path").orderBy(F.col("session").desc())
    verdicts = (
        judged.withColumn("rank", F.row_number().over(last))
        .where(F.col("rank") == 1)
        .groupBy("outcome")
        .agg(F.count("*").alias("verdicts"))
    )
    by_outcome = judged.groupBy("outcome").agg(F.count("*").alias("sessions"))
    return (
        by_outcome.join(verdicts, "outcome", "left")
        .fillna(0, ["verdicts"])
        .orderBy("outcome")
    )


def signatures_frame(sessions: DataFrame) -> DataFrame:
    """For each signature, in how many files and how many sessions it was found."""
    found = sessions.select("path", "session", F.explode(F.array_distinct("findings")).alias("signature"))
    return (
        found.groupBy("signature")
        .agg(
            F.countDistinct("path").alias("files"),
            F.count("*").alias("sessions"),
        )
        .orderBy(F.col("files").desc(), "signature")
    )


def summary(sessions: DataFrame, outcomes: DataFrame, signatures: DataFrame) -> dict[str, Any]:
    """The batch totals, named as in the summary of `bootrules check --format json`."""
    files = sessions.groupBy("path").agg(F.first("status").alias("status"))
    by_status = {r["status"]: r["count"] for r in files.groupBy("status").count().collect()}
    outcome_rows = outcomes.collect()
    return {
        "files": sum(by_status.values()),
        "unreadable": by_status.get("error", 0),
        "skipped": by_status.get("skipped", 0),
        "sessions": sum(r["sessions"] for r in outcome_rows),
        "verdicts": {r["outcome"]: r["verdicts"] for r in outcome_rows if r["verdicts"]},
        "outcomes": {r["outcome"]: r["sessions"] for r in outcome_rows},
        "files_by_signature": {r["signature"]: r["files"] for r in signatures.collect()},
    }


def run(
    spark: SparkSession,
    inputs: Sequence[str],
    output: str,
    rule_dirs: Sequence[str] = (),
    max_file_mib: int = DEFAULT_MAX_FILE_MIB,
    mode: str = "errorifexists",
) -> dict[str, Any]:
    """Checks the inputs, writes sessions/, outcomes/ and signatures/ under output, returns the summary."""
    # Loaded on the driver first, so invalid rules stop the job before any task, with the CLI's message.
    import bootrules

    bootrules.RulePack(list(rule_dirs) or None)
    if not spark.sparkContext.getConf().contains(OPEN_COST):
        spark.conf.set(OPEN_COST, DEFAULT_OPEN_COST)
    files = read_inputs(spark, inputs)
    sessions_frame(files, rule_dirs, max_file_mib).write.mode(mode).parquet(f"{output}/sessions")
    # Few rows (empty files): collected before they are added to the folder they are computed from.
    unread = unread_files(spark, files, spark.read.parquet(f"{output}/sessions")).collect()
    if unread:
        spark.createDataFrame(unread, SESSION_SCHEMA).write.mode("append").parquet(f"{output}/sessions")
    # The summary reads the written rows back (a few KiB per session, cached) instead of checking
    # every log a second time.
    sessions = spark.read.parquet(f"{output}/sessions").cache()
    outcomes = outcomes_frame(sessions)
    signatures = signatures_frame(sessions)
    outcomes.coalesce(1).write.mode(mode).parquet(f"{output}/outcomes")
    signatures.coalesce(1).write.mode(mode).parquet(f"{output}/signatures")
    return summary(sessions, outcomes, signatures)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The job's options; --rules and --max-file-mib behave as the command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", action="append", required=True, metavar="URI",
                        help="a folder or file (local path, hdfs://, s3a://, abfss://, gs://); repeatable")
    parser.add_argument("--output", required=True, metavar="URI", help="folder for the Parquet output")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="a rule pack folder on every executor, as for `bootrules check --rules`; repeatable")
    parser.add_argument("--max-file-mib", type=int, default=DEFAULT_MAX_FILE_MIB, metavar="MIB",
                        help="larger files become error rows instead of being read (default %(default)s)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    """Entry point of spark-submit: exit status 2 for invalid rules, as the command line."""
    args = parse_args(argv)
    spark = SparkSession.builder.appName("bootrules").getOrCreate()
    try:
        result = run(
            spark,
            args.input,
            args.output,
            args.rules,
            args.max_file_mib,
            "overwrite" if args.overwrite else "errorifexists",
        )
    except ValueError as error:
        if type(error).__name__ != "InvalidRules":
            raise
        print(error, file=sys.stderr)
        return 2
    finally:
        spark.stop()
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
