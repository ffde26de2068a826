//! A batch of inputs checked at once, in and out as Arrow buffers (for Spark's `mapInArrow`).
//!
//! The inputs come as two Arrow binary (or string) columns, paths and contents, each given as
//! its offsets buffer (little-endian `i32`, one more than the rows) and its data buffer. The
//! result is one row per session, a file without sessions being one row with no session, laid
//! out as the Arrow buffers of `spark/bootrules_spark.py`'s schema: the caller wraps them into
//! arrays without making a Python object per row or per session.

use bootrules::report::top_finding;
use bootrules_core::{FileReport, FileStatus};

/// The columns of a session row, in order: (name, kind).
pub const COLUMNS: [(&str, Kind); 16] = [
    ("path", Kind::Text),
    ("source", Kind::Text),
    ("status", Kind::Text),
    ("detail", Kind::Text),
    ("session", Kind::Int32),
    ("start_line", Kind::Int64),
    ("end_line", Kind::Int64),
    ("outcome", Kind::Text),
    ("last_stage", Kind::Text),
    ("top_finding", Kind::Text),
    ("category", Kind::Text),
    ("severity", Kind::Text),
    ("line", Kind::Int64),
    ("evidence", Kind::Text),
    ("findings", Kind::TextList),
    ("session_json", Kind::Text),
];

/// The Arrow type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `utf8`: validity, offsets, data.
    Text,
    /// `int32`: validity, values.
    Int32,
    /// `int64`: validity, values.
    Int64,
    /// `list<utf8>` never null: list offsets, then the items' offsets and data.
    TextList,
}

/// One column being filled.
#[derive(Debug, Default)]
struct Column {
    /// One bit a row, set when the row has a value.
    validity: Vec<u8>,
    nulls: usize,
    rows: usize,
    /// `Text` and `TextList`: `i32` offsets into `data` (`TextList`: into `items`).
    offsets: Vec<u8>,
    /// `Text`: the bytes; `Int32`/`Int64`: the values.
    data: Vec<u8>,
    /// `TextList`: the items, a `Text` column of their own.
    items: Option<Box<Column>>,
}

/// A value of one row for one column.
pub enum Value<'a> {
    /// A `Text` column's value.
    Text(Option<&'a str>),
    /// An `Int32` or `Int64` column's value.
    Int(Option<i64>),
    /// A `TextList` column's value.
    List(Vec<&'a str>),
}

impl Column {
    fn new(kind: Kind) -> Self {
        let mut column = Self::default();
        match kind {
            Kind::Text => column.offsets.extend_from_slice(&0i32.to_le_bytes()),
            Kind::Int32 | Kind::Int64 => {}
            Kind::TextList => {
                column.offsets.extend_from_slice(&0i32.to_le_bytes());
                column.items = Some(Box::new(Self::new(Kind::Text)));
            }
        }
        column
    }

    fn valid(&mut self, set: bool) {
        if self.rows % 8 == 0 {
            self.validity.push(0);
        }
        if set {
            if let Some(last) = self.validity.last_mut() {
                *last |= 1 << (self.rows % 8);
            }
        } else {
            self.nulls += 1;
        }
        self.rows += 1;
    }

    /// The end of `data` (or of the items) as an `i32` offset; too much text for one batch
    /// is an error, not a wrapped offset.
    fn offset(len: usize) -> Result<[u8; 4], String> {
        i32::try_from(len)
            .map(i32::to_le_bytes)
            .map_err(|_| format!("a batch's column holds more than {} bytes", i32::MAX))
    }

    fn push(&mut self, kind: Kind, value: &Value<'_>) -> Result<(), String> {
        match (kind, value) {
            (Kind::Text, Value::Text(text)) => {
                self.valid(text.is_some());
                self.data.extend_from_slice(text.unwrap_or("").as_bytes());
                let end = Self::offset(self.data.len())?;
                self.offsets.extend_from_slice(&end);
            }
            (Kind::Int32, Value::Int(number)) => {
                self.valid(number.is_some());
                let number = i32::try_from(number.unwrap_or(0)).map_err(|e| e.to_string())?;
                self.data.extend_from_slice(&number.to_le_bytes());
            }
            (Kind::Int64, Value::Int(number)) => {
                self.valid(number.is_some());
                self.data
                    .extend_from_slice(&number.unwrap_or(0).to_le_bytes());
            }
            (Kind::TextList, Value::List(list)) => {
                self.valid(true);
                let items = self.items.get_or_insert_with(Default::default);
                for item in list {
                    items.push(Kind::Text, &Value::Text(Some(item)))?;
                }
                let end = Self::offset(items.rows)?;
                self.offsets.extend_from_slice(&end);
            }
            _ => return Err(format!("no {kind:?} value for a column")),
        }
        Ok(())
    }

    /// The Arrow buffers: validity (`None` without nulls), then offsets and data as the kind
    /// has them; a list's items follow its offsets.
    fn into_buffers(self, kind: Kind) -> Vec<Option<Vec<u8>>> {
        let validity = (self.nulls > 0).then_some(self.validity);
        match kind {
            Kind::Text => vec![validity, Some(self.offsets), Some(self.data)],
            Kind::Int32 | Kind::Int64 => vec![validity, Some(self.data)],
            Kind::TextList => {
                let items = self.items.map(|items| *items).unwrap_or_default();
                vec![
                    None,
                    Some(self.offsets),
                    Some(items.offsets),
                    Some(items.data),
                ]
            }
        }
    }
}

/// The session rows of a batch, column by column.
pub struct Rows {
    columns: Vec<Column>,
    rows: usize,
}

impl Default for Rows {
    fn default() -> Self {
        Self::new()
    }
}

impl Rows {
    /// No rows yet.
    pub fn new() -> Self {
        Self {
            columns: COLUMNS.iter().map(|&(_, kind)| Column::new(kind)).collect(),
            rows: 0,
        }
    }

    fn push(&mut self, values: [Value<'_>; 16]) -> Result<(), String> {
        for ((column, (_, kind)), value) in self.columns.iter_mut().zip(COLUMNS).zip(&values) {
            column.push(kind, value)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows of one file object, read from `source`: one per session, or one without a
    /// session carrying the error or the reason.
    pub fn add_file(&mut self, source: &str, report: &FileReport) -> Result<(), String> {
        let status = match report.status {
            FileStatus::Ok => "ok",
            FileStatus::Error => "error",
            FileStatus::Skipped => "skipped",
        };
        if report.sessions.is_empty() {
            let detail = report
                .error
                .as_deref()
                .or(report.reason.as_deref())
                .unwrap_or("no console output");
            return self.add_unchecked(&report.path, source, status, detail);
        }
        for session in &report.sessions {
            let top = top_finding(session);
            let json = serde_json::to_string(session)
                .map_err(|e| format!("cannot serialise a session of {}: {e}", report.path))?;
            let line = top.map(|f| i64::try_from(f.line).unwrap_or(i64::MAX));
            let int = |n: u64| Value::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)));
            self.push([
                Value::Text(Some(&report.path)),
                Value::Text(Some(source)),
                Value::Text(Some(status)),
                Value::Text(top.map(|f| f.title.as_str())),
                Value::Int(Some(i64::try_from(session.index).unwrap_or(i64::MAX))),
                int(session.start_line),
                int(session.end_line),
                Value::Text(Some(session.outcome.as_str())),
                Value::Text(session.last_stage.as_deref()),
                Value::Text(session.top_finding.as_deref()),
                Value::Text(top.map(|f| f.category.as_str())),
                Value::Text(top.map(|f| f.severity.as_str())),
                Value::Int(line),
                Value::Text(top.map(|f| f.text.as_str())),
                Value::List(session.findings.iter().map(|f| f.rule.as_str()).collect()),
                Value::Text(Some(&json)),
            ])?;
        }
        Ok(())
    }

    /// One row without a session: a file that was not judged, and why.
    pub fn add_unchecked(
        &mut self,
        path: &str,
        source: &str,
        status: &str,
        detail: &str,
    ) -> Result<(), String> {
        let none = || Value::Text(None);
        self.push([
            Value::Text(Some(path)),
            Value::Text(Some(source)),
            Value::Text(Some(status)),
            Value::Text(Some(detail)),
            Value::Int(None),
            Value::Int(None),
            Value::Int(None),
            none(),
            none(),
            none(),
            none(),
            none(),
            Value::Int(None),
            none(),
            Value::List(Vec::new()),
            none(),
        ])
    }

    /// How many rows, and each column's buffers in the order of [`COLUMNS`].
    pub fn into_buffers(self) -> (usize, Vec<Vec<Option<Vec<u8>>>>) {
        let columns = self
            .columns
            .into_iter()
            .zip(COLUMNS)
            .map(|(column, (_, kind))| column.into_buffers(kind))
            .collect();
        (self.rows, columns)
    }
}

/// The values of an Arrow binary column: `offsets` (`i32`, little-endian) delimit `data`.
pub fn binary_values<'a>(offsets: &[u8], data: &'a [u8]) -> Result<Vec<&'a [u8]>, String> {
    let bounds: Vec<usize> = offsets
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .map(|o| usize::try_from(o).map_err(|_| format!("negative offset {o}")))
        .collect::<Result<_, _>>()?;
    if offsets.len() % 4 != 0 || bounds.is_empty() {
        return Err("offsets must be i32 values, one more than the rows".to_owned());
    }
    bounds
        .windows(2)
        .map(|w| {
            data.get(w[0]..w[1])
                .ok_or_else(|| format!("offsets {}..{} outside the data", w[0], w[1]))
        })
        .collect()
}
