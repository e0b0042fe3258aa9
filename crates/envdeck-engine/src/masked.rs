//! Masked lines, in time, from a stream of output pieces (Docker's log frames): `LineAssembler` joins
//! each of stdout and stderr until the newline, and a line that stays unfinished is shown after a short
//! wait, minus the tail that could begin a secret, so a prompt or a progress bar still appears.

use std::collections::VecDeque;
use std::time::Duration;

use envdeck_core::secret::{LineAssembler, Masker};
use futures_util::stream::{Stream, StreamExt};
use tokio::time::Instant;

use crate::status::OutputStream;

/// How long the start of a line waits for its end before what can be shown of it is shown.
pub const HOLD: Duration = Duration::from_millis(200);

/// The lines of `pieces`, masked, in order per stream. `hold`: show an unfinished line after that long
/// (a followed stream); `None` waits for the newline or the end (a stream that is read to its end).
pub(crate) fn lines<B, E, S>(
    pieces: S,
    masker: Masker,
    max_line: usize,
    hold: Option<Duration>,
) -> impl Stream<Item = Result<(OutputStream, String), E>> + Send + 'static
where
    B: AsRef<[u8]> + Send + 'static,
    E: Send + 'static,
    S: Stream<Item = Result<(OutputStream, B), E>> + Send + Unpin + 'static,
{
    let state = State {
        pieces,
        stdout: LineAssembler::new(masker.clone(), max_line),
        stderr: LineAssembler::new(masker, max_line),
        ready: VecDeque::new(),
        deadline: None,
        hold,
        ended: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(item) = s.ready.pop_front() {
                return Some((item, s));
            }
            if s.ended {
                return None;
            }
            let next = match s.deadline {
                Some(at) => tokio::select! {
                    next = s.pieces.next() => Some(next),
                    () = tokio::time::sleep_until(at) => None,
                },
                None => Some(s.pieces.next().await),
            };
            match next {
                // Quiet for `hold`: show what can be shown. The held-back tail waits for more output
                // or the end; the timer starts again only when more comes.
                None => {
                    s.deadline = None;
                    for (which, lines) in [
                        (OutputStream::Stdout, &mut s.stdout),
                        (OutputStream::Stderr, &mut s.stderr),
                    ] {
                        if let Some(part) = lines.partial() {
                            s.ready.push_back(Ok((which, part)));
                        }
                    }
                }
                Some(Some(Ok((which, bytes)))) => {
                    let lines = match which {
                        OutputStream::Stderr => &mut s.stderr,
                        OutputStream::Stdout => &mut s.stdout,
                    };
                    s.ready
                        .extend(lines.push(bytes.as_ref()).into_iter().map(|l| Ok((which, l))));
                    s.deadline = match (s.stdout.has_partial() || s.stderr.has_partial(), s.hold) {
                        (true, Some(hold)) => Some(s.deadline.unwrap_or_else(|| Instant::now() + hold)),
                        _ => None,
                    };
                }
                Some(Some(Err(e))) => s.ready.push_back(Err(e)),
                Some(None) => {
                    s.ended = true;
                    for (which, lines) in [
                        (OutputStream::Stdout, &mut s.stdout),
                        (OutputStream::Stderr, &mut s.stderr),
                    ] {
                        if let Some(rest) = lines.finish() {
                            s.ready.push_back(Ok((which, rest)));
                        }
                    }
                }
            }
        }
    })
}

struct State<S, E> {
    pieces: S,
    stdout: LineAssembler,
    stderr: LineAssembler,
    ready: VecDeque<Result<(OutputStream, String), E>>,
    deadline: Option<Instant>,
    hold: Option<Duration>,
    ended: bool,
}

#[cfg(test)]
mod tests {
    use envdeck_core::secret::SecretValue;
    use envdeck_core::secret::lines::MAX_LINE;

    use super::*;

    const SECRET: &str = "Zq7-s3cr3t-V4lue-9xK";

    fn masker() -> Masker {
        Masker::new(&[SecretValue::new(SECRET.into())])
    }

    #[tokio::test]
    async fn frames_of_one_line_are_joined_per_stream() {
        let (a, b) = SECRET.split_at(9);
        let pieces = futures_util::stream::iter([
            Ok::<_, ()>((OutputStream::Stdout, format!("out {a}"))),
            Ok((OutputStream::Stderr, "err one\nerr ".to_owned())),
            Ok((OutputStream::Stdout, format!("{b} end\n"))),
            Ok((OutputStream::Stderr, SECRET.to_owned())),
        ]);
        let got: Vec<_> = lines(pieces, masker(), MAX_LINE, Some(HOLD))
            .map(|l| l.expect("no error"))
            .collect()
            .await;
        assert_eq!(
            got,
            [
                (OutputStream::Stderr, "err one".to_owned()),
                (OutputStream::Stdout, "out •••• end".to_owned()),
                (OutputStream::Stderr, "err ••••".to_owned()),
            ],
            "a line cut between frames is masked whole; stderr's pieces do not mix with stdout's"
        );
    }

    #[tokio::test]
    async fn an_unfinished_line_shows_after_the_hold_minus_a_possible_secret() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<(OutputStream, String), ()>>();
        let rx = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        }));
        let mut out = Box::pin(lines(rx, masker(), MAX_LINE, Some(HOLD)));
        tx.send(Ok((
            OutputStream::Stdout,
            format!("progress 50% {}", &SECRET[..5]),
        )))
        .expect("sent");
        let first = tokio::time::timeout(HOLD * 2, out.next())
            .await
            .expect("shown after the hold");
        assert_eq!(
            first,
            Some(Ok((OutputStream::Stdout, "progress 50% ".to_owned()))),
            "the words are shown, the secret's first characters are held back"
        );
        tx.send(Ok((OutputStream::Stdout, format!("{}\n", &SECRET[5..]))))
            .expect("sent");
        assert_eq!(
            out.next().await,
            Some(Ok((OutputStream::Stdout, "••••".to_owned()))),
            "the held start and the rest are masked as one"
        );
        drop(tx);
        assert_eq!(out.next().await, None);
    }
}
