//! Docker's events stream for one stack: the source of every state and health change EnvDeck shows
//! (no polling loops). When the stream drops, it reconnects from the last event it saw.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptionsBuilder;
use envdeck_core::progress::Health;
use futures_util::stream::{BoxStream, Stream, StreamExt};

use crate::error::{EngineError, detail};
use crate::labels::{self, StackId};
use crate::status::{Change, ServiceEvent};

/// After this many reconnections in a row without a single event, the error reaches the caller.
const MAX_RETRIES: u32 = 5;

/// The stack's container events, forever, reconnecting when the stream drops.
pub fn watch(docker: Docker, project: StackId) -> impl Stream<Item = Result<ServiceEvent, EngineError>> {
    struct State {
        docker: Docker,
        project: StackId,
        since: Option<i128>,
        inner: Option<BoxStream<'static, Result<EventMessage, bollard::errors::Error>>>,
        failures: u32,
    }
    // Starting from "now" when the stream is made (not when first polled, nor when Docker gets the
    // request) replays anything that happens in between: `up` relies on it to miss no health change.
    // To the nanosecond: from the whole second, a stream opened just after a quick `up` would replay
    // that `up`'s own starts as if they were new.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .ok();
    let state = State {
        docker,
        project,
        since: now,
        inner: None,
        failures: 0,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        loop {
            let inner = st
                .inner
                .get_or_insert_with(|| open(&st.docker, &st.project, st.since));
            match inner.next().await {
                Some(Ok(message)) => {
                    st.failures = 0;
                    // Docker's `since` includes its own instant: a reconnection starts just after.
                    st.since = message.time_nano.map(|t| i128::from(t) + 1).or(st.since);
                    if let Some(event) = convert(message) {
                        return Some((Ok(event), st));
                    }
                }
                Some(Err(e)) => {
                    st.inner = None;
                    st.failures += 1;
                    if st.failures > MAX_RETRIES {
                        st.failures = 0;
                        return Some((Err(EngineError::Events { detail: detail(&e) }), st));
                    }
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(st.failures))).await;
                }
                // The engine closed the stream (restart, timeout): reopen from where we were.
                None => {
                    st.inner = None;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    })
}

fn open(
    docker: &Docker,
    project: &StackId,
    since: Option<i128>,
) -> BoxStream<'static, Result<EventMessage, bollard::errors::Error>> {
    let mut filters = labels::filter(project);
    filters.insert("type".into(), vec!["container".into()]);
    let mut options = EventsOptionsBuilder::default().filters(&filters);
    if let Some(since) = since {
        options = options.since(&since_text(since));
    }
    docker.events(Some(options.build())).boxed()
}

/// Nanoseconds since the epoch as Docker reads a timestamp: `seconds.nanoseconds`.
fn since_text(nanos: i128) -> String {
    format!(
        "{}.{:09}",
        nanos.div_euclid(1_000_000_000),
        nanos.rem_euclid(1_000_000_000)
    )
}

fn convert(message: EventMessage) -> Option<ServiceEvent> {
    let actor = message.actor?;
    let attributes: HashMap<String, String> = actor.attributes.unwrap_or_default();
    let action = message.action?;
    let change = match action.as_str() {
        "create" => Change::Created,
        "start" => Change::Started,
        "die" => Change::Died {
            exit_code: attributes.get("exitCode").and_then(|c| c.parse().ok()),
        },
        "stop" => Change::Stopped,
        "destroy" => Change::Removed,
        a if a.starts_with("health_status") => Change::Health {
            health: parse_health(a),
        },
        // Healthchecks run as execs every interval: far too chatty to report.
        a if a.starts_with("exec_") => return None,
        other => Change::Other {
            action: other.to_string(),
        },
    };
    Some(ServiceEvent {
        service: attributes.get(labels::SERVICE).cloned().unwrap_or_default(),
        container: attributes.get("name").cloned().unwrap_or_default(),
        change,
    })
}

/// `health_status: healthy` and friends.
pub(crate) fn parse_health(text: &str) -> Health {
    if text.contains("unhealthy") {
        Health::Unhealthy
    } else if text.contains("healthy") {
        Health::Healthy
    } else if text.contains("starting") {
        Health::Starting
    } else {
        Health::None
    }
}

#[cfg(test)]
mod tests {
    use super::since_text;

    #[test]
    fn since_keeps_the_nanoseconds_docker_reads() {
        assert_eq!(since_text(1_764_900_000_123_456_789), "1764900000.123456789");
        assert_eq!(since_text(1_764_900_000_000_000_007), "1764900000.000000007");
    }
}
