"""Throughput of the Spark job against the command line, on one machine (figures for docs/scale.md).

Builds a corpus of about SIZE_MB from the lab logs (the layout of bench/run.sh: tickets of one to
four boots in one file, every tenth gzipped), then times on the same files: `bootrules check`
with one and with all cores, `RulePack.check_all` in a plain Python loop (one core, no Spark),
and the Spark job in local[1] and local[2]. Spark's times include starting its JVM and writing
Parquet, as a real run does.

    python spark/bench.py --cli target/release/bootrules [--size-mb 300] [--work target/spark-bench]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import bootrules

REPO = Path(__file__).resolve().parent.parent
LAB_LOGS = REPO / "tests" / "fixtures" / "lab" / "logs"


def make_corpus(corpus: Path, size_mb: int) -> None:
    """Tickets made of real boots until SIZE_MB is reached (kept between runs)."""
    if (corpus / ".done").exists():
        return
    shutil.rmtree(corpus, ignore_errors=True)
    logs = [p.read_bytes() for p in sorted(LAB_LOGS.glob("*.log"))]
    written, i = 0, 0
    while written < size_mb << 20:
        data = b"".join(logs[(i + k) % len(logs)] for k in range(1 + i % 4))
        folder = corpus / f"t{i // 200:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 10 == 9:
            (folder / f"serial-{i}.log.gz").write_bytes(gzip.compress(data, 1))
        else:
            (folder / f"serial-{i}.log").write_bytes(data)
        written += len(data)
        i += 1
    (corpus / ".done").write_text(str(i))


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one command, which must succeed (3 means a file was unreadable: fine)."""
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    if done.returncode not in (0, 3):
        raise SystemExit(f"{command[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    return time.perf_counter() - start


def python_loop(files: list[Path]) -> float:
    """One core, no Spark: the binding's own cost (reading, checking, JSON to dicts)."""
    start = time.perf_counter()
    pack = bootrules.RulePack()
    for path in files:
        pack.check_all(str(path), path.read_bytes())
    return time.perf_counter() - start


def main() -> int:
    """Builds the corpus, runs each contender once, prints a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the bootrules binary (a release build)")
    parser.add_argument("--size-mb", type=int, default=300)
    parser.add_argument("--work", default=str(REPO / "target" / "spark-bench"))
    args = parser.parse_args()
    work = Path(args.work)
    corpus = work / "corpus"
    make_corpus(corpus, args.size_mb)
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != ".done")
    size = sum(p.stat().st_size for p in files)
    # what the engine reads: .gz files count at their decompressed size
    logical = sum(len(gzip.decompress(p.read_bytes())) if p.suffix == ".gz" else p.stat().st_size for p in files)

    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    submit = str(Path(sys.executable).parent / "spark-submit")
    job = str(REPO / "spark" / "bootrules_spark.py")

    def spark(master: str, folder: Path = corpus) -> float:
        return timed(
            [submit, "--master", master, "--driver-memory", "2g", "--conf", "spark.ui.enabled=false",
             "--conf", "spark.log.level=WARN", job, "--input", str(folder),
             "--output", str(work / "out"), "--overwrite"],
            env,
        )

    # A run over one small folder costs what every run costs (JVM, planning, the summary passes):
    # subtracted, it leaves the cost per byte that a day's batch pays.
    tiny = spark("local[1]", LAB_LOGS)
    tiny_bytes = sum(p.stat().st_size for p in LAB_LOGS.glob("*.log"))

    runs = [
        ("bootrules check --jobs 1", 1, timed([args.cli, "check", "--jobs", "1", "--format", "jsonl", str(corpus)])),
        ("bootrules check --jobs 2", 2, timed([args.cli, "check", "--jobs", "2", "--format", "jsonl", str(corpus)])),
        ("Python loop, RulePack.check_all", 1, python_loop(files)),
        ("Spark local[1]", 1, spark("local[1]")),
        ("Spark local[2]", 2, spark("local[2]")),
    ]
    print(f"{len(files)} files, {size / 2**20:.0f} MiB on disk, {logical / 2**20:.0f} MiB of log text; "
          f"{os.cpu_count()} cores")
    print("| run | cores | wall s | files/s | MiB/s (log text) | MiB/s per core |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, cores, seconds in runs:
        rate = logical / 2**20 / seconds
        print(f"| {name} | {cores} | {seconds:.1f} | {len(files) / seconds:.0f} | {rate:.1f} | {rate / cores:.1f} |")
    print(f"\nSpark local[1] over the {tiny_bytes / 2**20:.1f} MiB of lab logs: {tiny:.1f} s (the fixed cost of a run)")
    for name, cores, seconds in runs:
        if name.startswith("Spark"):
            marginal = (logical - tiny_bytes) / 2**20 / max(seconds - tiny, 1e-9)
            print(f"{name} without it: {marginal:.1f} MiB/s, {marginal / cores:.1f} MiB/s per core, "
                  f"{(len(files) - 24) / max(seconds - tiny, 1e-9):.0f} files/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
