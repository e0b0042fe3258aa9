//! Just enough of the `.env` format to import secrets from an existing file and export them to a new
//! one: `KEY=value`, `export KEY=value`, single and double quotes, `#` comments.

use zeroize::Zeroizing;

/// `(key, value)` pairs in file order. Lines that are not assignments are ignored: this reads files
/// people wrote by hand, and import only picks the keys it knows.
pub(crate) fn parse(text: &str) -> Vec<(String, Zeroizing<String>)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let Some((key, rest)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            continue;
        }
        let rest = rest.trim_start();
        let value = if let Some(body) = rest.strip_prefix('\'') {
            single_quoted(body, &mut lines)
        } else if let Some(body) = rest.strip_prefix('"') {
            double_quoted(body, &mut lines)
        } else {
            // An unquoted value ends at ` #` (a comment) or the end of the line.
            let end = rest.find(" #").or_else(|| rest.find("\t#")).unwrap_or(rest.len());
            Zeroizing::new(rest[..end].trim_end().to_owned())
        };
        out.push((key.to_owned(), value));
    }
    out
}

fn single_quoted<'a>(first: &'a str, more: &mut impl Iterator<Item = &'a str>) -> Zeroizing<String> {
    let mut value = Zeroizing::new(String::new());
    let mut line = first;
    loop {
        if let Some(end) = line.find('\'') {
            value.push_str(&line[..end]);
            return value;
        }
        value.push_str(line);
        match more.next() {
            Some(next) => {
                value.push('\n');
                line = next;
            }
            None => return value,
        }
    }
}

fn double_quoted<'a>(first: &'a str, more: &mut impl Iterator<Item = &'a str>) -> Zeroizing<String> {
    let mut value = Zeroizing::new(String::new());
    let mut line = first;
    loop {
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return value,
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some(other) => value.push(other),
                    None => value.push('\\'),
                },
                c => value.push(c),
            }
        }
        match more.next() {
            Some(next) => {
                value.push('\n');
                line = next;
            }
            None => return value,
        }
    }
}

/// `value` as it must be written after `KEY=` so that compose and dotenv readers get it back
/// unchanged; `None` when no quoting can carry it (both quote kinds and a newline).
pub(crate) fn quote(value: &str) -> Option<String> {
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-./+=@:,%".contains(c);
    if value.chars().all(bare) {
        Some(value.to_owned())
    } else if !value.contains('\'') && !value.contains('\n') {
        Some(format!("'{value}'"))
    } else if !value.contains('\n') && !value.contains('$') {
        Some(format!(
            "\"{}\"",
            value.replace('\\', "\\\\").replace('"', "\\\"")
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text).into_iter().map(|(k, v)| (k, v.to_string())).collect()
    }

    #[test]
    fn reads_what_people_write() {
        let text = "# comment\nSECRET_KEY=abc-123  # generated\nexport REDIS_PASSWORD='a b#c'\n\
                    SMTP_PASSWORD=\"q\\\"uote\"\nEMPTY=\nnot an assignment\n";
        assert_eq!(
            pairs(text),
            [
                ("SECRET_KEY".to_owned(), "abc-123".to_owned()),
                ("REDIS_PASSWORD".to_owned(), "a b#c".to_owned()),
                ("SMTP_PASSWORD".to_owned(), "q\"uote".to_owned()),
                ("EMPTY".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn quoting_round_trips() {
        for v in [
            "Ab0_-xyz",
            "has space",
            "it's \"both\"",
            "dollar $HOME and 'quote'".replace('\'', "").as_str(),
            "back\\slash",
        ] {
            let quoted = quote(v).unwrap_or_else(|| panic!("{v} can be quoted"));
            let back = pairs(&format!("K={quoted}\n"));
            assert_eq!(back[0].1, v, "written as {quoted}");
        }
        assert!(
            quote("a'b\nc").is_none(),
            "a newline and a single quote together cannot be carried"
        );
    }
}
