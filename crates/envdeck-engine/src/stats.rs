//! Stats: CPU and memory of a container as a stream of samples, for the service cards' sparklines.

use bollard::Docker;
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptionsBuilder;
use futures_util::stream::{Stream, StreamExt};

use crate::error::{EngineError, detail};
use crate::status::StatsSample;

pub(crate) fn samples(
    docker: &Docker,
    service: String,
    container: String,
) -> impl Stream<Item = Result<StatsSample, EngineError>> + Send + 'static {
    let options = StatsOptionsBuilder::default().stream(true).build();
    docker
        .stats(&container, Some(options))
        .map(move |item| match item {
            Ok(stats) => Ok(sample(&service, &container, &stats)),
            Err(e) => Err(EngineError::Stats {
                container: container.clone(),
                detail: detail(&e),
            }),
        })
}

/// `docker stats`' formula: the container's share of the host's CPU time since the previous sample,
/// times the number of CPUs (so one busy core reads 100 %). Memory excludes the page cache, like Docker.
fn sample(service: &str, container: &str, stats: &ContainerStatsResponse) -> StatsSample {
    let cpu = stats.cpu_stats.as_ref();
    let pre = stats.precpu_stats.as_ref();
    let total = |c: Option<&bollard::models::ContainerCpuStats>| {
        c.and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let system =
        |c: Option<&bollard::models::ContainerCpuStats>| c.and_then(|c| c.system_cpu_usage).unwrap_or(0);
    let cpu_delta = total(cpu).saturating_sub(total(pre)) as f64;
    let system_delta = system(cpu).saturating_sub(system(pre)) as f64;
    let cpus = cpu.and_then(|c| c.online_cpus).unwrap_or(1).max(1) as f64;
    let cpu_percent = if system_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    };

    let memory = stats.memory_stats.as_ref();
    let usage = memory.and_then(|m| m.usage).unwrap_or(0);
    let cache = memory
        .and_then(|m| m.stats.as_ref())
        .and_then(|s| {
            s.get("inactive_file")
                .or_else(|| s.get("total_inactive_file"))
                .copied()
        })
        .unwrap_or(0);
    StatsSample {
        service: service.to_string(),
        container: container.to_string(),
        cpu_percent,
        memory_bytes: usage.saturating_sub(cache),
        memory_limit_bytes: memory.and_then(|m| m.limit).unwrap_or(0),
    }
}
