//! `.dockerignore` patterns (globs with `*`, `?`, `**` and `!` exceptions): what a build context leaves
//! out, and what a `develop.watch` rule's `ignore` leaves unwatched. One matcher for both.

/// `.dockerignore` rules: globs with `*`, `?`, `**`, and `!` exceptions; the last matching rule wins.
#[derive(Debug, Default)]
pub struct Ignore {
    rules: Vec<(bool, Vec<String>)>,
}

impl Ignore {
    pub fn parse(text: &str) -> Self {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (keep, pattern) = match l.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, l),
                };
                let pattern = pattern
                    .trim_start_matches("./")
                    .trim_start_matches('/')
                    .trim_end_matches('/');
                (keep, pattern.split('/').map(String::from).collect())
            })
            .collect();
        Self { rules }
    }

    /// A path is excluded when a rule matches it or one of its parent folders.
    pub fn excludes(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        let mut excluded = false;
        for (keep, pattern) in &self.rules {
            let hit = (1..=parts.len()).any(|n| segments_match(pattern, &parts[..n]));
            if hit {
                excluded = !keep;
            }
        }
        excluded
    }
}

fn segments_match(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| segments_match(rest, &path[skip..]))
        }
        Some((first, rest)) => {
            !path.is_empty() && glob(first.as_bytes(), path[0].as_bytes()) && segments_match(rest, &path[1..])
        }
    }
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && glob(p, &s[1..])),
        (Some(b'?'), Some(_)) => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_rules_exclude_folders_globs_and_honour_exceptions() {
        let ig = Ignore::parse("# deps\nnode_modules\n*.log\n**/__pycache__\n.git/\n!keep.log\n");
        assert!(
            ig.excludes("node_modules/a/b.js"),
            "a folder rule excludes what is inside it"
        );
        assert!(ig.excludes("debug.log"), "a glob matches at the root");
        assert!(!ig.excludes("keep.log"), "a later `!` rule brings the file back");
        assert!(
            ig.excludes("app/x/__pycache__/m.pyc"),
            "`**` matches at any depth"
        );
        assert!(
            ig.excludes(".git/HEAD"),
            "a trailing slash still names the folder"
        );
        assert!(!ig.excludes("app/main.py"), "files no rule names are sent");
    }
}
