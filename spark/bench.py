"""Throughput of the Spark job against the command line, on one machine (figures for docs/scale.md).

Builds a corpus of about SIZE_MB from the lab logs (the layout of bench/run.sh: tickets of one to
four boots in one file, every tenth gzipped), then times on the same files, each on one core:
`bootrules check --jobs 1`, `RulePack.check_all` in a plain Python loop (no Spark), the Spark
job in local[1], and on a standalone cluster started here (a master and one worker of one core;
the executors' Python a packed environment shipped with --archives, as in the cluster test).
Spark's times include starting its JVMs and writing Parquet, as a real run does; each Spark
setup also runs over the lab logs alone, whose time is its fixed cost, reported apart.

    python spark/bench.py --cli target/release/bootrules [--size-mb 1000] [--work target/spark-bench]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import bootrules
import standalone

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
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--work", default=str(REPO / "target" / "spark-bench"))
    args = parser.parse_args()
    # a termination unwinds like an error, so a standalone cluster started here is stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
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

    def spark(master: str, folder: Path = corpus, options: tuple[str, ...] = ()) -> float:
        return timed(
            [submit, "--master", master, "--driver-memory", "2g", "--conf", "spark.ui.enabled=false",
             "--conf", "spark.log.level=WARN", *options, job, "--input", str(folder),
             "--output", str(work / "out"), "--overwrite"],
            env,
        )

    def standalone_runs() -> tuple[float, float]:
        """The lab logs, then the corpus, on a cluster of one worker with one core."""
        cluster_env = {k: v for k, v in env.items() if k != "PYSPARK_PYTHON"}
        archive = standalone.packed_env(os.environ.get("BOOTRULES_SPARK_EXECUTOR_VENV", ""),
                                        work / "executor-env.tar.gz")
        options = tuple(standalone.submit_options(archive, work / "events"))
        with standalone.cluster(work / "cluster", workers=1) as (master, _):
            def run(folder: Path) -> float:
                return timed([submit, "--master", master, "--conf", "spark.ui.enabled=false",
                              "--conf", "spark.log.level=WARN", *options, job, "--input", str(folder),
                              "--output", str(work / "out"), "--overwrite"], cluster_env)
            return run(LAB_LOGS), run(corpus)

    # A run over one small folder costs what every run costs (JVMs, planning, the summary passes):
    # subtracted, it leaves the cost per byte that a day's batch pays.
    tiny_bytes = sum(p.stat().st_size for p in LAB_LOGS.glob("*.log"))
    cli = [args.cli, "check", "--jobs", "1", "--format", "jsonl", str(corpus)]
    runs = [
        ("bootrules check --jobs 1", 1, timed(cli), 0.0),
        ("Python loop, RulePack.check_all", 1, python_loop(files), 0.0),
    ]
    tiny = spark("local[1]", LAB_LOGS)
    runs.append(("Spark local[1]", 1, spark("local[1]"), tiny))
    tiny, whole = standalone_runs()
    runs.append(("Spark standalone, 1 worker × 1 core", 1, whole, tiny))
    # again at the end: on a shared machine the load changes during the runs, and the faster of
    # the two is the one the Spark runs are compared with
    runs.insert(1, ("bootrules check --jobs 1, again at the end", 1, timed(cli), 0.0))

    print(f"{len(files)} files, {size / 2**20:.0f} MiB on disk, {logical / 2**20:.0f} MiB of log text; "
          f"{os.cpu_count()} cores")
    print("| run | cores | wall s | fixed s | MiB/s | MiB/s per core | after the fixed cost: MiB/s per core |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, cores, seconds, fixed in runs:
        rate = logical / 2**20 / seconds
        marginal = (logical - (tiny_bytes if fixed else 0)) / 2**20 / max(seconds - fixed, 1e-9)
        print(f"| {name} | {cores} | {seconds:.1f} | {fixed:.1f} | {rate:.1f} | {rate / cores:.1f} | "
              f"{marginal / cores:.1f} |")
    print(f"\nfixed: the same run over the {tiny_bytes / 2**20:.1f} MiB of lab logs (JVMs, planning, "
          f"the summary passes); the last column is (MiB - lab MiB) / (wall - fixed) / cores")
    cli_rate = logical / 2**20 / min(runs[0][2], runs[1][2])
    for name, cores, seconds, fixed in runs[3:]:
        marginal = (logical - tiny_bytes) / 2**20 / max(seconds - fixed, 1e-9) / cores
        print(f"{name}: {100 * marginal / cli_rate:.0f} % of `bootrules check --jobs 1` per core (its faster run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
