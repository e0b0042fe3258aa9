//! Image references (`postgres:16`, `docker.io/dpage/pgadmin4:8`, `localhost:5000/team/api@sha256:…`),
//! read one way: which registry, which repository, which tag. Links know MailHog by its repository, a
//! backup knows PostgreSQL by its image's own name, and a pull needs the tag: they all ask here, so a
//! registry's port is never taken for a tag and `postgres-exporter` is never taken for `postgres`.

/// The parts of an image reference, as slices of the text it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry host and repository, as written: what a pull asks for with the tag.
    pub name: &'a str,
    /// `ghcr.io`, `localhost:5000`; `None` for Docker Hub written without its host.
    pub registry: Option<&'a str>,
    /// The repository without the registry: `dpage/pgadmin4`, `postgres`.
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    /// `sha256:…` after an `@`.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    pub fn parse(text: &'a str) -> Self {
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (text, None),
        };
        // A `:` before the last `/` belongs to the registry's port, not to a tag.
        let last_part = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_part..].find(':') {
            Some(i) => (&rest[..last_part + i], Some(&rest[last_part + i + 1..])),
            None => (rest, None),
        };
        // A first component with a dot or a port, or `localhost`, is a registry host.
        let (registry, repository) = match name.split_once('/') {
            Some((host, path)) if host.contains('.') || host.contains(':') || host == "localhost" => {
                (Some(host), path)
            }
            _ => (None, name),
        };
        Self {
            name,
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// The repository's own name, its last part: `postgres` of `docker.io/library/postgres:16`,
    /// `postgis` of `postgis/postgis`.
    pub fn own_name(&self) -> &'a str {
        self.repository.rsplit('/').next().unwrap_or(self.repository)
    }

    /// Whether this is a PostgreSQL server's image, by its own name (`postgres`, `postgis/postgis`,
    /// `bitnami/postgresql`), not by a word inside it: `postgres-exporter` is an exporter.
    pub fn is_postgres(&self) -> bool {
        matches!(self.own_name(), "postgres" | "postgresql" | "postgis")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> (Option<&str>, &str, Option<&str>, Option<&str>) {
        let r = ImageRef::parse(text);
        (r.registry, r.repository, r.tag, r.digest)
    }

    #[test]
    fn registry_repository_tag_and_digest_are_told_apart() {
        assert_eq!(parts("postgres"), (None, "postgres", None, None));
        assert_eq!(
            parts("postgres:16-alpine"),
            (None, "postgres", Some("16-alpine"), None)
        );
        assert_eq!(
            parts("docker.io/dpage/pgadmin4:8"),
            (Some("docker.io"), "dpage/pgadmin4", Some("8"), None)
        );
        assert_eq!(
            parts("localhost:5000/team/api"),
            (Some("localhost:5000"), "team/api", None, None)
        );
        assert_eq!(
            parts("host:5000/team/api:2"),
            (Some("host:5000"), "team/api", Some("2"), None)
        );
        assert_eq!(
            parts("ghcr.io/x/y:1@sha256:abc"),
            (Some("ghcr.io"), "x/y", Some("1"), Some("sha256:abc"))
        );
        assert_eq!(parts("mailhog/mailhog"), (None, "mailhog/mailhog", None, None));
        assert_eq!(ImageRef::parse("host:5000/team/api:2").name, "host:5000/team/api");
    }

    #[test]
    fn postgres_is_known_by_its_own_name() {
        for image in [
            "postgres",
            "postgres:16",
            "docker.io/library/postgres:15-alpine",
            "postgis/postgis:16-3.4",
            "bitnami/postgresql:16",
            "postgres@sha256:abc",
            "envdeck-test/postgres:15",
            "registry.local:5000/team/postgres:15",
        ] {
            assert!(ImageRef::parse(image).is_postgres(), "{image}");
        }
        for image in [
            "prometheuscommunity/postgres-exporter",
            "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
            "dpage/pgadmin4",
            "postgres-backup:1",
            "myregistry:5000/postgres-tools",
            "redis:7",
        ] {
            assert!(!ImageRef::parse(image).is_postgres(), "{image}");
        }
    }
}
