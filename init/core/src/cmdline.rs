//! Tokenising the kernel command line.
//!
//! Follows the kernel's own `next_arg()` (lib/cmdline.c): arguments are separated by
//! whitespace outside double quotes; a double quote at the start of an argument or of
//! its value is removed together with the matching closing quote, so
//! `opt="a value"` and `"opt=a value"` both give the value `a value`. Everything after a
//! lone `--` is handed to init as its arguments. Keys may repeat; [`Cmdline::all`]
//! returns every value in order and [`Cmdline::get`] the last one, as dracut's
//! `getarg` does.
//!
//! Not supported: backslash escapes (the kernel has none either) and `/etc/cmdline.d`
//! (an image-embedded command line is the cluster-configuration issue's business).

/// One `key[=value]` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub key: String,
    /// `None` for a bare flag such as `rw`, `Some("")` for `key=`.
    pub value: Option<String>,
}

/// The tokenised command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cmdline {
    pub args: Vec<Arg>,
    /// Arguments after `--`, passed to the real init.
    pub init_args: Vec<String>,
}

impl Cmdline {
    pub fn parse(text: &str) -> Self {
        let mut cmdline = Cmdline::default();
        let mut tokens = split_quoted(text).into_iter();
        for token in tokens.by_ref() {
            if token == "--" {
                break;
            }
            cmdline.args.push(split_arg(&token));
        }
        cmdline.init_args = tokens.map(|t| strip_quotes(&t).to_string()).collect();
        cmdline
    }

    /// The last value given for `key` (`Some("")` for a bare flag).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .rev()
            .find(|a| a.key == key)
            .map(|a| a.value.as_deref().unwrap_or(""))
    }

    /// Every value given for `key`, in order; bare flags give `""`.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.args
            .iter()
            .filter(move |a| a.key == key)
            .map(|a| a.value.as_deref().unwrap_or(""))
    }

    pub fn has(&self, key: &str) -> bool {
        self.args.iter().any(|a| a.key == key)
    }
}

/// Splits on whitespace that is outside double quotes; quotes are kept for
/// [`split_arg`] to remove.
fn split_quoted(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut in_quote = false;
    for c in text.chars() {
        if c == '"' {
            in_quote = !in_quote;
        }
        if c.is_whitespace() && !in_quote {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn strip_quotes(s: &str) -> &str {
    match s.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"').unwrap_or(inner),
        None => s,
    }
}

fn split_arg(token: &str) -> Arg {
    let token = strip_quotes(token);
    match token.split_once('=') {
        Some((key, value)) => Arg {
            key: key.to_string(),
            value: Some(strip_quotes(value).to_string()),
        },
        None => Arg {
            key: token.to_string(),
            value: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(cmdline: &Cmdline) -> Vec<(String, Option<String>)> {
        cmdline
            .args
            .iter()
            .map(|a| (a.key.clone(), a.value.clone()))
            .collect()
    }

    /// (label, input, expected args, expected init args)
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, Option<&'a str>)>,
        Vec<&'a str>,
    );

    #[test]
    fn tokenises_like_the_kernel() {
        let cases: &[Case] = &[
            (
                "plain",
                "ro quiet",
                vec![("ro", None), ("quiet", None)],
                vec![],
            ),
            (
                "quoted value",
                r#"rootflags="a b" x=1"#,
                vec![("rootflags", Some("a b")), ("x", Some("1"))],
                vec![],
            ),
            (
                "quoted whole arg",
                r#""opt=a value" y"#,
                vec![("opt", Some("a value")), ("y", None)],
                vec![],
            ),
            (
                "empty value and extra spaces",
                "  a=   b=c  ",
                vec![("a", Some("")), ("b", Some("c"))],
                vec![],
            ),
            (
                "value with equals",
                "rootflags=vers=3,nolock",
                vec![("rootflags", Some("vers=3,nolock"))],
                vec![],
            ),
            (
                "init args after --",
                "ro -- single \"two words\"",
                vec![("ro", None)],
                vec!["single", "two words"],
            ),
            (
                "unterminated quote",
                "a=\"x y",
                vec![("a", Some("x y"))],
                vec![],
            ),
        ];
        for (label, input, args, init) in cases {
            let c = Cmdline::parse(input);
            let want: Vec<(String, Option<String>)> = args
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect();
            assert_eq!(kv(&c), want, "case {label}");
            assert_eq!(c.init_args, *init, "case {label}");
        }
    }

    #[test]
    fn repeated_keys_keep_order_and_last_wins() {
        let c = Cmdline::parse("nameserver=1.1.1.1 nameserver=2.2.2.2 rd.shell");
        assert_eq!(
            c.all("nameserver").collect::<Vec<_>>(),
            ["1.1.1.1", "2.2.2.2"]
        );
        assert_eq!(c.get("nameserver"), Some("2.2.2.2"));
        assert_eq!(c.get("rd.shell"), Some(""));
        assert!(c.has("rd.shell"));
        assert_eq!(c.get("missing"), None);
    }
}
