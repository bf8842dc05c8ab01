//! Who does something, as the audit log names them.

/// The person or system behind a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in staff member, by address.
    Staff(String),
    /// An API token, by name.
    Token(String),
    /// Someone at the server's command line, by login name.
    Cli(String),
}

impl Actor {
    /// The person at this command line (`$USER`).
    pub fn cli() -> Actor {
        Actor::Cli(std::env::var("USER").unwrap_or_default())
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Staff(email) => f.write_str(email),
            Actor::Token(name) => write!(f, "token:{name}"),
            Actor::Cli(user) => write!(f, "cli:{user}"),
        }
    }
}
