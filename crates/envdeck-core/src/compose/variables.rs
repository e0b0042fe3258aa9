//! Where `${VAR}` values come from: ordered layers (keychain secrets, process environment, env files).
//!
//! Compose looks a variable up in the shell first, then in the env file; EnvDeck puts the keychain before
//! both, so a generated `POSTGRES_PASSWORD` fills `${POSTGRES_PASSWORD}` inside `DATABASE_URL` whatever
//! the shell holds (`secret::precedence` reports a shell or file value it hid). The first layer that
//! has a name wins, even with an empty value (an empty shell variable is still "set").

use std::collections::BTreeMap;
use std::fmt;

/// The source name of the process environment's layer.
pub const PROCESS_ENV: &str = "process environment";

/// One source of variables, named for messages ("process environment", ".env.local").
#[derive(Clone, Default)]
pub struct Layer {
    pub source: String,
    values: BTreeMap<String, String>,
}

impl Layer {
    pub fn new(source: impl Into<String>, values: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            source: source.into(),
            values: values.into_iter().collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The current process's environment (variables whose name or value is not UTF-8 are skipped).
    pub fn process_env() -> Self {
        Self::new(
            PROCESS_ENV,
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Name → value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The ordered layers a resolution reads; see the module comment for the order.
#[derive(Clone, Default)]
pub struct Variables {
    layers: Vec<Layer>,
}

impl Variables {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current process's environment alone, as compose reads the shell.
    pub fn from_process_env() -> Self {
        Self::new().with(Layer::process_env())
    }

    /// Adds a layer after (below) the existing ones.
    pub fn push(&mut self, layer: Layer) -> &mut Self {
        self.layers.push(layer);
        self
    }

    /// Builder form of [`Variables::push`].
    pub fn with(mut self, layer: Layer) -> Self {
        self.layers.push(layer);
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.layers.iter().find_map(|l| l.get(name))
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }
}

// Values may be secrets from the keychain: Debug shows which names each layer has, never a value.
impl fmt::Debug for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layer")
            .field("source", &self.source)
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for Variables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.layers).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_layer_that_has_a_name_wins_even_when_empty() {
        let v = Variables::new()
            .with(Layer::new("shell", [("A".into(), String::new())]))
            .with(Layer::new(
                "file",
                [("A".into(), "file".into()), ("B".into(), "b".into())],
            ));
        assert_eq!(
            v.get("A"),
            Some(""),
            "an empty shell variable is set and hides the file's"
        );
        assert_eq!(v.get("B"), Some("b"));
        assert_eq!(v.get("C"), None);
    }

    #[test]
    fn debug_never_prints_a_value() {
        let v = Variables::new().with(Layer::new("keychain", [("PW".into(), "hunter2-secret".into())]));
        let printed = format!("{v:?}");
        assert!(
            printed.contains("PW") && !printed.contains("hunter2"),
            "values may be secrets: {printed}"
        );
    }
}
