//! Images: make each image a Service runs present, pulling it with per-layer progress or building it
//! from the Service's `build:` context, and say plainly when it is absent and the registry is unreachable.

use bollard::Docker;
use bollard::query_parameters::{BuildImageOptionsBuilder, CreateImageOptionsBuilder};
use envdeck_core::compose::Build;
use envdeck_core::image::ImageRef;
use envdeck_core::progress::{Outcome, Progress};
use futures_util::StreamExt;

use crate::context;
use crate::error::{EngineError, detail, is_not_found};
use crate::stack::Sink;

/// Whether the engine already has this image.
pub(crate) async fn present(docker: &Docker, image: &str) -> Result<bool, EngineError> {
    match docker.inspect_image(image).await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(EngineError::Inspect {
            what: format!("image {image}"),
            detail: detail(&e),
        }),
    }
}

/// The id (`sha256:...`) of the image a tag points at now, if the engine has it.
pub(crate) async fn id_of(docker: &Docker, image: &str) -> Result<Option<String>, EngineError> {
    match docker.inspect_image(image).await {
        Ok(found) => Ok(found.id),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(EngineError::Inspect {
            what: format!("image {image}"),
            detail: detail(&e),
        }),
    }
}

/// Pulls when missing; an image already present is never pulled again (like `docker compose up`).
pub(crate) async fn ensure_pulled(docker: &Docker, image: &str, sink: &Sink) -> Result<Outcome, EngineError> {
    if present(docker, image).await? {
        return Ok(Outcome::Unchanged);
    }
    let (name, tag) = split_tag(image);
    let options = CreateImageOptionsBuilder::default()
        .from_image(name)
        .tag(tag)
        .build();
    let mut stream = docker.create_image(Some(options), None, None);
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(err) = info.error_detail.and_then(|d| d.message) {
                    return Err(pull_error(image, err.into()));
                }
                let progress = info.progress_detail.unwrap_or_default();
                sink(Progress::Pull {
                    image: image.to_string(),
                    layer: info.id.unwrap_or_default(),
                    status: info.status.unwrap_or_default(),
                    current: progress.current.and_then(|c| u64::try_from(c).ok()),
                    total: progress.total.and_then(|t| u64::try_from(t).ok()),
                });
            }
            Err(e) => return Err(pull_error(image, detail(&e))),
        }
    }
    Ok(Outcome::Pulled)
}

/// Builds when missing, streaming the builder's output as progress.
pub(crate) async fn ensure_built(
    docker: &Docker,
    image: &str,
    service: &str,
    build: &Build,
    sink: &Sink,
) -> Result<Outcome, EngineError> {
    if present(docker, image).await? {
        return Ok(Outcome::Unchanged);
    }
    build_now(docker, image, service, build, sink).await
}

/// Builds the image from the service's context whether or not it exists (a watch's `rebuild`).
pub(crate) async fn build_now(
    docker: &Docker,
    image: &str,
    service: &str,
    build: &Build,
    sink: &Sink,
) -> Result<Outcome, EngineError> {
    let tar = context::pack(build.context.clone()).await?;
    let args: std::collections::HashMap<String, String> = build
        .args
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
        .collect();
    let mut options = BuildImageOptionsBuilder::default()
        .dockerfile(build.dockerfile.as_deref().unwrap_or("Dockerfile"))
        .t(image)
        .rm(true)
        // A failed step leaves no intermediate container behind either.
        .forcerm(true)
        .buildargs(&args);
    if let Some(target) = &build.target {
        options = options.target(target);
    }
    let mut stream = docker.build_image(options.build(), None, Some(bollard::body_full(tar.into())));
    let fail = |detail: crate::error::Detail| EngineError::Build {
        service: service.to_string(),
        detail,
    };
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| fail(detail(&e)))?;
        if let Some(err) = info.error_detail.and_then(|d| d.message) {
            return Err(fail(err.into()));
        }
        for line in info
            .stream
            .iter()
            .flat_map(|s| s.lines())
            .filter(|l| !l.trim().is_empty())
        {
            sink(Progress::BuildOutput {
                service: service.to_string(),
                line: line.to_string(),
            });
        }
    }
    Ok(Outcome::Built)
}

/// What a pull asks for: `name` and `tag` (`latest` when none); a reference with a digest stays whole.
fn split_tag(image: &str) -> (&str, &str) {
    let reference = ImageRef::parse(image);
    if reference.digest.is_some() {
        return (image, "");
    }
    (reference.name, reference.tag.unwrap_or("latest"))
}

/// Docker says "not found" / "denied" when the registry answered; anything else means it was not reached.
fn pull_error(image: &str, detail: crate::error::Detail) -> EngineError {
    let lower = detail.text.to_lowercase();
    let answered = [
        "manifest unknown",
        "not found",
        "pull access denied",
        "unauthorized",
        "denied",
    ]
    .iter()
    .any(|s| lower.contains(s));
    let unreachable = [
        "dial tcp",
        "lookup",
        "no such host",
        "timeout",
        "connection refused",
        "unreachable",
    ]
    .iter()
    .any(|s| lower.contains(s));
    if answered && !unreachable {
        EngineError::Pull {
            image: image.to_string(),
            detail,
        }
    } else {
        EngineError::ImageOffline {
            image: image.to_string(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_without_mistaking_a_registry_port_for_one() {
        assert_eq!(split_tag("postgres:15"), ("postgres", "15"));
        assert_eq!(split_tag("postgres"), ("postgres", "latest"));
        assert_eq!(split_tag("host:5000/team/api"), ("host:5000/team/api", "latest"));
        assert_eq!(split_tag("host:5000/team/api:2"), ("host:5000/team/api", "2"));
    }

    #[test]
    fn an_unreachable_registry_gives_the_plain_offline_message() {
        let e = pull_error(
            "x:1",
            "Get \"https://r/v2/\": dial tcp: lookup r: no such host".into(),
        );
        assert!(
            e.to_string()
                .starts_with("image x:1 is not on this machine and the registry cannot be reached"),
            "a new developer offline must read what is wrong, not Docker's dial error: {e}"
        );
        let e = pull_error(
            "x:1",
            "pull access denied for x, repository does not exist".into(),
        );
        assert!(
            matches!(e, EngineError::Pull { .. }),
            "the registry answered: not an offline problem"
        );
    }
}
