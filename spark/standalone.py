"""A Spark standalone cluster on 127.0.0.1, and the job submitted to it as to any cluster.

Used by spark/test_spark_equality.py and spark/bench.py. The master and the workers are the
daemons of the pyspark package (`spark-class org.apache.spark.deploy.master.Master` and
`...worker.Worker`), each in a process group of its own, stopped at the end whatever happens.
The executors run the Python of a virtual environment packed with venv-pack and shipped with
`--archives` (the Spark documentation's "Python Package Management"), never the driver's.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """In a child before exec: SIGTERM when this process dies, however it dies."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def master_state(web_ui: str) -> dict[str, Any]:
    """The master's JSON status page (workers, applications)."""
    with urllib.request.urlopen(f"{web_ui}/json/", timeout=5) as page:
        return json.load(page)


@contextlib.contextmanager
def cluster(work: Path, workers: int = 2, memory: str = "1g") -> Iterator[tuple[str, str]]:
    """A master and `workers` workers of one core and `memory` each, logs and work under `work`.

    Yields the master URL and its web UI. Every daemon runs in a process group of its own and
    is stopped at the end (SIGTERM to the group, then SIGKILL), which takes its executors and
    their Python workers with it; the daemons also get SIGTERM if this process dies first. They
    get this environment without any PYSPARK_*, PYTHON*, SPARK_* or VIRTUAL_ENV variable:
    executors find Python only where a job tells them.
    """
    import pyspark

    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYSPARK", "PYTHON", "VIRTUAL_ENV", "SPARK"))
    }
    env.update(SPARK_DAEMON_MEMORY="256m", SPARK_LOCAL_IP="127.0.0.1")
    port, web_port = free_port(), free_port()
    master, web_ui = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{web_port}"
    daemons: list[subprocess.Popen[bytes]] = []
    work.mkdir(parents=True, exist_ok=True)

    def start(name: str, *args: str) -> None:
        with open(work / f"{name}.log", "wb") as log:
            daemons.append(
                subprocess.Popen(
                    [str(spark_class), *args],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                    preexec_fn=die_with_parent,
                )
            )

    def wait_for(what: str, ready: Callable[[], bool], seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                if ready():
                    return
            if any(d.poll() is not None for d in daemons):
                break
            time.sleep(0.5)
        logs = "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(work.glob("*.log"))
        )
        raise AssertionError(f"the standalone cluster did not come up ({what}):\n{logs}")

    try:
        start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(web_port),
        )
        wait_for("master", lambda: master_state(web_ui)["status"] == "ALIVE")
        for i in range(workers):
            start(
                f"worker-{i}",
                "org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--port", str(free_port()), "--webui-port", str(free_port()),
                "--cores", "1", "--memory", memory, "--work-dir", str(work / f"worker-{i}"),
                master,
            )
        wait_for(
            f"{workers} workers",
            lambda: sum(w["state"] == "ALIVE" for w in master_state(web_ui)["workers"]) == workers,
        )
        yield master, web_ui
    finally:
        for daemon in daemons:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(daemon.pid, signal.SIGTERM)
        for daemon in daemons:
            try:
                daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()


def packed_env(venv: str, archive: Path) -> Path:
    """The executors' virtual environment `venv` packed with venv-pack into `archive`.

    The environment must have bootrules (the wheel installed in it) and must not have pyspark
    (executors take pyspark from Spark itself); checked here, without this process's variables.
    """
    python = Path(venv, "bin", "python")
    assert python.exists(), f"{venv} is not a virtual environment (`source .ci/spark-env` prepares one)"
    bare = {"PATH": os.environ.get("PATH", "")}
    probe = subprocess.run(
        [str(python), "-c", "import sys, bootrules; print(sys.prefix)"],
        capture_output=True, text=True, env=bare,
    )
    assert probe.returncode == 0, f"{venv}: no bootrules: {probe.stderr}"
    no_spark = subprocess.run([str(python), "-c", "import pyspark"], capture_output=True, env=bare)
    assert no_spark.returncode != 0, f"{venv} has pyspark: executors must take Spark's own"
    archive.unlink(missing_ok=True)
    pack = Path(sys.executable).parent / "venv-pack"
    subprocess.run([str(pack), "-p", venv, "-o", str(archive), "-q"], check=True, capture_output=True)
    return archive


def submit_options(archive: Path, events: Path) -> list[str]:
    """spark-submit options for the cluster: the packed environment shipped as `./env` of every
    executor and its Python used there, the driver's Python this one, an event log in `events`."""
    events.mkdir(parents=True, exist_ok=True)
    return [
        "--archives", f"{archive}#env",
        "--conf", "spark.pyspark.python=./env/bin/python",
        "--conf", f"spark.pyspark.driver.python={sys.executable}",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.executor.memory=1g",
        "--conf", "spark.driver.memory=1g",
        "--conf", "spark.eventLog.enabled=true",
        "--conf", f"spark.eventLog.dir=file://{events}",
        "--conf", "spark.eventLog.compress=false",
    ]


def executors_of(events: Path) -> set[str]:
    """The executors that ran tasks, read from the applications' event logs (as the history
    server reads them)."""
    executors: set[str] = set()
    for log in (p for p in events.rglob("*") if p.is_file() and not p.name.startswith(".")):
        for line in log.read_text().splitlines():
            event = json.loads(line)
            if event.get("Event") == "SparkListenerTaskEnd":
                executors.add(event["Task Info"]["Executor ID"])
    return executors


class LoadedModules:
    """Which processes have a native module loaded, and from where: sampled from /proc while the
    job runs (Linux), so it tells what the executors' Python workers really loaded.

    Spark keeps a Python worker (and its loaded modules) for the executor's lifetime, so sampling
    twice a second sees every worker that checked files.
    """

    def __init__(self, library: str) -> None:
        self.library = library
        self.seen: dict[int, tuple[str, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "LoadedModules":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(0.5):
                return

    def sample(self) -> None:
        """Every process mapping the library: its working directory and the library's file."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) in self.seen or int(proc.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                for line in (proc / "maps").read_text().splitlines():
                    if line.endswith("/" + self.library):
                        self.seen[int(proc.name)] = (os.readlink(proc / "cwd"), line.split(maxsplit=5)[5])
                        break
