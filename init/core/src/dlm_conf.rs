//! The dlm.conf an image embeds (the build host's `/etc/dlm/dlm.conf`), without
//! the fence device configuration (issue 13: the image is readable by anyone on
//! the PXE network).
//!
//! dlm.conf(5): a fence device is a `device <dev_name> <agent> [args]` line,
//! followed by `connect <dev_name> node=<nodeid> [args]` and `unfence <dev_name>`
//! lines; the args are the agent's `key=val` pairs, `login=x password=y` among
//! them. [`strip`] removes those three kinds of line and every comment (a
//! commented-out device line carries its password as well); settings
//! (`enable_fencing=0`, `protocol=tcp`...), `lockspace`/`master` lines and blank
//! lines stay as written. The fence agents are not in the image, so the devices
//! could not be used there anyway.

/// The keywords of dlm.conf(5)'s fencing lines.
pub const FENCE_KEYWORDS: &[&str] = &["device", "connect", "unfence"];

/// What [`strip`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    pub text: String,
    /// `(line, keyword)` of each line removed: `device`, `connect`, `unfence` or `#`.
    pub removed: Vec<(usize, String)>,
}

pub fn strip(text: &str) -> Stripped {
    let mut out = String::with_capacity(text.len());
    let mut removed = Vec::new();
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        let word = trimmed.split_whitespace().next().unwrap_or("");
        let dropped = if trimmed.starts_with('#') {
            Some("#")
        } else {
            FENCE_KEYWORDS.iter().copied().find(|k| *k == word)
        };
        match dropped {
            Some(k) => removed.push((n + 1, k.to_string())),
            None => out.push_str(line),
        }
    }
    Stripped { text: out, removed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_devices_and_comments_go() {
        let conf = "# fencing\nenable_fencing=1\nprotocol=tcp\n\n\
                    device  foo fence_foo ipaddr=1.1.1.1 login=x password=y\n\
                    connect foo node=1 port=1\n  connect foo node=2 port=2\nunfence foo\n\
                    #device old fence_old password=z\n\
                    lockspace foo nodir=1\nmaster foo node=1\ndevices_are_not_a_keyword=1";
        let s = strip(conf);
        assert_eq!(
            s.text,
            "enable_fencing=1\nprotocol=tcp\n\nlockspace foo nodir=1\nmaster foo node=1\ndevices_are_not_a_keyword=1"
        );
        let lines: Vec<_> = s.removed.iter().map(|(n, k)| format!("{n} {k}")).collect();
        assert_eq!(
            lines,
            [
                "1 #",
                "5 device",
                "6 connect",
                "7 connect",
                "8 unfence",
                "9 #"
            ]
        );
    }

    #[test]
    fn settings_alone_stay_as_written() {
        let conf = "enable_fencing=0\r\nlog_debug=1\r\n";
        assert_eq!(strip(conf).text, conf);
        assert!(strip(conf).removed.is_empty());
    }
}
