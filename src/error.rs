//! The one error type a client can see. Every client-visible error text lives
//! here, rendered to exactly Redis's wording (clients and their test suites
//! match these strings).

use std::borrow::Cow;
use std::fmt;

/// A client-visible error. `Display` renders the text after the `-` of a
/// RESP error reply (e.g. `ERR syntax error`).
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// `ERR wrong number of arguments for 'get' command` (name as the client sent it, lowercased).
    WrongArity(String),
    /// `ERR unknown command 'x', with args beginning with: 'a' 'b' `
    UnknownCommand {
        name: String,
        args: Vec<String>,
    },
    /// `ERR unknown subcommand 'x'. Try CLIENT HELP.`
    UnknownSubcommand {
        sub: String,
        cmd: String,
    },
    WrongType,
    NotInteger,
    NotFloat,
    Syntax,
    Overflow,
    NoSuchKey,
    /// `ERR invalid expire time in 'set' command`
    InvalidExpire(String),
    NoAuth,
    /// A command other than the few allowed while the data loads.
    Loading,
    WrongPass,
    AuthNotConfigured,
    DbIndexOutOfRange,
    /// `ERR Protocol error: ...`; the connection is closed after it.
    Protocol(Cow<'static, str>),
    /// A complete message including its prefix word, e.g. `ERR timeout is negative`
    /// or `BUSYKEY Target key name already exists.`
    Msg(Cow<'static, str>),
}

impl Error {
    /// An error whose whole text (prefix included) is `s`.
    pub fn msg(s: impl Into<Cow<'static, str>>) -> Error {
        Error::Msg(s.into())
    }

    /// `ERR <s>`
    pub fn err(s: impl AsRef<str>) -> Error {
        Error::Msg(Cow::Owned(format!("ERR {}", s.as_ref())))
    }

    pub fn protocol(s: &'static str) -> Error {
        Error::Protocol(Cow::Borrowed(s))
    }

    pub fn wrong_arity(name: &[u8]) -> Error {
        Error::WrongArity(String::from_utf8_lossy(name).to_lowercase())
    }

    pub fn unknown_command(name: &[u8], args: &[bytes::Bytes]) -> Error {
        Error::UnknownCommand {
            name: truncated(name),
            args: args.iter().take(64).map(|a| truncated(a)).collect(),
        }
    }

    pub fn unknown_subcommand(sub: &[u8], cmd: &str) -> Error {
        Error::UnknownSubcommand {
            sub: truncated(sub),
            cmd: cmd.to_ascii_uppercase(),
        }
    }

    /// The first word of the message (`ERR`, `WRONGTYPE`, ...).
    pub fn kind(&self) -> String {
        let s = self.to_string();
        s.split(' ').next().unwrap_or("ERR").to_string()
    }
}

fn truncated(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(128)]);
    s.into_owned()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WrongArity(name) => write!(f, "ERR wrong number of arguments for '{name}' command"),
            Error::UnknownCommand { name, args } => {
                write!(f, "ERR unknown command '{name}', with args beginning with: ")?;
                for a in args {
                    write!(f, "'{a}' ")?;
                }
                Ok(())
            }
            Error::UnknownSubcommand { sub, cmd } => {
                write!(f, "ERR unknown subcommand '{sub}'. Try {cmd} HELP.")
            }
            Error::WrongType => f.write_str("WRONGTYPE Operation against a key holding the wrong kind of value"),
            Error::NotInteger => f.write_str("ERR value is not an integer or out of range"),
            Error::NotFloat => f.write_str("ERR value is not a valid float"),
            Error::Syntax => f.write_str("ERR syntax error"),
            Error::Overflow => f.write_str("ERR increment or decrement would overflow"),
            Error::NoSuchKey => f.write_str("ERR no such key"),
            Error::InvalidExpire(cmd) => write!(f, "ERR invalid expire time in '{cmd}' command"),
            Error::NoAuth => f.write_str("NOAUTH Authentication required."),
            Error::Loading => f.write_str("LOADING Redis is loading the dataset in memory"),
            Error::WrongPass => {
                f.write_str("WRONGPASS invalid username-password pair or user is disabled.")
            }
            Error::AuthNotConfigured => f.write_str(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ),
            Error::DbIndexOutOfRange => f.write_str("ERR DB index is out of range"),
            Error::Protocol(s) => write!(f, "ERR Protocol error: {s}"),
            Error::Msg(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for handler results.
pub type CmdResult = Result<crate::resp::Reply, Error>;
