//! The one way a boot ends when it cannot go on.
//!
//! `fatal()` logs the error chain, syncs, offers the image's shell when `rd.shell` asked
//! for it, then follows `rd.emergency=` (reboot by default, after a pause so the
//! message can be read). The panic hook ends here too, so even a bug does not make
//! PID 1 exit (the kernel would panic). If the reboot call itself fails we sleep
//! forever rather than exit.

use std::sync::OnceLock;
use std::time::Duration;

use nix::sys::reboot::{reboot, RebootMode};
use osr_core::cmdline::Cmdline;
use osr_core::config::Emergency;

/// Pause before an automatic reboot, so the reason stays on screen.
const REBOOT_DELAY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
struct Policy {
    emergency: Emergency,
    shell: bool,
}

static POLICY: OnceLock<Policy> = OnceLock::new();

/// Reads `rd.emergency` and `rd.shell` leniently: the policy must hold even when the
/// rest of the command line is malformed (that error is reported through `fatal`).
pub fn set_policy(cmdline: &Cmdline) {
    let emergency = match cmdline.get("rd.emergency") {
        Some("poweroff") => Emergency::Poweroff,
        Some("halt") => Emergency::Halt,
        _ => Emergency::Reboot,
    };
    let shell = matches!(
        cmdline.get("rd.shell"),
        Some("" | "1" | "yes" | "true" | "on")
    );
    let _ = POLICY.set(Policy { emergency, shell });
}

fn policy() -> Policy {
    POLICY.get().copied().unwrap_or(Policy {
        emergency: Emergency::Reboot,
        shell: false,
    })
}

pub fn fatal(err: &anyhow::Error) -> ! {
    log::error!("FATAL: {err:#}");
    nix::unistd::sync();
    if policy().shell {
        if let Err(e) =
            crate::sys::linux::run_shell("rd.shell: emergency shell after the error above")
        {
            log::error!("{e:#}");
        }
    }
    emergency_action()
}

pub fn emergency_action() -> ! {
    let p = policy();
    let (mode, what) = match p.emergency {
        Emergency::Reboot => (RebootMode::RB_AUTOBOOT, "rebooting"),
        Emergency::Poweroff => (RebootMode::RB_POWER_OFF, "powering off"),
        Emergency::Halt => (RebootMode::RB_HALT_SYSTEM, "halting"),
    };
    if p.emergency == Emergency::Reboot {
        log::error!(
            "{what} in {}s (rd.emergency=reboot|poweroff|halt, rd.shell for a shell)",
            REBOOT_DELAY.as_secs()
        );
        std::thread::sleep(REBOOT_DELAY);
    } else {
        log::error!("{what} (rd.emergency)");
    }
    nix::unistd::sync();
    let err = reboot(mode).err();
    log::error!("reboot({mode:?}) failed: {err:?}; sleeping forever");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Logs the panic one kmsg line at a time, then takes the emergency path instead of
/// letting panic=abort kill PID 1.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        crate::kmsg::emergency_lines(&format!("osr-init panicked: {info}"));
        emergency_action()
    }));
}
