//! Splitting a `command: echo "a b"` string into arguments the way compose does (POSIX shell quoting,
//! no expansion), so the engine receives the same argv `docker compose` would pass.

/// Splits `s` into words; `None` when a quote is left open.
pub fn split(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => word.push(c),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        // Inside double quotes a backslash escapes only these, as in sh.
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => word.push(c),
                            '\n' => {}
                            c => {
                                word.push('\\');
                                word.push(c);
                            }
                        },
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(c) => word.push(c),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_like_posix_sh_without_expansion() {
        let cases: [(&str, &[&str]); 6] = [
            (
                "uvicorn src.main:app --reload",
                &["uvicorn", "src.main:app", "--reload"],
            ),
            (
                r#"sh -c "echo 'hi there' && sleep 1""#,
                &["sh", "-c", "echo 'hi there' && sleep 1"],
            ),
            (r#"echo a\ b 'c d'"e""#, &["echo", "a b", "c de"]),
            ("  spaced   out  ", &["spaced", "out"]),
            ("empty '' arg", &["empty", "", "arg"]),
            (r#"say "\$HOME \x""#, &["say", "$HOME \\x"]),
        ];
        for (input, expected) in cases {
            assert_eq!(
                split(input).as_deref(),
                Some(
                    expected
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .as_slice()
                ),
                "{input}"
            );
        }
        assert_eq!(
            split("echo 'open"),
            None,
            "an open quote is reported, not guessed"
        );
    }
}
