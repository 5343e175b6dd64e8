//! The COMMAND family: COMMAND, COUNT, LIST, INFO, DOCS, GETKEYS,
//! GETKEYSANDFLAGS, HELP. Every reply is generated from the command table
//! (`table::all()`): arity, flags, key specs, documentation and
//! subcommands, so a command added to the table shows up here by itself.

mod syntax;

use bytes::Bytes;

use super::args;
use super::keys::{key_positions, KeySpec};
use super::session;
use super::table::{self, flags, flags::*, CommandSpec, Cross, Exec, Merge};
use crate::error::Error;
use crate::resp::Reply;
use crate::session::Session;

pub use syntax::{Arg, Hints, Kind};

pub static COMMANDS: &[CommandSpec] =
    &[
        CommandSpec::new("command", -1, LOADING | STALE, KeySpec::None, session(all))
            .doc("server", "2.8.13", "Get array of Redis command details", "")
            .complexity("O(N) where N is the total number of Redis commands")
            .subs(&SUBS),
    ];

static SUBS: [CommandSpec; 7] = [
    CommandSpec::new(
        "command|count",
        2,
        LOADING | STALE,
        KeySpec::None,
        session(count),
    )
    .doc("server", "2.8.13", "Get total number of Redis commands", "")
    .complexity("O(1)"),
    CommandSpec::new(
        "command|list",
        -2,
        LOADING | STALE,
        KeySpec::None,
        session(list),
    )
    .doc(
        "server",
        "7.0.0",
        "Get an array of Redis command names",
        "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
    )
    .complexity("O(N) where N is the total number of Redis commands"),
    CommandSpec::new(
        "command|getkeys",
        -4,
        LOADING | STALE,
        KeySpec::None,
        session(getkeys),
    )
    .doc(
        "server",
        "2.8.13",
        "Extract keys given a full Redis command",
        "",
    )
    .complexity("O(N) where N is the number of arguments to the command"),
    CommandSpec::new(
        "command|getkeysandflags",
        -4,
        LOADING | STALE,
        KeySpec::None,
        session(getkeysandflags),
    )
    .doc(
        "server",
        "7.0.0",
        "Extract keys and access flags given a full Redis command",
        "",
    )
    .complexity("O(N) where N is the number of arguments to the command"),
    CommandSpec::new(
        "command|help",
        2,
        LOADING | STALE,
        KeySpec::None,
        session(help),
    )
    .doc(
        "server",
        "5.0.0",
        "Show helpful text about the different subcommands",
        "",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "command|docs",
        -2,
        LOADING | STALE,
        KeySpec::None,
        session(docs),
    )
    .doc(
        "server",
        "7.0.0",
        "Get array of specific Redis command documentation",
        "[command-name [command-name ...]]",
    )
    .complexity("O(N) where N is the number of commands to look up"),
    CommandSpec::new(
        "command|info",
        -2,
        LOADING | STALE,
        KeySpec::None,
        session(info),
    )
    .doc(
        "server",
        "2.8.13",
        "Get array of specific Redis command details, or all when no argument is given.",
        "[command-name [command-name ...]]",
    )
    .complexity("O(N) where N is the number of commands to look up"),
];

const HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
];

/// ACL categories in Redis's order (the order COMMAND INFO lists them).
const CATEGORY_ORDER: &[&str] = &[
    "@keyspace",
    "@read",
    "@write",
    "@set",
    "@sortedset",
    "@list",
    "@hash",
    "@string",
    "@bitmap",
    "@hyperloglog",
    "@geo",
    "@stream",
    "@pubsub",
    "@admin",
    "@fast",
    "@slow",
    "@blocking",
    "@dangerous",
    "@connection",
    "@transaction",
    "@scripting",
];

// ---- handlers ----

/// Bare `COMMAND`: the info of every command. (Reached only when the router
/// lets a container with no subcommand argument through to its parent.)
fn all(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Array(table::all().map(info_reply).collect()))
}

fn count(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Int(table::count() as i64))
}

fn help(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Array(
        HELP.iter().map(|l| Reply::status(l)).collect(),
    ))
}

fn info(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    if argv.len() == 2 {
        return Ok(Reply::Array(table::all().map(info_reply).collect()));
    }
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|n| lookup_full(n).map_or(Reply::Nil, info_reply))
            .collect(),
    ))
}

fn docs(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let specs: Vec<&CommandSpec> = if argv.len() == 2 {
        table::all().collect()
    } else {
        argv[2..].iter().filter_map(|n| lookup_full(n)).collect()
    };
    Ok(Reply::Map(
        specs
            .into_iter()
            .map(|c| (Reply::bulk_static(c.name), docs_reply(c)))
            .collect(),
    ))
}

fn list(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let keep: Box<dyn Fn(&CommandSpec) -> bool> = match argv.len() {
        2 => Box::new(|_| true),
        5 if args::is(&argv[2], "filterby") => {
            let arg = argv[4].clone();
            if args::is(&argv[3], "module") {
                // No modules: nothing belongs to one.
                Box::new(|_| false)
            } else if args::is(&argv[3], "aclcat") {
                let cat = format!("@{}", String::from_utf8_lossy(&arg));
                Box::new(move |c| {
                    c.acl_categories()
                        .iter()
                        .any(|x| x.eq_ignore_ascii_case(&cat))
                })
            } else if args::is(&argv[3], "pattern") {
                Box::new(move |c| crate::glob::glob_match(&arg, c.name.as_bytes(), true))
            } else {
                return Err(Error::Syntax);
            }
        }
        _ => return Err(Error::Syntax),
    };
    let mut out = Vec::new();
    for c in table::all() {
        for c in std::iter::once(c).chain(c.subcommands.iter()) {
            if keep(c) {
                out.push(Reply::bulk_static(c.name));
            }
        }
    }
    Ok(Reply::Array(out))
}

fn getkeys(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let (args, _cmd, pos) = find_keys(&argv[2..])?;
    Ok(Reply::Array(
        pos.into_iter()
            .map(|p| Reply::Bulk(args[p].clone()))
            .collect(),
    ))
}

fn getkeysandflags(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let (args, cmd, pos) = find_keys(&argv[2..])?;
    let specs = key_specs(cmd);
    let out = pos
        .into_iter()
        .map(|p| {
            let flags = spec_for_position(&specs, p).map_or(&[][..], |s| s.flags);
            Reply::Array(vec![Reply::Bulk(args[p].clone()), statuses(flags)])
        })
        .collect();
    Ok(Reply::Array(out))
}

/// The command named by `args` (a full command line) and its key positions,
/// with Redis's errors for each way that can fail.
fn find_keys(args: &[Bytes]) -> Result<(&[Bytes], &'static CommandSpec, Vec<usize>), Error> {
    let invalid_cmd = || Error::err("Invalid command specified");
    let base = args
        .first()
        .and_then(|n| table::lookup(n))
        .ok_or_else(invalid_cmd)?;
    let cmd = match args.get(1) {
        Some(sub) if !base.subcommands.is_empty() => {
            table::lookup_sub(base, sub).ok_or_else(invalid_cmd)?
        }
        _ => base,
    };
    Ok((args, cmd, keys_of(cmd, args)?))
}

/// Key positions of `args` as a call of `cmd`, or GETKEYS's error.
fn keys_of(cmd: &CommandSpec, args: &[Bytes]) -> Result<Vec<usize>, Error> {
    if matches!(cmd.keys, KeySpec::None) {
        return Err(Error::err("The command has no key arguments"));
    }
    if !cmd.arity_ok(args.len()) {
        return Err(Error::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let invalid_args = || Error::err("Invalid arguments specified for command");
    // key_positions quietly stops at the end of argv; GETKEYS must instead
    // reject a numkeys that is not a count or points past the end.
    if let KeySpec::Keynum {
        fixed,
        numkeys,
        first,
        step,
    } = cmd.keys
    {
        let n = args
            .get(numkeys as usize)
            .and_then(|b| crate::num::parse_i64(b))
            .ok_or_else(invalid_args)?;
        // A destination with no source (ZUNIONSTORE d 0 ...) is refused
        // too, as Redis's zunionInterDiffStoreGetKeys does.
        if n < 0 || (n == 0 && fixed > 0) {
            return Err(invalid_args());
        }
        let last = numkeys as i64 + first as i64 + (n - 1) * step.max(1) as i64;
        if n > 0 && last >= args.len() as i64 {
            return Err(invalid_args());
        }
    }
    let mut pos = Vec::new();
    key_positions(&cmd.keys, args, &mut pos);
    if pos.is_empty() {
        return Err(invalid_args());
    }
    Ok(pos)
}

/// `name` or `parent|sub`, case-insensitively, as COMMAND INFO / DOCS accept them.
fn lookup_full(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut parts = name.split(|&b| b == b'|');
    let parent = table::lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(parent),
        (Some(sub), None) => table::lookup_sub(parent, sub),
        _ => None,
    }
}

// ---- COMMAND INFO ----

/// The flag names COMMAND INFO reports, in Redis's order (`movablekeys`
/// added when the key spec needs the arguments to find the keys).
pub fn flag_names(c: &CommandSpec) -> Vec<&'static str> {
    let f = c.flags | if c.keys.movable() { MOVABLEKEYS } else { 0 };
    flags::NAMES
        .iter()
        .filter(|(bit, _)| f & bit != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// ACL categories in the order Redis lists them.
pub fn categories(c: &CommandSpec) -> Vec<&'static str> {
    let mut cats = c.acl_categories();
    cats.sort_by_key(|x| {
        CATEGORY_ORDER
            .iter()
            .position(|y| y == x)
            .unwrap_or(usize::MAX)
    });
    cats
}

/// Request/response policy tips, as far as the execution strategy tells them.
fn tips(c: &CommandSpec) -> Vec<&'static str> {
    let (request, merge) = match c.exec {
        Exec::Keyed {
            cross: Cross::Split(m),
            ..
        } => ("request_policy:multi_shard", m),
        Exec::All { merge, .. } => ("request_policy:all_shards", merge),
        _ => return Vec::new(),
    };
    match merge {
        Merge::Sum => vec![request, "response_policy:agg_sum"],
        Merge::Ok => vec![request, "response_policy:all_succeeded"],
        Merge::Array => vec![request],
    }
}

/// One of Redis's key specs, derived from the table's `KeySpec`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySpecInfo {
    /// RW/RO/OW/RM plus access/update/insert/delete.
    pub flags: &'static [&'static str],
    /// begin_search index; `None` = unknown.
    pub begin: Option<i64>,
    pub find: Find,
}

/// find_keys of a key spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Find {
    Range {
        lastkey: i64,
        keystep: i64,
        limit: i64,
    },
    Keynum {
        keynumidx: i64,
        firstkey: i64,
        keystep: i64,
    },
    Unknown,
}

const RO_ACCESS: &[&str] = &["RO", "access"];
const RW_UPDATE: &[&str] = &["RW", "update"];
const OW_UPDATE: &[&str] = &["OW", "update"];
const RM_DELETE: &[&str] = &["RM", "delete"];
const RW_ACCESS_UPDATE: &[&str] = &["RW", "access", "update"];

/// The key specs Redis would report for `c`. Flags are inferred from the
/// command's flags (an approximation of Redis's hand-written ones).
pub fn key_specs(c: &CommandSpec) -> Vec<KeySpecInfo> {
    let write = c.has(WRITE);
    let base = if c.has(READONLY) {
        RO_ACCESS
    } else if write && c.doc.summary.to_ascii_lowercase().contains("delet") {
        RM_DELETE
    } else if write {
        RW_UPDATE
    } else {
        RW_ACCESS_UPDATE
    };
    let one = |begin: i64| KeySpecInfo {
        flags: base,
        begin: Some(begin),
        find: Find::Range {
            lastkey: 0,
            keystep: 1,
            limit: 0,
        },
    };
    match c.keys {
        KeySpec::None => Vec::new(),
        // A fixed set of keys (RENAME key newkey): one spec per key, as Redis has.
        KeySpec::Range { first, last, step } if first > 0 && last > first => (first..=last)
            .step_by(step.max(1) as usize)
            .map(|p| one(p as i64))
            .collect(),
        KeySpec::Range { first, last, step } => vec![KeySpecInfo {
            // key value pairs (MSET) overwrite
            flags: if write && step >= 2 { OW_UPDATE } else { base },
            begin: Some(first as i64),
            find: Find::Range {
                lastkey: if last < 0 {
                    last as i64
                } else {
                    (last - first) as i64
                },
                keystep: step as i64,
                limit: 0,
            },
        }],
        KeySpec::Keynum {
            fixed,
            numkeys,
            first,
            step,
        } => {
            let mut v = Vec::new();
            if fixed > 0 {
                // A destination before the source keys (ZUNIONSTORE dst numkeys ...).
                v.push(KeySpecInfo {
                    flags: if write { OW_UPDATE } else { base },
                    ..one(fixed as i64)
                });
            }
            v.push(KeySpecInfo {
                flags: if write && fixed > 0 { RO_ACCESS } else { base },
                begin: Some(numkeys as i64),
                find: Find::Keynum {
                    keynumidx: 0,
                    firstkey: first as i64,
                    keystep: step as i64,
                },
            });
            v
        }
        KeySpec::Custom(_) => vec![KeySpecInfo {
            flags: base,
            begin: None,
            find: Find::Unknown,
        }],
    }
}

/// The spec that found the key at `pos`: the one beginning there, else the
/// last one beginning before it.
fn spec_for_position(specs: &[KeySpecInfo], pos: usize) -> Option<&KeySpecInfo> {
    let pos = pos as i64;
    specs.iter().find(|s| s.begin == Some(pos)).or_else(|| {
        specs
            .iter()
            .rev()
            .find(|s| s.begin.is_none_or(|b| b <= pos))
    })
}

fn statuses(items: &[&str]) -> Reply {
    Reply::Set(
        items
            .iter()
            .map(|s| Reply::Status(Bytes::copy_from_slice(s.as_bytes())))
            .collect(),
    )
}

fn kv(k: &'static str, v: Reply) -> (Reply, Reply) {
    (Reply::bulk_static(k), v)
}

fn key_spec_reply(s: &KeySpecInfo) -> Reply {
    let unknown = || {
        vec![
            kv("type", Reply::bulk_static("unknown")),
            kv("spec", Reply::Map(Vec::new())),
        ]
    };
    let begin = match s.begin {
        Some(i) => vec![
            kv("type", Reply::bulk_static("index")),
            kv("spec", Reply::Map(vec![kv("index", Reply::Int(i))])),
        ],
        None => unknown(),
    };
    let find = match s.find {
        Find::Range {
            lastkey,
            keystep,
            limit,
        } => vec![
            kv("type", Reply::bulk_static("range")),
            kv(
                "spec",
                Reply::Map(vec![
                    kv("lastkey", Reply::Int(lastkey)),
                    kv("keystep", Reply::Int(keystep)),
                    kv("limit", Reply::Int(limit)),
                ]),
            ),
        ],
        Find::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => vec![
            kv("type", Reply::bulk_static("keynum")),
            kv(
                "spec",
                Reply::Map(vec![
                    kv("keynumidx", Reply::Int(keynumidx)),
                    kv("firstkey", Reply::Int(firstkey)),
                    kv("keystep", Reply::Int(keystep)),
                ]),
            ),
        ],
        Find::Unknown => unknown(),
    };
    Reply::Map(vec![
        kv("flags", statuses(s.flags)),
        kv("begin_search", Reply::Map(begin)),
        kv("find_keys", Reply::Map(find)),
    ])
}

/// COMMAND INFO's entry for one command.
pub fn info_reply(c: &CommandSpec) -> Reply {
    let (first, last, step) = c.keys.legacy_triple();
    let tips = tips(c).into_iter().map(Reply::bulk_static).collect();
    let subs = if c.subcommands.is_empty() {
        Reply::Set(Vec::new())
    } else {
        Reply::Array(c.subcommands.iter().map(info_reply).collect())
    };
    Reply::Array(vec![
        Reply::bulk_static(c.name),
        Reply::Int(c.arity as i64),
        statuses(&flag_names(c)),
        Reply::Int(first),
        Reply::Int(last),
        Reply::Int(step),
        statuses(&categories(c)),
        Reply::Set(tips),
        Reply::Set(key_specs(c).iter().map(key_spec_reply).collect()),
        subs,
    ])
}

// ---- COMMAND DOCS ----

/// The argument entries of `c`, generated from its documentation syntax.
pub fn arguments(c: &CommandSpec) -> Result<Vec<Arg>, String> {
    let hints = Hints {
        blocking: c.has(BLOCKING),
        float_increment: c.name.contains("float"),
        lex: c.name.contains("lex"),
        stream: c.doc.group == "stream",
    };
    syntax::parse(c.doc.syntax, hints, key_specs(c).len())
}

fn arg_reply(a: &Arg) -> Reply {
    let mut m = vec![
        kv("name", Reply::bulk(a.name.as_bytes())),
        kv("type", Reply::bulk_static(a.kind.as_str())),
    ];
    if let Some(i) = a.key_spec_index {
        m.push(kv("key_spec_index", Reply::Int(i as i64)));
    }
    if let Some(t) = &a.token {
        m.push(kv("token", Reply::bulk(t.as_bytes())));
    }
    let flags: Vec<&str> = [
        (a.optional, "optional"),
        (a.multiple, "multiple"),
        (a.multiple_token, "multiple_token"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    if !flags.is_empty() {
        m.push(kv("flags", statuses(&flags)));
    }
    if matches!(a.kind, Kind::Oneof | Kind::Block) {
        m.push(kv(
            "arguments",
            Reply::Array(a.args.iter().map(arg_reply).collect()),
        ));
    }
    Reply::Map(m)
}

/// COMMAND DOCS's entry for one command.
pub fn docs_reply(c: &CommandSpec) -> Reply {
    let d = &c.doc;
    let mut m = Vec::new();
    if !d.summary.is_empty() {
        m.push(kv("summary", Reply::bulk_static(d.summary)));
    }
    m.push(kv("since", Reply::bulk_static(d.since)));
    m.push(kv("group", Reply::bulk_static(d.group)));
    if !d.complexity.is_empty() {
        m.push(kv("complexity", Reply::bulk_static(d.complexity)));
    }
    // A syntax line that does not parse is a table bug (a test checks every
    // entry); the client still gets the rest of the documentation.
    if let Ok(args) = arguments(c) {
        if !args.is_empty() {
            m.push(kv(
                "arguments",
                Reply::Array(args.iter().map(arg_reply).collect()),
            ));
        }
    }
    if !c.subcommands.is_empty() {
        let subs = c
            .subcommands
            .iter()
            .map(|s| (Reply::bulk_static(s.name), docs_reply(s)))
            .collect();
        m.push(kv("subcommands", Reply::Map(subs)));
    }
    Reply::Map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every syntax line in the table parses, and none repeats the command's own name.
    #[test]
    fn every_syntax_parses() {
        for c in table::all().flat_map(|c| std::iter::once(c).chain(c.subcommands.iter())) {
            if let Err(e) = arguments(c) {
                panic!("{}: bad syntax {:?}: {e}", c.name, c.doc.syntax);
            }
            let first = c.doc.syntax.split_whitespace().next().unwrap_or("");
            let own = c.name.rsplit('|').next().unwrap_or(c.name);
            assert_ne!(
                first,
                own.to_ascii_uppercase(),
                "{}: the syntax repeats the command's name",
                c.name
            );
        }
    }

    #[test]
    fn categories_in_redis_order() {
        let get = table::lookup(b"get").map(categories);
        assert_eq!(get, Some(vec!["@read", "@string", "@fast"]));
        let del = table::lookup(b"del").map(categories);
        assert_eq!(del, Some(vec!["@keyspace", "@write", "@slow"]));
    }

    #[test]
    fn key_specs_from_key_spec() {
        let c = |keys, flags| CommandSpec::new("x", -2, flags, keys, session(count));
        let mset = key_specs(&c(KeySpec::range(1, -1, 2), WRITE | DENYOOM));
        assert_eq!(
            mset,
            vec![KeySpecInfo {
                flags: OW_UPDATE,
                begin: Some(1),
                find: Find::Range {
                    lastkey: -1,
                    keystep: 2,
                    limit: 0
                }
            }]
        );
        let rename = key_specs(&c(KeySpec::range(1, 2, 1), WRITE));
        assert_eq!(rename.len(), 2);
        assert_eq!(rename[1].begin, Some(2));
        let zu = key_specs(&c(
            KeySpec::Keynum {
                fixed: 1,
                numkeys: 2,
                first: 1,
                step: 1,
            },
            WRITE,
        ));
        assert_eq!(zu[0].flags, OW_UPDATE);
        assert_eq!(
            zu[1],
            KeySpecInfo {
                flags: RO_ACCESS,
                begin: Some(2),
                find: Find::Keynum {
                    keynumidx: 0,
                    firstkey: 1,
                    keystep: 1
                }
            }
        );
        assert_eq!(spec_for_position(&zu, 1), Some(&zu[0]));
        assert_eq!(spec_for_position(&zu, 4), Some(&zu[1]));
    }

    fn argv(s: &str) -> Vec<Bytes> {
        s.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    #[test]
    fn getkeys_keynum_errors() {
        let zu = CommandSpec::new(
            "zunionstore",
            -4,
            WRITE | DENYOOM,
            KeySpec::Keynum {
                fixed: 1,
                numkeys: 2,
                first: 1,
                step: 1,
            },
            session(count),
        );
        let invalid = Err(Error::err("Invalid arguments specified for command"));
        assert_eq!(
            keys_of(&zu, &argv("zunionstore d 2 a b")),
            Ok(vec![1, 3, 4])
        );
        assert_eq!(keys_of(&zu, &argv("zunionstore d 1 a b")), Ok(vec![1, 3]));
        // redis-server 7.0 refuses a destination without sources.
        assert_eq!(keys_of(&zu, &argv("zunionstore d 0 a")), invalid);
        assert_eq!(keys_of(&zu, &argv("zunionstore d 3 a b")), invalid);
        assert_eq!(keys_of(&zu, &argv("zunionstore d -1 a b")), invalid);
        assert_eq!(keys_of(&zu, &argv("zunionstore d x a b")), invalid);
        assert_eq!(
            keys_of(&zu, &argv("zunionstore d 1")),
            Err(Error::err(
                "Invalid number of arguments specified for command"
            ))
        );
        let custom = CommandSpec::new(
            "odd",
            -2,
            READONLY,
            KeySpec::Custom(|_| Vec::new()),
            session(count),
        );
        assert_eq!(keys_of(&custom, &argv("odd a")), invalid);
    }
}
