//! The COMMAND family, checked against the command table and against the
//! replies redis-server 7.0 gives for the same commands.

mod common;
use common::*;

use redis::Value;
use ringkv::cmd::introspect::flag_names;
use ringkv::cmd::table::{self, CommandSpec};

/// A compact, readable rendering of a reply: arrays/sets as `[a b]`,
/// statuses as `+s`, nil as `nil`.
fn show(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Int(n) => n.to_string(),
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => format!("+{s}"),
        Value::Okay => "+OK".into(),
        Value::Array(a) | Value::Set(a) => {
            format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(" "))
        }
        Value::Map(m) => {
            format!(
                "{{{}}}",
                m.iter()
                    .map(|(k, v)| format!("{} {}", show(k), show(v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        other => format!("{other:?}"),
    }
}

fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        other => panic!("not an array: {other:?}"),
    }
}

/// A field of a RESP2 (flattened) map.
fn field<'a>(flat: &'a Value, name: &str) -> Option<&'a Value> {
    items(flat)
        .chunks(2)
        .find(|kv| show(&kv[0]) == name)
        .map(|kv| &kv[1])
}

/// COMMAND DOCS arguments as `name:type@TOKEN?*!#k(children)` (the unit
/// tests of the syntax parser use the same notation).
fn show_args(args: &Value) -> String {
    items(args)
        .iter()
        .map(|a| {
            let mut s = format!(
                "{}:{}",
                show(field(a, "name").unwrap()),
                show(field(a, "type").unwrap())
            );
            if let Some(t) = field(a, "token") {
                s.push_str(&format!("@{}", show(t)));
            }
            if let Some(k) = field(a, "key_spec_index") {
                s.push_str(&format!("#{}", show(k)));
            }
            let flags = field(a, "flags").map(show).unwrap_or_default();
            for (f, c) in [
                ("+optional", '?'),
                ("+multiple", '*'),
                ("+multiple_token", '!'),
            ] {
                if flags.split(['[', ']', ' ']).any(|x| x == f) {
                    s.push(c);
                }
            }
            if let Some(sub) = field(a, "arguments") {
                s.push_str(&format!("({})", show_args(sub)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn all_with_subs() -> Vec<&'static CommandSpec> {
    table::all()
        .flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
        .collect()
}

#[test]
fn count_is_the_table_size() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let n = table::all().count();
    assert_eq!(
        table::count(),
        n,
        "two families define a command with the same name"
    );
    assert_eq!(q(&mut c, &["COMMAND", "COUNT"]), Value::Int(n as i64));
    assert_eq!(
        q_err(&mut c, &["COMMAND", "COUNT", "x"]),
        "ERR wrong number of arguments for 'command|count' command"
    );
    assert_eq!(
        q_err(&mut c, &["COMMAND", "FOO"]),
        "ERR unknown subcommand 'FOO'. Try COMMAND HELP."
    );
    // COMMAND INFO with no names: every top-level command once.
    assert_eq!(items(&q(&mut c, &["COMMAND", "INFO"])).len(), n);
    srv.stop();
}

#[test]
fn info_get_is_byte_exact() {
    // Bytes captured from redis-server 7.0.15.
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(
        &[b"COMMAND", b"INFO", b"get"],
        b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n\
*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n\
$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n\
$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
    );
    r.roundtrip(&[b"COMMAND", b"INFO", b"nosuch"], b"*1\r\n$-1\r\n");
    srv.stop();
}

#[test]
fn info_set_mset_and_subcommands() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let set = q(
        &mut c,
        &["COMMAND", "INFO", "SET", "nosuch", "command|COUNT"],
    );
    let set = items(&set);
    assert_eq!(
        show(&set[0]),
        "[set -3 [+write +denyoom] 1 1 1 [+@write +@string +@slow] [] \
         [[flags [+RW +update] begin_search [type index spec [index 1]] \
         find_keys [type range spec [lastkey 0 keystep 1 limit 0]]]] []]"
    );
    assert_eq!(set[1], Value::Nil);
    assert_eq!(
        show(&set[2]),
        "[command|count 2 [+loading +stale] 0 0 0 [+@slow] [] [] []]"
    );
    // The container lists its subcommands' infos.
    let cmd = q(&mut c, &["COMMAND", "INFO", "command"]);
    let subs: Vec<String> = items(&items(&items(&cmd)[0])[9])
        .iter()
        .map(|s| show(&items(s)[0]))
        .collect();
    assert_eq!(
        subs,
        [
            "command|count",
            "command|list",
            "command|getkeys",
            "command|getkeysandflags",
            "command|help",
            "command|docs",
            "command|info"
        ]
    );
    // "client list" is not a name; "client|list" would be.
    assert_eq!(
        q(&mut c, &["COMMAND", "INFO", "command count"]),
        Value::Array(vec![Value::Nil])
    );
    let mset = q(&mut c, &["COMMAND", "INFO", "mset"]);
    let m = items(&items(&mset)[0]);
    assert_eq!(
        show(&Value::Array(m[..7].to_vec())),
        "[mset -3 [+write +denyoom] 1 -1 2 [+@write +@string +@slow]]"
    );
    assert_eq!(
        show(&m[8]),
        "[[flags [+OW +update] begin_search [type index spec [index 1]] \
         find_keys [type range spec [lastkey -1 keystep 2 limit 0]]]]"
    );
    srv.stop();
}

#[test]
fn docs_set_arguments() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let docs = q(&mut c, &["COMMAND", "DOCS", "set", "nosuch"]);
    let d = items(&docs);
    assert_eq!(d.len(), 2, "unknown names are left out");
    assert_eq!(show(&d[0]), "set");
    let set = &d[1];
    assert_eq!(show(field(set, "group").unwrap()), "string");
    assert_eq!(show(field(set, "since").unwrap()), "1.0.0");
    assert!(!show(field(set, "summary").unwrap()).is_empty());
    assert_eq!(
        show_args(field(set, "arguments").unwrap()),
        "key:key#0 value:string nx_xx:oneof?(nx:pure-token@NX xx:pure-token@XX) get:pure-token@GET? \
         seconds_milliseconds_unix-time-seconds_unix-time-milliseconds_keepttl:oneof?(seconds:integer@EX \
         milliseconds:integer@PX unix-time-seconds:unix-time@EXAT unix-time-milliseconds:unix-time@PXAT \
         keepttl:pure-token@KEEPTTL)"
    );
    // A container's docs carry its subcommands'; COMMAND LIST's argument is
    // the same structure Redis 7.0 reports.
    let docs = q(&mut c, &["COMMAND", "DOCS", "command"]);
    let cmd = &items(&docs)[1];
    assert_eq!(
        show(field(cmd, "complexity").unwrap()),
        "O(N) where N is the total number of Redis commands"
    );
    assert!(field(cmd, "arguments").is_none());
    let subs = field(cmd, "subcommands").unwrap();
    let list = field(subs, "command|list").unwrap();
    assert_eq!(
        show_args(field(list, "arguments").unwrap()),
        "filterby:oneof@FILTERBY?(module-name:string@MODULE category:string@ACLCAT pattern:pattern@PATTERN)"
    );
    let info = field(subs, "command|info").unwrap();
    assert_eq!(
        show_args(field(info, "arguments").unwrap()),
        "command-name:string?*"
    );
    // No names: every command.
    assert_eq!(
        items(&q(&mut c, &["COMMAND", "DOCS"])).len(),
        2 * table::all().count()
    );
    let docs = q(&mut c, &["COMMAND", "DOCS", "mset"]);
    let args = field(&items(&docs)[1], "arguments").unwrap();
    assert_eq!(show_args(args), "key_value:block*(key:key#0 value:string)");
    srv.stop();
}

#[test]
fn getkeys() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        show(&q(
            &mut c,
            &["COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10"]
        )),
        "[k]"
    );
    assert_eq!(
        show(&q(&mut c, &["COMMAND", "GETKEYS", "del", "a", "b", "c"])),
        "[a b c]"
    );
    assert_eq!(
        show(&q(
            &mut c,
            &["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"]
        )),
        "[a b]"
    );
    // Redis keeps the dangling key of an odd MSET too.
    assert_eq!(
        show(&q(&mut c, &["COMMAND", "GETKEYS", "mset", "a", "1", "b"])),
        "[a b]"
    );
    assert_eq!(
        show(&q(
            &mut c,
            &["COMMAND", "GETKEYSANDFLAGS", "mset", "a", "1", "b", "2"]
        )),
        "[[a [+OW +update]] [b [+OW +update]]]"
    );
    assert_eq!(
        show(&q(&mut c, &["COMMAND", "GETKEYSANDFLAGS", "del", "a", "b"])),
        "[[a [+RM +delete]] [b [+RM +delete]]]"
    );
    assert_eq!(
        show(&q(&mut c, &["COMMAND", "GETKEYSANDFLAGS", "get", "a"])),
        "[[a [+RO +access]]]"
    );
    let err = |c: &mut redis::Connection, args: &[&str]| q_err(c, args);
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "nosuch", "a"]),
        "ERR Invalid command specified"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "command", "nosub"]),
        "ERR Invalid command specified"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "ping", "x"]),
        "ERR The command has no key arguments"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "command", "info"]),
        "ERR The command has no key arguments"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "get", "a", "b"]),
        "ERR Invalid number of arguments specified for command"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYS", "get"]),
        "ERR wrong number of arguments for 'command|getkeys' command"
    );
    assert_eq!(
        err(&mut c, &["COMMAND", "GETKEYSANDFLAGS", "set", "a"]),
        "ERR Invalid number of arguments specified for command"
    );
    srv.stop();
}

#[test]
fn list_and_filters() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let names = |v: Value| items(&v).iter().map(show).collect::<Vec<_>>();
    let all: Vec<String> = all_with_subs().iter().map(|c| c.name.to_string()).collect();
    assert_eq!(names(q(&mut c, &["COMMAND", "LIST"])), all);

    let subs = [
        "command|count",
        "command|list",
        "command|getkeys",
        "command|getkeysandflags",
        "command|help",
        "command|docs",
        "command|info",
    ];
    assert_eq!(
        names(q(
            &mut c,
            &["COMMAND", "LIST", "FILTERBY", "PATTERN", "COMMAND|*"]
        )),
        subs
    );
    assert_eq!(
        names(q(
            &mut c,
            &["COMMAND", "LIST", "filterby", "pattern", "get"]
        )),
        ["get"]
    );

    let string: Vec<String> = all_with_subs()
        .iter()
        .filter(|c| c.acl_categories().contains(&"@string"))
        .map(|c| c.name.to_string())
        .collect();
    assert!(string.contains(&"get".to_string()) && string.contains(&"set".to_string()));
    assert_eq!(
        names(q(
            &mut c,
            &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"]
        )),
        string
    );
    assert_eq!(
        names(q(
            &mut c,
            &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "STRING"]
        )),
        string
    );
    assert!(names(q(
        &mut c,
        &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"]
    ))
    .is_empty());
    assert!(names(q(
        &mut c,
        &["COMMAND", "LIST", "FILTERBY", "ACLCAT", "@string"]
    ))
    .is_empty());
    assert!(names(q(&mut c, &["COMMAND", "LIST", "FILTERBY", "MODULE", "x"])).is_empty());

    for bad in [
        &["COMMAND", "LIST", "FILTERBY"][..],
        &["COMMAND", "LIST", "foo"],
        &["COMMAND", "LIST", "FILTERBY", "PATTERN"],
        &["COMMAND", "LIST", "FILTERBY", "PATTERN", "a", "b"],
        &["COMMAND", "LIST", "FILTERBY", "nosuch", "a"],
        &["COMMAND", "LIST", "nosuch", "PATTERN", "a"],
    ] {
        assert_eq!(q_err(&mut c, bad), "ERR syntax error", "{bad:?}");
    }
    srv.stop();
}

#[test]
fn help() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let h = q(&mut c, &["COMMAND", "HELP"]);
    let lines = items(&h);
    assert_eq!(lines.len(), 21);
    assert_eq!(
        show(&lines[0]),
        "+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
    assert_eq!(show(&lines[20]), "+    Prints this help.");
    srv.stop();
}

/// RESP3 shapes (sets for flags, categories, tips and key specs; maps for key
/// specs and docs), byte-exact against redis-server 7.0.15. Skipped while the
/// server has no HELLO.
#[test]
fn resp3_shapes() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.cmd(&[b"HELLO", b"3"]);
    let hello = r.read_reply();
    if hello.starts_with(b"-") {
        eprintln!("no HELLO yet: RESP3 replies not checked");
        return;
    }
    r.roundtrip(
        &[b"COMMAND", b"INFO", b"get", b"nosuch"],
        b"*2\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n\
~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n\
$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n\
$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n_\r\n",
    );
    r.roundtrip(
        &[b"COMMAND", b"GETKEYSANDFLAGS", b"get", b"a"],
        b"*1\r\n*2\r\n$1\r\na\r\n~2\r\n+RO\r\n+access\r\n",
    );
    r.roundtrip(
        &[b"COMMAND", b"DOCS", b"command|docs"],
        b"%1\r\n$12\r\ncommand|docs\r\n%5\r\n$7\r\nsummary\r\n$49\r\nGet array of specific Redis command documentation\r\n\
$5\r\nsince\r\n$5\r\n7.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$49\r\nO(N) where N is the number of commands to look up\r\n\
$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$12\r\ncommand-name\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\nflags\r\n~2\r\n+optional\r\n+multiple\r\n",
    );
    srv.stop();
}

/// Bare COMMAND answers like COMMAND INFO with no names (the router lets a
/// container with no subcommand argument through to its parent entry).
#[test]
fn bare_command() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(q(&mut c, &["COMMAND"]), q(&mut c, &["COMMAND", "INFO"]));
    srv.stop();
}

// ---- docs/commands.md ----

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/commands.md");

/// docs/commands.md as the table describes it.
fn commands_md() -> String {
    let mut s = String::from(
        "# Commands\n\n\
         Every command ringkv implements, generated from the command table\n\
         (`src/cmd/table.rs`). Regenerate with\n\
         `cargo test --test introspect -- --ignored write_commands_md`;\n\
         `commands_md_matches_table` fails when this list and the table differ.\n\n\
         | command | arity | flags | group | since |\n\
         |---|---|---|---|---|\n",
    );
    for c in all_with_subs() {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            c.name.replace('|', "\\|"),
            c.arity,
            flag_names(c).join(", "),
            c.doc.group,
            c.doc.since
        ));
    }
    s
}

#[test]
#[ignore = "writes docs/commands.md"]
fn write_commands_md() {
    std::fs::write(DOC, commands_md()).expect("write docs/commands.md");
}

#[test]
fn commands_md_matches_table() {
    let doc = std::fs::read_to_string(DOC).expect("docs/commands.md exists");
    let mut listed: Vec<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` |"))
        .map(|(name, _)| name.replace("\\|", "|"))
        .collect();
    let mut table: Vec<String> = all_with_subs().iter().map(|c| c.name.to_string()).collect();
    listed.sort();
    table.sort();
    assert_eq!(
        listed, table,
        "docs/commands.md is out of date: cargo test --test introspect -- --ignored write_commands_md"
    );
}
