//! The one way a boot ends when it cannot go on.
//!
//! `fatal()` logs the error chain, syncs, offers the image's shell when `rd.shell` asked
//! for it, then follows `rd.emergency=` (reboot by default, after a pause so the
//! message can be read). The policy comes from the parsed command line only
//! ([`FatalPolicy`], part of the `Config` or, when the command line is malformed, of
//! its error), so every form the validator accepts works here too. The panic hook ends
//! here too, so even a bug does not make PID 1 exit (the kernel would panic).

use std::sync::OnceLock;
use std::time::Duration;

use osr_core::config::{Emergency, FatalPolicy};

use crate::sys::boot;

/// Pause before an automatic reboot, so the reason stays on screen.
const REBOOT_DELAY: Duration = Duration::from_secs(5);

static POLICY: OnceLock<FatalPolicy> = OnceLock::new();

/// Set once, as soon as the command line is parsed (well-formed or not).
pub fn set_policy(policy: FatalPolicy) {
    let _ = POLICY.set(policy);
}

fn policy() -> FatalPolicy {
    POLICY.get().copied().unwrap_or_default()
}

pub fn fatal(err: &anyhow::Error) -> ! {
    log::error!("FATAL: {err:#}");
    boot::sync();
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
    let what = match p.emergency {
        Emergency::Reboot => "rebooting",
        Emergency::Poweroff => "powering off",
        Emergency::Halt => "halting",
    };
    if p.emergency == Emergency::Reboot {
        log::error!(
            "{what} in {}s (rd.emergency=reboot|poweroff|halt, rd.shell for a shell)",
            REBOOT_DELAY.as_secs()
        );
        boot::pause(REBOOT_DELAY);
    } else {
        log::error!("{what} (rd.emergency)");
    }
    boot::end(p.emergency)
}

/// Logs the panic one kmsg line at a time, then takes the emergency path instead of
/// letting panic=abort kill PID 1.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        crate::sys::kmsg::emergency_lines(&format!("osr-init panicked: {info}"));
        emergency_action()
    }));
}
