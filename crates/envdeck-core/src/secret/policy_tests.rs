//! The policy against the seeds' own templates and the manifest's overrides.

use indexmap::IndexMap;
use proptest::prelude::*;

use super::*;

fn template(lines: &[(&str, &str)]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn no_rules() -> IndexMap<String, SecretRule> {
    IndexMap::new()
}

fn find<'a>(specs: &'a [SecretSpec], name: &str) -> Option<&'a SecretSpec> {
    specs.iter().find(|s| s.name == name)
}

fn length_of(specs: &[SecretSpec], name: &str) -> usize {
    match find(specs, name).map(|s| s.supply) {
        Some(Supply::Generate(s)) => s.length,
        other => panic!("{name} should be generated, policy said {other:?}"),
    }
}

/// A FastAPI project's dev template (tests/fixtures), plus the JWT settings every FastAPI template has.
fn dev_template() -> Vec<(String, String)> {
    template(&[
        ("APP_NAME", "ContraVento-Dev"),
        ("DEBUG", "false"),
        ("SECRET_KEY", ""),
        ("SECRET_KEY_ALGORITHM", "HS256"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "15"),
        ("REFRESH_TOKEN_EXPIRE_DAYS", "30"),
        ("POSTGRES_PASSWORD", "changeme"),
        ("POSTGRES_PASSWORD_FILE", ""),
        (
            "DATABASE_URL",
            "postgresql+asyncpg://contravento:password@postgres:5432/contravento",
        ),
        ("REDIS_PASSWORD", ""),
        ("BCRYPT_ROUNDS", "12"),
        ("SMTP_HOST", "smtp.mailtrap.io"),
        ("SMTP_USER", "your_mailtrap_user"),
        ("SMTP_PASSWORD", "your_mailtrap_password"),
        ("SENTRY_DSN", ""),
        ("PUBLIC_DOMAIN", "<your-domain>"),
    ])
}

#[test]
fn the_seed_dev_template_yields_exactly_its_secrets() {
    let specs = secret_specs("dev", &dev_template(), &no_rules()).expect("defaults are strong");
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "SECRET_KEY",
            "POSTGRES_PASSWORD",
            "REDIS_PASSWORD",
            "SMTP_USER",
            "SMTP_PASSWORD",
            "PUBLIC_DOMAIN"
        ],
        "settings about secrets (algorithm, expiry, _FILE paths, rounds) and empty optional values are not secrets"
    );
    for entered in ["SMTP_USER", "SMTP_PASSWORD", "PUBLIC_DOMAIN"] {
        assert_eq!(
            find(&specs, entered).map(|s| s.supply),
            Some(Supply::Enter),
            "{entered} is issued elsewhere or asked of a person: generating it would be wrong"
        );
    }
}

#[test]
fn default_lengths_follow_the_environment() {
    let t = template(&[
        ("SECRET_KEY", ""),
        ("POSTGRES_PASSWORD", ""),
        ("DB_PASSWORD", ""),
        ("REDIS_PASSWORD", ""),
        ("PGADMIN_DEFAULT_PASSWORD", ""),
        ("GRAFANA_ADMIN_PASSWORD", ""),
    ]);
    for env in ["sqlite", "local", "local-minimal", "testing", "dev"] {
        let specs = secret_specs(env, &t, &no_rules()).expect("defaults are strong");
        assert_eq!(
            length_of(&specs, "SECRET_KEY"),
            64,
            "{env}: seeds say 64 outside staging/prod"
        );
        assert_eq!(length_of(&specs, "POSTGRES_PASSWORD"), 32, "{env}");
    }
    let staging = secret_specs("staging", &t, &no_rules()).expect("defaults are strong");
    assert_eq!(length_of(&staging, "SECRET_KEY"), 96);
    assert_eq!(length_of(&staging, "POSTGRES_PASSWORD"), 32);
    let prod = secret_specs("prod", &t, &no_rules()).expect("defaults are strong");
    assert_eq!(length_of(&prod, "SECRET_KEY"), 128, "128 in production");
    assert_eq!(
        length_of(&prod, "POSTGRES_PASSWORD"),
        48,
        "database password 48 in production"
    );
    assert_eq!(length_of(&prod, "DB_PASSWORD"), 48);
    for name in [
        "REDIS_PASSWORD",
        "PGADMIN_DEFAULT_PASSWORD",
        "GRAFANA_ADMIN_PASSWORD",
    ] {
        assert_eq!(length_of(&prod, name), 32, "{name} stays 32 even in prod");
    }
}

#[test]
fn rules_override_detection_supply_and_strength() {
    let t = template(&[
        ("SECRET_KEY", ""),
        ("CSRF_TOKEN_HEADER", "X-CSRF"),
        ("API_SIGNING_SALT", "abc"),
    ]);
    let mut rules = IndexMap::new();
    rules.insert(
        "SECRET_KEY".into(),
        SecretRule {
            length: Some(40),
            alphabet: Some(Alphabet::Hex),
            ..Default::default()
        },
    );
    rules.insert("API_SIGNING_SALT".into(), SecretRule::default());
    rules.insert(
        "WEBHOOK_SECRET".into(),
        SecretRule {
            generate: Some(false),
            ..Default::default()
        },
    );
    rules.insert(
        "CSRF_TOKEN_HEADER".into(),
        SecretRule {
            secret: Some(false),
            ..Default::default()
        },
    );
    let specs = secret_specs("local", &t, &rules).expect("40 hex chars are 160 bits");
    assert_eq!(
        find(&specs, "SECRET_KEY").map(|s| s.supply),
        Some(Supply::Generate(Strength {
            length: 40,
            alphabet: Alphabet::Hex
        }))
    );
    assert!(
        find(&specs, "API_SIGNING_SALT").is_some(),
        "a rule alone declares a secret the name hides"
    );
    assert_eq!(
        find(&specs, "WEBHOOK_SECRET").map(|s| s.supply),
        Some(Supply::Enter),
        "a rule may name a variable the template lacks"
    );
    assert!(
        find(&specs, "CSRF_TOKEN_HEADER").is_none(),
        "`secret = false` wins over the name"
    );
}

#[test]
fn a_weak_rule_is_refused_naming_variable_and_environment() {
    let t = template(&[("SECRET_KEY", "")]);
    let mut rules = IndexMap::new();
    rules.insert(
        "SECRET_KEY".into(),
        SecretRule {
            length: Some(21),
            ..Default::default()
        },
    );
    let err = secret_specs("staging", &t, &rules).expect_err("21 url-safe chars are 126 bits");
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            CoreError::WeakSecret {
                bits: 126,
                needed: 22,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        msg.contains("SECRET_KEY") && msg.contains("staging"),
        "the message must say what to fix: {msg}"
    );
    assert!(
        msg.contains("[environments.staging.secrets.SECRET_KEY]"),
        "and where: {msg}"
    );
}

#[test]
fn too_long_for_windows_is_refused_everywhere() {
    let t = template(&[("SECRET_KEY", "")]);
    let mut rules = IndexMap::new();
    rules.insert(
        "SECRET_KEY".into(),
        SecretRule {
            length: Some(MAX_LENGTH + 1),
            ..Default::default()
        },
    );
    let err = secret_specs("prod", &t, &rules).expect_err("longer than Windows can store");
    assert!(matches!(err, CoreError::SecretTooLong { .. }), "{err:?}");
}

#[test]
fn placeholders_are_recognised() {
    for v in [
        "YOUR_SENDGRID_API_KEY",
        "your-domain",
        "changeme",
        "CHANGE_ME",
        "change-me-now",
        "<domain>",
    ] {
        assert!(is_placeholder(v), "{v} asks a person to replace it");
    }
    for v in ["", "<", "<>", "localhost", "younger", "postgres"] {
        assert!(!is_placeholder(v), "{v:?} is a value, not a placeholder");
    }
}

proptest! {
    /// Whatever a rule says, a generated spec the policy accepts gives at least 128 bits and fits
    /// every keychain; and every refusal is for one of those two reasons.
    #[test]
    fn every_accepted_policy_is_strong_and_storable(length in 0usize..2000, which in 0usize..3, env in "[a-z-]{1,12}") {
        let alphabet = [Alphabet::UrlSafe, Alphabet::Alphanumeric, Alphabet::Hex][which];
        let mut rules = IndexMap::new();
        rules.insert("SECRET_KEY".to_string(), SecretRule { length: Some(length), alphabet: Some(alphabet), ..Default::default() });
        match secret_specs(&env, &template(&[("SECRET_KEY", "")]), &rules) {
            Ok(specs) => match specs[0].supply {
                Supply::Generate(s) => {
                    prop_assert!(s.length as f64 * alphabet.bits_per_char() >= MIN_BITS);
                    prop_assert!(s.length <= MAX_LENGTH);
                    prop_assert_eq!(s.length, length);
                }
                Supply::Enter => prop_assert!(false, "a generated secret turned into an entered one"),
            },
            Err(CoreError::WeakSecret { .. }) => prop_assert!((length as f64) * alphabet.bits_per_char() < MIN_BITS),
            Err(CoreError::SecretTooLong { .. }) => prop_assert!(length > MAX_LENGTH),
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    /// Default policies for any environment name are strong: nobody gets a weak secret by naming
    /// an environment oddly.
    #[test]
    fn defaults_are_strong_for_any_environment(env in "[a-zA-Z0-9_-]{1,16}", name in "[A-Z]{1,8}_(SECRET|PASSWORD|TOKEN|KEY)") {
        let specs = secret_specs(&env, &template(&[(&name, "")]), &IndexMap::new()).expect("defaults pass");
        for s in specs {
            if let Supply::Generate(st) = s.supply {
                prop_assert!(st.bits() >= 128, "{} got {} bits", s.name, st.bits());
            }
        }
    }
}

#[test]
fn estimated_bits_bound_imported_values() {
    assert_eq!(
        estimated_bits("password123"),
        65,
        "11 alphanumerics: far under 128, reported weak"
    );
    assert_eq!(
        estimated_bits(&"a".repeat(64)),
        256,
        "all-hex characters count 4 bits each"
    );
    assert_eq!(
        estimated_bits(&"Z-".repeat(32)),
        384,
        "url-safe characters count 6 bits each"
    );
}
