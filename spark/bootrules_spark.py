"""Check console logs with bootrules on Apache Spark: one row per session, written to Parquet.

The verdicts are the command line's: each executor runs the same engine and rule pack through the
`bootrules` Python module (built from this repository with maturin), and every row is made from the
file object that `bootrules check --format jsonl` would print for the same bytes. Files reach the
Python workers and rows come back as Arrow batches (mapInArrow): one call into the engine per batch.

    spark-submit bootrules_spark.py --input s3a://bucket/tickets/ --output s3a://bucket/triage/

Writes, under --output:
  sessions/    one row per session, sorted by path and session (a file with no session, or
               unreadable, or skipped, has one row with `session` null and the error or reason in
               `detail`); local files are named by their path, without `file:`
  outcomes/    sessions and verdicts (the last session of each file) by outcome
  signatures/  for each signature, in how many files and sessions it was found
and prints the summary as JSON on standard output.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, Iterable, Iterator, Optional, Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, Row, SparkSession, Window
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
#
# Files reach the Python workers in Arrow batches of at most 10,000 files (Spark's default) and,
# unless set with --conf, at most 64 MiB (one larger file is a batch of its own): an executor
# holds a batch and its rows in memory at once.
DEFAULTS = {
    "spark.sql.files.openCostInBytes": "256k",
    "spark.sql.execution.arrow.maxBytesPerBatch": str(64 << 20),
}


def rule_pack(rule_dirs: Sequence[str]) -> Any:
    """This worker process's compiled pack, loaded on first use.

    `RulePack.shared` compiles once per process and returns the same pack afterwards; Spark
    reuses Python workers across tasks (spark.python.worker.reuse, on by default), so a pack is
    compiled once per worker, not per task or file. The module is imported here, on the
    executor, because this job's own code is shipped to executors by value.
    """
    import bootrules

    return bootrules.RulePack.shared(list(rule_dirs) or None)


# A local file as Spark names it (`file:/x`, or `file:///x` in a listing) is shown as its path.
FILE_SCHEME = "^file:(//)?/"


def local_path(uri: str) -> str:
    """`file:/x` and `file:///x` as `/x`; any other URI (s3a://, hdfs://) as it is."""
    return re.sub(FILE_SCHEME, "/", uri)


def arrow_schema() -> Any:
    """SESSION_SCHEMA as Arrow types, in the layout of `RulePack.check_arrow`'s buffers."""
    import pyarrow as pa

    types = {
        StringType(): pa.string(),
        IntegerType(): pa.int32(),
        LongType(): pa.int64(),
        ArrayType(StringType()): pa.list_(pa.string()),
    }
    return pa.schema([pa.field(f.name, types[f.dataType], f.nullable) for f in SESSION_SCHEMA.fields])


def binary_buffers(array: Any) -> tuple[bytes, bytes]:
    """An Arrow binary or string array as its offsets (i32) and data, what check_arrow reads.

    One copy of the batch's bytes into a Python `bytes` object, whatever the number of files:
    no Python object is made per file.
    """
    import pyarrow as pa

    if pa.types.is_large_binary(array.type) or pa.types.is_large_string(array.type):
        array = array.cast(pa.string() if pa.types.is_large_string(array.type) else pa.binary())
    if array.null_count:
        array = array.fill_null(b"" if pa.types.is_binary(array.type) else "")
    _, offsets, data = array.buffers()
    start = array.offset * 4
    offsets = offsets.slice(start, (len(array) + 1) * 4)
    return offsets.to_pybytes(), data.to_pybytes() if data is not None else b""


def session_batch(schema: Any, rows: int, columns: Sequence[Sequence[Optional[bytes]]]) -> Any:
    """The Arrow record batch of check_arrow's buffers (wrapped, not copied)."""
    import pyarrow as pa

    arrays = []
    for field, buffers in zip(schema, columns):
        wrapped = [None if b is None else pa.py_buffer(b) for b in buffers]
        if pa.types.is_list(field.type):
            _, offsets, item_offsets, item_data = wrapped
            items = pa.Array.from_buffers(
                field.type.value_type, item_offsets.size // 4 - 1, [None, item_offsets, item_data]
            )
            arrays.append(pa.Array.from_buffers(field.type, rows, [None, offsets], children=[items]))
        else:
            arrays.append(pa.Array.from_buffers(field.type, rows, wrapped))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def check_batches(batches: Iterable[Any], rule_dirs: Sequence[str]) -> Iterator[Any]:
    """Checks the (path, content) Arrow batches of one task with the worker's pack.

    Each batch is checked by one call into the engine (the GIL released), which returns the
    session rows as Arrow buffers: the files and the rows cross between the JVM and Python as
    Arrow, never as pickled rows or Python objects per file. A file's failure is that file's
    error row, never the task's: the engine reports unreadable bytes (a truncated archive, a bad
    member) as an error file object, and a panic while checking one file as an error row.
    """
    import pyarrow.compute as pc

    pack = rule_pack(rule_dirs)
    schema = arrow_schema()
    for batch in batches:
        if batch.num_rows == 0:
            continue
        paths = pc.replace_substring_regex(batch.column("path"), pattern=FILE_SCHEME, replacement="/")
        rows, columns = pack.check_arrow(*binary_buffers(paths), *binary_buffers(batch.column("content")))
        yield session_batch(schema, rows, columns)


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
    path = F.regexp_replace("path", FILE_SCHEME, "/")
    # binaryFile applies a filter on `length` before it reads any content, so a huge file is
    # never loaded: it becomes an error row, as an unreadable file is for the command line.
    too_big = files.where(F.col("length") > limit).select(
        path.alias("path"),
        path.alias("source"),
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
        .mapInArrow(lambda batches: check_batches(batches, dirs), SESSION_SCHEMA)
    )
    return with_schema(checked.unionByName(too_big, allowMissingColumns=True))


def with_schema(rows: DataFrame) -> DataFrame:
    """The columns of SESSION_SCHEMA in order, `findings` an empty list rather than null."""
    rows = rows.withColumn("findings", F.coalesce(F.col("findings"), F.array().cast("array<string>")))
    return rows.select(*SESSION_SCHEMA.fieldNames())


def unread_files(spark: SparkSession, files: DataFrame, sessions: DataFrame) -> list[Row]:
    """Rows for the files Spark lists but never hands to a task: the empty ones.

    A scan makes no split of a zero-length file, so it never reaches check_batches; the
    command line reports it as read, with no session ("no console output"), and so does this.
    Few rows, collected on the driver (this is the pass that checks every file).
    """
    listed = [(local_path(p),) for p in files.inputFiles()]
    if not listed:
        return []
    seen = sessions.select("source").distinct()
    missing = spark.createDataFrame(listed, "source string").join(seen, "source", "left_anti")
    return with_schema(
        missing.select(
            F.col("source").alias("path"),
            "source",
            F.lit("ok").alias("status"),
            F.lit("no console output").alias("detail"),
        ).unionByName(sessions.limit(0), allowMissingColumns=True)
    ).collect()


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
    for key, value in DEFAULTS.items():
        if not spark.sparkContext.getConf().contains(key):
            spark.conf.set(key, value)
    files = read_inputs(spark, inputs)
    # Kept (in memory, else on local disk) between the pass that finds the empty files and the
    # sorted write, so each file is checked once.
    checked = sessions_frame(files, rule_dirs, max_file_mib).persist(StorageLevel.MEMORY_AND_DISK)
    unread = unread_files(spark, files, checked)
    rows = checked.unionByName(spark.createDataFrame(unread, SESSION_SCHEMA)) if unread else checked
    # Sorted by path, then session (the row of a file without sessions first): the same inputs
    # give the same files in the same order, whatever the tasks did.
    rows.orderBy("path", F.col("session").asc_nulls_first()).write.mode(mode).parquet(f"{output}/sessions")
    checked.unpersist()
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
