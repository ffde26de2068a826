//! A JSON Schema of the rule file format, so editors (Taplo, Even Better TOML) complete and check
//! rule files as they are typed. It follows `spec.rs` key for key; a test compares the two.

use serde_json::{json, Map, Value};

use crate::terms::{Category, Status};

/// The schema (draft 07), as `bootrules rules schema` prints it.
pub fn schema() -> Value {
    let id = string("Stable kebab-case id, never reused");
    let patterns = |what: &str| list(&string("A regular expression (Rust `regex` syntax)"), what);
    let stage_ref = string("A stage id");
    let stages = |what: &str| list(&stage_ref, what);
    let category = json!({
        "description": "The SPEC's failure category",
        "enum": Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    });
    let examples = table(
        "Log excerpts that `rules test` and `cargo test` run",
        &[],
        [
            (
                "match",
                list(
                    &json!({
                        "anyOf": [
                            string("A log excerpt"),
                            table(
                                "An excerpt with what a signature's finding must carry",
                                &["log"],
                                [
                                    ("log", string("A log excerpt")),
                                    (
                                        "captures",
                                        json!({
                                            "description": "Named captures the finding must carry",
                                            "type": "object",
                                            "additionalProperties": { "type": "string" },
                                        }),
                                    ),
                                    ("category", category.clone()),
                                ],
                            ),
                        ],
                    }),
                    "Excerpts that must match",
                ),
            ),
            (
                "no-match",
                list(&string("A log excerpt"), "Excerpts that must not match"),
            ),
        ],
    );
    let phase = one_of("Boot or shutdown", &["boot", "shutdown"]);
    let within = [
        ("within-lines", integer("At most this many lines apart")),
        (
            "within-seconds",
            number("At most this many seconds of kernel time apart"),
        ),
    ];
    let stage = table(
        "A stage marker",
        &["id", "phase", "order", "patterns"],
        [
            ("id", id.clone()),
            ("phase", phase.clone()),
            (
                "order",
                integer("Position within the phase; equal orders are alternatives"),
            ),
            ("description", string("What the stage is")),
            (
                "starts-session",
                boolean("Reaching it after a later stage begins a new session"),
            ),
            ("once-per-boot", boolean("Its markers print once per boot")),
            (
                "handoff",
                boolean("Reaching it means the bootloader handed over to the OS"),
            ),
            (
                "marks",
                one_of(
                    "What reaching it means",
                    &["booted", "powered-off", "rebooted"],
                ),
            ),
            ("patterns", patterns("The stage's markers")),
            (
                "handoff-patterns",
                patterns("Markers that also mean the hand-off to the OS"),
            ),
            (
                "patterns-if-followed",
                patterns("Markers that count only once another line follows them (a shutdown command typed at a shell); they never begin a session"),
            ),
            (
                "separators",
                patterns("A log's own lines between two boots: they begin the next session without saying how the last one ended"),
            ),
            (
                "shown-by",
                patterns("Lines that show the stage was reached"),
            ),
            (
                "shown-at-least-by",
                patterns("Lines that show the stage or a later one"),
            ),
            (
                "shown-by-outside",
                table(
                    "Lines that show the stage unless the session is in one of `stages`",
                    &["stages", "patterns"],
                    [
                        ("stages", stages("Where these lines show nothing")),
                        ("patterns", patterns("The lines")),
                        ("except", patterns("Lines of `patterns` that show nothing")),
                    ],
                ),
            ),
            (
                "shown-by-kernel-lines",
                boolean("Every kernel line shows the stage"),
            ),
            (
                "undone-by",
                patterns("Lines that take the stage back while it is the furthest reached"),
            ),
            ("examples", examples.clone()),
        ],
    );
    let signature = table(
        "A known-failure signature",
        &["id", "title", "category", "severity", "message", "remedy"],
        [
            ("id", id.clone()),
            ("title", string("One line for people")),
            ("category", category.clone()),
            ("category-by-unit", string("The capture whose unit gives the category")),
            ("generic", boolean("A catch-all that leaves lines to specific signatures")),
            (
                "category-from-cause",
                boolean("Takes the category of the earlier error that explains it"),
            ),
            ("one-per", string("One finding per distinct value of this capture")),
            (
                "severity",
                one_of("How bad it is", &["info", "warning", "error", "critical"]),
            ),
            ("fatal", boolean("Stops a boot or a running system")),
            ("patterns", patterns("The evidence")),
            ("exclude", patterns("Lines that also match one of these are not evidence")),
            ("phase", phase),
            ("from-stage", string("Only lines once this stage was reached count")),
            ("until-stage", string("Only lines before this stage was reached count")),
            (
                "ended-before",
                string("Holds only in a session that ended before this stage"),
            ),
            ("shows-stage", string("The stage a line of its patterns shows")),
            (
                "script-events",
                patterns("Lines the script reads besides the evidence; alone they find nothing"),
            ),
            ("unless-in", stages("Stages in which its lines do not count")),
            ("only-in", stages("Stages outside which its lines do not count")),
            (
                "explained-by",
                list(&string("A category or signature id"), "What explains its findings"),
            ),
            (
                "missing",
                table(
                    "Evidence by absence: once `after` is reached, one of `stages` or `patterns` must follow",
                    &["after"],
                    [
                        ("after", stage_ref.clone()),
                        ("stages", stages("Stages of which one must follow")),
                        ("patterns", patterns("Lines of which one must follow")),
                    ],
                ),
            ),
            (
                "sequence",
                table(
                    "Evidence by order: a line of `patterns`, then a `then` line",
                    &["then"],
                    [("then", patterns("The second lines"))].into_iter().chain(within.clone()),
                ),
            ),
            (
                "count",
                table(
                    "Evidence by repetition",
                    &["at-least"],
                    [("at-least", integer("How many matching lines make the finding"))]
                        .into_iter()
                        .chain(within),
                ),
            ),
            (
                "evidence",
                one_of("Which matching line is the evidence", &["first", "last"]),
            ),
            ("script", string("A Rhai script that judges the session")),
            ("script-file", string("A Rhai script file, relative to the rule file")),
            ("message", string("What it means (may name `{capture}`s)")),
            ("remedy", string("What to do (may name `{capture}`s)")),
            ("references", list(&string("A URL"), "Vendor documentation")),
            (
                "status",
                json!({
                    "description": "Sigma's rule status",
                    "enum": Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                }),
            ),
            ("tags", list(&string("A tag"), "Free-form tags")),
            ("falsepositives", list(&string("A case"), "Known false positives")),
            ("examples", examples.clone()),
        ],
    );
    let ignore = table(
        "Lines that are never evidence",
        &["id", "reason", "patterns"],
        [
            ("id", id.clone()),
            ("reason", string("Why these lines are noise")),
            ("patterns", patterns("The lines")),
            ("examples", examples.clone()),
        ],
    );
    let unit_category = table(
        "Units whose failures belong to a category",
        &["id", "category", "units"],
        [
            ("id", id),
            ("category", category),
            ("description", string("What these units are")),
            ("units", patterns("Unit name patterns")),
            ("examples", examples),
        ],
    );
    let mut file = table(
        "A bootrules rule file",
        &[],
        [
            (
                "disable",
                list(
                    &string("A rule id"),
                    "Rules (from any pack) this pack turns off",
                ),
            ),
            ("stage", list(&stage, "Stage markers")),
            ("signature", list(&signature, "Known-failure signatures")),
            ("ignore", list(&ignore, "Lines that are never evidence")),
            (
                "unit-category",
                list(&unit_category, "Units whose failures belong to a category"),
            ),
        ],
    );
    file["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    file["title"] = json!("bootrules rule file");
    file
}

fn string(description: &str) -> Value {
    json!({ "description": description, "type": "string" })
}

fn integer(description: &str) -> Value {
    json!({ "description": description, "type": "integer", "minimum": 0 })
}

fn number(description: &str) -> Value {
    json!({ "description": description, "type": "number", "minimum": 0 })
}

fn boolean(description: &str) -> Value {
    json!({ "description": description, "type": "boolean" })
}

fn one_of(description: &str, values: &[&str]) -> Value {
    json!({ "description": description, "enum": values })
}

fn list(item: &Value, description: &str) -> Value {
    json!({ "description": description, "type": "array", "items": item })
}

/// A table whose keys are `properties`, no other.
fn table<'a>(
    description: &str,
    required: &[&str],
    properties: impl IntoIterator<Item = (&'a str, Value)>,
) -> Value {
    let properties: Map<String, Value> = properties
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
    let mut table = json!({
        "description": description,
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        table["required"] = json!(required);
    }
    table
}
