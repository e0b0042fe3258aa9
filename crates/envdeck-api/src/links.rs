//! The buttons on service cards (MailHog, pgAdmin, Grafana, Prometheus, API docs, the manifest's links),
//! derived from the resolved model and what is running, so both clients agree on the URL and on when it
//! works. Pure: no Docker, no I/O.

use envdeck_core::address::{self, WebUrl};
use envdeck_core::compose::ComposeModel;
use envdeck_core::image::ImageRef;
use envdeck_core::progress::Health;
use envdeck_core::project::{Endpoint, Link};
use serde::Serialize;

use crate::stack::ServiceStatus;

/// One button: where it goes and whether it can work right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ServiceLink {
    pub kind: LinkKind,
    /// The product's name for well-known tools, the manifest's label otherwise.
    pub label: String,
    /// The Service that must be up for the link to answer; `None`: any of the stack's.
    pub service: Option<String>,
    pub url: String,
    /// The Service is running and healthy (or has no healthcheck).
    pub enabled: bool,
    /// The server whose port this link reaches through a local port forwarded over ssh (opened when the
    /// link is); `None`: the URL is opened as it is.
    pub through: Option<String>,
    /// The server where this link's port is, when this machine cannot reach it (an engine over
    /// `tcp://`: no ssh to forward a port through): shown, never opened here.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub only_on: Option<String>,
}

/// What a link opens: the UI picks an icon and, for `ApiDocs`, a translated label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LinkKind {
    Mail,
    Pgadmin,
    Grafana,
    Prometheus,
    ApiDocs,
    Manifest,
}

/// Well-known images and the container port their web UI listens on.
const WELL_KNOWN: &[(&str, LinkKind, &str, u16)] = &[
    ("mailhog/mailhog", LinkKind::Mail, "MailHog", 8025),
    ("axllent/mailpit", LinkKind::Mail, "Mailpit", 8025),
    ("dpage/pgadmin4", LinkKind::Pgadmin, "pgAdmin", 80),
    ("grafana/grafana", LinkKind::Grafana, "Grafana", 3000),
    ("prom/prometheus", LinkKind::Prometheus, "Prometheus", 9090),
];

/// The URL of a Service's published container port, reachable from this machine.
fn published_url(ps: &[ServiceStatus], service: &str, container_port: u16) -> Option<String> {
    let port = ps
        .iter()
        .filter(|s| s.service == service)
        .flat_map(|s| &s.ports)
        .find(|p| p.container_port == container_port && p.protocol == "tcp")?;
    Some(address::http_url(&port.host_ip, port.host_port))
}

fn is_up(ps: &[ServiceStatus], service: Option<&str>) -> bool {
    ps.iter()
        .filter(|s| service.is_none_or(|name| s.service == name))
        .any(|s| s.state == "running" && matches!(s.health, Health::Healthy | Health::Checked | Health::None))
}

/// A service that serves the project's API: FastAPI's Swagger UI lives at `/docs`.
fn is_backend(name: &str) -> bool {
    name.contains("backend") || name == "api"
}

/// The links of environment `env`: the manifest's first (they are the project's own words), then a
/// button per well-known tool not already linked by the manifest. A tool whose port is not published
/// has no button: there is nothing on this machine to open.
pub fn service_links(
    env: &str,
    model: &ComposeModel,
    manifest: &[Link],
    ps: &[ServiceStatus],
) -> Vec<ServiceLink> {
    let mut links: Vec<ServiceLink> = manifest
        .iter()
        .filter(|l| l.environments.is_empty() || l.environments.iter().any(|e| e == env))
        .filter(|l| l.service.as_ref().is_none_or(|s| model.services.contains_key(s)))
        .map(|l| ServiceLink {
            kind: LinkKind::Manifest,
            label: l.label.clone(),
            service: l.service.clone(),
            url: l.url.clone(),
            enabled: is_up(ps, l.service.as_deref()),
            through: None,
            only_on: None,
        })
        .collect();
    for (name, service) in &model.services {
        if manifest.iter().any(|l| l.service.as_deref() == Some(name)) {
            continue;
        }
        let repo = service
            .image
            .as_deref()
            .map(|image| ImageRef::parse(image).repository)
            .unwrap_or_default();
        let known = WELL_KNOWN.iter().find(|(r, ..)| *r == repo);
        let (kind, label, url) = match known {
            Some(&(_, kind, label, port)) => match published_url(ps, name, port) {
                Some(url) => (kind, label.to_owned(), url),
                None => continue,
            },
            None if is_backend(name) => {
                let first_published = ps
                    .iter()
                    .filter(|s| &s.service == name)
                    .flat_map(|s| &s.ports)
                    .map(|p| p.container_port)
                    .next();
                let port = if published_url(ps, name, 8000).is_some() {
                    Some(8000)
                } else {
                    first_published
                };
                match port.and_then(|p| published_url(ps, name, p)) {
                    Some(url) => (LinkKind::ApiDocs, "API docs".to_owned(), format!("{url}/docs")),
                    None => continue,
                }
            }
            None => continue,
        };
        links.push(ServiceLink {
            kind,
            label,
            service: Some(name.clone()),
            url,
            enabled: is_up(ps, Some(name)),
            through: None,
            only_on: None,
        });
    }
    links
}

/// Whether a link's URL names this machine (`localhost`, `127.0.0.1`, `[::1]`, `0.0.0.0`).
pub fn on_this_machine(url: &str) -> bool {
    WebUrl::parse(url).is_some_and(|url| url.on_this_machine())
}

/// A server's links to its own loopback: opened through a port forwarded over ssh when its engine is
/// reached over ssh (or a docker context), else shown as only on that server and not opened. Never
/// the port of the same number on this machine.
pub fn place_on_server(links: &mut [ServiceLink], engine: &Endpoint) {
    let Some(host) = engine.host() else { return };
    let forwards = matches!(engine, Endpoint::Ssh(_) | Endpoint::Context(_));
    for link in links.iter_mut().filter(|l| on_this_machine(&l.url)) {
        if forwards {
            link.through = Some(host.to_owned());
        } else {
            link.enabled = false;
            link.only_on = Some(host.to_owned());
        }
    }
}

/// The links of a host-process environment: the manifest's links for it that need no service, name the
/// process, or point at the port its health URL answers on (the process is the project's backend, so
/// "API docs" on that port works). Enabled while it runs and is not unhealthy.
pub fn host_links(env: &str, manifest: &[Link], ps: &[ServiceStatus]) -> Vec<ServiceLink> {
    let ports: Vec<u16> = ps.iter().flat_map(|s| &s.ports).map(|p| p.host_port).collect();
    let up = ps.iter().any(|s| {
        s.state == "running" && matches!(s.health, Health::Healthy | Health::Checked | Health::None)
    });
    manifest
        .iter()
        .filter(|l| l.environments.is_empty() || l.environments.iter().any(|e| e == env))
        .filter(|l| match &l.service {
            None => true,
            Some(service) => {
                ps.iter().any(|s| &s.service == service)
                    || WebUrl::parse(&l.url)
                        .and_then(|url| url.port())
                        .is_some_and(|p| ports.contains(&p))
            }
        })
        .map(|l| ServiceLink {
            kind: LinkKind::Manifest,
            label: l.label.clone(),
            service: l.service.clone(),
            url: l.url.clone(),
            enabled: up,
            through: None,
            only_on: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use envdeck_core::compose::Service;

    use super::*;
    use crate::stack::PublishedPort;

    fn model(services: &[(&str, &str)]) -> ComposeModel {
        ComposeModel {
            name: "shop-local".into(),
            services: services
                .iter()
                .map(|(name, image)| {
                    let service = Service {
                        image: Some((*image).to_owned()),
                        ..Default::default()
                    };
                    ((*name).to_owned(), service)
                })
                .collect(),
            networks: Default::default(),
            volumes: Default::default(),
            warnings: Vec::new(),
        }
    }

    fn running(service: &str, health: Health, ports: &[(u16, u16)]) -> ServiceStatus {
        ServiceStatus {
            service: service.into(),
            id: format!("id-{service}"),
            container: format!("shop-local-{service}-1"),
            number: 1,
            state: "running".into(),
            health,
            ports: ports
                .iter()
                .map(|&(host_port, container_port)| PublishedPort {
                    host_ip: "0.0.0.0".into(),
                    host_port,
                    container_port,
                    protocol: "tcp".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn well_known_images_get_their_web_port_whatever_the_registry_and_tag() {
        let m = model(&[
            ("mail", "docker.io/mailhog/mailhog:v1.0.1"),
            ("admin", "dpage/pgadmin4"),
            ("db", "postgres:15"),
        ]);
        let ps = [
            running("mail", Health::None, &[(18025, 8025), (11025, 1025)]),
            running("admin", Health::Healthy, &[(5050, 80)]),
            running("db", Health::Healthy, &[(5432, 5432)]),
        ];
        let links = service_links("local", &m, &[], &ps);
        let urls: Vec<_> = links
            .iter()
            .map(|l| (l.kind, l.url.as_str(), l.enabled))
            .collect();
        assert_eq!(
            urls,
            vec![
                (LinkKind::Pgadmin, "http://127.0.0.1:5050", true),
                (LinkKind::Mail, "http://127.0.0.1:18025", true),
            ],
            "MailHog's web UI is 8025 (not SMTP 1025), pgAdmin's is 80; PostgreSQL has no web UI"
        );
    }

    #[test]
    fn a_backend_links_to_its_docs_and_is_disabled_until_healthy() {
        let m = model(&[("backend", "shop/backend")]);
        let ps = [running("backend", Health::Starting, &[(8000, 8000)])];
        let links = service_links("local", &m, &[], &ps);
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url, "http://127.0.0.1:8000/docs");
        assert!(
            !links[0].enabled,
            "a backend still starting would answer with an error page"
        );
        let ps = [running("backend", Health::Checked, &[(8000, 8000)])];
        let links = service_links("local", &m, &[], &ps);
        assert!(
            links[0].enabled,
            "its own healthcheck passed (checked by EnvDeck): it answers"
        );
    }

    #[test]
    fn manifest_links_come_first_replace_the_inferred_one_and_respect_environments() {
        let m = model(&[("mailhog", "mailhog/mailhog")]);
        let manifest = vec![
            Link {
                label: "Inbox".into(),
                url: "http://localhost:8025".into(),
                service: Some("mailhog".into()),
                environments: vec!["local".into()],
            },
            Link {
                label: "Grafana".into(),
                url: "http://localhost:3000".into(),
                service: Some("grafana".into()),
                environments: vec![],
            },
        ];
        let ps = [running("mailhog", Health::None, &[(8025, 8025)])];
        let links = service_links("local", &m, &manifest, &ps);
        assert_eq!(
            links.len(),
            1,
            "no duplicate MailHog, and no Grafana in a stack without it: {links:?}"
        );
        assert_eq!((links[0].label.as_str(), links[0].enabled), ("Inbox", true));
        assert!(
            service_links("dev", &m, &manifest, &ps)
                .iter()
                .all(|l| l.kind != LinkKind::Manifest),
            "a link declared for `local` only is not shown in `dev`"
        );
    }

    #[test]
    fn nothing_is_enabled_when_the_stack_is_down() {
        let m = model(&[("mailhog", "mailhog/mailhog")]);
        let manifest = vec![Link {
            label: "Web".into(),
            url: "http://localhost:8080".into(),
            service: None,
            environments: vec![],
        }];
        let links = service_links("local", &m, &manifest, &[]);
        assert_eq!(links.len(), 1, "an unpublished MailHog has no URL yet");
        assert!(!links[0].enabled);
    }

    #[test]
    fn a_host_process_gets_the_links_on_its_port_and_those_without_a_service() {
        let manifest = vec![
            Link {
                label: "API docs".into(),
                url: "http://localhost:8000/docs".into(),
                service: Some("backend".into()),
                environments: vec![],
            },
            Link {
                label: "MailHog".into(),
                url: "http://localhost:8025".into(),
                service: Some("mailhog".into()),
                environments: vec![],
            },
            Link {
                label: "Wiki".into(),
                url: "https://wiki.example.org".into(),
                service: None,
                environments: vec!["sqlite".into()],
            },
            Link {
                label: "Grafana".into(),
                url: "http://localhost:3000".into(),
                service: None,
                environments: vec!["prod".into()],
            },
        ];
        let mut ps = vec![running("uvicorn", Health::Healthy, &[(8000, 8000)])];
        let links = host_links("sqlite", &manifest, &ps);
        let labels: Vec<&str> = links.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            ["API docs", "Wiki"],
            "port 8000 is the process's; MailHog is not"
        );
        assert!(links.iter().all(|l| l.enabled));
        ps[0].state = "exited".into();
        assert!(host_links("sqlite", &manifest, &ps).iter().all(|l| !l.enabled));
    }

    #[test]
    fn a_servers_own_links_go_through_ssh_or_are_only_on_the_server_never_to_this_machine() {
        let link = |url: &str| ServiceLink {
            kind: LinkKind::Mail,
            label: "MailHog".into(),
            service: Some("mailhog".into()),
            url: url.into(),
            enabled: true,
            through: None,
            only_on: None,
        };
        let placed = |engine: &str| {
            let mut links = vec![link("http://127.0.0.1:8025/"), link("https://mail.example.org/")];
            place_on_server(&mut links, &Endpoint::parse(engine).expect("an engine"));
            links
        };
        let ssh = placed("ssh://deploy@staging.example.org");
        assert_eq!(
            ssh[0].through.as_deref(),
            Some("staging.example.org"),
            "forwarded over ssh"
        );
        assert!(ssh[0].enabled && ssh[0].only_on.is_none());
        let tcp = placed("tcp://staging.example.org:2376");
        assert_eq!(
            tcp[0].only_on.as_deref(),
            Some("staging.example.org"),
            "no ssh to forward through"
        );
        assert!(
            !tcp[0].enabled && tcp[0].through.is_none(),
            "and never opened here"
        );
        for links in [ssh, tcp] {
            assert_eq!(
                links[1],
                link("https://mail.example.org/"),
                "a public URL opens as it is"
            );
        }
    }
}
