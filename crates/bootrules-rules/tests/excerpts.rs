//! Excerpts as pasted into tickets: a few lines cut out of a real log are placed at the stage
//! their lines show and keep the failure, also when the stage's own marker lies outside them.
//! The logs are the lab's real serial captures in `tests/fixtures/lab/logs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use bootrules_core::{check_bytes, Outcome, Session};
use bootrules_rules::{default_pack, Pack};

fn lab_log(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/lab/logs")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Lines `first..=last` (1-based, as `sed -n` counts) of a lab log.
fn excerpt(name: &str, first: usize, last: usize) -> String {
    let log = lab_log(name);
    let lines: Vec<&str> = log.split('\n').collect();
    lines[first - 1..last].join("\n") + "\n"
}

/// The single session of an excerpt.
fn judge(pack: &Pack, text: &str) -> Session {
    let report = check_bytes(pack, "excerpt.log", text.as_bytes());
    assert_eq!(report.sessions.len(), 1, "{:#?}", report.sessions);
    report.sessions.into_iter().next().unwrap()
}

fn rules(session: &Session) -> Vec<&str> {
    session.findings.iter().map(|f| f.rule.as_str()).collect()
}

fn categories(session: &Session) -> Vec<&str> {
    session
        .findings
        .iter()
        .map(|f| f.category.as_str())
        .collect()
}

#[test]
fn a_dracut_timeout_without_the_kernel_banner_is_a_stall_in_the_initramfs() {
    let pack = default_pack().unwrap();
    // 15 lines around `dracut-initqueue[…]: Warning: dracut-initqueue timeout`
    let s = judge(
        &pack,
        &excerpt("debian12-dracut-wrong-root-uuid.log", 460, 474),
    );
    assert_eq!(s.last_stage.as_deref(), Some("initramfs"));
    assert_eq!(s.outcome, Outcome::BootStalled);
    assert!(
        rules(&s).contains(&"dracut-initqueue-timeout"),
        "{:?}",
        rules(&s)
    );
}

#[test]
fn dracut_s_emergency_shell_fails_the_boot_in_the_initramfs() {
    let pack = default_pack().unwrap();
    let s = judge(
        &pack,
        &excerpt("debian12-dracut-wrong-root-uuid.log", 560, 574),
    );
    assert_eq!(s.last_stage.as_deref(), Some("initramfs"));
    assert_eq!(s.outcome, Outcome::BootFailed);
    assert!(categories(&s).contains(&"root-mount"), "{:?}", rules(&s));
}

#[test]
fn emergency_mode_after_local_file_systems_failed_is_a_failure_in_system_init() {
    let pack = default_pack().unwrap();
    // `Timed out waiting for device …` … `Dependency failed for … Local File Systems`
    let s = judge(
        &pack,
        &excerpt("debian12-itools-fstab-missing-disk.log", 700, 714),
    );
    assert_eq!(s.last_stage.as_deref(), Some("system-init"));
    assert_eq!(s.outcome, Outcome::BootFailed);
    for category in ["fstab", "emergency-mode"] {
        assert!(categories(&s).contains(&category), "{:?}", rules(&s));
    }
}

#[test]
fn units_that_emergency_mode_runs_too_do_not_make_a_failed_boot_reach_multi_user() {
    let pack = default_pack().unwrap();
    // a Debian VM without configfs in a public blog post: emergency mode, then the runlevel
    // record that multi-user, rescue and emergency mode all start
    let log = "[FAILED] Failed to mount /sys/kernel/config.\n\
        [DEPEND] Dependency failed for Local File Systems.\n\
        [  OK  ] Started Emergency Shell.\n\
        [  OK  ] Reached target Emergency Mode.\n\
                 Starting Update UTMP about System Runlevel Changes...\n\
        [  OK  ] Started Update UTMP about System Runlevel Changes.\n\
        You are in emergency mode. After logging in, type \"journalctl -xb\" to view\n";
    let s = judge(&pack, log);
    assert_eq!(s.outcome, Outcome::BootFailed);
    assert_eq!(s.last_stage.as_deref(), Some("system-init"));
    assert!(
        s.stages.iter().all(|hit| hit.id != "multi-user"),
        "{:?}",
        s.stages
    );
}

#[test]
fn initramfs_tools_alert_drops_to_a_shell_in_the_initramfs() {
    let pack = default_pack().unwrap();
    let s = judge(
        &pack,
        &excerpt("debian12-itools-wrong-root-uuid.log", 426, 440),
    );
    assert_eq!(s.last_stage.as_deref(), Some("initramfs"));
    assert_eq!(s.outcome, Outcome::BootFailed);
    assert!(categories(&s).contains(&"root-mount"), "{:?}", rules(&s));
}

#[test]
fn a_stop_job_that_never_ends_is_a_stalled_shutdown() {
    let pack = default_pack().unwrap();
    let s = judge(
        &pack,
        &excerpt(
            "debian12-itools-hung-shutdown-forced-off-reboot.log",
            700,
            714,
        ),
    );
    assert_eq!(s.last_stage.as_deref(), Some("shutdown-started"));
    assert_eq!(s.outcome, Outcome::ShutdownStalled);
    assert!(categories(&s).contains(&"shutdown-hang"), "{:?}", rules(&s));
}

#[test]
fn agent_and_cloud_init_lines_show_the_real_root_runs() {
    let pack = default_pack().unwrap();
    let s = judge(
        &pack,
        &excerpt(
            "debian12-itools-cloud-init-nocloud-url-unreachable.log",
            648,
            662,
        ),
    );
    assert_eq!(s.last_stage.as_deref(), Some("system-init"));
    assert!(categories(&s).contains(&"cloud-init"), "{:?}", rules(&s));
    let s = judge(
        &pack,
        &excerpt("debian12-itools-waagent-no-wireserver.log", 640, 654),
    );
    assert_eq!(s.last_stage.as_deref(), Some("system-init"));
    assert!(categories(&s).contains(&"guest-agent"), "{:?}", rules(&s));
}

#[test]
fn a_login_prompt_in_an_excerpt_means_the_vm_booted() {
    let pack = default_pack().unwrap();
    let s = judge(
        &pack,
        &excerpt("debian12-itools-oom-during-boot.log", 630, 644),
    );
    assert_eq!(s.last_stage.as_deref(), Some("login"));
    assert_eq!(s.outcome, Outcome::Booted);
    assert!(categories(&s).contains(&"memory"), "{:?}", rules(&s));
}

#[test]
fn kernel_lines_alone_show_the_kernel_and_a_panic_fails_the_boot() {
    let pack = default_pack().unwrap();
    // the kernel's report of init dying, without the banner or any initramfs line: the process
    // it names (`CPU: 0 PID: 1 Comm: false`) places nothing, so the excerpt is at the kernel
    // (the whole log shows switch-root, which no line of the excerpt does)
    let s = judge(
        &pack,
        &excerpt("debian12-itools-init-bin-false-panic.log", 395, 409),
    );
    assert_eq!(s.last_stage.as_deref(), Some("kernel"));
    assert_eq!(s.outcome, Outcome::BootFailed);
    assert!(categories(&s).contains(&"kernel-panic"), "{:?}", rules(&s));
}

#[test]
fn the_kernels_setup_code_and_its_decompressor_are_one_boot() {
    let pack = default_pack().unwrap();
    // x86 setup code and decompressor output before the banner (arch/x86/boot), then a
    // decompressor line that is also the boot loader's hand-off
    for setup in [
        "Probing EDD (edd=off to disable)... ok",
        "early console in extract_kernel\ninput_data: 0x00000000024ec3b4\nPhysical KASLR using RDRAND RDTSC...",
    ] {
        let text = format!(
            "  Booting `Debian GNU/Linux'\n\n{setup}\n\nDecompressing Linux... Parsing ELF... done.\nBooting the kernel.\n[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP\n"
        );
        let s = judge(&pack, &text);
        assert_eq!(s.last_stage.as_deref(), Some("kernel"), "{setup}");
    }
    // powerpc prom_init names the kernel before the kernel prints its banner
    let prom_init = "OF stdout device is: /vdevice/vty@71000000\nPreparing to boot Linux version 5.5.0+ (root@vm) (gcc version 5.5.0 (GCC)) #3111 Fri Feb 7 07:23:08 UTC 2020\nQuiescing Open Firmware ...\nBooting Linux via __start() @ 0x01000000 ...\nLinux version 5.5.0+ (root@vm) (gcc version 5.5.0 (GCC)) #3111 Fri Feb 7 07:23:08 UTC 2020\n";
    assert_eq!(
        judge(&pack, prom_init).last_stage.as_deref(),
        Some("kernel")
    );
}

/// Cuts windows out of every session of every log in `dir` (as `score-fragments` does, at fixed
/// offsets) and checks that none is split into several sessions and none claims a stage the
/// whole log had not reached by the window's last line. Returns how many windows were checked.
fn windows_agree_with_whole_logs(pack: &Pack, dir: &Path) -> usize {
    let rank = |id: &str| pack.stages().iter().position(|s| s.id == id).unwrap();
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let whole = check_bytes(pack, "whole.log", &bytes);
        let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        for session in &whole.sessions {
            let (start, end) = (session.start_line as usize, session.end_line as usize);
            for length in [20, 60, 150] {
                if end < start + length {
                    continue;
                }
                for first in (start..=end + 1 - length).step_by(97) {
                    let last = first + length - 1;
                    let window = lines[first - 1..last].join(&b'\n');
                    let part = check_bytes(pack, "window.log", &window);
                    let place = format!("{}:{first}-{last}", path.display());
                    assert_eq!(part.sessions.len(), 1, "{place}: split");
                    let reached_by_then = session
                        .stages
                        .iter()
                        .filter(|s| s.line <= last as u64)
                        .map(|s| rank(&s.id))
                        .max();
                    let claimed = part.sessions[0].last_stage.as_deref().map(rank);
                    assert!(
                        claimed <= reached_by_then,
                        "{place}: {:?} is beyond the whole log's stage there",
                        part.sessions[0].last_stage
                    );
                    checked += 1;
                }
            }
        }
    }
    checked
}

#[test]
fn windows_of_the_lab_logs_are_never_split_nor_ahead_of_the_whole_log() {
    let pack = default_pack().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/lab/logs");
    assert!(windows_agree_with_whole_logs(&pack, &dir) > 300);
}

#[test]
fn windows_of_the_shared_corpus_are_never_split_nor_ahead_of_the_whole_log() {
    let Some(corpus) = test_support::shared_corpus() else {
        return;
    };
    let dir = corpus.join("logs");
    let pack = default_pack().unwrap();
    assert!(windows_agree_with_whole_logs(&pack, &dir) > 1000);
}

#[test]
fn a_kernel_banner_relayed_by_syslog_after_the_boot_is_not_a_new_boot() {
    let pack = default_pack().unwrap();
    // rsyslog writing the kernel's ring buffer to the console once it starts, after login
    let log = "[    0.000000] Linux version 5.15.0-1057-azure (buildd@lcy02-amd64-008) (gcc 11.4.0) #65-Ubuntu SMP\n\
               [    2.100000] Run /init as init process\n\
               Welcome to Ubuntu 22.04.4 LTS!\n\
               [  OK  ] Reached target Multi-User System.\n\
               \n\
               vm1 login: \n\
               Mar  3 10:00:01 vm1 kernel: [    0.000000] Linux version 5.15.0-1057-azure (buildd@lcy02-amd64-008) (gcc 11.4.0) #65-Ubuntu SMP\n\
               Mar  3 10:00:01 vm1 kernel: [    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-5.15.0-1057-azure root=PARTUUID=1 ro console=ttyS0\n\
               Mar  3 10:00:01 vm1 systemd[1]: Started Session 1 of User azureuser.\n";
    let s = judge(&pack, log);
    assert_eq!(s.last_stage.as_deref(), Some("login"));
    assert_eq!(s.outcome, Outcome::Booted);
}

#[test]
fn an_excerpt_that_starts_with_relayed_kernel_lines_is_one_session() {
    let pack = default_pack().unwrap();
    let log = "[   31.512000] cloud-init[905]: Cloud-init v. 23.4.4 running 'modules:final' at Sun, 03 Mar 2024 10:00:00 +0000. Up 31.40 seconds.\n\
               Mar  3 10:00:01 vm1 kernel: [    3.900000] sd 0:0:0:0: [sda] Attached SCSI disk\n\
               Mar  3 10:00:01 vm1 kernel: [    0.000000] Linux version 5.15.0-1057-azure (buildd@lcy02-amd64-008) (gcc 11.4.0) #65-Ubuntu SMP\n\
               [   32.000000] cloud-init[905]: Cloud-init v. 23.4.4 finished at Sun, 03 Mar 2024 10:00:01 +0000. Datasource DataSourceAzure [seed=/dev/sr0].  Up 32.00 seconds\n";
    let s = judge(&pack, log);
    assert_eq!(s.last_stage.as_deref(), Some("agent-ready"));
}

#[test]
fn a_syslog_file_of_its_own_still_splits_at_each_boot() {
    let pack = default_pack().unwrap();
    // /var/log/messages pasted whole: every line is relayed, so its banners are real boots
    let log = "Mar  3 10:00:01 vm1 kernel: Linux version 5.14.0-362.8.1.el9_3.x86_64 (mockbuild@x) (gcc 11.4.1) #1 SMP\n\
               Mar  3 10:00:05 vm1 systemd[1]: Reached target Multi-User System.\n\
               Mar  3 11:00:00 vm1 systemd[1]: Stopped target Multi-User System.\n\
               Mar  3 11:00:10 vm1 kernel: Linux version 5.14.0-362.8.1.el9_3.x86_64 (mockbuild@x) (gcc 11.4.1) #1 SMP\n\
               Mar  3 11:00:15 vm1 systemd[1]: Reached target Multi-User System.\n";
    let report = check_bytes(&pack, "messages", log.as_bytes());
    assert_eq!(report.sessions.len(), 2, "{:#?}", report.sessions);
}

#[test]
fn a_kernel_banner_after_later_kernel_lines_still_begins_a_boot() {
    let pack = default_pack().unwrap();
    // the tail of an earlier boot, then a new kernel: its clock starts again
    let log = "[  512.000000] sd 0:0:0:0: [sda] Synchronizing SCSI cache\n\
               [    0.000000] Linux version 6.1.0-50-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP\n";
    let report = check_bytes(&pack, "tail.log", log.as_bytes());
    assert_eq!(report.sessions.len(), 2, "{:#?}", report.sessions);
}

#[test]
fn a_panic_as_systemd_shutdown_exits_belongs_to_the_shutdown() {
    let pack = default_pack().unwrap();
    // a QEMU guest's poweroff (github.com/raspberrypi, untimed console): the kernel reports PID 1
    // `systemd-shutdow` exiting after the halt; no new boot began. A halted kernel leaves the VM
    // on: the shutdown reached its last step, but no power-off
    let s = judge(
        &pack,
        "[  OK  ] Reached target System Power Off.\nreboot: System halted\nKernel panic - not syncing: Attempted to kill init! exitcode=0x00000000\nCPU: 0 PID: 1 Comm: systemd-shutdow Not tainted 6.1.0 #1\n",
    );
    assert_eq!(s.outcome, Outcome::ShutdownStalled);
    assert_eq!(s.last_stage.as_deref(), Some("final-shutdown"));
    assert!(
        rules(&s).contains(&"shutdown-halted-not-powered-off"),
        "{:?}",
        rules(&s)
    );
    assert!(categories(&s).contains(&"kernel-panic"), "{:?}", rules(&s));
}

#[test]
fn a_fatal_finding_once_shutdown_began_ends_no_boot() {
    let pack = default_pack().unwrap();
    let s = judge(
        &pack,
        "[  OK  ] Stopped target Multi-User System.\n[  100.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n",
    );
    assert_eq!(s.outcome, Outcome::ShutdownStalled);
}

#[test]
fn a_firmware_fault_after_power_off_begins_the_next_session() {
    let pack = default_pack().unwrap();
    // a VMware guest's power-off, then its UEFI firmware faulting (a vendor KB article): the
    // dying kernel prints no firmware lines, so the fault belongs to what comes next
    let log = "localhost login: [ 115.792006][ T1] reboot: Power down\n\
               !!!! X64 Exception Type - 0E(#PF - Page-Fault) CPU Apic ID - 00000000 !!!!\n\
               RIP - 000000000E0675BD, CS - 0000000000000018, RFLAGS - 0000000000210202\n";
    let report = check_bytes(&pack, "vmware.log", log.as_bytes());
    assert_eq!(report.sessions.len(), 2, "{:#?}", report.sessions);
    assert_eq!(report.sessions[0].outcome, Outcome::PoweredOff);
    assert_eq!(report.sessions[1].last_stage.as_deref(), Some("firmware"));
}

#[test]
fn a_test_script_printing_proc_version_begins_no_boot() {
    let pack = default_pack().unwrap();
    // a Buildroot guest's test script (a kernel test report on a public mailing list): the
    // banner it prints has no kernel time stamp, and the kernel's clock runs on after it
    let log = "[   14.9][    T1] VFS: Mounted root (ext4 filesystem) readonly on device 31:0.\n\
               [   15.0][    T1] Run /sbin/init as init process\n\
               Starting syslogd: OK\n\
               Linux version 5.14.0-rc6-next-20210817 (groeck@server) (powerpc64-linux-gcc 7.4.0) #1 SMP Tue Aug 17 19:13:07 PDT 2021\n\
               [   18.5][  T227] telnet (227) used greatest stack depth: 8528 bytes left\n\
               Boot successful.\n\
               [   34.7][  T232] reboot: Restarting system\n";
    let report = check_bytes(&pack, "buildroot.log", log.as_bytes());
    assert_eq!(report.sessions.len(), 1, "{:#?}", report.sessions);
    assert_eq!(report.sessions[0].outcome, Outcome::Rebooted);
}

#[test]
fn a_disk_without_boot_code_leaves_the_boot_in_the_firmware() {
    let pack = default_pack().unwrap();
    // SeaBIOS handing off to a disk that holds no boot code (an EC2 instance's console in a
    // public issue thread): no boot loader ever ran
    let s = judge(
        &pack,
        "Booting from Hard Disk...\nBoot from Hard Disk failed: not a bootable disk\n\nNo bootable device.\nPowering off in 30 seconds.\n",
    );
    assert_eq!(s.last_stage.as_deref(), Some("firmware"));
    assert_eq!(s.outcome, Outcome::BootFailed);
    // the hand-off alone shows the boot loader's turn
    let s = judge(&pack, "Booting from Hard Disk...\n");
    assert_eq!(s.last_stage.as_deref(), Some("bootloader"));
}

#[test]
fn a_kernel_banner_a_program_prints_in_an_excerpt_is_not_a_boot() {
    let pack = default_pack().unwrap();
    // a Buildroot test VM's console from after its kernel's banner: a test prints
    // /proc/version (no kernel time before it), then powers the VM off
    let log = "[   11.501012] mkdir (955) used greatest stack depth: 12928 bytes left\n\
               Starting syslogd: OK\n\
               Linux version 6.6.0 (builder@host) (gcc 13.2.0) #1 SMP\n\
               Linux version 6.6.0 (builder@host) (gcc 13.2.0) #1 SMP\n\
               Stopping syslogd: OK\n\
               The system is going down NOW!\n\
               Requesting system poweroff\n\
               [   15.351335] reboot: Power down\n";
    let s = judge(&pack, log);
    assert_eq!(s.outcome, Outcome::PoweredOff);
}

#[test]
fn a_fault_whose_own_report_shows_the_machine_going_down_happened_in_the_shutdown() {
    let pack = default_pack().unwrap();
    // built from lib/bug.c, lib/dump_stack.c and systemd's src/shutdown/umount.c: the oops'
    // `Comm:` line names the child systemd-shutdown forks to unmount
    let report = "[   49.612436] kernel BUG at mm/slub.c:304!\n\
        [   49.616407] invalid opcode: 0000 [#1] SMP PTI\n\
        [   49.620806] CPU: 4 PID: 2044 Comm: (sd-umount) Not tainted 5.10.0-rc5+ #104\n\
        [   49.634484] RIP: 0010:__slab_free+0x1c9/0x380\n";
    let s = judge(&pack, report);
    assert_eq!(s.last_stage.as_deref(), Some("final-shutdown"));
    assert_eq!(s.outcome, Outcome::ShutdownStalled);
    // a panic in the boot, and a line of a shutdown half a minute later: the boot failed
    let later =
        "[   12.612436] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n\
        [   49.620806] CPU: 4 PID: 2044 Comm: (sd-umount) Not tainted 5.10.0-rc5+ #104\n";
    assert_eq!(judge(&pack, later).outcome, Outcome::BootFailed);
}

#[test]
fn a_panic_that_its_reboot_timer_restarts_stays_a_failed_boot() {
    let pack = default_pack().unwrap();
    // built from kernel/panic.c (`Rebooting in %d seconds..`) and drivers/acpi/reboot.c: the
    // restart prints the panic's own time stamp, then the next kernel starts its clock over
    let text = "\
[    6.047416] BUG: kernel NULL pointer dereference, address: 0000000000000038
[    6.047416] Kernel panic - not syncing: Fatal exception
[    6.047416] Rebooting in 1 seconds..
[    6.047416] ACPI MEMORY or I/O RESET_REG.
[    0.120024] smpboot: Total of 2 processors activated (9470.16 BogoMIPS)
[    0.130623] devtmpfs: initialized
";
    let report = check_bytes(&pack, "excerpt.log", text.as_bytes());
    let outcomes: Vec<Outcome> = report.sessions.iter().map(|s| s.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::BootFailed, Outcome::BootStalled],
        "{:#?}",
        report.sessions
    );
}

#[test]
fn a_kernel_clock_that_starts_over_without_a_banner_is_a_new_boot() {
    let pack = default_pack().unwrap();
    // built from kernel/panic.c and a kdump capture kernel booted `quiet` (only its warnings
    // reach the console): no banner, but a clock back near zero after days of uptime
    let text = "\
[496626.051460] sysrq: Trigger a crash
[496626.054963] Kernel panic - not syncing: sysrq triggered crash
[496626.186329] R13: 0000000000000002 R14: 00007f803f2d0c00 R15: 0000000000000002
[    0.315879] [Firmware Bug]: the BIOS has corrupted hw-PMU resources (MSR 38d is b0)
[    2.859879] mce: Unable to init MCE device (rc: -5)
";
    let report = check_bytes(&pack, "excerpt.log", text.as_bytes());
    let starts: Vec<u64> = report.sessions.iter().map(|s| s.start_line).collect();
    assert_eq!(starts, [1, 4], "{:#?}", report.sessions);
    assert_eq!(report.sessions[0].outcome, Outcome::BootFailed);
    // CPUs' time stamps a little out of order, and a kernel up for seconds only, begin nothing
    for text in [
        "[   40.000100] a\n[   39.999000] b\n",
        "[   20.000000] c\n[    0.500000] d\n",
    ] {
        assert_eq!(
            check_bytes(&pack, "x.log", text.as_bytes()).sessions.len(),
            1
        );
    }
}

#[test]
fn a_relayed_banner_after_systemds_status_lines_is_the_journals_copy() {
    let pack = default_pack().unwrap();
    // journald forwarding to the console (a GCE image): its copy of the kernel's first lines
    // comes among PID 1's status lines, which only a console shows
    let log = "[  OK  ] Reached target Basic System.\n\
               [  OK  ] Started D-Bus System Message Bus.\n\
               Jun 25 04:35:38 vm1 systemd[1]: Mounted Huge Pages File System.\n\
               Jun 25 04:35:38 vm1 kernel: [    0.000000] Linux version 5.10.0-30-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-10) #1 SMP Debian 5.10.218-1\n";
    let s = judge(&pack, log);
    assert_eq!(s.last_stage.as_deref(), Some("system-init"));
}

#[test]
fn a_journal_pasted_across_boots_splits_at_its_separators_without_calling_a_boot_reset() {
    let pack = default_pack().unwrap();
    // `journalctl` output of a boot that failed to mount a data disk and the next one (built
    // from systemd's journal format and its `-- Boot <id> --` separator)
    let journal = "\
Jan 01 10:00:01 vm1 systemd[1]: Mounting /data...
Jan 01 10:00:02 vm1 mount[612]: mount: /data: special device /dev/sdc1 does not exist.
Jan 01 10:00:02 vm1 systemd[1]: Failed to mount /data.
Jan 01 10:00:02 vm1 systemd[1]: Dependency failed for Local File Systems.
Jan 01 10:00:03 vm1 systemd[1]: Reached target Emergency Mode.
-- Boot 6a1e2f0b9c4d4e8fa1b2c3d4e5f60718 --
Jan 01 10:05:01 vm1 systemd[1]: Reached target Local File Systems.
Jan 01 10:05:04 vm1 systemd[1]: Reached target Multi-User System.
";
    let report = check_bytes(&pack, "journal.log", journal.as_bytes());
    let outcomes: Vec<_> = report.sessions.iter().map(|s| s.outcome).collect();
    assert_eq!(outcomes, [Outcome::BootFailed, Outcome::Booted]);
    assert_eq!(
        report.sessions[0].last_stage.as_deref(),
        Some("system-init")
    );
    assert_eq!(report.sessions[1].last_stage.as_deref(), Some("multi-user"));

    // the same journal filtered to one unit shows no shutdown: the earlier boot is no reset
    let unit = "\
Jan 01 10:00:02 vm1 systemd[1]: Started Azure Linux Agent.
Jan 01 10:00:05 vm1 waagent[812]: Daemon Azure Linux Agent Version: 2.9.1.1
-- Boot 6a1e2f0b9c4d4e8fa1b2c3d4e5f60718 --
Jan 01 11:00:02 vm1 systemd[1]: Started Azure Linux Agent.
";
    let report = check_bytes(&pack, "unit.log", unit.as_bytes());
    assert_eq!(report.sessions.len(), 2);

    // `journalctl -o short-monotonic` keeps the kernel's times: the separator still splits, and
    // a journal's orderly reboot, which never shows `reboot: Restarting system`, is `rebooted`
    let monotonic = "\
[    0.000000] vm1 kernel: Linux version 6.1.0-28-amd64 (x@y) #1 SMP
[    4.000000] vm1 systemd[1]: Reached target Multi-User System.
[  500.000000] vm1 systemd[1]: Stopped target Multi-User System.
[  500.100000] vm1 systemd[1]: Reached target System Reboot.
[  500.200000] vm1 systemd-journald[201]: Journal stopped
-- Boot 6a1e2f0b9c4d4e8fa1b2c3d4e5f60718 --
[    0.000000] vm1 kernel: Linux version 6.1.0-28-amd64 (x@y) #1 SMP
[    4.000000] vm1 systemd[1]: Reached target Multi-User System.
";
    let report = check_bytes(&pack, "monotonic.log", monotonic.as_bytes());
    let outcomes: Vec<_> = report.sessions.iter().map(|s| s.outcome).collect();
    assert_eq!(outcomes, [Outcome::Rebooted, Outcome::Booted]);
    let report = check_bytes(&pack, "unit.log", unit.as_bytes());
    assert_eq!(report.sessions.len(), 2);
    let first = &report.sessions[0];
    assert_ne!(first.outcome, Outcome::Reset);
    assert!(
        first
            .findings
            .iter()
            .all(|f| !f.message.contains("the log ends")),
        "{:?}",
        first.findings
    );
    assert!(
        !rules(first).contains(&"restart-without-shutdown"),
        "{:?}",
        rules(first)
    );
}
