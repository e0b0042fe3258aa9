//! What rotating a secret implies for the services that already use it, shown before the person
//! confirms. Services that keep credentials in their own data volume are the trap. Each consequence is a
//! kind, not a sentence: the CLI prints its English `Display`, the desktop words it from its catalog.

use std::fmt;

use serde::Serialize;

/// One thing a rotation implies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Consequence {
    /// PostgreSQL keeps the password it was created with in its data volume.
    DatabaseVolume { name: String },
    /// A connection URL that spells the password out must change with it.
    DatabaseUrl { name: String },
    /// pgAdmin keeps its login in its data volume.
    PgAdminVolume,
    /// Grafana keeps its admin password in its database.
    GrafanaDatabase,
    /// Redis and its clients read the password when they start.
    RedisRestart,
    /// Sessions, tokens and emailed links signed with the old key stop working.
    SignedTokens { name: String },
    /// Services read it when they start.
    RestartToUse { name: String },
    /// A `.env` exported earlier still holds the old value.
    OldExports,
}

impl fmt::Display for Consequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DatabaseVolume { name } => write!(
                f,
                "PostgreSQL keeps {name} in its data volume, where a new value in the keychain alone would lock \
                 the backend out: EnvDeck changes it in the running database first (ALTER ROLE), then stores \
                 it, and refuses while the database is stopped (start the environment first, or wipe its \
                 data). Start the environment again afterwards so the other services get the new value."
            ),
            Self::DatabaseUrl { name } => write!(
                f,
                "A DATABASE_URL that spells the password out instead of using ${{{name}}} must be updated too."
            ),
            Self::PgAdminVolume => f.write_str(
                "pgAdmin uses it only when it creates its data volume: the existing login keeps the old password. \
                 Change it in pgAdmin (user menu, Change Password) or wipe pgAdmin's volume.",
            ),
            Self::GrafanaDatabase => f.write_str(
                "Grafana stores the admin password in its database on first start: run \
                 `grafana cli admin reset-admin-password <new value>` in the Grafana container, or wipe its volume.",
            ),
            Self::RedisRestart => f.write_str(
                "Redis reads its password at start: restart Redis and every service that connects to it.",
            ),
            Self::SignedTokens { name } => write!(
                f,
                "Everything signed with the old {name} stops being valid: users are logged out, and verification \
                 or password-reset links already sent no longer work. Restart the backend to use the new value."
            ),
            Self::RestartToUse { name } => write!(
                f,
                "Services read {name} when they start: restart the environment to use the new value."
            ),
            Self::OldExports => {
                f.write_str("The old value is gone from the keychain; a .env file exported earlier still holds it.")
            }
        }
    }
}

/// Consequences of replacing `name`'s value, most important first.
pub fn rotation_consequences(name: &str) -> Vec<Consequence> {
    let upper = name.to_ascii_uppercase();
    let name = name.to_owned();
    let mut out = match upper.as_str() {
        "POSTGRES_PASSWORD" | "DB_PASSWORD" | "DATABASE_PASSWORD" => vec![
            Consequence::DatabaseVolume { name: name.clone() },
            Consequence::DatabaseUrl { name },
        ],
        "PGADMIN_DEFAULT_PASSWORD" | "PGADMIN_PASSWORD" => vec![Consequence::PgAdminVolume],
        _ if upper.contains("GRAFANA") || upper == "GF_SECURITY_ADMIN_PASSWORD" => {
            vec![Consequence::GrafanaDatabase]
        }
        _ if upper.contains("REDIS") => vec![Consequence::RedisRestart],
        _ if upper.contains("SECRET") || upper.contains("JWT") => vec![Consequence::SignedTokens { name }],
        _ => vec![Consequence::RestartToUse { name }],
    };
    out.push(Consequence::OldExports);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str) -> String {
        rotation_consequences(name)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn postgres_rotation_explains_the_volume_trap() {
        let text = text("POSTGRES_PASSWORD");
        assert!(
            text.contains("ALTER ROLE"),
            "the fix that keeps the data must be spelled out: {text}"
        );
        assert!(text.contains("wipe"), "and the alternative that loses it: {text}");
        assert!(
            text.contains("${POSTGRES_PASSWORD}"),
            "the URL line names the variable: {text}"
        );
    }

    #[test]
    fn the_sample_pgadmin_password_gets_the_pgadmin_advice() {
        assert_eq!(
            rotation_consequences("PGADMIN_PASSWORD")[0],
            Consequence::PgAdminVolume
        );
    }

    #[test]
    fn every_rotation_mentions_old_exports() {
        for name in [
            "SECRET_KEY",
            "REDIS_PASSWORD",
            "GRAFANA_ADMIN_PASSWORD",
            "SOMETHING_TOKEN",
        ] {
            let text = text(name);
            assert!(
                text.contains("exported"),
                "{name}: an exported file keeps the old value: {text}"
            );
        }
    }

    #[test]
    fn consequences_travel_as_a_kind_with_their_values() {
        let json = serde_json::to_value(rotation_consequences("SECRET_KEY")).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"kind": "signed_tokens", "name": "SECRET_KEY"}, {"kind": "old_exports"}])
        );
    }
}
