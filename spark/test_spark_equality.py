"""The Spark job and the Python module give exactly the command line's verdicts.

Runs `bootrules check` and the Spark job over the same copy of the real console logs plus hostile
extras (a truncated .gz, a zip and a tar.gz of logs, an image, an empty file), then compares every
session: path, index, outcome, last stage, lines, findings, the whole session object of
`--format jsonl`, and the top finding the CSV report shows; the order of the rows; and the batch
summary. The Python module is compared with whole file objects.

By default the job runs on a Spark standalone cluster started here on 127.0.0.1 (a master and two
workers of one core each, stopped at the end whatever happens), submitted as on any cluster: the
executors run the Python of a packed virtual environment shipped with `--archives` (the wheel
installed in it, as the Spark documentation's "Python Package Management" describes), never this
interpreter. The output names the master and how many executors ran the job's tasks.

Needs pyspark, pyarrow, pandas and the bootrules wheel in this interpreter, and
BOOTRULES_SPARK_EXECUTOR_VENV naming the executors' virtual environment (pyarrow and the wheel, no
pyspark); run by `cargo test --workspace` when BOOTRULES_SPARK_PYTHON names such an interpreter
(.ci/spark-env prepares both).

    python spark/test_spark_equality.py --cli target/debug/bootrules [--master 'local[2]']
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any, Callable, Optional

import bootrules
import standalone

REPO = Path(__file__).resolve().parent.parent
JOB = REPO / "spark" / "bootrules_spark.py"
LAB_LOGS = REPO / "tests" / "fixtures" / "lab" / "logs"
CORPUS_LOGS = REPO.parent / "shared" / "corpus" / "logs"

Key = tuple[str, Optional[int]]


def make_inputs(root: Path) -> Path:
    """A folder of real logs and the hostile inputs a ticket archive holds."""
    inputs = root / "input"
    shutil.copytree(LAB_LOGS, inputs / "lab")
    if CORPUS_LOGS.is_dir():
        shutil.copytree(CORPUS_LOGS, inputs / "corpus")
    elif os.environ.get("CI", "") not in ("", "0", "false"):
        raise SystemExit(f"{CORPUS_LOGS} is absent, and CI needs the real logs")
    else:
        print(f"SKIPPED the shared corpus: {CORPUS_LOGS} is absent (the lab logs only)")
    lab = sorted(LAB_LOGS.glob("*.log"))
    extra = inputs / "extra"
    extra.mkdir()
    whole = gzip.compress(lab[0].read_bytes())
    (extra / "truncated.log.gz").write_bytes(whole[: len(whole) // 2])
    with zipfile.ZipFile(extra / "two-logs.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(lab[1], "var/log/serial-1.log")
        archive.write(lab[2], "var/log/serial-2.log")
    with tarfile.open(extra / "ticket.tar.gz", "w:gz") as archive:
        archive.add(lab[3], "console.log")
    (extra / "screenshot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (extra / "empty.log").write_bytes(b"")
    return inputs


def cli(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs the command line; status 3 (some input unreadable) is expected here."""
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise AssertionError(f"bootrules {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done


def cli_sessions(binary: str, inputs: Path) -> dict[Key, dict[str, Any]]:
    """Every session (or session-less file) of `check --format jsonl`, with its top finding's
    severity and line from the CSV report."""
    rows: dict[Key, dict[str, Any]] = {}
    for line in cli(binary, "check", "--format", "jsonl", str(inputs)).stdout.splitlines():
        obj = json.loads(line)
        if not obj["sessions"]:
            detail = obj.get("error") or obj.get("reason") or "no console output"
            rows[(obj["path"], None)] = {"status": obj["status"], "detail": detail}
        for s in obj["sessions"]:
            rows[(obj["path"], s["index"])] = {
                "status": obj["status"],
                "outcome": s["outcome"],
                "last_stage": s.get("last_stage"),
                "start_line": s["start_line"],
                "end_line": s["end_line"],
                "findings": [f["rule"] for f in s["findings"]],
                "session": s,
                "top_finding": s.get("top_finding"),
            }
    table = csv.DictReader(io.StringIO(cli(binary, "check", "--format", "csv", str(inputs)).stdout))
    for record in table:
        if record["status"] != "ok" or not record["session"]:
            continue
        row = rows[(record["path"], int(record["session"]) - 1)]
        # the CSV shows the finding JSON names as the session's top finding
        assert (record["top_finding"] or None) == row["top_finding"], record
        row["severity"] = record["severity"] or None
        row["line"] = int(record["line"]) if record["line"] else None
    return rows


def spark_sessions(output: Path) -> tuple[dict[Key, dict[str, Any]], list[Key]]:
    """The rows the job wrote, keyed and shaped like cli_sessions, and their keys in file order."""
    import pyarrow.parquet as pq

    rows: dict[Key, dict[str, Any]] = {}
    order: list[Key] = []
    for r in pq.read_table(output / "sessions").to_pylist():
        key = (r["path"], r["session"])
        order.append(key)
        if r["session"] is None:
            rows[key] = {"status": r["status"], "detail": r["detail"]}
            continue
        rows[key] = {
            "status": r["status"],
            "outcome": r["outcome"],
            "last_stage": r["last_stage"],
            "start_line": r["start_line"],
            "end_line": r["end_line"],
            "findings": list(r["findings"]),
            "session": json.loads(r["session_json"]),
            "top_finding": r["top_finding"],
            "severity": r["severity"],
            "line": r["line"],
        }
    return rows, order


def differences(want: dict[Key, Any], got: dict[Key, Any]) -> list[str]:
    """Readable differences between two keyed tables, at most a screenful."""
    lines = [f"missing from Spark: {k}" for k in sorted(want.keys() - got.keys(), key=str)]
    lines += [f"only in Spark: {k}" for k in sorted(got.keys() - want.keys(), key=str)]
    for key in sorted(want.keys() & got.keys(), key=str):
        if want[key] != got[key]:
            fields = [f for f in want[key] if want[key][f] != got[key].get(f)]
            shown = {f: (str(want[key][f])[:300], str(got[key].get(f))[:300]) for f in fields}
            lines.append(f"{key}: differs in {', '.join(fields)}: {shown}")
    return lines[:40]


def submit_job(inputs: Path, output: Path, master: str, work: Path) -> subprocess.CompletedProcess[str]:
    """spark-submit of the job; on a standalone cluster, with the packed environment shipped."""
    submit = Path(sys.executable).parent / "spark-submit"
    options = ["--master", master, "--conf", "spark.ui.enabled=false", "--conf", "spark.log.level=WARN",
               # tasks of about 1 MiB, so both slots check files and archives land in several tasks
               "--conf", "spark.sql.files.maxPartitionBytes=1m"]
    env = dict(os.environ)
    if master.startswith("spark://"):
        venv = os.environ.get("BOOTRULES_SPARK_EXECUTOR_VENV", "")
        archive = standalone.packed_env(venv, work / "executor-env.tar.gz")
        options += standalone.submit_options(archive, work / "events")
        # the driver's Python (spark-submit also finds Spark through it); never the executors'
        env.pop("PYSPARK_PYTHON", None)
        env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    else:
        env.update(PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    return subprocess.run([str(submit), *options, str(JOB), "--input", str(inputs), "--output", str(output)],
                          capture_output=True, text=True, env=env)


def check_spark_job(binary: str, inputs: Path, work: Path, master: str) -> None:
    """The job's Parquet rows, their order and the summary equal the command line's report."""
    output = work / "output"
    cluster = work / "cluster"
    if master == "standalone":
        with standalone.cluster(cluster) as (url, _), standalone.LoadedModules("bootrules.abi3.so") as loaded:
            print(f"standalone cluster: master {url}, 2 workers of 1 core and 1 GiB")
            done = submit_job(inputs, output, url, work)
        master = url
    else:
        done = submit_job(inputs, output, master, work)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "Error" in line or "Exception" in line]
        raise AssertionError(f"spark-submit exited {done.returncode}:\n" + "\n".join(errors[:20])[:6000])
    want, (got, order) = cli_sessions(binary, inputs), spark_sessions(output)
    diff = differences(want, got)
    assert not diff, "Spark and the command line disagree:\n" + "\n".join(diff)
    assert order == sorted(order, key=lambda k: (k[0], -1 if k[1] is None else k[1])), "rows not sorted by path, session"
    assert not any(k[0].startswith("file:") for k in order), "a local path kept its file: prefix"
    truncated = got[(str(inputs / "extra" / "truncated.log.gz"), None)]
    assert truncated["status"] == "error", truncated
    assert sum(1 for k in got if "two-logs.zip!/" in k[0]) >= 2, "a zip gives one file per member"

    cli_summary = json.loads(cli(binary, "check", "--format", "json", str(inputs)).stdout)["summary"]
    spark_summary = json.loads(done.stdout[done.stdout.index("{"):])
    for field in spark_summary:
        assert spark_summary[field] == cli_summary[field], (
            f"summary.{field}: cli {cli_summary[field]} spark {spark_summary[field]}"
        )
    if master.startswith("spark://"):
        executors = standalone.executors_of(work / "events")
        print(f"ok: master {master}: {len(executors)} executors ran the job's tasks "
              f"(executor ids {', '.join(sorted(executors))})")
        assert len(executors) >= 2, f"only {len(executors)} executor ran tasks"
        print(f"ok: executors loaded bootrules from the shipped environment only: {shipped_module(cluster, loaded.seen)}")
    print(f"ok: {len(got)} session rows from Spark ({master}) equal the command line's, sorted by path and session")


def shipped_module(cluster: Path, loaded: dict[int, tuple[str, str]]) -> str:
    """Where the executors' Python workers loaded bootrules from: inside the archive each unpacked.

    `loaded` maps each process that had the native module loaded during the job to its working
    directory and the module's file; an executor's Python workers run in the executor's folder
    under its worker's work directory, where the archive was unpacked as `env`.
    """
    found: set[str] = set()
    for pid, (cwd, module) in sorted(loaded.items()):
        if not Path(cwd).resolve().is_relative_to(cluster.resolve()):
            continue  # the driver, which has its own environment
        env = (Path(cwd) / "env").resolve()
        assert Path(module).resolve().is_relative_to(env), f"process {pid} in {cwd} loaded {module}"
        found.add(str(Path(module).resolve().relative_to(cluster.resolve()).parents[-4]))
    assert len(found) >= 2, f"the Python workers of {len(found)} executors loaded bootrules: {loaded}"
    return ", ".join(f"{f}/env/.../bootrules.abi3.so" for f in sorted(found))


def check_python_objects(binary: str, inputs: Path) -> None:
    """RulePack.check_all gives the very file objects of `--format jsonl`, archives included."""
    pack = bootrules.RulePack()
    expected: dict[str, list[dict[str, Any]]] = {}
    for line in cli(binary, "check", "--format", "jsonl", str(inputs)).stdout.splitlines():
        obj = json.loads(line)
        top = obj["path"].split("!/")[0]
        expected.setdefault(top, []).append(obj)
    files = sorted(p for p in inputs.rglob("*") if p.is_file())
    for path in files:
        got = pack.check_all(str(path), path.read_bytes())
        assert got == expected[str(path)], f"{path}: python and cli file objects differ"
    one = pack.check(str(files[0]), bytearray(files[0].read_bytes()))
    assert one == expected[str(files[0])][0], "check() of a bytearray"
    # Spark ships packs captured in closures by pickling: they come back as the process's shared pack.
    again = pickle.loads(pickle.dumps(bootrules.RulePack.shared(disable=["emergency-mode"])))
    fstab = inputs / "lab" / "debian12-itools-fstab-missing-disk.log"

    def rules(p: Any) -> set[str]:
        return {f["rule"] for s in p.check(str(fstab), fstab.read_bytes())["sessions"] for f in s["findings"]}

    assert "emergency-mode" in rules(pack) and "emergency-mode" not in rules(again), "pickled options"
    print(f"ok: {len(files)} inputs give the same file objects from Python as from the command line")


def check_rule_errors(binary: str, work: Path) -> None:
    """Invalid rules raise InvalidRules with the text the command line prints, and each error typed."""
    bad = work / "bad-rules"
    bad.mkdir()
    (bad / "broken.toml").write_text('[[signature]]\nid = "x"\ncategory = "nonsense"\n')
    log = next(LAB_LOGS.glob("*.log"))
    done = subprocess.run([binary, "check", "--rules", str(bad), str(log)], capture_output=True, text=True)
    assert done.returncode == 2, done
    try:
        bootrules.RulePack([str(bad)])
    except bootrules.InvalidRules as error:
        assert str(error) == done.stderr.rstrip("\n"), f"python: {error}\ncli: {done.stderr}"
        codes = {(d.severity, d.code, d.file, d.line) for d in error.diagnostics}
        assert ("error", "unknown-value", str(bad / "broken.toml"), 3) in codes, codes
    else:
        raise AssertionError("invalid rules were accepted")
    print("ok: invalid rules raise InvalidRules with the command line's message")


def check_gil_released() -> None:
    """Another Python thread runs while a log is being checked."""
    pack = bootrules.RulePack()
    data = b"".join(p.read_bytes() for p in sorted(LAB_LOGS.glob("*.log"))) * 20
    done = threading.Event()

    def work() -> None:
        pack.check("big.log", data)
        done.set()

    worker = threading.Thread(target=work)
    ticks = 0
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0)
    worker.join()
    assert ticks > 100, f"the main thread ran only {ticks} times during a check: the GIL was held"
    print(f"ok: the GIL is released while checking ({ticks} turns of another thread)")


def main() -> int:
    """Runs every check; exit status 1 on the first failure."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the bootrules binary to compare with")
    parser.add_argument("--master", default="standalone",
                        help="`standalone` (a cluster started here), or a master URL such as local[2] (default %(default)s)")
    args = parser.parse_args()
    # a termination unwinds like an error, so a standalone cluster started here is stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    checks: list[Callable[[Path, Path], None]] = [
        lambda inputs, work: check_python_objects(args.cli, inputs),
        lambda inputs, work: check_rule_errors(args.cli, work),
        lambda inputs, work: check_gil_released(),
        lambda inputs, work: check_spark_job(args.cli, inputs, work, args.master),
    ]
    with tempfile.TemporaryDirectory(prefix="bootrules-spark-") as tmp:
        work = Path(tmp)
        inputs = make_inputs(work)
        passed = 0
        for check in checks:
            try:
                check(inputs, work)
                passed += 1
            except AssertionError as error:
                print(f"FAILED: {error}")
    failed = len(checks) - passed
    print(f"spark: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
