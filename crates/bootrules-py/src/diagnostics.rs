//! Rule diagnostics handed to Python typed: `bootrules.Diagnostic` (severity, code, file, line,
//! column, rule, message, help), printed by `str()` as the command line prints it, and the
//! `InvalidRules` error that carries the load errors as a list of them.

use bootrules::commands::error_lines;
use bootrules_rules::Diagnostic;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    bootrules,
    InvalidRules,
    PyValueError,
    "The rule packs could not be loaded; the message lists every error as `bootrules check --rules` prints it, and `diagnostics` holds them as `Diagnostic` objects."
);

/// A problem at a place in a rule file: a rule that does not load, a warning about one that
/// probably does nothing.
#[pyclass(frozen, module = "bootrules", name = "Diagnostic")]
pub struct PyDiagnostic(pub Diagnostic);

#[pymethods]
impl PyDiagnostic {
    /// `"error"` or `"warning"`.
    #[getter]
    fn severity(&self) -> &'static str {
        self.0.severity.as_str()
    }

    /// The stable kebab-case code of the kind of problem (`"bad-regex"`).
    #[getter]
    fn code(&self) -> &'static str {
        self.0.code
    }

    /// The rule file (or the option) the problem is in.
    #[getter]
    fn file(&self) -> &str {
        &self.0.file
    }

    /// The 1-based line, or `None` for a problem of the whole file.
    #[getter]
    fn line(&self) -> Option<usize> {
        self.0.span.map(|s| s.line)
    }

    /// The 1-based column (characters), or `None` for a problem of the whole file.
    #[getter]
    fn column(&self) -> Option<usize> {
        self.0.span.map(|s| s.column)
    }

    /// The id of the rule the problem is about, if it is about one rule.
    #[getter]
    fn rule(&self) -> Option<&str> {
        self.0.rule.as_deref()
    }

    /// What is wrong.
    #[getter]
    fn message(&self) -> &str {
        &self.0.message
    }

    /// What to do about it, if there is a hint.
    #[getter]
    fn help(&self) -> Option<&str> {
        self.0.help.as_deref()
    }

    fn __str__(&self) -> String {
        self.0.to_string()
    }

    fn __repr__(&self) -> String {
        let d = &self.0;
        let place = d
            .span
            .map_or_else(String::new, |s| format!(":{}:{}", s.line, s.column));
        format!(
            "Diagnostic({}[{}] {}{place}: {:?})",
            d.severity.as_str(),
            d.code,
            d.file,
            d.message
        )
    }
}

/// The `InvalidRules` error for packs that do not load: the command line's text as its message,
/// the errors as `diagnostics`.
pub fn invalid_rules(py: Python<'_>, errors: Vec<Diagnostic>) -> PyErr {
    let error = InvalidRules::new_err(error_lines(&errors).join("\n"));
    let diagnostics: Vec<PyDiagnostic> = errors.into_iter().map(PyDiagnostic).collect();
    if let Err(e) = error.value(py).setattr("diagnostics", diagnostics) {
        return e;
    }
    error
}
