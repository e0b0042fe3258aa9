//! Who a project is to EnvDeck: an id the repository cannot choose and two folders never share, from
//! which the names of its stacks and of its keychain entries follow. The manifest's `[project] name`
//! and the folder's name only make those names readable.

use serde::{Deserialize, Serialize};

use crate::compose::normalize_project_name;

/// Characters of the id that end every stack name: unique among the projects EnvDeck knows, so two
/// projects' stacks never share a name however their readable parts read.
pub const STACK_ID_CHARS: usize = 8;

/// A project's identity, as EnvDeck's own list of projects (outside the repository) records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum Identity {
    /// Given by EnvDeck when it first opened the folder: `id` is 32 random hex digits; `slug` is the
    /// readable part of stack names, fixed then so that renaming the project never orphans its data.
    Registered { id: String, slug: String },
    /// Data created before projects had ids (stacks `<name>-<env>`, keychain `envdeck:<name>:<env>`),
    /// adopted by exactly one folder and kept under those names: volumes cannot be renamed.
    Legacy { name: String },
}

impl Identity {
    /// The compose project name of one environment's stack (`docker compose -p NAME ps` shows it).
    ///
    /// `<slug>-<env>-<first 8 of the id>`: the id's part is always the last 8 characters, and no two
    /// known projects share it, so different projects never meet; one project's environment ids are
    /// distinct lowercase words ([`valid_environment_id`]), so its own stacks never meet either. The
    /// plain `<project>-<env>` of before let `shop-dev` + `local` and `shop` + `dev-local` collide.
    pub fn stack_name(&self, env: &str) -> String {
        match self {
            Identity::Registered { id, slug } => {
                let short = id.get(..STACK_ID_CHARS).unwrap_or(id);
                format!("{slug}-{env}-{short}")
            }
            Identity::Legacy { name } => normalize_project_name(&format!("{name}-{env}")),
        }
    }

    /// The project part of the keychain's service name (`envdeck:<this>:<env>`).
    pub fn keychain_id(&self) -> &str {
        match self {
            Identity::Registered { id, .. } => id,
            Identity::Legacy { name } => name,
        }
    }

    /// What Docker objects carry in `dev.envdeck.project-id`; a legacy stack's older objects carry none.
    pub fn label(&self) -> String {
        match self {
            Identity::Registered { id, .. } => id.clone(),
            Identity::Legacy { name } => format!("legacy:{name}"),
        }
    }

    pub fn is_legacy(&self) -> bool {
        matches!(self, Identity::Legacy { .. })
    }
}

/// The readable part of a new project's stack names: compose's normalisation of its name, never empty.
pub fn slug_of(name: &str) -> String {
    let slug: String = normalize_project_name(name).chars().take(40).collect();
    let slug = slug.trim_end_matches(['-', '_']).to_owned();
    if slug.is_empty() {
        "project".to_owned()
    } else {
        slug
    }
}

/// Environment ids become parts of stack names, keychain names and file names: lowercase letters,
/// digits, `-` and `_`, starting with a letter or digit, at most 40 characters. Compose lowercases
/// project names, so `Local` and `local` would otherwise share a stack.
pub fn valid_environment_id(id: &str) -> bool {
    let mut chars = id.chars();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    id.len() <= 40 && chars.next().is_some_and(allowed) && chars.all(|c| allowed(c) || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(slug: &str, id: &str) -> Identity {
        Identity::Registered {
            id: id.into(),
            slug: slug.into(),
        }
    }

    #[test]
    fn names_joined_with_a_dash_no_longer_collide() {
        let a = registered("shop-dev", "11111111aaaaaaaaaaaaaaaaaaaaaaaa");
        let b = registered("shop", "22222222bbbbbbbbbbbbbbbbbbbbbbbb");
        assert_ne!(
            a.stack_name("local"),
            b.stack_name("dev-local"),
            "project shop-dev + local and shop + dev-local were the same stack"
        );
        assert_eq!(a.stack_name("local"), "shop-dev-local-11111111");
    }

    #[test]
    fn the_same_name_in_two_folders_gives_two_stacks_and_two_keychain_namespaces() {
        let work = registered("shop", "11111111aaaaaaaaaaaaaaaaaaaaaaaa");
        let review = registered("shop", "22222222bbbbbbbbbbbbbbbbbbbbbbbb");
        assert_ne!(work.stack_name("local"), review.stack_name("local"));
        assert_ne!(work.keychain_id(), review.keychain_id());
    }

    #[test]
    fn legacy_stacks_keep_the_names_they_were_created_with() {
        let legacy = Identity::Legacy {
            name: "contravento".into(),
        };
        assert_eq!(legacy.stack_name("local"), "contravento-local");
        assert_eq!(legacy.keychain_id(), "contravento");
    }

    #[test]
    fn environment_ids_are_lowercase_words() {
        for good in ["local", "local-minimal", "prod_eu", "v2"] {
            assert!(valid_environment_id(good), "{good}");
        }
        for bad in ["", "Local", "-x", "prod.eu", "a/b", "a:b", "..", &"x".repeat(41)] {
            assert!(!valid_environment_id(bad), "{bad:?} must be refused");
        }
    }

    #[test]
    fn slugs_are_readable_and_never_empty() {
        assert_eq!(slug_of("My Shop"), "myshop");
        assert_eq!(slug_of("日本"), "project");
        assert_eq!(slug_of(&"a".repeat(90)).len(), 40);
    }
}
