//! The cluster.conf an image embeds, without the credentials osr-init never uses
//! (issue 13): the image is served over TFTP/HTTP without authentication, so
//! whatever it holds, everyone on the PXE network holds.
//!
//! Removed, wherever they are:
//! - the elements [`DROPPED_ELEMENTS`] with everything in them: `<fencedevices>`
//!   (agents with their addresses, logins and passwords), a node's `<fence>` and
//!   `<unfence>` (its fence methods; a `<device>` there may carry its own login and
//!   password) and `<rm>` (rgmanager's resources: mount options and agent parameters
//!   can hold passwords);
//! - attributes whose name, in any case, is one of [`DROPPED_ATTRS`] or contains
//!   one of [`DROPPED_ATTR_PARTS`] (`passwd`, `snmp_priv_passwd`, `password_script`,
//!   `secret`...), on any element;
//! - `<fenceackserver>`'s `user` and `passwd` (osr-core reads them, osr-init uses
//!   neither: there is no fence acknowledgement server in the image);
//! - comments, which often hold a previous fence device, password and all.
//!
//! Kept: everything else, byte for byte (attribute order, quoting, entities,
//! CDATA, white space, the XML declaration and a DOCTYPE). That includes what
//! names a key file rather than holding a key (`<ssl keyfile>`, `<cman keyfile>`,
//! `<totem keyfile>`, `<fence_xvmd key_file>`): a path gives nothing away, and the
//! files are not embedded. [`strip`] checks its own work: the result must parse to
//! the same [`ClusterConf`] as the input, but for the two fenceackserver fields.

use std::fmt;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{parse, ClusterConf, ConfError};

/// Elements removed with their whole content.
pub const DROPPED_ELEMENTS: &[&str] = &["fencedevices", "fence", "unfence", "rm"];

/// Attribute names (compared without case) removed from every element.
pub const DROPPED_ATTRS: &[&str] = &["login", "username", "community", "key", "psk"];

/// Parts of attribute names (compared without case) that remove the attribute.
pub const DROPPED_ATTR_PARTS: &[&str] = &["passw", "secret"];

/// `<fenceackserver>`'s attributes removed besides the ones above.
const FENCEACKSERVER: &str = "fenceackserver";
const FENCEACKSERVER_ATTRS: &[&str] = &["user", "passwd"];

/// What [`strip`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    pub text: String,
    /// In file order.
    pub removed: Vec<Removed>,
}

/// One thing removed, without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub line: usize,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// The element at this path (`/cluster/fencedevices`), with its content.
    Element(String),
    /// The attribute `name` of the element at `path`.
    Attr {
        path: String,
        name: String,
    },
    Comment,
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.what {
            What::Element(path) => write!(f, "{path} (the element and its content)"),
            What::Attr { path, name } => write!(f, "{path}/@{name}"),
            What::Comment => f.write_str("a comment"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripError {
    /// osr-init could not use the file either.
    #[error(transparent)]
    Conf(#[from] ConfError),
    /// A bug here: the result would boot a node differently.
    #[error("cluster.conf without its credentials no longer reads as the original: not stripped (a bug in osr-init strip-cluster-conf)")]
    Changed,
}

/// Whether an attribute of element `element` goes.
pub fn is_dropped_attr(element: &str, attr: &str) -> bool {
    let attr = attr.to_ascii_lowercase();
    DROPPED_ATTRS.contains(&attr.as_str())
        || DROPPED_ATTR_PARTS.iter().any(|p| attr.contains(p))
        || (element == FENCEACKSERVER && FENCEACKSERVER_ATTRS.contains(&attr.as_str()))
}

/// cluster.conf text without the credentials listed in the module doc. Fails on
/// what [`parse`] refuses: an image with a cluster.conf osr-init cannot read boots
/// no node.
pub fn strip(xml: &str) -> Result<Stripped, StripError> {
    let original = parse(xml)?;
    let stripped = filter(xml)?;
    let again = parse(&stripped.text)?;
    if unplaced(again) != as_stripped(original) {
        return Err(StripError::Changed);
    }
    Ok(stripped)
}

/// `conf` with its problems' line and column cleared: what is removed moves them.
pub fn unplaced(mut conf: ClusterConf) -> ClusterConf {
    for p in &mut conf.problems {
        (p.error.line, p.error.column) = (0, 0);
    }
    conf
}

/// `conf` as its file reads once stripped: without the fenceackserver's user and
/// password, the same in everything else but where its problems are ([`unplaced`]).
pub fn as_stripped(mut conf: ClusterConf) -> ClusterConf {
    for node in &mut conf.nodes {
        if let Some(fas) = &mut node.com.fenceackserver {
            fas.user = None;
            fas.passwd = None;
        }
    }
    unplaced(conf)
}

/// The streaming filter: every event it keeps is copied from the input as written.
fn filter(xml: &str) -> Result<Stripped, ConfError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut out = String::with_capacity(xml.len());
    let mut removed = Vec::new();
    let mut path: Vec<String> = Vec::new();
    // Inside a dropped element: how deep below it.
    let mut skipping: Option<usize> = None;
    loop {
        let pos = offset(reader.buffer_position());
        let event = reader.read_event().map_err(|e| syntax(xml, pos, &e))?;
        let end = offset(reader.buffer_position());
        let raw = xml.get(pos..end).unwrap_or("");
        if let Some(depth) = skipping.as_mut() {
            match event {
                Event::Start(_) => *depth += 1,
                Event::End(_) if *depth == 0 => skipping = None,
                Event::End(_) => *depth -= 1,
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Start(start) | Event::Empty(start)
                if DROPPED_ELEMENTS.contains(&name(&start).as_str()) =>
            {
                removed.push(Removed {
                    line: line_of(xml, pos),
                    what: What::Element(format!("{}/{}", joined(&path), name(&start))),
                });
                drop_trailing_indent(&mut out);
                if opens {
                    skipping = Some(0);
                }
            }
            Event::Start(start) => {
                let el = name(&start);
                out.push_str(&tag_without(xml, pos, raw, &start, &path, &mut removed));
                path.push(el);
            }
            Event::Empty(start) => {
                out.push_str(&tag_without(xml, pos, raw, &start, &path, &mut removed));
            }
            Event::End(_) => {
                path.pop();
                out.push_str(raw);
            }
            Event::Comment(_) => {
                removed.push(Removed {
                    line: line_of(xml, pos),
                    what: What::Comment,
                });
                drop_trailing_indent(&mut out);
            }
            Event::Eof => break,
            _ => out.push_str(raw),
        }
    }
    Ok(Stripped { text: out, removed })
}

fn offset(p: u64) -> usize {
    usize::try_from(p).unwrap_or(usize::MAX)
}

fn name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn joined(path: &[String]) -> String {
    path.iter().map(|p| format!("/{p}")).collect()
}

fn line_of(xml: &str, pos: usize) -> usize {
    xml.get(..pos).unwrap_or(xml).matches('\n').count() + 1
}

/// Removes the indentation and the line break before something dropped, so a
/// dropped element or comment on its own line leaves no blank line behind; the
/// line break after it comes with the next text.
fn drop_trailing_indent(out: &mut String) {
    let kept = out.trim_end_matches([' ', '\t']).len();
    if out.get(..kept).is_some_and(|s| s.ends_with('\n')) {
        let cut = kept - 1;
        let cut = if out.get(..cut).is_some_and(|s| s.ends_with('\r')) {
            cut - 1
        } else {
            cut
        };
        out.truncate(cut);
    }
}

/// The tag as written, without its dropped attributes (each with the white space
/// before it).
fn tag_without(
    xml: &str,
    pos: usize,
    raw: &str,
    start: &BytesStart<'_>,
    path: &[String],
    removed: &mut Vec<Removed>,
) -> String {
    let el = name(start);
    let mut cuts = Vec::new();
    // parse() has accepted every attribute already.
    for attr in start.attributes().flatten() {
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        if !is_dropped_attr(&el, &key) {
            continue;
        }
        let Some(at) = offset_in(xml, attr.key.as_ref()).and_then(|a| a.checked_sub(pos)) else {
            continue;
        };
        if let Some(cut) = attr_span(raw, at) {
            removed.push(Removed {
                line: line_of(xml, pos + at),
                what: What::Attr {
                    path: format!("{}/{el}", joined(path)),
                    name: key,
                },
            });
            cuts.push(cut);
        }
    }
    let mut tag = String::with_capacity(raw.len());
    let mut from = 0;
    for (s, e) in cuts {
        tag.push_str(raw.get(from..s).unwrap_or(""));
        from = e;
    }
    tag.push_str(raw.get(from..).unwrap_or(""));
    tag
}

/// Where `inner`, a borrowed sub-slice of `outer` (quick-xml's slice reader hands
/// those out), starts in it.
fn offset_in(outer: &str, inner: &[u8]) -> Option<usize> {
    let at = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (at <= outer.len()).then_some(at)
}

/// The bytes of the attribute whose name starts at `at` in the tag `raw`: from the
/// white space before it to its closing quote.
fn attr_span(raw: &str, at: usize) -> Option<(usize, usize)> {
    let before = raw.get(..at)?;
    let start = before.trim_end().len();
    let rest = raw.get(at..)?;
    let eq = rest.find('=')?;
    let after_eq = rest.get(eq + 1..)?;
    let value_at = after_eq.len() - after_eq.trim_start().len();
    let quote = after_eq.get(value_at..)?.chars().next()?;
    let value = after_eq.get(value_at + 1..)?;
    let close = value.find(quote)?;
    let end = at + eq + 1 + value_at + 1 + close + 1;
    Some((start, end))
}

fn syntax(xml: &str, pos: usize, e: &quick_xml::Error) -> ConfError {
    let before = xml.get(..pos).unwrap_or(xml);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    ConfError {
        line: line_of(xml, pos),
        column: before.get(line_start..).map_or(0, |s| s.chars().count()) + 1,
        element: String::new(),
        message: format!("malformed XML: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(s: &Stripped) -> Vec<String> {
        s.removed.iter().map(ToString::to_string).collect()
    }

    const NODE: &str = r#"<clusternode name="n1" nodeid="1"><com_info><eth name="eth0" mac="52:54:00:00:00:01" ip="10.0.0.1"/></com_info>"#;

    fn conf(node_extra: &str, cluster_extra: &str) -> String {
        format!("<cluster name=\"c\" config_version=\"3\">\n  <clusternodes>\n    {NODE}{node_extra}</clusternode>\n  </clusternodes>\n{cluster_extra}</cluster>\n")
    }

    #[test]
    fn fencedevices_and_fence_methods_go_whole() {
        let xml = conf(
            "\n      <fence>\n        <method name=\"1\"><device name=\"ipmi\" passwd=\"pw-node\"/></method>\n        <method name=\"2\"><method name=\"nested\"><device name=\"pdu\" login=\"l\"/></method></method>\n      </fence>\n      <unfence><device name=\"san\" password=\"pw-unfence\"/></unfence>\n    ",
            "  <fencedevices>\n    <fencedevice agent=\"fence_ipmilan\" name=\"ipmi\" login=\"admin\" passwd=\"pw-dev\"/>\n  </fencedevices>\n  <rm><resources><netfs name=\"x\" options=\"password=pw-rm\"/></resources></rm>\n",
        );
        let s = strip(&xml).unwrap();
        for secret in ["pw-", "login", "admin", "fence", "method", "<rm"] {
            assert!(!s.text.contains(secret), "{secret} left in:\n{}", s.text);
        }
        assert_eq!(
            removed(&s),
            [
                "line 4: /cluster/clusternodes/clusternode/fence (the element and its content)",
                "line 8: /cluster/clusternodes/clusternode/unfence (the element and its content)",
                "line 11: /cluster/fencedevices (the element and its content)",
                "line 14: /cluster/rm (the element and its content)",
            ]
        );
        // No blank line where they were.
        assert_eq!(
            s.text,
            format!("<cluster name=\"c\" config_version=\"3\">\n  <clusternodes>\n    {NODE}\n    </clusternode>\n  </clusternodes>\n</cluster>\n")
        );
    }

    #[test]
    fn fenceackserver_keeps_port_and_ssl_paths() {
        let xml = conf(
            "",
            "",
        )
        .replace(
            "</com_info>",
            "<fenceackserver user=\"root\" passwd='s3cr3t' port=\"12242\"><ssl certfile=\"/c\" keyfile=\"/k\"/></fenceackserver></com_info>",
        );
        let s = strip(&xml).unwrap();
        assert!(s.text.contains(
            "<fenceackserver port=\"12242\"><ssl certfile=\"/c\" keyfile=\"/k\"/></fenceackserver>"
        ), "{}", s.text);
        assert_eq!(
            removed(&s),
            [
                "line 3: /cluster/clusternodes/clusternode/com_info/fenceackserver/@user",
                "line 3: /cluster/clusternodes/clusternode/com_info/fenceackserver/@passwd",
            ]
        );
    }

    #[test]
    fn credential_attributes_anywhere_any_case() {
        let xml = conf(
            "",
            "  <cman keyfile=\"/etc/cluster/key\"/>\n  <unknown Password = \"p1\" name=\"u\" snmp_priv_passwd=\"p2\" passwd_script=\"/bin/p3\"\n     COMMUNITY=\"p4\" shared_secret=\"p5\" key=\"p6\"/>\n",
        );
        let s = strip(&xml).unwrap();
        assert!(
            s.text.contains("<cman keyfile=\"/etc/cluster/key\"/>"),
            "{}",
            s.text
        );
        assert!(s.text.contains("<unknown name=\"u\"/>"), "{}", s.text);
        let names: Vec<_> = s
            .removed
            .iter()
            .map(|r| match &r.what {
                What::Attr { name, .. } => name.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(
            names,
            [
                "Password",
                "snmp_priv_passwd",
                "passwd_script",
                "COMMUNITY",
                "shared_secret",
                "key"
            ]
        );
        assert_eq!(s.removed[3].line, 7);
    }

    #[test]
    fn comments_go_cdata_and_the_rest_stay_as_written() {
        let xml = "<?xml version=\"1.0\"?>\n<!-- <fencedevice passwd=\"old\"/> -->\n<cluster name='c' >\n  <clusternodes><clusternode name=\"n&amp;1\" nodeid=\"1\">\n    <com_info><eth name=\"eth0\"><properties><property name=\"DELAY\"><![CDATA[0]]></property></properties></eth></com_info>\n  </clusternode></clusternodes>\n</cluster>\n";
        let s = strip(xml).unwrap();
        assert_eq!(
            s.text,
            xml.replace("\n<!-- <fencedevice passwd=\"old\"/> -->", "")
        );
        assert_eq!(removed(&s), ["line 2: a comment"]);
    }

    #[test]
    fn nothing_to_remove_is_the_same_text() {
        let xml = conf("", "");
        let s = strip(&xml).unwrap();
        assert_eq!(s.text, xml);
        assert!(s.removed.is_empty());
    }

    #[test]
    fn what_osr_init_refuses_is_refused() {
        let err = strip("<cluster name=\"c\"><clusternodes>").unwrap_err();
        assert!(err.to_string().starts_with("cluster.conf:1:"), "{err}");
        let err = strip("<cluster name=\"c\"/>").unwrap_err();
        assert!(err.to_string().contains("no <clusternode>"), "{err}");
    }

    #[test]
    fn attribute_names_are_told_apart() {
        for (el, attr, dropped) in [
            ("device", "passwd", true),
            ("fencedevice", "PASSWD_SCRIPT", true),
            ("x", "login", true),
            ("fenceackserver", "user", true),
            ("x", "user", false),
            ("ssl", "keyfile", false),
            ("eth", "name", false),
            ("rootvolume", "mountopts", false),
        ] {
            assert_eq!(is_dropped_attr(el, attr), dropped, "{el} {attr}");
        }
    }
}
