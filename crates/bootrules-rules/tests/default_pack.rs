//! The default pack: it loads, every rule has examples and they all behave, and it covers the
//! stage ids and the failures the SPEC names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use bootrules_rules::{default_pack, run_examples};

const SPEC_STAGES: &[&str] = &[
    "firmware",
    "bootloader",
    "kernel",
    "initramfs",
    "root-mounted",
    "switch-root",
    "system-init",
    "multi-user",
    "login",
    "agent-ready",
    "shutdown-started",
    "services-stopped",
    "filesystems-unmounted",
    "final-shutdown",
    "power-off",
    "restart",
];

#[test]
fn every_example_of_every_rule_behaves() {
    let pack = default_pack().expect("default pack loads");
    let (run, failures) = run_examples(&pack);
    let report: String = failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "{} examples failed:\n{report}",
        run.failed
    );
    assert!(run.passed > 100, "only {} examples ran", run.passed);
}

#[test]
fn every_rule_has_examples_that_must_and_must_not_match() {
    let pack = default_pack().expect("default pack loads");
    let mut lacking = Vec::new();
    for s in pack.stages() {
        if s.examples_match.is_empty() || s.examples_no_match.is_empty() {
            lacking.push(s.id.clone());
        }
    }
    for s in pack.signatures() {
        if s.examples_match.is_empty() || s.examples_no_match.is_empty() {
            lacking.push(s.id.clone());
        }
        assert!(
            !s.message.is_empty() && !s.remedy.is_empty(),
            "{} needs message and remedy",
            s.id
        );
        assert!(!s.references.is_empty(), "{} needs a reference", s.id);
    }
    assert!(
        lacking.is_empty(),
        "rules without both kinds of example: {lacking:?}"
    );
}

#[test]
fn the_spec_stage_ids_are_declared_in_order() {
    let pack = default_pack().expect("default pack loads");
    let ids: Vec<&str> = pack.stages().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, SPEC_STAGES);
}

#[test]
fn the_failures_the_spec_names_have_signatures() {
    let pack = default_pack().expect("default pack loads");
    let ids: BTreeSet<&str> = pack.signatures().iter().map(|s| s.id.as_str()).collect();
    for id in [
        "shutdown-missing-power-down",
        "fsck-manual-repair-required",
        "fsck-forced-check",
        "emergency-mode",
        "kernel-panic",
        "kernel-panic-vfs-unable-to-mount-root",
        "root-device-does-not-exist",
        "waagent-error",
    ] {
        assert!(ids.contains(id), "missing signature {id}");
    }
}

#[test]
fn signature_ids_are_stable_kebab_case_and_named_after_nothing_else() {
    let pack = default_pack().expect("default pack loads");
    for s in pack.signatures() {
        assert!(
            s.id.split('-').all(|p| !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{} is not kebab-case",
            s.id
        );
        assert!(
            s.origin.file.starts_with("rules/"),
            "{} comes from {}",
            s.id,
            s.origin.file
        );
    }
}

#[test]
fn docs_rules_md_is_generated_from_the_rule_files() {
    let pack = default_pack().expect("default pack loads");
    let generated = bootrules_rules::catalogue::markdown(&pack);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    if std::env::var_os("BOOTRULES_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).expect("docs/rules.md writable");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/rules.md is out of date: run `cargo run -q -- rules list --format markdown > docs/rules.md` \
         (or BOOTRULES_UPDATE_DOCS=1 cargo test -p bootrules-rules)"
    );
}

#[test]
fn the_pack_is_big_enough_and_covers_every_category() {
    let pack = default_pack().expect("default pack loads");
    let mut per_category: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in pack.signatures() {
        *per_category.entry(s.category.as_str()).or_default() += 1;
    }
    assert!(
        pack.signatures().len() >= 220,
        "{} signatures",
        pack.signatures().len()
    );
    // every category of the SPEC but `other` has a vocabulary of its own
    for category in [
        "bootloader",
        "kernel-panic",
        "root-mount",
        "initramfs",
        "filesystem",
        "fstab",
        "emergency-mode",
        "disk-io",
        "kernel-hang",
        "memory",
        "network",
        "guest-agent",
        "cloud-init",
        "systemd-unit",
        "selinux",
        "shutdown-hang",
        "platform",
    ] {
        let n = per_category.get(category).copied().unwrap_or(0);
        assert!(n >= 6, "{category}: {n} signatures");
    }
}

#[test]
fn every_signature_names_where_its_message_comes_from() {
    let pack = default_pack().expect("default pack loads");
    let missing: Vec<&str> = pack
        .signatures()
        .iter()
        .filter(|s| s.references.is_empty())
        .map(|s| s.id.as_str())
        .collect();
    assert!(missing.is_empty(), "no references: {missing:?}");
}
