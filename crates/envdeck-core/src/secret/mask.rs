//! Replaces secret values with `••••` in anything EnvDeck shows: its own logs, container logs, error
//! messages, `config` output.
//!
//! Every occurrence of every value, and of each of its encoded forms (`encoding`: JSON-escaped, base64,
//! percent-encoded), is found first (including overlapping ones), the covered byte ranges are merged,
//! and each merged range becomes one `••••`. That is what "longest first" aims at, without its traps:
//! two secrets sharing characters, or a short secret inside a long one, can never leave a fragment of
//! either in the output.
//!
//! Masking works on whole lines: streams go through `lines::LineAssembler`, which joins the pieces a
//! line arrives in and, when it must show part of a line early, holds back the tail that could begin a
//! secret ([`Masker::safe_cut`]).

use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use zeroize::Zeroizing;

use super::encoding;
use super::value::SecretValue;

/// What replaces a secret.
pub const MASK: &str = "••••";

/// Values shorter than this are not masked: a 4-character value would blank out ordinary words and
/// numbers all over a log. No generated secret is that short, and a person cannot enter or import one
/// (`envdeck-api`'s `secrets::enter` and `import_env_file` refuse it), so every stored value is masked.
pub const MIN_MASKED_LEN: usize = 6;

/// A set of secret values to hide in text. Cloning is cheap (the forms are shared).
#[derive(Clone, Default)]
pub struct Masker {
    inner: Arc<Forms>,
}

#[derive(Default)]
struct Forms {
    /// Every form of every value, wiped on drop.
    forms: Vec<Zeroizing<String>>,
    /// One pass over a line finds every form at once, whatever their number; `None` only when there
    /// is nothing to find or the automaton could not be built (then each form is searched in turn).
    /// It keeps its own copy of the forms, which is not wiped on drop.
    finder: Option<AhoCorasick>,
    longest: usize,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} forms)", self.inner.forms.len())
    }
}

impl Masker {
    /// Builds a masker from values; those under [`MIN_MASKED_LEN`] characters are dropped. A value of
    /// several lines is also hidden line by line (a PEM key printed as it is), since masking sees one
    /// line at a time.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a SecretValue>) -> Self {
        let mut forms: Vec<Zeroizing<String>> = Vec::new();
        let mut add = |value: &str| {
            if value.chars().count() >= MIN_MASKED_LEN {
                forms.extend(encoding::forms(value, MIN_MASKED_LEN));
            }
        };
        for value in values {
            let value = value.expose();
            add(value);
            if value.contains('\n') {
                value.lines().for_each(&mut add);
            }
        }
        forms.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let longest = forms.first().map_or(0, |f| f.len());
        let finder = if forms.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                // Standard semantics: the only kind that reports overlapping matches.
                .match_kind(MatchKind::Standard)
                .build(forms.iter().map(|f| f.as_bytes()))
                .ok()
        };
        Self {
            inner: Arc::new(Forms {
                forms,
                finder,
                longest,
            }),
        }
    }

    /// `text` with every occurrence of every value (and its encoded forms) replaced by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        let runs = self.runs(text);
        if runs.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut written = 0;
        for (start, end) in runs {
            out.push_str(&text[written..start]);
            out.push_str(MASK);
            written = end;
        }
        out.push_str(&text[written..]);
        out
    }

    /// Where `text`, the beginning of a line whose rest has not arrived, may be cut so that
    /// `mask(&text[..cut])` can be shown now: before any tail that could be the start of a form
    /// completed by what comes next, and never inside a masked run (half a run shown unmasked would be
    /// half a secret). What follows `cut` is held back and masked with the rest of the line.
    pub fn safe_cut(&self, text: &str) -> usize {
        let len = text.len();
        if self.inner.forms.is_empty() {
            return len;
        }
        // A run this far back is a chain of overlapping secrets: showing it whole keeps the held-back
        // tail (and memory) bounded.
        let limit = 2 * self.inner.longest;
        let runs = self.runs(text);
        let mut cut = self.earliest_open(text, len.saturating_sub(self.inner.longest));
        while let Some(&(start, end)) = runs.iter().find(|(s, e)| *s < cut && cut < *e) {
            if len - start <= limit {
                cut = start;
                break;
            }
            cut = self.earliest_open(text, end);
        }
        cut
    }

    /// The first position at or after `from` where the rest of `text` is a strict beginning of some
    /// form; `text.len()` when there is none.
    fn earliest_open(&self, text: &str, from: usize) -> usize {
        let bytes = text.as_bytes();
        (from..bytes.len())
            .filter(|&i| text.is_char_boundary(i))
            .find(|&i| {
                let tail = &bytes[i..];
                self.inner
                    .forms
                    .iter()
                    .any(|f| f.len() > tail.len() && f.as_bytes().starts_with(tail))
            })
            .unwrap_or(bytes.len())
    }

    /// The byte ranges covered by forms, merged, in order.
    fn runs(&self, text: &str) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        match &self.inner.finder {
            Some(finder) => {
                ranges.extend(finder.find_overlapping_iter(text).map(|m| (m.start(), m.end())));
            }
            None => {
                for form in &self.inner.forms {
                    let needle = form.as_str();
                    let mut from = 0;
                    while let Some(found) = text[from..].find(needle) {
                        let start = from + found;
                        ranges.push((start, start + needle.len()));
                        // Step one character, not the whole needle: `aaaaaa` occurs twice in `aaaaaaa`.
                        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
                    }
                }
            }
        }
        if ranges.is_empty() {
            return ranges;
        }
        ranges.sort_unstable();
        let mut runs = Vec::with_capacity(ranges.len());
        let mut current = ranges[0];
        for &(start, end) in &ranges[1..] {
            if start <= current.1 {
                current.1 = current.1.max(end);
            } else {
                runs.push(current);
                current = (start, end);
            }
        }
        runs.push(current);
        runs
    }

    pub fn is_empty(&self) -> bool {
        self.inner.forms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn masker(values: &[&str]) -> Masker {
        let values: Vec<SecretValue> = values.iter().map(|v| SecretValue::new(v.to_string())).collect();
        Masker::new(&values)
    }

    #[test]
    fn replaces_every_occurrence() {
        let m = masker(&["s3cr3t-value"]);
        assert_eq!(
            m.mask("password=s3cr3t-value url=postgres://u:s3cr3t-value@db"),
            "password=•••• url=postgres://u:••••@db"
        );
    }

    #[test]
    fn overlapping_and_nested_values_leave_no_fragment() {
        let m = masker(&["abcdefgh", "efghijkl", "cdef12"]);
        assert_eq!(
            m.mask("x abcdefghijkl y"),
            "x •••• y",
            "two overlapping secrets form one masked run"
        );
        let nested = masker(&["inner1", "outer-inner1-outer"]);
        assert_eq!(nested.mask("[outer-inner1-outer] [inner1]"), "[••••] [••••]");
    }

    #[test]
    fn short_values_are_not_masked() {
        let m = masker(&["abc", "12345"]);
        assert!(
            m.is_empty(),
            "values under {MIN_MASKED_LEN} characters would blank ordinary words"
        );
        assert_eq!(m.mask("abc 12345"), "abc 12345");
    }

    #[test]
    fn non_ascii_text_and_values_stay_valid() {
        let m = masker(&["contraseña-ñandú"]);
        assert_eq!(m.mask("¿clave? contraseña-ñandú ¡sí!"), "¿clave? •••• ¡sí!");
    }

    #[test]
    fn encoded_forms_are_masked() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let secret = "p\"a\\ss/wörd+?~42";
        let m = masker(&[secret]);
        let json = serde_json::to_string(secret).expect("serialises");
        let twice = serde_json::to_string(&json).expect("serialises");
        let basic = STANDARD.encode(format!("user:{secret}"));
        // (what the service prints, the part of it that encodes the secret alone)
        let cases = [
            (json.clone(), json[1..json.len() - 1].to_owned()),
            (
                format!("{{\"log\":{twice}}}"),
                twice[3..twice.len() - 3].to_owned(),
            ),
            (STANDARD.encode(secret), STANDARD.encode(secret)),
            (URL_SAFE_NO_PAD.encode(secret), URL_SAFE_NO_PAD.encode(secret)),
            // `user:` is 5 bytes: the secret's own characters begin at the 8th.
            (basic.clone(), basic[8..basic.len() - 4].to_owned()),
            (
                "p%22a%5Css%2Fw%C3%B6rd%2B%3F~42".to_owned(),
                "p%22a%5Css%2Fw%C3%B6rd%2B%3F~42".to_owned(),
            ),
            (
                "p%22a%5css%2fw%c3%b6rd%2b%3f~42".to_owned(),
                "p%22a%5css%2fw%c3%b6rd%2b%3f~42".to_owned(),
            ),
            (
                "p\\\"a\\\\ss/w\\u00f6rd+?~42".to_owned(),
                "p\\\"a\\\\ss/w\\u00f6rd+?~42".to_owned(),
            ),
        ];
        for (printed, form) in cases {
            let out = m.mask(&format!("value: {printed} end"));
            assert!(out.starts_with("value: ") && out.ends_with(" end"), "{out}");
            assert!(
                out.contains(MASK) && !out.contains(&form),
                "{printed} holds a form of the secret: {out}"
            );
        }
    }

    #[test]
    fn a_value_of_several_lines_is_masked_line_by_line() {
        let m = masker(&["-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----"]);
        assert_eq!(m.mask("line: MIIEvQIBADANBgkqhkiG9w0B"), format!("line: {MASK}"));
    }

    #[test]
    fn safe_cut_stops_before_a_possible_secret_and_outside_runs() {
        let m = masker(&["abcdefgh"]);
        assert_eq!(m.safe_cut("hello abc"), 6, "`abc` may become the secret");
        assert_eq!(m.safe_cut("hello world"), 11, "nothing to hold back");
        assert_eq!(m.safe_cut("x abcdefghabcdefg"), 10, "a whole run is shown masked");
        let overlapping = masker(&["abcdefgh", "ghijklmn"]);
        assert_eq!(
            overlapping.safe_cut("x abcdefghij"),
            2,
            "a masked run reaching into the held tail is held with it, never shown by halves"
        );
    }

    proptest! {
        /// No secret survives masking, whatever surrounds, repeats or overlaps it.
        #[test]
        fn no_secret_survives(
            secrets in prop::collection::vec("[a-c0-1_-]{6,12}", 1..5),
            filler in prop::collection::vec("[a-c0-1 _=:-]{0,10}", 1..8),
            picks in prop::collection::vec(0usize..5, 1..8),
        ) {
            let mut text = String::new();
            for (f, p) in filler.iter().zip(picks.iter()) {
                text.push_str(f);
                text.push_str(&secrets[p % secrets.len()]);
            }
            let m = masker(&secrets.iter().map(String::as_str).collect::<Vec<_>>());
            let out = m.mask(&text);
            for s in &secrets {
                prop_assert!(!out.contains(s.as_str()), "{s} survived in {out}");
            }
        }

        /// Text without any secret comes out unchanged.
        #[test]
        fn clean_text_is_unchanged(text in "[a-z ]{0,80}", secret in "[0-9]{6,20}") {
            let m = masker(&[secret.as_str()]);
            prop_assert_eq!(m.mask(&text), text);
        }

        /// Masking keeps the text around secrets: removing the masks gives the text with the secrets removed,
        /// when secrets cannot overlap the filler.
        #[test]
        fn surrounding_text_is_kept(parts in prop::collection::vec("[a-z ]{0,10}", 1..6), secret in "[0-9]{6,12}") {
            let text = parts.join(&secret);
            let out = masker(&[secret.as_str()]).mask(&text);
            prop_assert_eq!(out.replace(MASK, ""), parts.concat());
        }
    }
}
