//! The Spark job and the Python module give the command line's verdicts: runs
//! `spark/test_spark_equality.py` against this build's `bootrules` binary, over the real logs,
//! with the job submitted to a Spark standalone cluster (a master and two workers started on
//! 127.0.0.1, stopped at the end) that runs the executors' Python from a packed environment
//! shipped with the job. The output names the master and how many executors ran tasks.
//!
//! It needs a Python with pyspark, pyarrow and the bootrules wheel (Java 17 for Spark), and the
//! executors' environment (`BOOTRULES_SPARK_EXECUTOR_VENV`), which `.ci/spark-env` prepares; the
//! interpreter is named by `BOOTRULES_SPARK_PYTHON`. Without it
//! the test prints `SKIPPED` with the reason and passes, so `cargo test --workspace` works on a machine
//! with Rust alone; under CI (`CI` set) it fails instead.

use std::path::Path;
use std::process::Command;

#[test]
fn spark_job_and_python_module_give_the_cli_verdicts() {
    let Some(python) = std::env::var_os("BOOTRULES_SPARK_PYTHON") else {
        test_support::missing(
            "BOOTRULES_SPARK_PYTHON is not set (`source .ci/spark-env` builds the wheel into a \
             virtual environment with pyspark and sets it)",
        );
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spark/test_spark_equality.py");
    let run = Command::new(&python)
        .arg(&script)
        .arg("--cli")
        .arg(env!("CARGO_BIN_EXE_bootrules"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", Path::new(&python).display()));
    let stdout = String::from_utf8_lossy(&run.stdout);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "{} failed ({}):\n{stdout}\n{}",
        script.display(),
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
}
