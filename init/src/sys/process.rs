//! Child processes started chrooted and in a session of their own (the cluster stack's
//! daemons and tools).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The only PATH a child gets.
const PATH_ENV: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// A command run in `root` (chroot + chdir before exec), in its own session when
/// `session` (so the console's signals do not reach it), with a plain PATH.
pub fn command(root: Option<&Path>, program: &str, session: bool) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear().env("PATH", PATH_ENV).stdin(Stdio::null());
    let root = root.map(Path::to_path_buf);
    // SAFETY: the closure runs in the forked child before exec and only makes the
    // async-signal-safe calls setsid, chroot and chdir; it allocates nothing (the
    // path was built before the fork).
    unsafe {
        cmd.pre_exec(move || {
            if session {
                nix::unistd::setsid()?;
            }
            if let Some(r) = &root {
                nix::unistd::chroot(r.as_path())?;
                nix::unistd::chdir("/")?;
            }
            Ok(())
        });
    }
    cmd
}
