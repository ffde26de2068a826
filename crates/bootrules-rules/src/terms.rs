//! The words rule files and reports share: a finding's category and a rule's status. Read
//! from TOML as they are, and kept as they are in a compiled pack.

use serde::Deserialize;

/// Sigma's rule status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Status {
    Experimental,
    #[default]
    Stable,
    Deprecated,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 3] = [Self::Experimental, Self::Stable, Self::Deprecated];

    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Experimental => "experimental",
            Self::Stable => "stable",
            Self::Deprecated => "deprecated",
        }
    }
}

/// The SPEC's closed list of failure categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Category {
    Bootloader,
    KernelPanic,
    RootMount,
    Initramfs,
    Filesystem,
    Fstab,
    EmergencyMode,
    DiskIo,
    KernelHang,
    Memory,
    Network,
    GuestAgent,
    CloudInit,
    SystemdUnit,
    Selinux,
    ShutdownHang,
    Platform,
    Other,
}

impl Category {
    /// Every category, in the SPEC's order.
    pub const ALL: [Category; 18] = [
        Self::Bootloader,
        Self::KernelPanic,
        Self::RootMount,
        Self::Initramfs,
        Self::Filesystem,
        Self::Fstab,
        Self::EmergencyMode,
        Self::DiskIo,
        Self::KernelHang,
        Self::Memory,
        Self::Network,
        Self::GuestAgent,
        Self::CloudInit,
        Self::SystemdUnit,
        Self::Selinux,
        Self::ShutdownHang,
        Self::Platform,
        Self::Other,
    ];

    /// The name used in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bootloader => "bootloader",
            Self::KernelPanic => "kernel-panic",
            Self::RootMount => "root-mount",
            Self::Initramfs => "initramfs",
            Self::Filesystem => "filesystem",
            Self::Fstab => "fstab",
            Self::EmergencyMode => "emergency-mode",
            Self::DiskIo => "disk-io",
            Self::KernelHang => "kernel-hang",
            Self::Memory => "memory",
            Self::Network => "network",
            Self::GuestAgent => "guest-agent",
            Self::CloudInit => "cloud-init",
            Self::SystemdUnit => "systemd-unit",
            Self::Selinux => "selinux",
            Self::ShutdownHang => "shutdown-hang",
            Self::Platform => "platform",
            Self::Other => "other",
        }
    }
}
