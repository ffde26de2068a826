//! The `bootrules` Python module: the engine and rule packs of the command line, called from
//! Python (a notebook, a script, a Spark executor).
//!
//! There is no second engine here. A `RulePack` is loaded by the command line's own loader
//! (same layering, same error text), inputs go through the command line's `scan_bytes` (same
//! archive handling and limits), and each file object is serialised by the `--format jsonl`
//! writer, then handed to Python's `json.loads`. A verdict from Python is therefore the CLI's
//! verdict, byte for byte. The GIL is released while a log is checked, so Python threads can
//! check logs in parallel.

mod columns;
mod diagnostics;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bootrules::args::PackArgs;
use bootrules::commands::load_packs_quietly;
use bootrules::report::json;
use bootrules::scan::{scan_bytes, Limits};
use bootrules_rules::{Diagnostic, Pack};
use diagnostics::{invalid_rules, InvalidRules, PyDiagnostic};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyByteArray, PyBytes, PyList, PyTuple};
use pyo3::IntoPyObjectExt;

/// The command line's default for `--max-member-mib`.
const DEFAULT_MAX_MEMBER_MIB: u64 = 4096;
/// The command line's default for `--max-members`.
const DEFAULT_MAX_MEMBERS: usize = 100_000;

/// What a pack is loaded from; equal options give the same pack.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    rule_dirs: Vec<PathBuf>,
    default_rules: bool,
    disable: Vec<String>,
}

/// A loaded pack and the warnings its loading printed.
struct Loaded {
    pack: Pack,
    warnings: Vec<Diagnostic>,
}

impl Options {
    /// The options as Python passes them (`None` for no folders, no disabled rules).
    fn new(
        rule_dirs: Option<Vec<PathBuf>>,
        default_rules: bool,
        disable: Option<Vec<String>>,
    ) -> Self {
        Self {
            rule_dirs: rule_dirs.unwrap_or_default(),
            default_rules,
            disable: disable.unwrap_or_default(),
        }
    }

    fn load(&self) -> Result<Loaded, Vec<Diagnostic>> {
        let packs = PackArgs {
            rules: self.rule_dirs.clone(),
            no_default_rules: !self.default_rules,
            disable: self.disable.clone(),
        };
        load_packs_quietly(&packs).map(|(pack, warnings)| Loaded { pack, warnings })
    }
}

/// The packs of `RulePack.shared` in this process, by the options they were loaded with.
static SHARED: Mutex<Vec<(Options, Arc<Loaded>)>> = Mutex::new(Vec::new());

/// A compiled rule pack: the default pack plus any rule folders, loaded once and reused for
/// every check (compiling a pack costs far more than checking a typical log).
#[pyclass(frozen, module = "bootrules")]
struct RulePack {
    loaded: Arc<Loaded>,
    options: Options,
    max_member_mib: u64,
    max_members: usize,
}

#[pymethods]
impl RulePack {
    /// Loads the default pack (unless `default_rules` is false), then each folder of
    /// `rule_dirs` over it, as `bootrules check --rules DIR` does.
    #[new]
    #[pyo3(signature = (
        rule_dirs = None,
        *,
        default_rules = true,
        disable = None,
        max_member_mib = DEFAULT_MAX_MEMBER_MIB,
        max_members = DEFAULT_MAX_MEMBERS,
    ))]
    fn new(
        py: Python<'_>,
        rule_dirs: Option<Vec<PathBuf>>,
        default_rules: bool,
        disable: Option<Vec<String>>,
        max_member_mib: u64,
        max_members: usize,
    ) -> PyResult<Self> {
        let options = Options::new(rule_dirs, default_rules, disable);
        let loaded = py
            .detach(|| options.load())
            .map_err(|errors| invalid_rules(py, errors))?;
        Ok(Self {
            loaded: Arc::new(loaded),
            options,
            max_member_mib,
            max_members,
        })
    }

    /// Like `RulePack(...)`, but the pack is compiled once per process: later calls with the
    /// same folders, `default_rules` and `disable` return it again (rule files are not read
    /// again). Spark tasks and unpickled packs use this, so each worker compiles once.
    #[staticmethod]
    #[pyo3(signature = (
        rule_dirs = None,
        *,
        default_rules = true,
        disable = None,
        max_member_mib = DEFAULT_MAX_MEMBER_MIB,
        max_members = DEFAULT_MAX_MEMBERS,
    ))]
    fn shared(
        py: Python<'_>,
        rule_dirs: Option<Vec<PathBuf>>,
        default_rules: bool,
        disable: Option<Vec<String>>,
        max_member_mib: u64,
        max_members: usize,
    ) -> PyResult<Self> {
        let options = Options::new(rule_dirs, default_rules, disable);
        let loaded = py
            .detach(|| -> Result<Arc<Loaded>, Vec<Diagnostic>> {
                // A panic elsewhere cannot leave the list half-changed: keep using it.
                let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, loaded)) = shared.iter().find(|(o, _)| *o == options) {
                    return Ok(Arc::clone(loaded));
                }
                let loaded = Arc::new(options.load()?);
                shared.push((options.clone(), Arc::clone(&loaded)));
                Ok(loaded)
            })
            .map_err(|errors| invalid_rules(py, errors))?;
        Ok(Self {
            loaded,
            options,
            max_member_mib,
            max_members,
        })
    }

    /// Pickles as the options, unpickles through `RulePack.shared`: a pack captured in a Spark
    /// closure is compiled once per worker process, not shipped.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let me = slf.get();
        let rebuild = slf.get_type().getattr("shared")?;
        let kwargs = [
            (
                "default_rules",
                me.options.default_rules.into_bound_py_any(py)?,
            ),
            ("disable", me.options.disable.clone().into_bound_py_any(py)?),
            ("max_member_mib", me.max_member_mib.into_bound_py_any(py)?),
            ("max_members", me.max_members.into_bound_py_any(py)?),
        ]
        .into_py_dict(py)?;
        let partial = py
            .import("functools")?
            .getattr("partial")?
            .call((rebuild,), Some(&kwargs))?;
        let args = PyTuple::new(py, [me.options.rule_dirs.clone().into_bound_py_any(py)?])?;
        Ok((partial, args))
    }

    /// Checks one input and returns its file object (the SPEC's JSON shape, as a dict).
    ///
    /// An archive holding several logs has several file objects: use `check_all` for those;
    /// here it raises `ValueError` rather than silently returning one of them.
    fn check(&self, py: Python<'_>, name: &str, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let mut lines = self.lines(py, name, data)?;
        match lines.len() {
            1 => loads(py, &lines.remove(0)),
            n => Err(PyValueError::new_err(format!(
                "{name} holds {n} files (an archive): use check_all for one file object each"
            ))),
        }
    }

    /// Checks one input and returns every file object it gives: one for a log, one for each
    /// member of an archive (`archive.zip!/inner/path.log`), in archive order.
    fn check_all<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let objects = self
            .lines(py, name, data)?
            .iter()
            .map(|line| loads(py, line))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, objects)
    }

    /// Like `check_all`, but each file object as the JSON text `--format jsonl` prints (one
    /// line each, without the newline): the cheapest form to store or ship.
    fn check_jsonl(
        &self,
        py: Python<'_>,
        name: &str,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        self.lines(py, name, data)
    }

    /// Checks a batch of inputs given as Arrow binary columns and returns one row per session
    /// as Arrow buffers (what `mapInArrow` in `spark/bootrules_spark.py` passes and wants).
    ///
    /// `path_offsets`/`content_offsets` are the columns' offsets buffers (little-endian `i32`,
    /// one more than the rows), `path_data`/`content_data` their data buffers. Returns the
    /// number of rows and, for each column of the session schema, its buffers: validity
    /// (`None` without nulls), then offsets and data (text), values (integers), or list offsets,
    /// item offsets and item data (`findings`). A file without sessions is one row whose
    /// `detail` is the error or the reason, as `check_jsonl` would report it.
    #[allow(clippy::type_complexity)]
    fn check_arrow<'py>(
        &self,
        py: Python<'py>,
        path_offsets: &Bound<'py, PyBytes>,
        path_data: &Bound<'py, PyBytes>,
        content_offsets: &Bound<'py, PyBytes>,
        content_data: &Bound<'py, PyBytes>,
    ) -> PyResult<(usize, Vec<Vec<Option<Bound<'py, PyBytes>>>>)> {
        let (paths, contents) = (path_offsets.as_bytes(), path_data.as_bytes());
        let (offsets, data) = (content_offsets.as_bytes(), content_data.as_bytes());
        let (rows, columns) = py
            .detach(|| self.batch_rows(paths, contents, offsets, data))
            .map_err(PyValueError::new_err)?;
        let columns = columns
            .into_iter()
            .map(|buffers| {
                buffers
                    .into_iter()
                    .map(|b| b.map(|b| PyBytes::new(py, &b)))
                    .collect()
            })
            .collect();
        Ok((rows, columns))
    }

    /// The warnings the command line prints when it loads the same packs, as `Diagnostic`s
    /// (`str()` of each is the command line's text).
    #[getter]
    fn warnings(&self) -> Vec<PyDiagnostic> {
        self.loaded
            .warnings
            .iter()
            .cloned()
            .map(PyDiagnostic)
            .collect()
    }

    /// How many stages, signatures and ignores the pack holds.
    #[getter]
    fn counts(&self) -> (usize, usize, usize) {
        let pack = &self.loaded.pack;
        (
            pack.stages().len(),
            pack.signatures().len(),
            pack.ignores().len(),
        )
    }

    fn __repr__(&self) -> String {
        let (stages, signatures, ignores) = self.counts();
        format!("RulePack({stages} stages, {signatures} signatures, {ignores} ignores)")
    }
}

impl RulePack {
    /// The JSONL lines of one input, checked with the GIL released.
    fn lines(&self, py: Python<'_>, name: &str, data: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        if let Ok(bytes) = data.cast::<PyBytes>() {
            // `bytes` cannot change, so its buffer may be read without the GIL.
            let bytes = bytes.as_bytes();
            return py
                .detach(|| self.lines_of(name, bytes))
                .map_err(PyRuntimeError::new_err);
        }
        if let Ok(array) = data.cast::<PyByteArray>() {
            // A bytearray can change under another thread: copy it first (Spark hands binary
            // columns over as bytearray).
            let owned = array.to_vec();
            return py
                .detach(|| self.lines_of(name, &owned))
                .map_err(PyRuntimeError::new_err);
        }
        Err(PyTypeError::new_err(format!(
            "data must be bytes or bytearray, not {}",
            data.get_type().name()?
        )))
    }

    /// The session rows of a batch (see `check_arrow`), built without the GIL.
    #[allow(clippy::type_complexity)]
    fn batch_rows(
        &self,
        path_offsets: &[u8],
        path_data: &[u8],
        content_offsets: &[u8],
        content_data: &[u8],
    ) -> Result<(usize, Vec<Vec<Option<Vec<u8>>>>), String> {
        let paths = columns::binary_values(path_offsets, path_data)?;
        let contents = columns::binary_values(content_offsets, content_data)?;
        if paths.len() != contents.len() {
            return Err(format!(
                "{} paths for {} contents",
                paths.len(),
                contents.len()
            ));
        }
        let mut rows = columns::Rows::new();
        for (path, content) in paths.into_iter().zip(contents) {
            let path = String::from_utf8_lossy(path);
            // One file's failure is that file's error row, never the batch's.
            let reports = catch_unwind(AssertUnwindSafe(|| {
                scan_bytes(&self.loaded.pack, &path, content, self.limits())
            }));
            match reports {
                Ok(reports) => {
                    for report in &reports {
                        rows.add_file(&path, report)?;
                    }
                }
                Err(panic) => {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "the engine panicked".to_owned());
                    rows.add_unchecked(&path, &path, "error", &format!("cannot check: {why}"))?;
                }
            }
        }
        Ok(rows.into_buffers())
    }

    /// The command line's limits for one input, with this pack's member limits.
    fn limits(&self) -> Limits {
        Limits {
            member_bytes: self.max_member_mib.saturating_mul(1 << 20),
            members: self.max_members,
            // context lines are for the HTML report; `--format jsonl` reads none
            context: 0,
            // the per-archive total and ratio: the command line's defaults
            ..Limits::default()
        }
    }

    fn lines_of(&self, name: &str, bytes: &[u8]) -> Result<Vec<String>, String> {
        scan_bytes(&self.loaded.pack, name, bytes, self.limits())
            .iter()
            .map(|report| {
                let mut line = Vec::new();
                json::write_file(&mut line, json::Style::Line, 0, report)
                    .map_err(|e| format!("cannot serialise the report of {name}: {e}"))?;
                line.pop(); // the newline
                String::from_utf8(line)
                    .map_err(|e| format!("cannot serialise the report of {name}: {e}"))
            })
            .collect()
    }
}

/// One JSON text as Python objects, by the standard library's `json.loads`.
fn loads(py: Python<'_>, line: &str) -> PyResult<Py<PyAny>> {
    Ok(py
        .import("json")?
        .getattr("loads")?
        .call1((line,))?
        .unbind())
}

/// Triage Linux VM serial console logs: how far each boot got and what stopped it.
#[pymodule]
#[pyo3(name = "bootrules")]
fn bootrules_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RulePack>()?;
    m.add_class::<PyDiagnostic>()?;
    m.add("InvalidRules", m.py().get_type::<InvalidRules>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
