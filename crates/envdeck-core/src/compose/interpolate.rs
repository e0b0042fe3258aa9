//! `${VAR}` substitution with compose's grammar: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?msg}`,
//! `${VAR?msg}`, `${VAR:+alt}`, `${VAR+alt}` and `$$` for a literal dollar. Defaults may nest (`${A:-${B}}`)
//! as in the compose spec.

use super::variables::Variables;

/// Why a string could not be interpolated; the loader adds file, service and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// `${VAR:?msg}` / `${VAR?msg}` with VAR missing.
    Required { variable: String, message: String },
    /// A `$` that starts nothing, or an unclosed `${`.
    Syntax(String),
}

/// The result and the variables that were used unset (compose warns about each, then uses "").
#[derive(Debug, Default)]
pub struct Interpolated {
    pub text: String,
    pub unset: Vec<String>,
}

/// Deepest `${A:-${B:-...}}` nesting followed, so hostile input cannot recurse without bound.
const MAX_NESTING: usize = 32;

pub fn interpolate(text: &str, vars: &Variables) -> Result<Interpolated, Failure> {
    let mut out = Interpolated::default();
    expand(text, vars, &mut out, 0)?;
    Ok(out)
}

fn expand(text: &str, vars: &Variables, out: &mut Interpolated, depth: usize) -> Result<(), Failure> {
    if depth > MAX_NESTING {
        return Err(Failure::Syntax(format!(
            "variables nested deeper than {MAX_NESTING} levels"
        )));
    }
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.text.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after.chars().next() {
            Some('$') => {
                out.text.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let close = matching_brace(&after[1..]).ok_or_else(|| {
                    Failure::Syntax(format!("`${{` at byte {at} is never closed with `}}`"))
                })?;
                let inner = &after[1..1 + close];
                braced(inner, vars, out, depth)?;
                rest = &after[1 + close + 1..];
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let len = name_len(after);
                lookup(&after[..len], vars, out);
                rest = &after[len..];
            }
            _ => {
                return Err(Failure::Syntax(format!(
                    "`$` at byte {at} starts no variable name; write `$$` for a literal dollar"
                )));
            }
        }
    }
    out.text.push_str(rest);
    Ok(())
}

/// Byte length of the variable name at the start of `s` (`[A-Za-z_][A-Za-z0-9_]*`).
fn name_len(s: &str) -> usize {
    s.bytes()
        .take_while(|b| *b == b'_' || b.is_ascii_alphanumeric())
        .count()
}

/// Index of the `}` closing a `${` whose content starts `s`, counting nested `${`.
fn matching_brace(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn lookup(name: &str, vars: &Variables, out: &mut Interpolated) {
    match vars.get(name) {
        Some(v) => out.text.push_str(v),
        None => {
            if !out.unset.iter().any(|u| u == name) {
                out.unset.push(name.to_string());
            }
        }
    }
}

fn braced(inner: &str, vars: &Variables, out: &mut Interpolated, depth: usize) -> Result<(), Failure> {
    let len = name_len(inner);
    let name = &inner[..len];
    if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
        return Err(Failure::Syntax(format!(
            "`${{{inner}}}` does not start with a variable name"
        )));
    }
    let op_and_word = &inner[len..];
    if op_and_word.is_empty() {
        lookup(name, vars, out);
        return Ok(());
    }
    let (colon, op_and_word) = match op_and_word.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, op_and_word),
    };
    let mut ops = op_and_word.chars();
    let op = ops.next();
    let word = ops.as_str();
    let value = vars.get(name);
    // With a colon, an empty value counts as unset (compose and POSIX sh agree).
    let set = match value {
        Some(v) => !colon || !v.is_empty(),
        None => false,
    };
    match op {
        Some('-') => match value {
            Some(v) if set => out.text.push_str(v),
            _ => expand(word, vars, out, depth + 1)?,
        },
        Some('+') => {
            if set {
                expand(word, vars, out, depth + 1)?;
            }
        }
        Some('?') => match value {
            Some(v) if set => out.text.push_str(v),
            _ => {
                let mut message = Interpolated::default();
                expand(word, vars, &mut message, depth + 1)?;
                return Err(Failure::Required {
                    variable: name.to_string(),
                    message: message.text,
                });
            }
        },
        _ => {
            return Err(Failure::Syntax(format!(
                "`${{{inner}}}`: after the name expected `}}`, `:-`, `-`, `:?`, `?`, `:+` or `+`"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::variables::Layer;
    use super::*;

    fn vars() -> Variables {
        Variables::new().with(Layer::new(
            "test",
            [("SET", "v"), ("EMPTY", ""), ("PW", "s3cret")].map(|(k, v)| (k.to_string(), v.to_string())),
        ))
    }

    fn run(text: &str) -> String {
        interpolate(text, &vars())
            .map(|i| i.text)
            .unwrap_or_else(|e| format!("ERR {e:?}"))
    }

    #[test]
    fn every_operator_follows_posix_sh() {
        let cases = [
            ("$SET", "v"),
            ("${SET}", "v"),
            ("a${SET}b$SET.c", "avbv.c"),
            ("${UNSET:-d}", "d"),
            ("${EMPTY:-d}", "d"),
            ("${EMPTY-d}", ""),
            ("${UNSET-d}", "d"),
            ("${SET:+alt}", "alt"),
            ("${EMPTY:+alt}", ""),
            ("${EMPTY+alt}", "alt"),
            ("${UNSET+alt}", ""),
            ("$$SET", "$SET"),
            ("$${SET}", "${SET}"),
            ("${UNSET:-${SET}}", "v"),
            ("${UNSET:-a b:c}", "a b:c"),
            ("postgresql://u:${PW}@db/x", "postgresql://u:s3cret@db/x"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(run(input), expected, "interpolating {input:?}");
        }
    }

    #[test]
    fn required_variables_report_their_message() {
        let err = interpolate("${UNSET:?set UNSET in .env}", &vars()).unwrap_err();
        assert_eq!(
            err,
            Failure::Required {
                variable: "UNSET".into(),
                message: "set UNSET in .env".into()
            }
        );
        assert!(
            interpolate("${EMPTY?x}", &vars()).is_ok(),
            "`?` without colon accepts an empty value"
        );
        assert!(
            interpolate("${EMPTY:?x}", &vars()).is_err(),
            "`:?` rejects an empty value"
        );
    }

    #[test]
    fn a_lone_dollar_or_unclosed_brace_is_a_syntax_error() {
        for bad in ["price $5", "end $", "${", "${A", "${1A}", "${A!b}", "${}"] {
            assert!(
                matches!(interpolate(bad, &vars()), Err(Failure::Syntax(_))),
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn unset_variables_become_empty_and_are_reported_once() {
        let r = interpolate("$NOPE-${NOPE}", &vars()).unwrap();
        assert_eq!(r.text, "-");
        assert_eq!(r.unset, vec!["NOPE".to_string()]);
    }
}
