//! The forms a secret takes when a service prints it encoded: JSON-escaped (a structured log line),
//! base64 (a basic-auth header, a config dump), percent-encoded (a connection URL). The masker hides
//! each of these as well as the plain value, so encoding a value is not a way around masking.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

/// Line widths at which tools wrap base64 (`base64` and MIME at 76, PEM and `openssl` at 64): each
/// line of a wrapped encoding is found on its own, since masking works line by line.
const BASE64_WRAPS: [usize; 2] = [76, 64];

/// Every form of `value` to hide, the plain value first; duplicates and forms shorter than `min` are
/// left out (the caller decides what is too short to mask without blanking ordinary words).
pub fn forms(value: &str, min: usize) -> Vec<Zeroizing<String>> {
    let mut out: Vec<Zeroizing<String>> = Vec::new();
    let mut add = |form: Zeroizing<String>| {
        if form.chars().count() >= min && !out.iter().any(|f| **f == *form) {
            out.push(form);
        }
    };
    add(Zeroizing::new(value.to_owned()));
    let json = json_escaped(value, false);
    // Twice: a JSON document carried as a string inside a JSON log line.
    add(json_escaped(&json, false));
    add(json);
    add(json_escaped(value, true));
    add(percent_encoded(value, false, true));
    add(percent_encoded(value, false, false));
    add(percent_encoded(value, true, true));
    for form in base64_forms(value.as_bytes()) {
        add(form);
    }
    out
}

/// `value` as it appears between the quotes of a JSON string. `ascii` escapes every non-ASCII
/// character as `\uXXXX` (lower-case hex, surrogate pairs beyond the BMP), as Python's `json.dumps`
/// does by default; otherwise only what JSON requires is escaped, as serde_json and JavaScript do.
pub fn json_escaped(value: &str, ascii: bool) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() + 8));
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `value` percent-encoded: every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`, as
/// `encodeURIComponent` and most URL libraries write it. `form` writes a space as `+` (HTML forms,
/// Python's `quote_plus`).
pub fn percent_encoded(value: &str, form: bool, upper: bool) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len() * 3));
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b' ' if form => out.push('+'),
            b if upper => out.push_str(&format!("%{b:02X}")),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// The base64 forms of `bytes`, standard and URL-safe: the whole encoding with and without padding,
/// its lines when wrapped, and, for the value inside a longer encoded text (`user:password` in a
/// basic-auth header), the characters that depend on the value's bytes alone at each of the three
/// alignments the value can have.
fn base64_forms(bytes: &[u8]) -> Vec<Zeroizing<String>> {
    let mut out = Vec::new();
    for (padded, unpadded) in [(STANDARD, STANDARD_NO_PAD), (URL_SAFE, URL_SAFE_NO_PAD)] {
        let whole = Zeroizing::new(padded.encode(bytes));
        for width in BASE64_WRAPS {
            if whole.len() > width {
                out.extend(whole.as_bytes().chunks(width).map(|line| {
                    // Chunks of ASCII base64 are ASCII.
                    Zeroizing::new(String::from_utf8_lossy(line).into_owned())
                }));
            }
        }
        out.push(Zeroizing::new(unpadded.encode(bytes)));
        out.push(whole);
        for shift in 0..3usize {
            let mut shifted = Zeroizing::new(vec![0u8; shift]);
            shifted.extend_from_slice(bytes);
            let encoded = Zeroizing::new(unpadded.encode(&*shifted));
            // Character i carries bits [6i, 6i + 6); the value's bits are [8 shift, 8 (shift + len)).
            let first = (8 * shift).div_ceil(6);
            let end = (8 * (shift + bytes.len())) / 6;
            if first < end {
                out.push(Zeroizing::new(encoded[first..end].to_owned()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(forms: &[Zeroizing<String>], form: &str) -> bool {
        forms.iter().any(|f| f.as_str() == form)
    }

    #[test]
    fn json_escaping_matches_serde_json() {
        for value in ["pa\"ss\\wo\rd\n", "tab\there\u{1}", "ñandú-😀-x"] {
            let quoted = serde_json::to_string(value).expect("a string serialises");
            assert_eq!(
                json_escaped(value, false).as_str(),
                &quoted[1..quoted.len() - 1],
                "the form serde_json (and so EnvDeck's own JSON) writes"
            );
        }
        assert_eq!(
            json_escaped("ñ😀", true).as_str(),
            "\\u00f1\\ud83d\\ude00",
            "Python's default json.dumps"
        );
    }

    #[test]
    fn percent_encoding_matches_url_libraries() {
        assert_eq!(
            percent_encoded("a b/c:d@é", false, true).as_str(),
            "a%20b%2Fc%3Ad%40%C3%A9"
        );
        assert_eq!(percent_encoded("a b/c", true, true).as_str(), "a+b%2Fc");
        assert_eq!(percent_encoded("a/b", false, false).as_str(), "a%2fb");
    }

    #[test]
    fn base64_forms_cover_both_alphabets_and_padding() {
        let value = "?>?~~~s3cr3t";
        assert!(
            STANDARD.encode(value).contains(['+', '/']),
            "a value whose two alphabets differ"
        );
        let forms = forms(value, 6);
        for encoded in [
            STANDARD.encode(value),
            STANDARD_NO_PAD.encode(value),
            URL_SAFE.encode(value),
            URL_SAFE_NO_PAD.encode(value),
        ] {
            assert!(has(&forms, &encoded), "{encoded} is one of the forms");
        }
    }

    #[test]
    fn base64_inside_a_longer_encoding_is_found_at_every_alignment() {
        let value = "hunter2-but-longer";
        let forms = forms(value, 6);
        for prefix in ["", "u:", "us:", "use:"] {
            let encoded = STANDARD.encode(format!("{prefix}{value}@host"));
            assert!(
                forms
                    .iter()
                    .any(|f| f.len() >= 20 && encoded.contains(f.as_str())),
                "a basic-auth style `{prefix}<value>@host` ({encoded}) contains a form of the value"
            );
        }
    }

    #[test]
    fn wrapped_base64_lines_are_forms() {
        let value = "x".repeat(100);
        let wrapped = STANDARD.encode(&value);
        let forms = forms(&value, 6);
        for line in wrapped.as_bytes().chunks(76) {
            let line = std::str::from_utf8(line).expect("ascii");
            assert!(
                line.len() < 6 || has(&forms, line),
                "each line of `base64`'s wrapped output is a form: {line}"
            );
        }
    }

    #[test]
    fn plain_values_have_no_duplicate_forms() {
        let forms = forms("abcdefgh", 6);
        assert_eq!(forms[0].as_str(), "abcdefgh");
        let mut seen: Vec<&str> = forms.iter().map(|f| f.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            forms.len(),
            "JSON and URL forms equal to the value are dropped"
        );
    }
}
