//! `osr-init strip-cluster-conf IN OUT` and `osr-init strip-dlm-conf IN OUT`: what
//! the dracut module embeds instead of the build host's files, without the
//! credentials osr-init never uses (issue 13; what goes: `osr_core::cluster::strip`
//! and `osr_core::dlm_conf`). Each removed thing is printed, never its value.

use std::process::ExitCode;

use anyhow::{Context, Result};
use osr_core::{cluster, dlm_conf};

use crate::sys::files;

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    ClusterConf,
    DlmConf,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::ClusterConf => "strip-cluster-conf",
            Kind::DlmConf => "strip-dlm-conf",
        }
    }
}

pub fn run(kind: Kind, args: &[&str]) -> ExitCode {
    let cmd = kind.command();
    let [input, output] = args else {
        eprintln!("osr-init {cmd}: expected IN OUT\nsee osr-init --help");
        return ExitCode::from(2);
    };
    match strip(kind, input, output) {
        Ok(lines) => {
            for l in lines {
                println!("{input}: removed {l}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("osr-init {cmd}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the stripped `input` to `output`; the removals as lines to print.
fn strip(kind: Kind, input: &str, output: &str) -> Result<Vec<String>> {
    let text = files::read_text(input)?;
    let (stripped, lines) = match kind {
        Kind::ClusterConf => {
            let s = cluster::strip::strip(&text).with_context(|| format!("in {input}"))?;
            (s.text, s.removed.iter().map(ToString::to_string).collect())
        }
        Kind::DlmConf => {
            let s = dlm_conf::strip(&text);
            let lines = s
                .removed
                .iter()
                .map(|(n, k)| match k.as_str() {
                    "#" => format!("line {n}: a comment"),
                    k => format!("line {n}: a {k} line (fence device configuration)"),
                })
                .collect();
            (s.text, lines)
        }
    };
    files::write_public(output, &stripped)?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(kind: Kind, text: &str) -> (Result<Vec<String>>, String) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        let output = dir.path().join("out");
        std::fs::write(&input, text).unwrap();
        let r = strip(kind, input.to_str().unwrap(), output.to_str().unwrap());
        let out = std::fs::read_to_string(&output).unwrap_or_default();
        (r, out)
    }

    #[test]
    fn cluster_conf_without_fence_devices() {
        let conf = "<cluster name=\"c\"><clusternodes><clusternode name=\"n\" nodeid=\"1\"/></clusternodes>\
                    <fencedevices><fencedevice passwd=\"pw\"/></fencedevices></cluster>";
        let (r, out) = run_on(Kind::ClusterConf, conf);
        assert_eq!(
            r.unwrap(),
            ["line 1: /cluster/fencedevices (the element and its content)"]
        );
        assert_eq!(
            out,
            "<cluster name=\"c\"><clusternodes><clusternode name=\"n\" nodeid=\"1\"/></clusternodes></cluster>"
        );
    }

    #[test]
    fn unreadable_cluster_conf_writes_nothing() {
        let (r, out) = run_on(Kind::ClusterConf, "<cluster name=\"c\" passwd=\"pw\">");
        let err = format!("{:#}", r.unwrap_err());
        assert!(
            err.starts_with("in ") && err.contains("cluster.conf:1:"),
            "{err}"
        );
        assert!(!err.contains("pw\""), "{err}");
        assert_eq!(out, "");
    }

    #[test]
    fn dlm_conf_without_device_lines() {
        let (r, out) = run_on(
            Kind::DlmConf,
            "enable_fencing=0\ndevice f fence_f password=y\n",
        );
        assert_eq!(
            r.unwrap(),
            ["line 2: a device line (fence device configuration)"]
        );
        assert_eq!(out, "enable_fencing=0\n");
    }
}
