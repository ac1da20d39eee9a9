//! Where the data lives: a SQLite file (the embedded default) or a
//! PostgreSQL server (for several replicas). `--db` and `CHATSMART_DB` take
//! either; a URL is never taken for a path, and a password in a URL is
//! never shown.

use std::fmt;
use std::path::PathBuf;

/// A database chatsmart can open.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file, created when missing.
    Sqlite(PathBuf),
    /// A PostgreSQL server: `postgres://user:password@host:port/dbname`.
    Postgres(String),
}

impl Database {
    /// Reads what `--db` or `CHATSMART_DB` says: a `postgres://` (or
    /// `postgresql://`) URL, or a SQLite file's path. Anything else that
    /// looks like a URL is refused rather than made into a folder.
    pub fn parse(s: &str) -> Result<Database, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("no database given: a SQLite file's path or a postgres:// URL".into());
        }
        match scheme(s) {
            Some(scheme)
                if scheme.eq_ignore_ascii_case("postgres")
                    || scheme.eq_ignore_ascii_case("postgresql") =>
            {
                Ok(Database::Postgres(s.to_string()))
            }
            Some(scheme) => Err(format!(
                "{scheme}:// is not a database chatsmart opens: give a SQLite file's path or a postgres:// URL"
            )),
            None => Ok(Database::Sqlite(PathBuf::from(s))),
        }
    }
}

/// A path is a SQLite file.
impl From<PathBuf> for Database {
    fn from(p: PathBuf) -> Self {
        Database::Sqlite(p)
    }
}

impl From<&std::path::Path> for Database {
    fn from(p: &std::path::Path) -> Self {
        Database::Sqlite(p.to_path_buf())
    }
}

impl Database {
    /// The SQLite file, when it is one.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            Database::Sqlite(p) => Some(p),
            Database::Postgres(_) => None,
        }
    }
}

/// `scheme` of `scheme://…`, when `s` starts like a URL (RFC 3986: a
/// letter, then letters, digits, `+`, `-` or `.`).
fn scheme(s: &str) -> Option<&str> {
    let (head, _) = s.split_once("://")?;
    let mut chars = head.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(head)
}

/// Shown in messages and logs: a path as it is, a URL with its password
/// replaced.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "{}", p.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            Database::Postgres(_) => write!(f, "Postgres({self})"),
        }
    }
}

/// The URL with the password (between `user:` and `@`) and any
/// `password=` parameter replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                out = format!("{scheme}://{}:***{}", &authority[..colon], &rest[at..]);
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_urls_are_told_apart() {
        assert_eq!(
            Database::parse("/var/lib/chatsmart/chat.db").unwrap(),
            Database::Sqlite("/var/lib/chatsmart/chat.db".into())
        );
        assert_eq!(
            Database::parse("chat.db").unwrap(),
            Database::Sqlite("chat.db".into())
        );
        // A folder with a colon in its name is still a path.
        assert_eq!(
            Database::parse("backups/2026:12/chat.db").unwrap(),
            Database::Sqlite("backups/2026:12/chat.db".into())
        );
        for url in [
            "postgres://chat@db.internal/chatsmart",
            "postgresql://chat:pw@127.0.0.1:5432/chatsmart?sslmode=require",
            "POSTGRES://x@y/z",
        ] {
            assert!(
                matches!(Database::parse(url), Ok(Database::Postgres(_))),
                "{url}"
            );
        }
        for bad in [
            "mysql://root@db/chat",
            "sqlite://chat.db",
            "http://x",
            "",
            "  ",
        ] {
            assert!(Database::parse(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn a_password_is_never_shown() {
        let db =
            Database::parse("postgres://chat:s3cret@db:5432/chatsmart?sslmode=require").unwrap();
        let shown = format!("{db} {db:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://chat:***@db:5432/chatsmart?sslmode=require"),
            "{shown}"
        );
        let db = Database::parse("postgres://db/chatsmart?user=chat&password=s3cret").unwrap();
        let shown = db.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.ends_with("user=chat&password=***"), "{shown}");
        // An @ in the path does not fool it.
        assert_eq!(redact("postgres://db/x@y"), "postgres://db/x@y");
    }
}
