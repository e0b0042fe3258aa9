//! What rotating a secret implies for the services that already use it, in words shown before the
//! person confirms. Services that keep credentials in their own data volume are the trap.

/// Consequences of replacing `name`'s value, most important first.
pub fn rotation_consequences(name: &str) -> Vec<String> {
    let upper = name.to_ascii_uppercase();
    let mut out = Vec::new();
    if matches!(
        upper.as_str(),
        "POSTGRES_PASSWORD" | "DB_PASSWORD" | "DATABASE_PASSWORD"
    ) {
        out.push(format!(
            "PostgreSQL reads {name} only when it creates its data volume: an existing volume keeps the old \
             password, so the backend will fail to connect. Either change it in the running database \
             (docker exec -it <postgres container> psql -U <user> -c \"ALTER ROLE <user> WITH PASSWORD \
             '<new value>'\", with the new value from Reveal) and restart the environment, or wipe the \
             environment's data, which deletes the database."
        ));
        out.push(
            "A DATABASE_URL that spells the password out instead of using ${".to_owned()
                + name
                + "} must be updated too.",
        );
    } else if upper == "PGADMIN_DEFAULT_PASSWORD" {
        out.push(
            "pgAdmin uses it only when it creates its data volume: the existing login keeps the old password. \
             Change it in pgAdmin (user menu, Change Password) or wipe pgAdmin's volume."
                .to_owned(),
        );
    } else if upper.contains("GRAFANA") || upper == "GF_SECURITY_ADMIN_PASSWORD" {
        out.push(
            "Grafana stores the admin password in its database on first start: run \
             `grafana cli admin reset-admin-password <new value>` in the Grafana container, or wipe its volume."
                .to_owned(),
        );
    } else if upper.contains("REDIS") {
        out.push(
            "Redis reads its password at start: restart Redis and every service that connects to it."
                .to_owned(),
        );
    } else if upper.contains("SECRET") || upper.contains("JWT") {
        out.push(format!(
            "Everything signed with the old {name} stops being valid: users are logged out, and verification \
             or password-reset links already sent no longer work. Restart the backend to use the new value."
        ));
    } else {
        out.push(format!(
            "Services read {name} when they start: restart the environment to use the new value."
        ));
    }
    out.push(
        "The old value is gone from the keychain; a .env file exported earlier still holds it.".to_owned(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_rotation_explains_the_volume_trap() {
        let text = rotation_consequences("POSTGRES_PASSWORD").join("\n");
        assert!(
            text.contains("ALTER ROLE"),
            "the fix that keeps the data must be spelled out: {text}"
        );
        assert!(text.contains("wipe"), "and the alternative that loses it: {text}");
    }

    #[test]
    fn every_rotation_mentions_old_exports() {
        for name in [
            "SECRET_KEY",
            "REDIS_PASSWORD",
            "GRAFANA_ADMIN_PASSWORD",
            "SOMETHING_TOKEN",
        ] {
            let text = rotation_consequences(name).join("\n");
            assert!(
                text.contains("exported"),
                "{name}: an exported file keeps the old value: {text}"
            );
        }
    }
}
