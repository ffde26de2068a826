//! Each evidence kind of the rule language, layering and overrides, ignores, and the script
//! sandbox, on small packs layered over the default one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bootrules_core::{check_bytes, FileReport, Finding};
use bootrules_rules::{default_sources, load, Diagnostic, Pack, RuleSource};

fn source(path: &str, text: &str) -> RuleSource {
    RuleSource {
        path: path.to_owned(),
        text: text.to_owned().into(),
    }
}

/// The default pack with extra files layered on top.
fn pack_with(files: &[(&str, &str)]) -> Pack {
    let extra = files.iter().map(|(p, t)| source(p, t)).collect();
    match load(&[default_sources(), extra]) {
        Ok(pack) => pack,
        Err(errors) => panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn load_errors(files: &[(&str, &str)]) -> Vec<Diagnostic> {
    let extra = files.iter().map(|(p, t)| source(p, t)).collect();
    load(&[default_sources(), extra]).expect_err("the pack is invalid")
}

fn run(pack: &Pack, log: &str) -> FileReport {
    check_bytes(pack, "test.log", log.as_bytes())
}

fn finding(report: &FileReport, rule: &str) -> Option<Finding> {
    report
        .sessions
        .iter()
        .flat_map(|s| &s.findings)
        .find(|f| f.rule == rule)
        .cloned()
}

fn rule(id: &str, evidence: &str) -> String {
    format!(
        "[[signature]]\nid = \"{id}\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"error\"\nmessage = \"m {{unit}}\"\nremedy = \"r\"\n{evidence}\n"
    )
}

#[test]
fn count_needs_enough_lines_within_the_window() {
    let pack = pack_with(&[(
        "x.toml",
        &rule(
            "flapping",
            "patterns = ['link is down']\ncount = { at-least = 3, within-lines = 5 }",
        ),
    )]);
    let spread = "eth0: link is down\na\nb\nc\nd\ne\neth0: link is down\nf\ng\nh\ni\nj\neth0: link is down\n";
    assert!(finding(&run(&pack, spread), "flapping").is_none());
    let close = "eth0: link is down\na\neth0: link is down\nb\neth0: link is down\n";
    let found = finding(&run(&pack, close), "flapping").expect("fires on the third line");
    assert_eq!((found.line, found.count), (5, 3));
}

#[test]
fn sequence_needs_the_second_line_within_the_window() {
    let pack = pack_with(&[(
        "x.toml",
        &rule(
            "oops-then-panic",
            "patterns = ['Oops: (?P<unit>\\S+)']\nsequence = { then = ['Kernel panic'], within-seconds = 5.0 }",
        ),
    )]);
    let near =
        "[   10.0] Oops: 0002 [#1] SMP\n[   12.0] Kernel panic - not syncing: Fatal exception\n";
    let found = finding(&run(&pack, near), "oops-then-panic").expect("fires");
    assert_eq!(
        found.line, 1,
        "the evidence is the first line of the sequence"
    );
    assert_eq!(found.message, "m 0002");
    let far =
        "[   10.0] Oops: 0002 [#1] SMP\n[   99.0] Kernel panic - not syncing: Fatal exception\n";
    assert!(finding(&run(&pack, far), "oops-then-panic").is_none());
    let reversed = "[   12.0] Kernel panic - not syncing: x\n[   13.0] Oops: 0002 [#1] SMP\n";
    assert!(finding(&run(&pack, reversed), "oops-then-panic").is_none());
}

#[test]
fn missing_pattern_after_a_stage() {
    let pack = pack_with(&[(
        "x.toml",
        &rule(
            "agent-never-started",
            "missing = { after = \"multi-user\", patterns = ['Started (?:walinuxagent|Azure Linux Agent)'] }",
        ),
    )]);
    let without = "[  OK  ] Reached target Multi-User System.\nvm login: \n";
    let found = finding(&run(&pack, without), "agent-never-started").expect("fires");
    assert_eq!(
        found.line, 2,
        "absence is reported at the session's last line"
    );
    let with =
        "[  OK  ] Reached target Multi-User System.\n[  OK  ] Started walinuxagent.service.\n";
    assert!(finding(&run(&pack, with), "agent-never-started").is_none());
    let early = "Welcome to Debian GNU/Linux 12 (bookworm)!\n";
    assert!(
        finding(&run(&pack, early), "agent-never-started").is_none(),
        "the wait never began"
    );
}

#[test]
fn an_excerpts_first_lines_are_placed_by_the_stage_that_follows() {
    let pack = pack_with(&[(
        "x.toml",
        &format!(
            "{}{}",
            rule(
                "in-initrd",
                "patterns = ['widget timed out']\nonly-in = [\"initramfs\"]"
            ),
            rule(
                "outside-initrd",
                "patterns = ['widget timed out']\nunless-in = [\"initramfs\"]"
            )
        ),
    )]);
    let dracut = "[  182.1] dracut-initqueue[311]: Warning: dracut-initqueue timeout";
    let real_root = "[  OK  ] Started Journal to Persistent Storage.";
    let fired = |log: &str| {
        let s = run(&pack, log);
        (
            finding(&s, "in-initrd").is_some(),
            finding(&s, "outside-initrd").is_some(),
        )
    };
    // placed before the line, as always
    assert_eq!(
        fired(&format!("{dracut}\nwidget timed out\n")),
        (true, false)
    );
    assert_eq!(
        fired(&format!("{real_root}\nwidget timed out\n")),
        (false, true)
    );
    // placed only after it: the stage the excerpt shows next is where the line was printed
    assert_eq!(
        fired(&format!("widget timed out\n{dracut}\n")),
        (true, false)
    );
    assert_eq!(
        fired(&format!("widget timed out\n{real_root}\n")),
        (false, true)
    );
    // kernel lines place nothing past the kernel
    assert_eq!(
        fired(&format!(
            "[    3.2] widget timed out\n[    9.1] random: crng init done\n{dracut}\n"
        )),
        (true, false)
    );
    // never placed: only-in waits for what never came
    assert_eq!(fired("widget timed out\n"), (false, true));
}

#[test]
fn phase_and_stage_range_scope_the_evidence() {
    let pack = pack_with(&[(
        "x.toml",
        &format!(
            "{}{}",
            rule(
                "late-only",
                "patterns = ['widget failed']\nfrom-stage = \"multi-user\""
            ),
            rule(
                "early-only",
                "patterns = ['widget failed']\nuntil-stage = \"multi-user\""
            )
        ),
    )]);
    let before = run(
        &pack,
        "widget failed\n[  OK  ] Reached target Multi-User System.\n",
    );
    assert!(finding(&before, "early-only").is_some());
    assert!(finding(&before, "late-only").is_none());
    let after = run(
        &pack,
        "[  OK  ] Reached target Multi-User System.\nwidget failed\n",
    );
    assert!(finding(&after, "early-only").is_none());
    assert!(finding(&after, "late-only").is_some());
}

#[test]
fn ended_before_holds_only_where_the_session_went_no_further() {
    let pack = pack_with(&[(
        "x.toml",
        &rule(
            "loader-only",
            "patterns = ['widget missing']\nended-before = \"kernel\"",
        ),
    )]);
    // the log ends in the boot loader: the error stopped the boot
    let stopped = run(&pack, "Booting from Hard Disk...\nwidget missing\n");
    assert!(finding(&stopped, "loader-only").is_some());
    // a quiet kernel prints nothing, but the boot went on to systemd: no finding
    let went_on = run(
        &pack,
        "widget missing\n[  OK  ] Reached target Multi-User System.\n",
    );
    assert!(finding(&went_on, "loader-only").is_none());
    assert_eq!(
        went_on.sessions[0].last_stage.as_deref(),
        Some("multi-user")
    );
}

#[test]
fn a_symptom_an_earlier_error_explains_is_a_warning() {
    use bootrules_core::Severity;
    let pack = pack_with(&[]);
    let unit = "[FAILED] Failed to start Foo Daemon.";
    let alone = run(&pack, &format!("{unit}\n"));
    let failed = finding(&alone, "systemd-unit-failed").expect("fires");
    assert_eq!(failed.severity, Severity::Error);
    // the disk failed first (systemd-unit-failed is explained by disk-io): the unit is its symptom
    let disk = "[   68.8] blk_update_request: I/O error, dev sda, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0";
    let after = run(&pack, &format!("{disk}\n{unit}\n"));
    assert_eq!(
        finding(&after, "disk-io-error").map(|f| f.severity),
        Some(Severity::Error)
    );
    let symptom = finding(&after, "systemd-unit-failed").expect("still reported");
    assert_eq!(symptom.severity, Severity::Warning);
    // a unit that failed before the disk did is not explained by it
    let before = run(&pack, &format!("{unit}\n{disk}\n"));
    let first = finding(&before, "systemd-unit-failed").expect("fires");
    assert_eq!(first.severity, Severity::Error);
}

#[test]
fn a_symptom_can_take_its_causes_category() {
    let pack = pack_with(&[]);
    let local_fs = "[DEPEND] Dependency failed for local-fs.target - Local File Systems.";
    let category =
        |log: &str| finding(&run(&pack, log), "emergency-local-fs-failed").map(|f| f.category);
    // alone, or after a disk that never came: /etc/fstab's
    assert_eq!(category(&format!("{local_fs}\n")).as_deref(), Some("fstab"));
    let timeout = "[ TIME ] Timed out waiting for device dev-sdc1.device - /dev/sdc1.";
    assert_eq!(
        category(&format!("{timeout}\n{local_fs}\n")).as_deref(),
        Some("fstab")
    );
    // after the file system failed to mount: the file system's
    let mount = "[FAILED] Failed to mount data.mount - /data.";
    assert_eq!(
        category(&format!("{mount}\n{local_fs}\n")).as_deref(),
        Some("filesystem")
    );
}

#[test]
fn a_signature_with_unless_in_does_not_place_an_initramfs_in_the_real_root() {
    let pack = pack_with(&[]);
    let stage = |log: &str| run(&pack, log).sessions[0].last_stage.clone();
    let failed = "systemd[1]: Dependency failed for sysroot-home.mount - /sysroot/home.\nsystemd[1]: Dependency failed for local-fs.target - Local File Systems.\n";
    // a leapp upgrade's initramfs fails the mounts it makes under /sysroot: still the initramfs
    let dracut = "dracut-initqueue[1293]: Scanning devices md126 for LVM logical volumes vg/root\n";
    assert_eq!(
        stage(&format!("{dracut}{failed}")).as_deref(),
        Some("initramfs")
    );
    // the same failure with nothing placing the session: the real root's /etc/fstab
    let home = "[DEPEND] Dependency failed for home.mount - /home.\n";
    assert_eq!(stage(home).as_deref(), Some("system-init"));
}

#[test]
fn named_captures_fill_texts_and_travel_with_the_finding() {
    let report = run(
        &pack_with(&[]),
        "[FAILED] Failed to mount data.mount - /data.\n",
    );
    let found = finding(&report, "fstab-mount-failed").expect("fires");
    assert!(
        found.message.starts_with("mounting data.mount failed"),
        "{}",
        found.message
    );
    assert_eq!(
        found.captures.get("mount").map(String::as_str),
        Some("/data")
    );
}

#[test]
fn ignored_lines_are_never_evidence_but_still_mark_stages() {
    let pack = pack_with(&[(
        "x.toml",
        "[[ignore]]\nid = \"lab-noise\"\nreason = \"r\"\npatterns = ['LAB']\n",
    )]);
    let report = run(&pack, "LAB [   1.0] Kernel panic - not syncing: x\nLAB [  OK  ] Reached target Multi-User System.\n");
    assert!(finding(&report, "kernel-panic").is_none());
    assert_eq!(report.sessions[0].last_stage.as_deref(), Some("multi-user"));
}

#[test]
fn a_later_pack_overrides_a_default_rule_of_the_same_id() {
    let pack = pack_with(&[(
        "team/panic.toml",
        "[[signature]]\nid = \"kernel-panic\"\ntitle = \"ours\"\ncategory = \"kernel-panic\"\nseverity = \"warning\"\npatterns = ['Kernel panic']\nmessage = \"team message\"\nremedy = \"r\"\n",
    )]);
    let report = run(&pack, "[ 1.0] Kernel panic - not syncing: x\n");
    let found = finding(&report, "kernel-panic").expect("still fires");
    assert_eq!(
        (found.message.as_str(), found.severity.as_str()),
        ("team message", "warning")
    );
    assert_eq!(
        pack.signatures()
            .iter()
            .filter(|s| s.id == "kernel-panic")
            .count(),
        1
    );
    let overriding = pack.signature("kernel-panic").unwrap();
    assert_eq!(overriding.origin.file, "team/panic.toml");
}

#[test]
fn rules_can_be_disabled_by_a_pack_or_by_id() {
    let mut pack = pack_with(&[(
        "off.toml",
        "disable = [\"kernel-panic\", \"no-such-rule\"]\n",
    )]);
    assert!(finding(
        &run(&pack, "Kernel panic - not syncing: x\n"),
        "kernel-panic"
    )
    .is_none());
    let warnings: Vec<String> = pack.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].starts_with(
            "off.toml:1:28: warning[unknown-disabled-id]: `disable` names `no-such-rule`"
        ),
        "{}",
        warnings[0]
    );
    assert_eq!(pack.disable(["emergency-mode", "nope"]), ["nope"]);
    assert!(finding(
        &run(&pack, "You are in emergency mode.\n"),
        "emergency-mode"
    )
    .is_none());
}

const SANDBOX_LOG: &str = "trigger\n[    5.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n";

fn script_rule(id: &str, script: &str) -> String {
    format!(
        "[[signature]]\nid = \"{id}\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"error\"\npatterns = ['trigger']\nmessage = \"m\"\nremedy = \"r\"\nscript = '''\n{script}\n'''\n"
    )
}

#[test]
fn runaway_scripts_are_stopped_and_named_while_other_rules_still_report() {
    let cases = [
        ("endless-loop", "loop { }", "more than 500000 operations"),
        (
            "deep-recursion",
            "fn f(n) { f(n + 1) }\nf(0)",
            "nested deeper than 32",
        ),
        (
            "exponential-recursion",
            "fn f(n) { if n == 0 { 1 } else { f(n - 1) + f(n - 1) } }\nf(30)",
            "more than 500000 operations",
        ),
        (
            "giant-string",
            "let s = \"x\";\nloop { s += s; }",
            "over the limit",
        ),
        (
            "giant-array",
            "let a = [];\nloop { a.push(1); }",
            "over the limit",
        ),
        ("read-a-file", "open(\"/etc/passwd\")", "script failed"),
        ("import-module", "import \"std\" as s;\n1", "script failed"),
    ];
    let files: Vec<(String, String)> = cases
        .iter()
        .map(|(id, script, _)| (format!("{id}.toml"), script_rule(id, script)))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let pack = pack_with(&refs);
    let report = run(&pack, SANDBOX_LOG);
    let session = &report.sessions[0];
    for (id, _, reason) in cases {
        let failure = session
            .rule_errors
            .iter()
            .find(|f| f.rule.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{id} not reported: {:?}", session.rule_errors));
        assert!(
            failure.message.contains(reason),
            "{id}: {}",
            failure.message
        );
        assert!(finding(&report, id).is_none());
    }
    assert!(
        finding(&report, "kernel-panic").is_some(),
        "other rules still ran"
    );
    assert!(finding(&report, "kernel-panic-vfs-unable-to-mount-root").is_some());
    assert_eq!(session.outcome.as_str(), "boot-failed");
}

#[test]
fn scripts_see_the_session_and_choose_the_finding() {
    let pack = pack_with(&[(
        "x.toml",
        &script_rule(
            "second-trigger",
            "if events.len() >= 2 && session.stages.kernel.line == 1 {\n  #{ line: events[1].line, message: `seen ${events.len()} times` }\n} else { () }",
        ),
    )]);
    let once = "[    0.0] Linux version 6.1.0 (x@y)\ntrigger\n";
    assert!(finding(&run(&pack, once), "second-trigger").is_none());
    let twice = "[    0.0] Linux version 6.1.0 (x@y)\ntrigger\nother\ntrigger\n";
    let found = finding(&run(&pack, twice), "second-trigger").expect("fires");
    assert_eq!((found.line, found.message.as_str()), (4, "seen 2 times"));
}

#[test]
fn a_script_reads_the_lines_printed_before_the_session_was_placed() {
    let rule = script_rule(
        "initrd-trigger",
        "#{ line: events[0].line, message: `seen ${events.len()} times` }",
    );
    let pack = pack_with(&[("x.toml", &format!("{rule}only-in = [\"initramfs\"]\n"))]);
    let dracut = "[  182.1] dracut-initqueue[311]: Warning: dracut-initqueue timeout";
    // an excerpt that starts with the lines and shows the initramfs only after them
    let found = finding(
        &run(&pack, &format!("trigger\ntrigger\n{dracut}\ntrigger\n")),
        "initrd-trigger",
    )
    .expect("fires");
    assert_eq!((found.line, found.message.as_str()), (1, "seen 3 times"));
    let real_root = "[  OK  ] Started Journal to Persistent Storage.";
    assert!(finding(
        &run(&pack, &format!("trigger\n{real_root}\n")),
        "initrd-trigger"
    )
    .is_none());
}

#[test]
fn script_files_are_found_next_to_their_rule() {
    let rule = "[[signature]]\nid = \"from-file\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['trigger']\nscript-file = \"check.rhai\"\nmessage = \"m\"\nremedy = \"r\"\n";
    let pack = pack_with(&[
        ("team/a.toml", rule),
        ("team/check.rhai", "events.len() > 0"),
    ]);
    assert!(finding(&run(&pack, "trigger\n"), "from-file").is_some());
    let errors = load_errors(&[("team/a.toml", rule)]);
    assert_eq!(
        errors[0].message,
        "script file `team/check.rhai` not found next to the rule file"
    );
}

#[test]
fn script_syntax_errors_point_into_the_rule_file() {
    let errors = load_errors(&[("bad.toml", &script_rule("broken", "let x = ;"))]);
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!((e.file.as_str(), e.line(), e.column()), ("bad.toml", 10, 9));
    assert!(e.message.starts_with("bad script:"), "{}", e.message);
    let in_file = load_errors(&[
        ("t/a.toml", "[[signature]]\nid = \"f\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\nscript-file = \"s.rhai\"\nmessage = \"m\"\nremedy = \"r\"\n"),
        ("t/s.rhai", "// checks\nlet y = 1 +;\n"),
    ]);
    assert_eq!(
        (in_file[0].file.as_str(), in_file[0].line()),
        ("t/s.rhai", 2)
    );
}

#[test]
fn every_validation_error_at_once() {
    let broken = [
        ("a.toml", "[[signature]]\nid = \"Bad_Id\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['(']\nexclude = ['[']\nmessage = \"m\"\nremedy = \"r\"\n"),
        ("b.toml", "[[signature]]\nid = \"b\"\ntitle = \"t\"\ncategory = \"disk\"\nseverity = \"info\"\npatterns = ['x']\nmessage = \"m\"\nremedy = \"r\"\n"),
        ("c.toml", "[[signature]]\nid = \"c\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\nfrom-stage = \"kernal\"\npatterns = ['x']\ncount = { at-least = 0 }\nmessage = \"m\"\nremedy = \"r\"\n"),
        ("d.toml", "[[signature]]\nid = \"c\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['x']\nmessage = \"m\"\nremedy = \"r\"\nremedy-text = \"oops\"\n"),
        ("e.toml", "[[signature]]\nid = \"e\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\nmessage = \"m\"\nremedy = \"r\"\n"),
        ("f.toml", "[[signature]]\nid = \"f\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['x']\nscript = 'if ( { }'\nmessage = \"m\"\nremedy = \"r\"\n"),
        ("g.toml", "[[stage]]\nid = \"g\"\nphase = \"boot\"\norder = 1\npatterns = []\n[[signature]]\nid = \"g\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"info\"\npatterns = ['x']\nmessage = \"m\"\nremedy = \"r\"\n"),
        ("h.toml", "[[signature]]\nid = \"h\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"error\"\ncategory-from-cause = true\nended-before = \"kernal\"\npatterns = ['x']\nmessage = \"m\"\nremedy = \"r\"\n"),
    ];
    let errors = load_errors(&broken);
    let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(rendered.join("\n\n"));
}

#[test]
fn evidence_last_reports_the_latest_matching_line() {
    let pack = pack_with(&[(
        "x.toml",
        &rule(
            "waiting",
            "patterns = ['waiting for (?P<unit>\\S+) \\((?P<elapsed>\\d+)s\\)']\nevidence = \"last\"",
        ),
    )]);
    let log = "waiting for a.service (1s)\nwaiting for a.service (2s)\nother\nwaiting for a.service (3s)\n";
    let found = finding(&run(&pack, log), "waiting").expect("fires");
    assert_eq!((found.line, found.count), (4, 3));
    assert_eq!(found.captures.get("elapsed").map(String::as_str), Some("3"));
}

#[test]
fn a_restart_cut_off_after_a_crash_belongs_to_the_crash() {
    let pack = pack_with(&[]);
    let crash_then_firmware = "SeaBIOS (version 1.16)\n[    0.000000] Linux version 6.1.0 (x@y)\n[    5.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\nSeaBIOS (version 1.16)\nBooting from Hard Disk...\n";
    let report = run(&pack, crash_then_firmware);
    assert_eq!(
        report.sessions.len(),
        1,
        "the restart is folded into the crash"
    );
    assert_eq!(report.sessions[0].outcome.as_str(), "boot-failed");
    assert_eq!(report.sessions[0].end_line, 5);
    let reset_then_firmware = "SeaBIOS (version 1.16)\n[    0.000000] Linux version 6.1.0 (x@y)\n[    5.0] Run /init as init process\nSeaBIOS (version 1.16)\nBooting from Hard Disk...\n";
    assert_eq!(
        run(&pack, reset_then_firmware).sessions.len(),
        2,
        "no crash: the restart is its own session"
    );
    let crash_then_grub_rescue = "SeaBIOS (version 1.16)\n[    0.000000] Linux version 6.1.0 (x@y)\n[    5.0] Kernel panic - not syncing: Fatal exception\nSeaBIOS (version 1.16)\ngrub rescue> \n";
    assert_eq!(
        run(&pack, crash_then_grub_rescue).sessions.len(),
        2,
        "a restart that failed on its own is kept"
    );
}

const UNITS: &str =
    "[[unit-category]]\nid = \"acme-units\"\ncategory = \"guest-agent\"\nunits = ['^acme-agent']\n";

fn generic_rule() -> String {
    "[[signature]]\nid = \"any-unit-failed\"\ntitle = \"t\"\ncategory = \"systemd-unit\"\nseverity = \"error\"\n\
     category-by-unit = \"unit\"\ngeneric = true\none-per = \"unit\"\n\
     patterns = ['Failed to start (?P<unit>[\\w.-]+)']\nmessage = \"{unit} failed\"\nremedy = \"r\"\n"
        .to_owned()
}

#[test]
fn a_generic_rule_files_each_unit_under_its_category_once() {
    let pack = pack_with(&[("units.toml", UNITS), ("generic.toml", &generic_rule())]);
    let report = run(
        &pack,
        "[FAILED] Failed to start acme-agent.service\n[FAILED] Failed to start other.service\n[FAILED] Failed to start acme-agent.service\n",
    );
    let found: Vec<(String, String, u64)> = report.sessions[0]
        .findings
        .iter()
        .filter(|f| f.rule == "any-unit-failed")
        .map(|f| (f.captures["unit"].clone(), f.category.clone(), f.line))
        .collect();
    assert_eq!(
        found,
        [
            ("acme-agent.service".to_owned(), "guest-agent".to_owned(), 1),
            ("other.service".to_owned(), "systemd-unit".to_owned(), 2),
        ]
    );
}

#[test]
fn a_specific_rule_on_the_same_line_wins_over_the_generic_one() {
    let specific = rule(
        "acme-agent-failed",
        "patterns = ['Failed to start acme-agent']",
    );
    let pack = pack_with(&[
        ("units.toml", UNITS),
        ("generic.toml", &generic_rule()),
        ("specific.toml", &specific),
    ]);
    let report = run(&pack, "[FAILED] Failed to start acme-agent.service\n");
    let specific = finding(&report, "acme-agent-failed").expect("the specific rule reports");
    assert_eq!(specific.severity.as_str(), "error");
    // the generic one only notes that a unit failed, in its own category
    let note = finding(&report, "any-unit-failed").expect("a note");
    assert_eq!(
        (note.severity.as_str(), note.category.as_str()),
        ("info", "systemd-unit")
    );
}

#[test]
fn a_signature_shows_the_stage_of_its_evidence() {
    let shows = rule(
        "acme-initrd-error",
        "patterns = ['acme-initrd: error']\nshows-stage = \"initramfs\"",
    );
    let pack = pack_with(&[("shows.toml", &shows)]);
    let report = run(&pack, "acme-initrd: error: no disk\n");
    assert_eq!(report.sessions[0].last_stage.as_deref(), Some("initramfs"));
    assert_eq!(report.sessions[0].stages[0].line, 1);
}

#[test]
fn script_events_reach_the_script_but_alone_find_and_show_nothing() {
    let widget = rule(
        "widget-step-failed",
        "patterns = ['^acme-initrd: (?P<step>mount root)$']\nshows-stage = \"initramfs\"\n\
         script-events = ['^acme-initrd: (?P<step>load drivers)$', '^(?P<result>ok|failed)$']\n\
         script = \'\'\'\nlet step = ();\nfor e in events {\n  if \"step\" in e.captures { step = e; }\n  \
         else if e.captures.result == \"failed\" && step != () && step.text.contains(\"mount\") { return #{ line: step.line }; }\n}\nfalse\n\'\'\'",
    );
    let pack = pack_with(&[("widget.toml", &widget)]);
    // the step that failed is read from the events after the evidence
    let failed = run(&pack, "acme-initrd: mount root\nfailed\n");
    assert_eq!(
        finding(&failed, "widget-step-failed").expect("fires").line,
        1
    );
    assert_eq!(failed.sessions[0].last_stage.as_deref(), Some("initramfs"));
    // another step's failure is not the mount's, and the events alone show no stage
    let other = run(
        &pack,
        "acme-initrd: mount root\nok\nacme-initrd: load drivers\nfailed\n",
    );
    assert!(finding(&other, "widget-step-failed").is_none());
    let alone = run(&pack, "acme-initrd: load drivers\nfailed\n");
    assert!(finding(&alone, "widget-step-failed").is_none());
    assert_eq!(alone.sessions[0].last_stage, None);
}

/// A signature whose script counts its events and names the line of its evidence.
fn counting_rule(id: &str, events: &str, extra: &str) -> String {
    rule(
        id,
        &format!(
            "patterns = ['acme: mount root']\nscript-events = [{events}]\n{extra}\n\
             script = '''\nlet at = ();\nfor e in events {{ if e.text.contains(\"mount root\") {{ at = e.line; }} }}\n\
             #{{ line: at, message: `${{events.len()}}` }}\n'''"
        ),
    )
}

#[test]
fn a_line_that_is_evidence_and_script_event_reaches_the_script_once() {
    // a case-insensitive pattern has no literal to search for, so it is tried first
    let pack = pack_with(&[("x.toml", &counting_rule("once", "'(?i)ACME: MOUNT'", ""))]);
    let found = finding(&run(&pack, "acme: mount root\n"), "once").expect("fires");
    assert_eq!((found.line, found.message.as_str()), (1, "1"));
}

#[test]
fn evidence_reaches_the_script_when_script_events_filled_it() {
    let pack = pack_with(&[("x.toml", &counting_rule("full", "'acme: step'", ""))]);
    let log = format!("{}acme: mount root\n", "acme: step\n".repeat(1005));
    let found = finding(&run(&pack, &log), "full").expect("fires");
    assert_eq!((found.line, found.message.as_str()), (1006, "1000"));
}

#[test]
fn the_latest_script_events_reach_the_script_when_they_overflow() {
    let last_line = rule(
        "latest",
        "patterns = ['acme: mount root']\nscript-events = ['acme: step']\n\
         script = '''\n#{ line: events[0].line, message: `${events[events.len() - 1].line}` }\n'''",
    );
    let pack = pack_with(&[("x.toml", &last_line)]);
    let log = format!(
        "acme: mount root\n{}acme: step\n",
        "acme: step\n".repeat(1200)
    );
    let found = finding(&run(&pack, &log), "latest").expect("fires");
    assert_eq!((found.line, found.message.as_str()), (1, "1202"));
}

#[test]
fn two_script_events_on_one_line_give_the_script_both_captures() {
    let both = rule(
        "both",
        "patterns = ['acme: mount root']\n\
         script-events = ['acme: (?P<what>step) one', 'acme: step (?P<which>one)']\n\
         script = '''\nlet e = events[events.len() - 1];\n#{ line: events[0].line, message: e.captures.what + e.captures.which }\n'''",
    );
    let pack = pack_with(&[("x.toml", &both)]);
    let found = finding(&run(&pack, "acme: mount root\nacme: step one\n"), "both").expect("fires");
    assert_eq!(found.message, "stepone");
}

#[test]
fn script_events_printed_before_the_session_was_placed_are_read_in_their_place() {
    let rule = counting_rule("placed", "'acme: step'", "only-in = [\"initramfs\"]");
    let pack = pack_with(&[("x.toml", &rule)]);
    let dracut = "[  182.1] dracut-initqueue[311]: Warning: dracut-initqueue timeout";
    let log = format!("acme: step\nacme: mount root\nacme: step\n{dracut}\nacme: step\n");
    let found = finding(&run(&pack, &log), "placed").expect("fires");
    assert_eq!((found.line, found.message.as_str()), (2, "4"));
}

#[test]
fn script_events_need_patterns_and_a_script() {
    let without_script = rule(
        "events-without-script",
        "patterns = ['acme: start']\nscript-events = ['acme: step']",
    );
    let errors = load_errors(&[("x.toml", &without_script)]);
    let without_patterns = rule(
        "events-without-patterns",
        "script-events = ['acme: step']\nscript = 'true'",
    );
    let without_patterns_errors = load_errors(&[("y.toml", &without_patterns)]);
    for (errors, missing) in [
        (errors, "no script"),
        (without_patterns_errors, "no `patterns`"),
    ] {
        assert!(
            errors.iter().any(|e| e.code == "needs-patterns"
                && e.message.contains("script-events")
                && e.message.contains(missing)),
            "{errors:?}"
        );
    }
}

#[test]
fn a_stage_is_shown_by_its_shown_by_lines_without_beginning_a_session() {
    let stage = "[[stage]]\nid = \"kernel\"\nphase = \"boot\"\norder = 2\nstarts-session = true\nonce-per-boot = true\nhandoff = true\n\
                 patterns = ['Linux version \\d']\nshown-by = ['acme kernel says']\n";
    let pack = pack_with(&[("stages.toml", stage)]);
    let report = run(
        &pack,
        "Linux version 6.1\nacme kernel says hello\nacme kernel says bye\n",
    );
    assert_eq!(report.sessions.len(), 1);
    let report = run(&pack, "acme kernel says hello\n");
    assert_eq!(report.sessions[0].last_stage.as_deref(), Some("kernel"));
}

#[test]
fn an_except_line_of_shown_by_outside_shows_nothing() {
    let stage = |except: &str| {
        format!(
            "[[stage]]\nid = \"login\"\nphase = \"boot\"\norder = 8\npatterns = [' login: ']\n\
             shown-by-outside = {{ stages = [\"initramfs\"], patterns = ['^acme \\w+ started'], \
             except = [{except}] }}\n"
        )
    };
    let pack = pack_with(&[("stages.toml", &stage("'^acme initrd'"))]);
    let last = |log: &str| run(&pack, log).sessions.first()?.last_stage.clone();
    assert_eq!(last("acme webapp started\n").as_deref(), Some("login"));
    assert_eq!(last("acme initrd started\n"), None);
    let errors = load_errors(&[("stages.toml", &stage("'(unclosed'"))]);
    let e = &errors[0];
    assert_eq!((e.file.as_str(), e.line()), ("stages.toml", 6), "{e}");
    assert!(e.message.starts_with("bad regular expression"), "{e}");
}

#[test]
fn a_capture_a_pattern_does_not_have_is_left_out_of_the_message() {
    let two = "[[signature]]\nid = \"two-forms\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"error\"\n\
               patterns = ['acme failed on (?P<disk>\\S+)', 'acme failed$']\n\
               message = \"acme failed ({disk|no disk named})\"\nremedy = \"check {disk}\"\n";
    let pack = pack_with(&[("two.toml", two)]);
    let found = finding(&run(&pack, "acme failed\n"), "two-forms").unwrap();
    assert_eq!(found.message, "acme failed (no disk named)");
    assert_eq!(found.remedy, "check ");
    let found = finding(&run(&pack, "acme failed on sdb\n"), "two-forms").unwrap();
    assert_eq!(found.message, "acme failed (sdb)");
}

#[test]
fn unit_options_must_name_a_capture_of_the_patterns() {
    let bad = "[[signature]]\nid = \"bad-units\"\ntitle = \"t\"\ncategory = \"other\"\nseverity = \"error\"\n\
               patterns = ['Failed to start (?P<unit>\\S+)']\none-per = \"service\"\n\
               category-by-unit = \"unit\"\nmessage = \"m\"\nremedy = \"r\"\n";
    let errors: Vec<String> = load_errors(&[("bad.toml", bad)])
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "bad.toml:7:11: error[unknown-capture]: `one-per` names the capture `service`"
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn explained_by_makes_an_earlier_finding_the_cause() {
    let cause = rule("disk-gone", "patterns = ['disk gone']");
    let symptom = rule(
        "shell-started",
        "patterns = ['shell started']\nexplained-by = [\"disk-gone\"]",
    )
    .replace(
        "severity = \"error\"",
        "severity = \"critical\"\nfatal = true",
    );
    let pack = pack_with(&[("x.toml", &format!("{cause}\n{symptom}"))]);
    let report = run(&pack, "disk gone\nsomething else\nshell started\n");
    let session = &report.sessions[0];
    let rules: Vec<&str> = session
        .cause_chain
        .iter()
        .map(|&i| session.findings[i].rule.as_str())
        .collect();
    assert_eq!(rules, ["disk-gone", "shell-started"]);
    assert_eq!(session.cause, Some(session.cause_chain[0]));

    // Without the relation, the fatal finding is its own cause.
    let plain = rule("shell-started", "patterns = ['shell started']").replace(
        "severity = \"error\"",
        "severity = \"critical\"\nfatal = true",
    );
    let pack = pack_with(&[("x.toml", &format!("{cause}\n{plain}"))]);
    let report = run(&pack, "disk gone\nshell started\n");
    let session = &report.sessions[0];
    assert_eq!(session.cause_chain.len(), 1);
    assert_eq!(
        session.findings[session.cause.unwrap()].rule,
        "shell-started"
    );
}

#[test]
fn explained_by_names_only_categories_and_signatures() {
    let errors = load_errors(&[(
        "x.toml",
        &rule(
            "shell-started",
            "patterns = ['shell started']\nexplained-by = [\"fstab\", \"no-such-rule\"]",
        ),
    )]);
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].contains(
            "`explained-by` names `no-such-rule`, which is neither a category nor a signature id"
        ),
        "{text:?}"
    );
}

/// `patterns-if-followed`: a shutdown command typed at a shell shows the shutdown once the log
/// goes on after it; a log that ends on it (blank lines aside) shows only that it was typed.
#[test]
fn a_marker_that_needs_a_next_line_counts_only_once_one_follows() {
    let pack = pack_with(&[]);
    let boot = "[  OK  ] Reached target Multi-User System.\nvm login: root\n[root@vm ~]# reboot\n";
    let shutdown = |log: &str| {
        let report = run(&pack, log);
        let session = report.sessions.last().unwrap();
        let line = session
            .stages
            .iter()
            .find(|s| s.id == "shutdown-started")
            .map(|s| s.line);
        (line, session.last_stage.clone(), report.sessions.len())
    };
    let login = Some("login".to_owned());
    assert_eq!(shutdown(boot), (None, login.clone(), 1));
    assert_eq!(shutdown(&format!("{boot}\n\n")), (None, login.clone(), 1));
    let went_on = format!("{boot}[  OK  ] Removed slice system-getty.slice.\n");
    assert_eq!(
        shutdown(&went_on),
        (Some(3), Some("shutdown-started".to_owned()), 1)
    );
    // the console's echo of the command is not a line after it; output after the echo is
    let echoed = format!("{boot}reboot\n");
    assert_eq!(shutdown(&echoed), (None, login.clone(), 1));
    let echoed_then_output = format!("{echoed}[  OK  ] Removed slice system-getty.slice.\n");
    assert_eq!(
        shutdown(&echoed_then_output),
        (Some(3), Some("shutdown-started".to_owned()), 1)
    );
    // the next boot is a line after it too, and the command never begins a session itself
    let next_boot = format!("{boot}SeaBIOS (version 1.16.3-debian-1.16.3-2)\n");
    let report = run(&pack, &next_boot);
    assert_eq!(report.sessions.len(), 2);
    assert_eq!(
        report.sessions[0].last_stage.as_deref(),
        Some("shutdown-started")
    );
}
