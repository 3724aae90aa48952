//! Pure core of osr-rs: the parsers and the planner.
//!
//! Nothing in this crate makes a syscall or reads a file: every function takes text
//! (the kernel command line, `modules.dep`, the list of NICs seen) and returns typed
//! values. The `osr-init` binary gathers those inputs, asks [`plan::plan`] what to
//! do, and executes the resulting [`plan::Plan`].

pub mod blkid;
pub mod block;
pub mod bytes;
pub mod cdsl;
pub mod cluster;
pub mod cmdline;
pub mod config;
pub mod corosync;
pub mod dhcp;
pub mod dlm_conf;
pub mod dns;
pub mod gfs2;
pub mod handover;
pub mod ip;
pub mod kmod;
pub mod mountopts;
pub mod names;
pub mod netdev;
pub mod nfs;
pub mod ocfs2;
pub mod overlay;
pub mod plan;
pub mod root;
pub mod rootovl;
pub mod syslog;
