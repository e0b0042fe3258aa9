//! Replaces secret values with `••••` in anything EnvDeck shows: its own logs, container logs, error
//! messages, `config` output.
//!
//! Every occurrence of every value is found first (including overlapping ones), the covered byte
//! ranges are merged, and each merged range becomes one `••••`. That is what "longest first" aims at,
//! without its traps: two secrets sharing characters, or a short secret inside a long one, can never
//! leave a fragment of either in the output.
//!
//! Masking works on whole texts: a caller streaming logs masks line by line, so a value split across
//! two chunks of one line is still found.

use super::value::SecretValue;

/// What replaces a secret.
pub const MASK: &str = "••••";

/// Values shorter than this are not masked: a 4-character value would blank out ordinary words and
/// numbers all over a log, and no generated secret is that short.
pub const MIN_MASKED_LEN: usize = 6;

/// A set of secret values to hide in text.
#[derive(Clone, Default)]
pub struct Masker {
    // Longest first, so the common case (one match) finds the covering range immediately.
    values: Vec<SecretValue>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} values)", self.values.len())
    }
}

impl Masker {
    /// Builds a masker from values; those under [`MIN_MASKED_LEN`] characters and duplicates are dropped.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a SecretValue>) -> Self {
        let mut values: Vec<SecretValue> = values
            .into_iter()
            .filter(|v| v.char_len() >= MIN_MASKED_LEN)
            .cloned()
            .collect();
        values.sort_by(|a, b| {
            b.expose()
                .len()
                .cmp(&a.expose().len())
                .then_with(|| a.expose().cmp(b.expose()))
        });
        values.dedup();
        Self { values }
    }

    /// `text` with every occurrence of every value replaced by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for value in &self.values {
            let needle = value.expose();
            let mut from = 0;
            while let Some(found) = text[from..].find(needle) {
                let start = from + found;
                ranges.push((start, start + needle.len()));
                // Step one character, not the whole needle: `aaaaaa` occurs twice in `aaaaaaa`.
                from = start + text[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if ranges.is_empty() {
            return text.to_owned();
        }
        ranges.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut written = 0;
        let mut current = ranges[0];
        for &(start, end) in &ranges[1..] {
            if start <= current.1 {
                current.1 = current.1.max(end);
            } else {
                out.push_str(&text[written..current.0]);
                out.push_str(MASK);
                written = current.1;
                current = (start, end);
            }
        }
        out.push_str(&text[written..current.0]);
        out.push_str(MASK);
        out.push_str(&text[current.1..]);
        out
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
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
