//! Redis documentation syntax → COMMAND DOCS argument entries.
//!
//! The command table keeps each command's arguments the way Redis's
//! documentation writes them, e.g.
//! `key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]`.
//! `parse` turns that into the argument tree Redis's `COMMAND DOCS` reports
//! (name, type, token, flags, nested arguments), so the table stays the one
//! place a command is described.
//!
//! Grammar: `[...]` is optional, `<...>` a required group, `|` separates the
//! alternatives of a group (a oneof), `x [x ...]` repeats `x`, an uppercase
//! word (or punctuation such as `*`, `=`, `~`, `""`) is a literal token, and
//! a lowercase word is a value whose type is guessed from its name.

/// An argument's type, as COMMAND DOCS names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Key,
    String,
    Integer,
    Double,
    Pattern,
    UnixTime,
    PureToken,
    Oneof,
    Block,
}

impl Kind {
    /// The name COMMAND DOCS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Key => "key",
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Double => "double",
            Kind::Pattern => "pattern",
            Kind::UnixTime => "unix-time",
            Kind::PureToken => "pure-token",
            Kind::Oneof => "oneof",
            Kind::Block => "block",
        }
    }
}

/// One argument entry of COMMAND DOCS.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: String,
    pub kind: Kind,
    /// The literal word that introduces the argument (`EX` in `EX seconds`).
    pub token: Option<String>,
    pub optional: bool,
    pub multiple: bool,
    /// The token repeats with each value (`[GET pattern [GET pattern ...]]`).
    pub multiple_token: bool,
    /// For keys: which of the command's key specs finds this key.
    pub key_spec_index: Option<usize>,
    /// The alternatives of a oneof, the parts of a block.
    pub args: Vec<Arg>,
}

impl Arg {
    fn new(name: String, kind: Kind) -> Arg {
        Arg {
            name,
            kind,
            token: None,
            optional: false,
            multiple: false,
            multiple_token: false,
            key_spec_index: None,
            args: Vec::new(),
        }
    }
}

/// What the command tells us about its values' types (the syntax alone
/// cannot say whether BLPOP's `timeout` is a double or an integer).
#[derive(Clone, Copy, Debug, Default)]
pub struct Hints {
    /// A blocking command: `timeout` is a double (seconds with a fraction).
    pub blocking: bool,
    /// `increment` is a double (INCRBYFLOAT, ZINCRBY).
    pub float_increment: bool,
    /// `min` / `max` are lexicographic bounds (strings), not scores.
    pub lex: bool,
    /// A stream command: `start` / `end` are entry IDs (strings).
    pub stream: bool,
}

/// Parses a syntax line into argument entries. Key arguments get
/// `key_spec_index` in order of appearance, capped at `nspecs - 1` (none
/// when the command has no key specs).
pub fn parse(syntax: &str, hints: Hints, nspecs: usize) -> Result<Vec<Arg>, String> {
    let toks = tokenize(syntax);
    let mut p = Parser { toks, pos: 0 };
    // The top level is a group of its own (a bare `ON | OFF` is a oneof).
    let top = collapse(vec![Node::Group {
        optional: false,
        alts: p.alternatives(None)?,
    }]);
    if p.pos != p.toks.len() {
        return Err(format!("unexpected '{}'", p.toks[p.pos]));
    }
    let alts = match top.into_iter().next() {
        Some(Node::Group { alts, .. }) => alts,
        Some(other) => vec![vec![other]],
        None => Vec::new(),
    };
    let mut args = match alts.len() {
        0 => Vec::new(),
        1 => seq_to_args(alts.into_iter().next().unwrap_or_default(), hints),
        _ => vec![group_to_arg(false, alts, hints)],
    };
    let mut next = 0;
    assign_key_specs(&mut args, &mut next, nspecs);
    Ok(args)
}

fn assign_key_specs(args: &mut [Arg], next: &mut usize, nspecs: usize) {
    for a in args {
        if a.kind == Kind::Key {
            if nspecs == 0 {
                // A key that no key spec finds (CLUSTER KEYSLOT key) is just a string.
                a.kind = Kind::String;
            } else {
                a.key_spec_index = Some((*next).min(nspecs - 1));
                *next += 1;
            }
        }
        assign_key_specs(&mut a.args, next, nspecs);
    }
}

fn tokenize(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        // `key...` is `key ...`
        if word.len() > 3 && word.ends_with("...") {
            out.push(word[..word.len() - 3].to_string());
            out.push("...".to_string());
        } else {
            out.push(word.clone());
        }
        word.clear();
    };
    for c in s.chars() {
        match c {
            '[' | ']' | '<' | '>' | '|' => {
                flush(&mut word, &mut out);
                out.push(c.to_string());
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The syntax tree before it becomes arguments.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Word(String),
    /// `[a | b]` (optional) or `<a | b>`; one alternative is a plain group.
    Group {
        optional: bool,
        alts: Vec<Vec<Node>>,
    },
    /// One or more repetitions of the unit (`x [x ...]`).
    Many(Vec<Node>),
}

struct Parser {
    toks: Vec<String>,
    pos: usize,
}

impl Parser {
    /// Alternatives up to `close` (or the end of input for the top level).
    fn alternatives(&mut self, close: Option<&str>) -> Result<Vec<Vec<Node>>, String> {
        let mut alts = Vec::new();
        let mut seq = Vec::new();
        while let Some(t) = self.toks.get(self.pos).cloned() {
            match t.as_str() {
                "[" | "<" => {
                    self.pos += 1;
                    let end = if t == "[" { "]" } else { ">" };
                    let inner = self.alternatives(Some(end))?;
                    seq.push(Node::Group {
                        optional: t == "[",
                        alts: inner,
                    });
                }
                "]" | ">" => {
                    if close != Some(t.as_str()) {
                        return Err(format!("unbalanced '{t}'"));
                    }
                    self.pos += 1;
                    alts.push(seq);
                    return Ok(alts.into_iter().filter(|a| !a.is_empty()).collect());
                }
                "|" => {
                    self.pos += 1;
                    alts.push(std::mem::take(&mut seq));
                }
                _ => {
                    self.pos += 1;
                    seq.push(Node::Word(t));
                }
            }
        }
        if let Some(c) = close {
            return Err(format!("missing '{c}'"));
        }
        alts.push(seq);
        Ok(alts.into_iter().filter(|a| !a.is_empty()).collect())
    }
}

/// Folds `x y [x y ...]` into `Many([x, y])` and a lone `[x ...]` into an
/// optional `Many([x])`, recursively.
fn collapse(nodes: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    for node in nodes {
        let node = match node {
            Node::Group { optional, alts } => {
                let alts: Vec<Vec<Node>> = alts.into_iter().map(collapse).collect();
                match repeated_choice(&alts) {
                    // `<a | b [a | b ...]>`: a oneof that repeats.
                    Some(choice) => {
                        let many = Node::Many(vec![Node::Group {
                            optional: false,
                            alts: choice,
                        }]);
                        Node::Group {
                            optional,
                            alts: vec![vec![many]],
                        }
                    }
                    None => Node::Group { optional, alts },
                }
            }
            other => other,
        };
        if let Node::Group {
            optional: true,
            alts,
        } = &node
        {
            if let [alt] = alts.as_slice() {
                if let Some((Node::Word(last), unit)) = alt.split_last() {
                    if last == "..." {
                        let k = unit.len();
                        if k > 0 && out.len() >= k && out[out.len() - k..] == *unit {
                            out.truncate(out.len() - k);
                            out.push(Node::Many(unit.to_vec()));
                        } else {
                            let many = Node::Many(unit.to_vec());
                            out.push(Node::Group {
                                optional: true,
                                alts: vec![vec![many]],
                            });
                        }
                        continue;
                    }
                }
            }
        }
        out.push(node);
    }
    out
}

/// `a | b [a | b ...]` (how Redis's docs write a repeated oneof): the
/// alternatives without the trailing repetition.
fn repeated_choice(alts: &[Vec<Node>]) -> Option<Vec<Vec<Node>>> {
    if alts.len() < 2 {
        return None;
    }
    let (last, _) = alts.split_last()?;
    let (
        Node::Group {
            optional: true,
            alts: inner,
        },
        head,
    ) = last.split_last()?
    else {
        return None;
    };
    let (inner_last, _) = inner.split_last()?;
    if inner_last.last() != Some(&Node::Word("...".into())) || head.is_empty() {
        return None;
    }
    let mut outer = alts.to_vec();
    outer.last_mut()?.pop();
    let mut repeat = inner.clone();
    repeat.last_mut()?.pop();
    (outer == repeat).then_some(outer)
}

/// A literal token: no lowercase letters (`NX`, `*`, `=`, `""`).
fn is_token(w: &str) -> bool {
    w != "..." && !w.chars().any(|c| c.is_ascii_lowercase())
}

fn token_name(w: &str) -> String {
    match w {
        "*" => "auto".into(),
        "=" => "equal".into(),
        "~" => "approximately".into(),
        "$" => "last".into(),
        "\"\"" | "''" => "empty_string".into(),
        "+" => "plus".into(),
        "-" => "minus".into(),
        _ => w.to_ascii_lowercase(),
    }
}

fn token_text(w: &str) -> String {
    if w == "\"\"" || w == "''" {
        String::new()
    } else {
        w.to_string()
    }
}

fn pure_token(w: &str) -> Arg {
    let mut a = Arg::new(token_name(w), Kind::PureToken);
    a.token = Some(token_text(w));
    a
}

fn value_arg(w: &str, h: Hints) -> Arg {
    Arg::new(w.to_string(), value_kind(w, h))
}

/// Guesses a value's type from its name, the way Redis's command JSON types them.
fn value_kind(w: &str, h: Hints) -> Kind {
    const INTEGER: &[&str] = &[
        "seconds",
        "milliseconds",
        "ms",
        "count",
        "index",
        "index1",
        "index2",
        "offset",
        "start",
        "end",
        "stop",
        "numkeys",
        "numreplicas",
        "db",
        "destination-db",
        "cursor",
        "port",
        "slot",
        "start-slot",
        "end-slot",
        "ttl",
        "limit",
        "weight",
        "rank",
        "client-id",
        "protover",
        "version",
        "frequency",
        "len",
        "bits",
        "bit",
        "decrement",
        "num-matches",
        "config-epoch",
        "entries-read",
        "entries_read",
        "entries-added",
        "idle",
        "time",
        "retrycount",
        "entries_added",
        "cluster_bus_port",
        "min-idle-time",
        "numlocal",
        "numlocalreplicas",
        "length",
        "lines",
        "num",
        "maxlen",
        "size",
    ];
    const DOUBLE: &[&str] = &[
        "score",
        "latitude",
        "longitude",
        "radius",
        "width",
        "height",
    ];
    const KEY: &[&str] = &["key", "destination", "source", "src", "dst"];
    if w.starts_with("unix-time") {
        return Kind::UnixTime;
    }
    match w {
        "pattern" => return Kind::Pattern,
        "timeout" => {
            return if h.blocking {
                Kind::Double
            } else {
                Kind::Integer
            }
        }
        "increment" => {
            return if h.float_increment {
                Kind::Double
            } else {
                Kind::Integer
            }
        }
        "min" | "max" => return if h.lex { Kind::String } else { Kind::Double },
        "start" | "end" if h.stream => return Kind::String,
        _ => {}
    }
    if INTEGER.contains(&w) {
        Kind::Integer
    } else if DOUBLE.contains(&w) {
        Kind::Double
    } else if KEY.contains(&w)
        || w.ends_with("key")
        || (w.starts_with("key") && w[3..].chars().all(|c| c.is_ascii_digit()))
    {
        Kind::Key
    } else {
        Kind::String
    }
}

/// A sequence of nodes → one argument each (a token attaches to the value after it).
fn seq_to_args(nodes: Vec<Node>, h: Hints) -> Vec<Arg> {
    let mut out = Vec::new();
    let mut it = nodes.into_iter().peekable();
    while let Some(node) = it.next() {
        match node {
            Node::Word(w) if is_token(&w) => {
                let attach = match it.peek() {
                    Some(Node::Word(v)) => !is_token(v),
                    Some(Node::Many(_))
                    | Some(Node::Group {
                        optional: false, ..
                    }) => true,
                    _ => false,
                };
                if attach {
                    if let Some(next) = it.next() {
                        let mut a = node_to_arg(next, h);
                        if a.token.is_none() {
                            a.token = Some(token_text(&w));
                            if a.kind == Kind::Oneof {
                                a.name = token_name(&w);
                            }
                            out.push(a);
                        } else {
                            out.push(pure_token(&w));
                            out.push(a);
                        }
                        continue;
                    }
                }
                out.push(pure_token(&w));
            }
            other => out.push(node_to_arg(other, h)),
        }
    }
    out
}

fn node_to_arg(node: Node, h: Hints) -> Arg {
    match node {
        Node::Word(w) if is_token(&w) => pure_token(&w),
        Node::Word(w) => value_arg(&w, h),
        Node::Group { optional, alts } => group_to_arg(optional, alts, h),
        Node::Many(unit) => {
            let token_first =
                matches!(unit.first(), Some(Node::Word(w)) if is_token(w)) && unit.len() > 1;
            let mut a = unit_to_arg(unit, h);
            a.multiple = true;
            a.multiple_token = token_first;
            a
        }
    }
}

/// A sequence that must become a single argument (a group's alternative,
/// a repeated unit): one argument as it is, several as a block.
fn unit_to_arg(unit: Vec<Node>, h: Hints) -> Arg {
    // `TOKEN a b`: the token introduces the block of what follows.
    if unit.len() > 2 {
        if let Some(Node::Word(t)) = unit.first() {
            if is_token(t) {
                let t = t.clone();
                let inner = seq_to_args(unit.into_iter().skip(1).collect(), h);
                let mut a = if inner.len() == 1 && inner[0].token.is_none() {
                    inner
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| Arg::new(String::new(), Kind::Block))
                } else {
                    block(inner)
                };
                a.token = Some(token_text(&t));
                return a;
            }
        }
    }
    let mut args = seq_to_args(unit, h);
    if args.len() == 1 {
        args.pop()
            .unwrap_or_else(|| Arg::new(String::new(), Kind::Block))
    } else {
        block(args)
    }
}

fn block(args: Vec<Arg>) -> Arg {
    let mut a = Arg::new(join_names(&args), Kind::Block);
    a.args = args;
    a
}

fn join_names(args: &[Arg]) -> String {
    args.iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join("_")
}

fn group_to_arg(optional: bool, alts: Vec<Vec<Node>>, h: Hints) -> Arg {
    let mut a = if alts.len() == 1 {
        unit_to_arg(alts.into_iter().next().unwrap_or_default(), h)
    } else if let Some((t, rest)) = token_then_oneof(&alts) {
        // `AGGREGATE SUM | MIN | MAX`: a token followed by a choice of tokens.
        let args: Vec<Arg> = rest.iter().map(|w| pure_token(w)).collect();
        let mut a = Arg::new(token_name(&t), Kind::Oneof);
        a.token = Some(token_text(&t));
        a.args = args;
        a
    } else {
        let args: Vec<Arg> = alts.into_iter().map(|alt| unit_to_arg(alt, h)).collect();
        let mut a = Arg::new(join_names(&args), Kind::Oneof);
        a.args = args;
        a
    };
    a.optional |= optional;
    a
}

/// `[T A | B | C]` where every word is a token: T, then [A, B, C].
fn token_then_oneof(alts: &[Vec<Node>]) -> Option<(String, Vec<String>)> {
    let (first, rest) = alts.split_first()?;
    let [Node::Word(t), Node::Word(a)] = first.as_slice() else {
        return None;
    };
    if !is_token(t) || !is_token(a) {
        return None;
    }
    let mut words = vec![a.clone()];
    for alt in rest {
        match alt.as_slice() {
            [Node::Word(w)] if is_token(w) => words.push(w.clone()),
            _ => return None,
        }
    }
    Some((t.clone(), words))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact rendering for assertions: `name:type` with `@TOKEN`,
    /// `?` optional, `*` multiple, `!` multiple_token, `#n` key spec, `(..)` children.
    fn show(args: &[Arg]) -> String {
        args.iter()
            .map(|a| {
                let mut s = format!("{}:{}", a.name, a.kind.as_str());
                if let Some(t) = &a.token {
                    s.push_str(&format!("@{t}"));
                }
                if let Some(k) = a.key_spec_index {
                    s.push_str(&format!("#{k}"));
                }
                if a.optional {
                    s.push('?');
                }
                if a.multiple {
                    s.push('*');
                }
                if a.multiple_token {
                    s.push('!');
                }
                if !a.args.is_empty() {
                    s.push_str(&format!("({})", show(&a.args)));
                }
                s
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn p(s: &str) -> String {
        show(&parse(s, Hints::default(), 1).unwrap())
    }

    #[test]
    fn set() {
        assert_eq!(
            p("key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]"),
            "key:key#0 value:string nx_xx:oneof?(nx:pure-token@NX xx:pure-token@XX) get:pure-token@GET? \
             seconds_milliseconds_unix-time-seconds_unix-time-milliseconds_keepttl:oneof?(seconds:integer@EX \
             milliseconds:integer@PX unix-time-seconds:unix-time@EXAT unix-time-milliseconds:unix-time@PXAT \
             keepttl:pure-token@KEEPTTL)"
        );
    }

    #[test]
    fn repetition() {
        assert_eq!(p("key [key ...]"), "key:key#0*");
        assert_eq!(
            p("key value [key value ...]"),
            "key_value:block*(key:key#0 value:string)"
        );
        assert_eq!(p("numkeys key [key ...]"), "numkeys:integer key:key#0*");
        assert_eq!(
            p("[command-name [command-name ...]]"),
            "command-name:string?*"
        );
        assert_eq!(
            p("[WEIGHTS weight [weight ...]]"),
            "weight:integer@WEIGHTS?*"
        );
        assert_eq!(
            p("[GET pattern [GET pattern ...]]"),
            "pattern:pattern@GET?*!"
        );
        assert_eq!(p("[arg ...]"), "arg:string?*");
    }

    #[test]
    fn tokens_and_blocks() {
        assert_eq!(p("[message]"), "message:string?");
        assert_eq!(
            p("cursor [MATCH pattern] [COUNT count] [TYPE type]"),
            "cursor:integer pattern:pattern@MATCH? count:integer@COUNT? type:string@TYPE?"
        );
        assert_eq!(
            p("[LIMIT offset count]"),
            "offset_count:block@LIMIT?(offset:integer count:integer)"
        );
        assert_eq!(
            p("[AGGREGATE SUM | MIN | MAX]"),
            "aggregate:oneof@AGGREGATE?(sum:pure-token@SUM min:pure-token@MIN max:pure-token@MAX)"
        );
        assert_eq!(
            p("[AGGREGATE <SUM | MIN | MAX>]"),
            "aggregate:oneof@AGGREGATE?(sum:pure-token@SUM min:pure-token@MIN max:pure-token@MAX)"
        );
        assert_eq!(
            p("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]"),
            "filterby:oneof@FILTERBY?(module-name:string@MODULE category:string@ACLCAT pattern:pattern@PATTERN)"
        );
        assert_eq!(
            p("<ON | OFF>"),
            "on_off:oneof(on:pure-token@ON off:pure-token@OFF)"
        );
        assert_eq!(
            p("ON | OFF"),
            "on_off:oneof(on:pure-token@ON off:pure-token@OFF)"
        );
        assert_eq!(
            p("[AUTH password | AUTH2 username password]"),
            "password_username_password:oneof?(password:string@AUTH username_password:block@AUTH2(username:string password:string))"
        );
        assert_eq!(p("<* | id>"), "auto_id:oneof(auto:pure-token@* id:string)");
        assert_eq!(
            p("host port <key | \"\">"),
            "host:string port:integer key_empty_string:oneof(key:key#0 empty_string:pure-token@)"
        );
        assert_eq!(p(""), "");
        assert_eq!(
            p("<a | [B b] [a | [B b] ...]>"),
            "a_b:oneof*(a:string b:string@B?)"
        );
        assert_eq!(
            p("[ON | OFF [ON | OFF ...]]"),
            "on_off:oneof?*(on:pure-token@ON off:pure-token@OFF)"
        );
    }

    #[test]
    fn key_spec_indexes() {
        let a = parse(
            "destination numkeys key [key ...] [WEIGHTS weight [weight ...]]",
            Hints::default(),
            2,
        )
        .unwrap();
        assert_eq!(
            show(&a),
            "destination:key#0 numkeys:integer key:key#1* weight:integer@WEIGHTS?*"
        );
        let a = parse("key", Hints::default(), 0).unwrap();
        assert_eq!(show(&a), "key:string");
    }

    #[test]
    fn hints() {
        let h = Hints {
            blocking: true,
            float_increment: true,
            lex: false,
            stream: false,
        };
        assert_eq!(
            show(&parse("key [key ...] timeout", h, 1).unwrap()),
            "key:key#0* timeout:double"
        );
        assert_eq!(
            show(&parse("key increment", h, 1).unwrap()),
            "key:key#0 increment:double"
        );
        assert_eq!(p("key increment"), "key:key#0 increment:integer");
    }

    #[test]
    fn bad_syntax_is_an_error() {
        assert!(parse("[key", Hints::default(), 1).is_err());
        assert!(parse("key]", Hints::default(), 1).is_err());
        assert!(parse("<a | b]", Hints::default(), 1).is_err());
    }
}
