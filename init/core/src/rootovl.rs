//! `rootovlcfg=` per-host trees and their `.rootovldel` lines, as text.
//!
//! The legacy dracut hook (Debian/FAI `90overlay-root`, fedora-live-netroot) did, for
//! `rootovlcfg=a,b,c`, in the order c, b, a:
//! `cp -a $NEWROOT/etc/rootovl/$cfg/* $NEWROOT`, then
//! `while read del; do rm -f $NEWROOT$del; done < .../$cfg/.rootovldel`.
//! This module holds the pure half of that: expanding `%h`/`%n` in names, the order,
//! parsing `.rootovldel`, checking its paths, matching their globs, and resolving a
//! path inside the root through its symlinks (the lookups are passed in). The binary's
//! `rootovl` module does the copying and deleting.
//!
//! Deliberate differences from the shell loop:
//! - a `.rootovldel` path is one path even with spaces in it (the unquoted `$del` split
//!   it into several `rm` arguments, the later ones relative to the initramfs cwd);
//! - `#` comment lines are skipped; a last line without a newline is used (`read`
//!   dropped it); a trailing `\r` is trimmed like other whitespace;
//! - a `..` component, or a symlink whose target climbs above the root, is refused
//!   instead of being followed out of the new root.
//!
//! Globs: `*`, `?` and `[...]` inside one component, with fnmatch's `\x` escapes; as
//! in the shell, a name starting with `.` is matched only by a pattern starting with
//! `.`, and `.`/`..` are never matched.

use std::collections::VecDeque;

use crate::kmod::fnmatch;

/// Symlink hops allowed while resolving one path (Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: usize = 40;

/// `%h` is the hostname, `%n` the node id, `%%` a percent sign.
pub fn expand(name: &str, hostname: Option<&str>, nodeid: Option<&str>) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') => out.push_str(hostname.ok_or_else(|| {
                format!("rootovlcfg={name}: %h needs a hostname (ip=...:<hostname>:... or DHCP option 12)")
            })?),
            Some('n') => out.push_str(nodeid.ok_or_else(|| {
                format!("rootovlcfg={name}: %n needs a node id (nodeid= or cluster.conf)")
            })?),
            Some(other) => {
                return Err(format!(
                    "rootovlcfg={name}: unknown %{other}; use %h, %n or %%"
                ))
            }
            None => {
                return Err(format!(
                    "rootovlcfg={name}: a lone % at the end; use %% for a percent sign"
                ))
            }
        }
    }
    check_name(&out).map_err(|why| format!("rootovlcfg={name}: {why}"))?;
    Ok(out)
}

/// A tree name must be one plain component under `/etc/rootovl`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "'{}' is not a directory name under /etc/rootovl",
            name.escape_debug()
        ));
    }
    Ok(())
}

/// The application order: the last listed first, so the first listed wins conflicts
/// and its `.rootovldel` runs last. Repeated names are applied again, as before.
pub fn order(names: &[String]) -> Vec<String> {
    names.iter().rev().cloned().collect()
}

/// One path line of a `.rootovldel` file; `line` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelLine {
    pub line: usize,
    pub path: String,
}

/// Parses `.rootovldel` as `read del` (no `-r`) read it: a backslash escapes the next
/// character and is removed (a backslash before a newline joins the lines), unescaped
/// whitespace around the path is trimmed. Blank lines and `#` comments are skipped.
pub fn parse_del(text: &str) -> Vec<DelLine> {
    let mut out = Vec::new();
    // (char, escaped)
    let mut current: Vec<(char, bool)> = Vec::new();
    let (mut line, mut start) = (1, 1);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') => line += 1,
                Some(next) => current.push((next, true)),
                None => {}
            },
            '\n' => {
                out.extend(finish_line(&current, start));
                current.clear();
                line += 1;
                start = line;
            }
            other => current.push((other, false)),
        }
    }
    out.extend(finish_line(&current, start));
    out
}

fn finish_line(chars: &[(char, bool)], line: usize) -> Option<DelLine> {
    let blank = |&&(c, escaped): &&(char, bool)| !escaped && c.is_whitespace();
    let first = chars.iter().position(|c| !blank(&c))?;
    let last = chars.iter().rposition(|c| !blank(&c))?;
    let kept = chars.get(first..=last)?;
    if matches!(kept.first(), Some(('#', false))) {
        return None;
    }
    Some(DelLine {
        line,
        path: kept.iter().map(|&(c, _)| c).collect(),
    })
}

/// Checks a `.rootovldel` path and splits it into components (possibly globs).
/// Empty and `.` components are dropped; `/` alone gives no component (the root).
pub fn check_path(path: &str) -> Result<Vec<String>, String> {
    if !path.starts_with('/') {
        return Err(format!(
            "'{path}' is not an absolute path (expected /path/in/the/root)"
        ));
    }
    if path.contains('\0') {
        return Err(format!("'{}' contains a NUL byte", path.escape_debug()));
    }
    let mut comps = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(format!("'{path}' escapes the root (a '..' component)")),
            other => comps.push(other.to_string()),
        }
    }
    Ok(comps)
}

/// Whether a component is a glob pattern rather than a literal name.
pub fn is_pattern(component: &str) -> bool {
    component.contains(['*', '?', '['])
}

/// Whether the directory entry `name` matches the glob component `pattern`, with the
/// shell's rule that a leading `.` must be matched explicitly.
pub fn component_matches(pattern: &str, name: &str) -> bool {
    if name == "." || name == ".." {
        return false;
    }
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    fnmatch(pattern, name)
}

/// `/a/b` for the components `[a, b]`; `/` for none.
pub fn display(comps: &[String]) -> String {
    format!("/{}", comps.join("/"))
}

/// Resolves `comps` (relative to the root) through its symlinks as the real root will
/// see them after switch_root: an absolute target starts again at the root, a relative
/// one from the link's directory. `read_link(prefix)` returns the target if `prefix`
/// is a symlink. A `..` that would climb above the root is refused, never clamped, so
/// nothing outside the root is ever looked at. Every component is followed, the last
/// one too; the result names no symlink that `read_link` reported.
pub fn resolve_in_root<F>(comps: &[String], mut read_link: F) -> Result<Vec<String>, String>
where
    F: FnMut(&[String]) -> Option<String>,
{
    let mut pending: VecDeque<String> = comps.iter().cloned().collect();
    let mut resolved: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(c) = pending.pop_front() {
        match c.as_str() {
            "" | "." => continue,
            ".." => {
                if resolved.pop().is_none() {
                    return Err(format!("'{}' climbs above the root", display(comps)));
                }
                continue;
            }
            _ => resolved.push(c),
        }
        let Some(target) = read_link(&resolved) else {
            continue;
        };
        hops += 1;
        if hops > MAX_SYMLINKS {
            return Err(format!("too many symlinks resolving '{}'", display(comps)));
        }
        if target.is_empty() {
            return Err(format!(
                "symlink {} has an empty target",
                display(&resolved)
            ));
        }
        let link = display(&resolved);
        resolved.pop();
        if target.starts_with('/') {
            resolved.clear();
        }
        if climbs_above(&resolved, &target) {
            return Err(format!(
                "symlink {link} -> {target} points outside the root"
            ));
        }
        for part in target.split('/').rev() {
            pending.push_front(part.to_string());
        }
    }
    Ok(resolved)
}

/// Whether `target`, read from the directory `base`, has more `..` than it can climb.
fn climbs_above(base: &[String], target: &str) -> bool {
    let mut depth = base.len();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            _ => depth += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Expected outcome: the value, or a fragment of the error message.
    type Want = Result<&'static str, &'static str>;
    type Host = Option<&'static str>;
    type Lines = &'static [(usize, &'static str)];
    type Links = &'static [(&'static str, &'static str)];

    fn assert_outcome(label: &str, got: Result<String, String>, want: &Want) {
        match (want, &got) {
            (Ok(w), Ok(g)) => assert_eq!(g, w, "failed testcase: {label}"),
            (Err(w), Err(g)) => assert!(g.contains(w), "failed testcase: {label}: {g}"),
            _ => panic!("failed testcase: {label}: {got:?}"),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn expand_table() {
        // (label, name, hostname, nodeid, outcome)
        let cases: &[(&str, &str, Host, Host, Want)] = &[
            ("plain", "common", None, None, Ok("common")),
            ("hostname", "%h", Some("node7"), None, Ok("node7")),
            ("nodeid", "n%n", None, Some("12"), Ok("n12")),
            ("both", "%h-%n", Some("a"), Some("3"), Ok("a-3")),
            ("percent", "100%%", None, None, Ok("100%")),
            (
                "no hostname",
                "%h",
                None,
                Some("1"),
                Err("%h needs a hostname"),
            ),
            (
                "no nodeid",
                "%n",
                Some("a"),
                None,
                Err("%n needs a node id"),
            ),
            ("unknown", "%x", Some("a"), None, Err("unknown %x")),
            ("lone percent", "abc%", None, None, Err("a lone %")),
            ("empty", "", None, None, Err("is not a directory name")),
            (
                "empty hostname",
                "%h",
                Some(""),
                None,
                Err("is not a directory name"),
            ),
            ("dot", ".", None, None, Err("is not a directory name")),
            (
                "dotdot via host",
                "%h",
                Some(".."),
                None,
                Err("is not a directory name"),
            ),
            (
                "slash in host",
                "%h",
                Some("a/b"),
                None,
                Err("is not a directory name"),
            ),
            (
                "control",
                "a\tb",
                None,
                None,
                Err("is not a directory name"),
            ),
            ("nul", "a\0b", None, None, Err("is not a directory name")),
        ];
        for (label, name, host, node, want) in cases {
            let got = expand(name, *host, *node);
            if let Err(g) = &got {
                assert!(g.contains("rootovlcfg="), "failed testcase: {label}: {g}");
            }
            assert_outcome(label, got, want);
        }
    }

    #[test]
    fn order_is_last_listed_first() {
        assert_eq!(order(&strings(&["a", "b", "c"])), strings(&["c", "b", "a"]));
        assert_eq!(order(&strings(&["a", "b", "a"])), strings(&["a", "b", "a"]));
        assert!(order(&[]).is_empty());
    }

    #[test]
    fn parse_del_table() {
        let cases: &[(&str, &str, Lines)] = &[
            (
                "simple",
                "/etc/a\n/etc/b\n",
                &[(1, "/etc/a"), (2, "/etc/b")],
            ),
            ("no final newline", "/etc/a", &[(1, "/etc/a")]),
            (
                "blank and comments",
                "\n# c\n   # indented\n\t\n/x\n",
                &[(5, "/x")],
            ),
            ("trimmed", "  /etc/a b \t\r\n", &[(1, "/etc/a b")]),
            ("escape removed", "/etc/a\\b\n", &[(1, "/etc/ab")]),
            ("escaped backslash", "/etc/a\\\\*\n", &[(1, "/etc/a\\*")]),
            (
                "escaped trailing space kept",
                "/etc/a\\ \n",
                &[(1, "/etc/a ")],
            ),
            ("escaped hash is no comment", "\\#x\n", &[(1, "#x")]),
            (
                "continuation",
                "/etc/\\\nlong\n/next\n",
                &[(1, "/etc/long"), (3, "/next")],
            ),
            ("trailing backslash at eof", "/a\\", &[(1, "/a")]),
            ("hash inside", "/etc/a#b\n", &[(1, "/etc/a#b")]),
        ];
        for (label, text, want) in cases {
            let want: Vec<DelLine> = want
                .iter()
                .map(|&(line, path)| DelLine {
                    line,
                    path: path.to_string(),
                })
                .collect();
            assert_eq!(parse_del(text), want, "failed testcase: {label}");
        }
    }

    #[test]
    fn check_path_table() {
        // Components joined with `|`.
        let cases: &[(&str, &str, Want)] = &[
            ("simple", "/etc/motd", Ok("etc|motd")),
            ("repeated slashes and dots", "//etc/./x//", Ok("etc|x")),
            ("glob", "/etc/cron.d/*.job", Ok("etc|cron.d|*.job")),
            ("root", "/", Ok("")),
            ("dots in names", "/a/..b/c..", Ok("a|..b|c..")),
            ("relative", "etc/motd", Err("not an absolute path")),
            ("dotdot", "/etc/../../x", Err("escapes the root")),
            ("trailing dotdot", "/etc/..", Err("escapes the root")),
            ("nul", "/a\0b", Err("NUL")),
        ];
        for (label, path, want) in cases {
            assert_outcome(label, check_path(path).map(|c| c.join("|")), want);
        }
    }

    #[test]
    fn component_matching() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "file", true),
            ("*", ".hidden", false),
            (".*", ".hidden", true),
            (".*", ".", false),
            (".*", "..", false),
            ("?.conf", "a.conf", true),
            ("?.conf", "ab.conf", false),
            ("[ab]*", "beta", true),
            ("[!ab]*", "beta", false),
            ("a\\*", "a*", true),
            ("a\\*", "ab", false),
            ("literal", "literal", true),
        ];
        for (pattern, name, want) in cases {
            assert_eq!(
                component_matches(pattern, name),
                *want,
                "failed testcase: {pattern} vs {name}"
            );
        }
        assert!(is_pattern("*.conf") && is_pattern("a?") && is_pattern("[x]"));
        assert!(!is_pattern("plain.conf") && !is_pattern("a\\b"));
    }

    /// Resolves with a fixed table of symlinks (path -> target).
    fn resolve_with(links: &[(&str, &str)], path: &str) -> Result<String, String> {
        let links: HashMap<String, String> = links
            .iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect();
        let comps = check_path(path)?;
        resolve_in_root(&comps, |p| links.get(&display(p)).cloned()).map(|r| display(&r))
    }

    #[test]
    fn resolve_in_root_table() {
        let cases: &[(&str, Links, &str, Want)] = &[
            ("no links", &[], "/etc/a", Ok("/etc/a")),
            (
                "absolute inside",
                &[("/var/run", "/run")],
                "/var/run/x",
                Ok("/run/x"),
            ),
            (
                "relative",
                &[("/var/run", "../run")],
                "/var/run/x",
                Ok("/run/x"),
            ),
            ("same dir", &[("/etc/l", "real")], "/etc/l", Ok("/etc/real")),
            (
                "chain",
                &[("/a", "/b"), ("/b", "c/d"), ("/c", "/e")],
                "/a/f",
                Ok("/e/d/f"),
            ),
            (
                "dotdot after link is physical",
                &[("/x", "/p/q")],
                "/x/sub",
                Ok("/p/q/sub"),
            ),
            (
                "relative escape",
                &[("/etc/evil", "../../outside")],
                "/etc/evil/victim",
                Err("/etc/evil -> ../../outside points outside the root"),
            ),
            (
                "escape that comes back is still refused",
                &[("/etc/x", "../../etc")],
                "/etc/x",
                Err("points outside the root"),
            ),
            (
                "absolute dotdot above root",
                &[("/l", "/../tmp")],
                "/l",
                Err("points outside the root"),
            ),
            (
                "loop",
                &[("/a", "b"), ("/b", "a")],
                "/a",
                Err("too many symlinks"),
            ),
            ("empty target", &[("/a", "")], "/a/x", Err("empty target")),
            ("link to root", &[("/r", "/")], "/r/etc", Ok("/etc")),
        ];
        for (label, links, path, want) in cases {
            assert_outcome(label, resolve_with(links, path), want);
        }
    }

    #[test]
    fn resolve_never_looks_outside() {
        // Every prefix handed to read_link must be a plain path inside the root.
        let mut asked = Vec::new();
        let got = resolve_in_root(&strings(&["etc", "evil", "victim"]), |p| {
            asked.push(p.to_vec());
            (display(p) == "/etc/evil").then(|| "../../../tmp".to_string())
        });
        assert!(got.is_err());
        assert_eq!(asked, vec![strings(&["etc"]), strings(&["etc", "evil"])]);
    }
}
