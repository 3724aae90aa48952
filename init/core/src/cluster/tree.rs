//! cluster.conf text to a small element tree that remembers where each element and
//! attribute starts, so the schema walk can report `line:column`.
//!
//! Comments, processing instructions, the XML declaration and a DOCTYPE are skipped.
//! Only the five predefined entities and character references are expanded: an
//! entity declared in a DTD is an error (cluster.conf never uses them).

use std::borrow::Cow;

use quick_xml::events::attributes::{AttrError, Attribute};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::ConfError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Attr {
    pub name: String,
    /// The value after XML attribute-value normalisation (entities expanded,
    /// newlines and tabs as spaces).
    pub value: String,
    /// Byte offset of the attribute's name.
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Element {
    pub name: String,
    /// Byte offset of the `<`.
    pub pos: usize,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    /// Character data directly inside this element, entities expanded.
    pub text: String,
}

/// cluster.conf nests about six deep; a bound keeps a broken file from building a
/// tree whose recursive drop could overflow PID 1's stack.
const MAX_DEPTH: usize = 64;

const ENTITIES: &str = "&amp; &lt; &gt; &quot; &apos; or a character reference";

/// Attributes that name an element in messages, in order of preference.
const IDENTIFYING: &[&str] = &["name", "nodeid", "dest"];

impl Element {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// `<eth name="eth0">`: the tag and the first attribute that tells it from its
    /// siblings.
    pub fn describe(&self) -> String {
        let id = IDENTIFYING
            .iter()
            .find_map(|n| self.attr(n).filter(|a| !a.value.trim().is_empty()));
        match id {
            Some(a) => format!("<{} {}=\"{}\">", self.name, a.name, a.value),
            None => format!("<{}>", self.name),
        }
    }
}

/// Byte offsets to `line:column` (both from 1; the column counts characters).
#[derive(Debug, Clone, Copy)]
pub(super) struct Locator<'a> {
    pub xml: &'a str,
}

impl Locator<'_> {
    pub fn line_column(&self, pos: usize) -> (usize, usize) {
        let before = self.xml.get(..pos).unwrap_or(self.xml);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }

    pub fn error(&self, pos: usize, element: String, message: String) -> ConfError {
        let (line, column) = self.line_column(pos);
        ConfError {
            line,
            column,
            element,
            message,
        }
    }

    pub fn at_element(&self, el: &Element, message: String) -> ConfError {
        self.error(el.pos, el.describe(), message)
    }

    pub fn at_attr(&self, el: &Element, attr: &Attr, expected: &str) -> ConfError {
        let message = format!("{}=\"{}\": expected {expected}", attr.name, attr.value);
        self.error(attr.pos, el.describe(), message)
    }
}

/// Where `inner` starts inside `outer`, if it is a sub-slice of it. quick-xml's
/// slice reader hands out borrowed sub-slices of the input, and this is the only way
/// to learn where an attribute's name sits.
fn offset_in(outer: &[u8], inner: &[u8]) -> Option<usize> {
    let start = outer.as_ptr() as usize;
    let at = inner.as_ptr() as usize;
    at.checked_sub(start).filter(|o| *o <= outer.len())
}

pub(super) fn parse_tree(xml: &str) -> Result<Element, ConfError> {
    let loc = Locator { xml };
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        // Nothing is trimmed, so every byte belongs to some event and this is where
        // the next one starts.
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(pos);
            syntax_error(&loc, at, stack.last(), &e)
        })?;
        match event {
            Event::Start(start) => {
                let el = element(&loc, xml, pos, &start)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(loc.at_element(
                        &el,
                        format!("nested more than {MAX_DEPTH} deep: expected at most {MAX_DEPTH} levels"),
                    ));
                }
                stack.push(el);
            }
            Event::Empty(start) => {
                let el = element(&loc, xml, pos, &start)?;
                attach(&loc, &mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                // quick-xml has checked that the name matches the open tag.
                if let Some(el) = stack.pop() {
                    attach(&loc, &mut stack, &mut root, el)?;
                }
            }
            Event::Text(t) => {
                let text = t
                    .decode()
                    .map_err(|e| loc.error(pos, describe_top(&stack), format!("bad text: {e}")))?;
                add_text(&loc, &mut stack, pos, &text)?;
            }
            Event::CData(t) => {
                let text = t
                    .decode()
                    .map_err(|e| loc.error(pos, describe_top(&stack), format!("bad CDATA: {e}")))?;
                add_text(&loc, &mut stack, pos, &text)?;
            }
            Event::GeneralRef(r) => {
                let c = resolve_entity(&r)
                    .ok_or_else(|| loc.error(pos, describe_top(&stack), bad_entity(&r)))?;
                add_text(&loc, &mut stack, pos, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(loc.at_element(
            open,
            format!(
                "not closed: expected </{}> before the end of the file",
                open.name
            ),
        ));
    }
    root.ok_or_else(|| {
        loc.error(
            xml.len(),
            String::new(),
            "no element: expected a <cluster> element".to_string(),
        )
    })
}

fn describe_top(stack: &[Element]) -> String {
    stack.last().map(Element::describe).unwrap_or_default()
}

fn attach(
    loc: &Locator,
    stack: &mut [Element],
    root: &mut Option<Element>,
    el: Element,
) -> Result<(), ConfError> {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(el);
        return Ok(());
    }
    if let Some(first) = root {
        let (line, column) = loc.line_column(first.pos);
        return Err(loc.at_element(
            &el,
            format!(
                "a second top-level element: expected only the <{}> at {line}:{column}",
                first.name
            ),
        ));
    }
    *root = Some(el);
    Ok(())
}

fn add_text(loc: &Locator, stack: &mut [Element], pos: usize, text: &str) -> Result<(), ConfError> {
    match stack.last_mut() {
        Some(top) => {
            top.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(loc.error(
            pos,
            String::new(),
            format!(
                "text {:?} outside the <cluster> element: expected only markup there",
                text.trim()
            ),
        )),
    }
}

fn element(
    loc: &Locator,
    xml: &str,
    pos: usize,
    start: &BytesStart<'_>,
) -> Result<Element, ConfError> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut el = Element {
        name,
        pos,
        attrs: Vec::new(),
        children: Vec::new(),
        text: String::new(),
    };
    // Attribute errors count from the first byte after `<`.
    let content_start = pos.saturating_add(1);
    for attr in start.attributes() {
        let attr = attr.map_err(|e| attr_error(loc, &el, content_start, &e))?;
        el.attrs.push(attribute(loc, xml, &el, &attr)?);
    }
    Ok(el)
}

fn attribute(
    loc: &Locator,
    xml: &str,
    el: &Element,
    attr: &Attribute<'_>,
) -> Result<Attr, ConfError> {
    let key = attr.key.as_ref();
    let pos = offset_in(xml.as_bytes(), key).unwrap_or(el.pos);
    let name = String::from_utf8_lossy(key).into_owned();
    let value = attr
        .normalized_value(XmlVersion::Implicit1_0)
        .map_err(|e| {
            loc.error(
                pos,
                el.describe(),
                format!(
                    "{name}=\"{}\": expected only the entities {ENTITIES} ({e})",
                    String::from_utf8_lossy(&attr.value)
                ),
            )
        })?;
    Ok(Attr {
        name,
        value: Cow::into_owned(value),
        pos,
    })
}

fn attr_error(loc: &Locator, el: &Element, content_start: usize, e: &AttrError) -> ConfError {
    let content = loc.xml.get(content_start..).unwrap_or("");
    // Each error is reported at the attribute's name, like the schema's errors.
    let (at, message) = match *e {
        AttrError::ExpectedEq(p) => {
            let (at, key) = key_before(content, p);
            (at, format!("{key} without a value: expected {key}=\"...\""))
        }
        AttrError::ExpectedValue(p) => {
            let (at, key) = key_before(content, p);
            (
                at,
                format!("{key}= without a value: expected {key}=\"...\""),
            )
        }
        AttrError::UnquotedValue(p) => {
            let ((at, key), value) = (key_before(content, p), word_at(content, p));
            (
                at,
                format!("{key}={value} unquoted: expected {key}=\"{value}\""),
            )
        }
        AttrError::ExpectedQuote(p, _) => (
            p,
            "an attribute value without its closing quote".to_string(),
        ),
        AttrError::Duplicated(p, first) => {
            let (line, column) = loc.line_column(content_start.saturating_add(first));
            let key = word_at(content, p);
            (
                p,
                format!("{key} given twice: expected it once (the first is at {line}:{column})"),
            )
        }
    };
    loc.error(content_start.saturating_add(at), el.describe(), message)
}

/// The unquoted value starting at `p`.
fn word_at(content: &str, p: usize) -> &str {
    let rest = content.get(p..).unwrap_or("");
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '=' | '>' | '/'))
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or(rest)
}

/// The attribute name that ends before `p` (skipping an `=`), and where it starts.
fn key_before(content: &str, p: usize) -> (usize, &str) {
    let before = content.get(..p).unwrap_or("").trim_end();
    let before = before.strip_suffix('=').unwrap_or(before).trim_end();
    let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    (start, before.get(start..).unwrap_or(""))
}

fn resolve_entity(r: &BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match r.as_ref() {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        _ => None,
    }
}

fn bad_entity(r: &BytesRef<'_>) -> String {
    format!(
        "unknown entity &{};: expected {ENTITIES}",
        String::from_utf8_lossy(r.as_ref())
    )
}

fn syntax_error(
    loc: &Locator,
    at: usize,
    open: Option<&Element>,
    e: &quick_xml::Error,
) -> ConfError {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    use quick_xml::Error;
    let message = match e {
        Error::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
            let (line, column) = open.map_or((0, 0), |o| loc.line_column(o.pos));
            format!("</{found}> closes the <{expected}> of {line}:{column}: expected </{expected}>")
        }
        Error::IllFormed(IllFormedError::UnmatchedEndTag(found)) => {
            format!("</{found}> without an open <{found}>")
        }
        Error::Syntax(SyntaxError::UnclosedTag) => {
            "a tag without its closing '>': expected <name attr=\"value\"...>".to_string()
        }
        Error::Syntax(
            SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue,
        ) => "an attribute value without its closing quote".to_string(),
        Error::Syntax(SyntaxError::UnclosedComment) => {
            "a comment without its closing '-->'".to_string()
        }
        other => format!("malformed XML: {other}"),
    };
    let element = open.map(Element::describe).unwrap_or_default();
    loc.error(at, element, message)
}
