//! Turns one output stream's pieces into masked lines. Docker cuts a long log line into 16 KiB frames,
//! pipes deliver whatever the kernel had, and EnvDeck caps a line's size: masking each piece alone
//! shows a secret that lies across a cut. Here pieces are joined until the newline and the whole line
//! is masked; a line shown before its end (too long, or quiet too long: the caller's clock decides)
//! keeps back the tail that could begin a secret.
//!
//! One assembler per stream: stdout and stderr of one container are two streams (their pieces
//! interleave, a line never spans both).

use super::mask::Masker;

/// The size at which a line without a newline is shown in parts, so a process printing megabytes
/// without one does not grow EnvDeck's memory.
pub const MAX_LINE: usize = 64 * 1024;

/// Joins the pieces of one stream into masked lines.
#[derive(Debug)]
pub struct LineAssembler {
    masker: Masker,
    pending: Vec<u8>,
    max_line: usize,
}

impl LineAssembler {
    /// Lines longer than `max_line` bytes are shown in parts, each cut where [`Masker::safe_cut`] allows.
    pub fn new(masker: Masker, max_line: usize) -> Self {
        Self {
            masker,
            pending: Vec::new(),
            max_line: max_line.max(1),
        }
    }

    /// Adds a piece; returns the lines (masked, without `\n` or a trailing `\r`) it completed, and the
    /// parts of a line that grew past the size cap.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            out.push(self.line());
        }
        self.pending.extend_from_slice(rest);
        while self.pending.len() >= self.max_line {
            match self.partial() {
                Some(part) => out.push(part),
                // Nothing could be shown (a tail that may still be a secret): wait for more.
                None => break,
            }
        }
        out
    }

    /// Whether part of a line is waiting for its end.
    pub fn has_partial(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Shows what can be shown of the waiting line (masked), keeping back the tail that could begin a
    /// secret, or an incomplete UTF-8 character; `None` when nothing can be shown yet.
    pub fn partial(&mut self) -> Option<String> {
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            // Invalid bytes inside: shown as U+FFFD, like whole lines.
            Err(_) => self.pending.len(),
        };
        let text = String::from_utf8_lossy(&self.pending[..complete]).into_owned();
        let cut = self.masker.safe_cut(&text);
        if cut == 0 {
            return None;
        }
        let shown = self.masker.mask(&text[..cut]);
        let mut held = text.as_bytes()[cut..].to_vec();
        held.extend_from_slice(&self.pending[complete..]);
        self.pending = held;
        Some(shown)
    }

    /// The end of the stream: whatever is left, masked as a whole line.
    pub fn finish(&mut self) -> Option<String> {
        (!self.pending.is_empty()).then(|| self.line())
    }

    fn line(&mut self) -> String {
        if self.pending.last() == Some(&b'\r') {
            self.pending.pop();
        }
        let text = self.masker.mask(&String::from_utf8_lossy(&self.pending));
        self.pending.clear();
        text
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;
    use crate::secret::SecretValue;
    use crate::secret::mask::MASK;

    const SECRET: &str = "Zq7-s3cr3t-V4lue-9xK";

    fn assembler(max_line: usize) -> LineAssembler {
        LineAssembler::new(Masker::new(&[SecretValue::new(SECRET.into())]), max_line)
    }

    /// Everything shown for `pieces`, flushing a partial line after each piece when `flush` says so,
    /// as the caller's timer would.
    fn shown(a: &mut LineAssembler, pieces: &[&[u8]], flush: bool) -> String {
        let mut out = Vec::new();
        for piece in pieces {
            out.extend(a.push(piece));
            if flush && a.has_partial() {
                out.extend(a.partial());
            }
        }
        out.extend(a.finish());
        out.concat()
    }

    #[test]
    fn a_secret_split_at_any_offset_is_masked() {
        let line = format!("key={SECRET} and again {SECRET}\n");
        for cut in 0..=line.len() {
            for flush in [false, true] {
                let (a, b) = line.as_bytes().split_at(cut);
                let out = shown(&mut assembler(MAX_LINE), &[a, b], flush);
                assert!(
                    !out.contains(SECRET) && !out.contains(&SECRET[..10]) && !out.contains(&SECRET[10..]),
                    "a cut at {cut} (flushed: {flush}) shows none of the secret: {out}"
                );
                assert_eq!(
                    out.replace(MASK, ""),
                    "key= and again ",
                    "the rest of the line is kept"
                );
            }
        }
    }

    #[test]
    fn encoded_forms_split_at_any_offset_are_masked() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
        let line = format!("b64={b64} url=a%2F{SECRET}\n");
        for cut in 0..=line.len() {
            let (a, b) = line.as_bytes().split_at(cut);
            let out = shown(&mut assembler(MAX_LINE), &[a, b], true);
            assert!(
                !out.contains(&b64[..b64.len() - 4]) && !out.contains(SECRET),
                "a cut at {cut} shows no form of the secret: {out}"
            );
        }
    }

    #[test]
    fn a_partial_flush_holds_back_a_possible_secret_start() {
        let mut a = assembler(MAX_LINE);
        assert!(
            a.push(format!("waiting for {}", &SECRET[..7]).as_bytes())
                .is_empty()
        );
        let part = a.partial().expect("the words before it are shown");
        assert_eq!(part, "waiting for ", "the secret's beginning stays back");
        assert_eq!(
            a.partial(),
            None,
            "nothing more can be shown until the line goes on"
        );
        let rest = a.push(format!("{}!\n", &SECRET[7..]).as_bytes());
        assert_eq!(
            rest,
            [format!("{MASK}!")],
            "the held start and the rest masked as one"
        );
    }

    #[test]
    fn a_partial_flush_without_a_possible_secret_shows_everything() {
        let mut a = assembler(MAX_LINE);
        a.push(b"Password: ");
        assert_eq!(
            a.partial().as_deref(),
            Some("Password: "),
            "a prompt shows in full"
        );
        assert!(!a.has_partial());
    }

    #[test]
    fn long_lines_are_cut_at_the_cap_without_showing_a_secret() {
        for offset in 0..SECRET.len() {
            let line = format!("{}{SECRET}{}\n", "x".repeat(1000 - offset), "y".repeat(1500));
            let pieces: Vec<&[u8]> = line.as_bytes().chunks(97).collect();
            let mut a = assembler(1000);
            let out: Vec<String> = pieces.iter().flat_map(|p| a.push(p)).collect();
            assert!(
                out.len() >= 2,
                "a 2.5 KB line is shown in parts at a 1000-byte cap"
            );
            let joined = out.concat();
            assert!(
                !joined.contains(&SECRET[..6]) && !joined.contains(&SECRET[SECRET.len() - 6..]),
                "a secret at offset {offset} of the cap is masked across the cut: {joined}"
            );
            assert!(
                out.iter().all(|part| part.len() <= 1000 + 97 + MASK.len()),
                "parts stay within the cap and one piece"
            );
        }
    }

    #[test]
    fn utf8_split_inside_a_character_is_kept_whole() {
        let mut a = assembler(MAX_LINE);
        let text = "((ñandú))".as_bytes();
        a.push(&text[..3]);
        assert_eq!(
            a.partial().as_deref(),
            Some("(("),
            "half of ñ waits for its second byte"
        );
        a.push(&text[3..]);
        assert_eq!(a.finish().as_deref(), Some("ñandú))"));
    }

    #[test]
    fn crlf_and_several_lines_per_piece() {
        let mut a = assembler(MAX_LINE);
        assert_eq!(
            a.push(format!("one\r\ntwo {SECRET}\nthr").as_bytes()),
            ["one".to_owned(), format!("two {MASK}")]
        );
        assert_eq!(a.push(b"ee\n"), ["three"]);
        assert_eq!(a.finish(), None);
    }
}
