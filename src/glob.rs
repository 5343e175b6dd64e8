//! Redis's glob dialect, as used by KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG
//! GET: a byte-for-byte port of `stringmatchlen` (util.c, Redis 7).
//!
//! - `*` any run of bytes (consecutive stars count as one), `?` one byte;
//! - `[abc]`, `[^abc]`, `[a-z]` (a reversed range `[z-a]` is the same range),
//!   `\x` inside a class is a literal `x`;
//! - `\x` outside a class is a literal `x` (a trailing lone `\` is literal);
//! - an unterminated class (`[abc` at the end of the pattern) behaves as in
//!   Redis: its bytes are still class members and it consumes one byte.
//!
//! Quirks kept on purpose, because clients see them:
//! - `*` does not match the empty string (KEYS and SCAN short-circuit a bare
//!   `*` before they ask the matcher, so callers must do the same);
//! - range ends compare as C `char`, which is signed on x86-64, where Redis
//!   is built for nearly every deployment: `[a-\xff]` is the range
//!   `\xff..a`;
//! - in `nocase` mode an escaped byte inside a class still compares
//!   case-sensitively, and range ends are lower-cased after the swap with
//!   glibc's `tolower`, which turns negative `char`s except -1 back into
//!   0x80..0xfe;
//! - a pattern that reaches more than 1,000 non-trailing stars matches
//!   nothing (Redis's "protection against abusive patterns").
//!
//! Redis recurses once per star and stops every enclosing star as soon as an
//! inner one has tried all positions (`skipLongerMatches`). That makes only
//! the innermost star ever worth retrying, so this port is a loop that
//! remembers one star: time is O(pattern × string) and stack use constant.

/// Stars Redis follows before it answers "no match" (util.c `nesting`).
const MAX_NESTING: usize = 1000;

/// True if `string` matches the glob `pattern`, exactly as Redis's
/// `stringmatchlen` decides; `nocase` folds ASCII letters.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let plen = pattern.len();
    let slen = string.len();
    let (mut p, mut s) = (0usize, 0usize);
    // The innermost star: where the pattern resumes after it, and where in
    // the string the current attempt for the rest of the pattern began.
    let mut star: Option<(usize, usize)> = None;
    let mut nesting = 0usize;
    loop {
        // One level of Redis's recursion: pattern[p..] against string[s..].
        let matched = 'level: {
            while p < plen && s < slen {
                let c = string[s];
                match pattern[p] {
                    b'*' => {
                        while p + 1 < plen && pattern[p + 1] == b'*' {
                            p += 1;
                        }
                        if p + 1 == plen {
                            return true;
                        }
                        nesting += 1;
                        if nesting > MAX_NESTING {
                            return false;
                        }
                        p += 1;
                        star = Some((p, s));
                        continue;
                    }
                    b'?' => s += 1,
                    b'[' => {
                        let (end, hit) = match_class(pattern, p + 1, c, nocase);
                        if !hit {
                            break 'level false;
                        }
                        p = end;
                        s += 1;
                    }
                    b => {
                        let lit = if b == b'\\' && plen - p >= 2 {
                            p += 1;
                            pattern[p]
                        } else {
                            b
                        };
                        if !eq(lit, c, nocase) {
                            break 'level false;
                        }
                        s += 1;
                    }
                }
                p += 1;
                if s == slen {
                    while p < plen && pattern[p] == b'*' {
                        p += 1;
                    }
                    break;
                }
            }
            p == plen && s == slen
        };
        if matched {
            return true;
        }
        // Redis: the innermost star moves on by one byte; when it has tried
        // every position, no enclosing star can do better (skipLongerMatches).
        match star {
            Some((sp, ss)) if ss + 1 < slen => {
                star = Some((sp, ss + 1));
                p = sp;
                s = ss + 1;
            }
            _ => return false,
        }
    }
}

/// Matches byte `c` against the class whose body starts at `pattern[p]`
/// (just after `[`). Returns the index of the closing `]` (or of the last
/// pattern byte when the class is unterminated) and whether `c` is in it.
fn match_class(pattern: &[u8], mut p: usize, c: u8, nocase: bool) -> (usize, bool) {
    let plen = pattern.len();
    let not = pattern.get(p) == Some(&b'^');
    if not {
        p += 1;
    }
    let mut hit = false;
    loop {
        let rest = plen - p;
        if rest >= 2 && pattern[p] == b'\\' {
            p += 1;
            // Case-sensitive even under nocase, as in Redis.
            hit |= pattern[p] == c;
        } else if rest >= 1 && pattern[p] == b']' {
            break;
        } else if rest == 0 {
            p -= 1;
            break;
        } else if rest >= 3 && pattern[p + 1] == b'-' {
            // C `char` is signed on x86-64; Redis compares ints from it.
            let (mut lo, mut hi) = (pattern[p] as i8 as i32, pattern[p + 2] as i8 as i32);
            let mut ch = c as i8 as i32;
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            if nocase {
                (lo, hi, ch) = (lower(lo), lower(hi), lower(ch));
            }
            p += 2;
            hit |= ch >= lo && ch <= hi;
        } else {
            hit |= eq(pattern[p], c, nocase);
        }
        p += 1;
    }
    (p, hit != not)
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    a == b || (nocase && a.eq_ignore_ascii_case(&b))
}

/// glibc's `tolower` in the "C" locale on a `char` promoted to `int`: ASCII
/// letters fold, and negative values other than EOF (-1) come back as their
/// unsigned byte (glibc's table does that; it matters inside `nocase` ranges).
fn lower(c: i32) -> i32 {
    match c {
        65..=90 => c + 32,
        -128..=-2 => c + 256,
        _ => c,
    }
}

/// True if `pattern` has no glob syntax (`*`, `?`, `[`, `\`), so it matches
/// exactly the one string equal to it: KEYS and SCAN can look it up directly.
pub fn is_pattern_literal(pattern: &[u8]) -> bool {
    !pattern
        .iter()
        .any(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A direct, recursive transcription of Redis's `stringmatchlen_impl`,
    /// reads past the end included (they see C's terminating NUL): the
    /// oracle the loop above is checked against.
    fn redis_impl(pat: &[u8], st: &[u8], nocase: bool, skip: &mut bool, nesting: usize) -> bool {
        let at = |b: &[u8], i: usize| b.get(i).copied().unwrap_or(0);
        if nesting > 1000 {
            return false;
        }
        let (mut p, mut s) = (0usize, 0usize);
        let (plen, slen) = (pat.len(), st.len());
        while p < plen && s < slen {
            match pat[p] {
                b'*' => {
                    while p < plen && at(pat, p + 1) == b'*' {
                        p += 1;
                    }
                    if plen - p == 1 {
                        return true;
                    }
                    while s < slen {
                        if redis_impl(&pat[p + 1..], &st[s..], nocase, skip, nesting + 1) {
                            return true;
                        }
                        if *skip {
                            return false;
                        }
                        s += 1;
                    }
                    *skip = true;
                    return false;
                }
                b'?' => s += 1,
                b'[' => {
                    p += 1;
                    let not = at(pat, p) == b'^';
                    if not {
                        p += 1;
                    }
                    let mut m = false;
                    loop {
                        let rest = plen - p;
                        if at(pat, p) == b'\\' && rest >= 2 {
                            p += 1;
                            if pat[p] == st[s] {
                                m = true;
                            }
                        } else if at(pat, p) == b']' {
                            break;
                        } else if rest == 0 {
                            p -= 1;
                            break;
                        } else if rest >= 3 && pat[p + 1] == b'-' {
                            let mut a = pat[p] as i8 as i32;
                            let mut b = pat[p + 2] as i8 as i32;
                            let mut c = st[s] as i8 as i32;
                            if a > b {
                                std::mem::swap(&mut a, &mut b);
                            }
                            if nocase {
                                a = lower(a);
                                b = lower(b);
                                c = lower(c);
                            }
                            p += 2;
                            if c >= a && c <= b {
                                m = true;
                            }
                        } else if !nocase {
                            if pat[p] == st[s] {
                                m = true;
                            }
                        } else if lower(pat[p] as i8 as i32) == lower(st[s] as i8 as i32) {
                            m = true;
                        }
                        p += 1;
                    }
                    if not {
                        m = !m;
                    }
                    if !m {
                        return false;
                    }
                    s += 1;
                }
                b => {
                    if b == b'\\' && plen - p >= 2 {
                        p += 1;
                    }
                    let (x, y) = (pat[p] as i8 as i32, st[s] as i8 as i32);
                    if (!nocase && x != y) || (nocase && lower(x) != lower(y)) {
                        return false;
                    }
                    s += 1;
                }
            }
            p += 1;
            if s == slen {
                while at(pat, p) == b'*' {
                    p += 1;
                }
                break;
            }
        }
        p == plen && s == slen
    }

    fn redis(pat: &[u8], st: &[u8], nocase: bool) -> bool {
        redis_impl(pat, st, nocase, &mut false, 0)
    }

    fn m(p: &str, s: &str) -> bool {
        let r = glob_match(p.as_bytes(), s.as_bytes(), false);
        assert_eq!(
            r,
            redis(p.as_bytes(), s.as_bytes(), false),
            "oracle disagrees on {p:?} {s:?}"
        );
        r
    }

    fn mi(p: &str, s: &str) -> bool {
        let r = glob_match(p.as_bytes(), s.as_bytes(), true);
        assert_eq!(
            r,
            redis(p.as_bytes(), s.as_bytes(), true),
            "oracle disagrees on {p:?} {s:?}"
        );
        r
    }

    #[test]
    fn keys_documentation_examples() {
        for s in ["hello", "hallo", "hxllo"] {
            assert!(m("h?llo", s));
        }
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(m("h[^e]llo", "hbllo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hallo"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(!m("h[a-b]llo", "hcllo"));
    }

    #[test]
    fn keyspace_tcl_cases() {
        // KEYS with pattern
        for k in ["foo_a", "foo_b", "foo_c"] {
            assert!(m("foo*", k));
        }
        for k in ["key_x", "key_y", "key_z"] {
            assert!(!m("foo*", k));
            assert!(m("*", k));
        }
        // KEYS with hashtag
        assert!(m("{a}*", "{a}x"));
        assert!(!m("{a}*", "{b}a"));
        assert!(m("*{b}*", "{b}c"));
        assert!(!m("*{b}*", "{a}y"));
        // SCAN MATCH
        assert!(m("key:1*", "key:1"));
        assert!(m("key:1*", "key:199"));
        assert!(!m("key:1*", "key:2"));
        // PSUBSCRIBE
        assert!(m("foo.*", "foo.1"));
        assert!(!m("foo.*", "foo"));
        assert!(m("__key*__:*", "__keyspace@0__:foo"));
    }

    #[test]
    fn stars() {
        assert!(m("*", "a"));
        assert!(m("**", "abc"));
        assert!(m("a*", "a"));
        assert!(m("a***", "a"));
        assert!(m("*a", "a"));
        assert!(m("*a*", "bab"));
        assert!(m("a*b*c", "aXbYc"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*b*c", "acb"));
        assert!(m("*.png", "cdn/eu/assets/logo.png"));
        assert!(m("a*a", "aaa"));
        assert!(!m("a*a", "a"));
        // Redis: the empty string matches only the empty pattern.
        assert!(!m("*", ""));
        assert!(!m("**", ""));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(!m("a", ""));
        assert!(!m("?", ""));
    }

    #[test]
    fn question_mark_is_one_byte() {
        assert!(m("?", "a"));
        assert!(!m("?", "ab"));
        assert!(m("??", "ab"));
        assert!(!glob_match(b"?", "é".as_bytes(), false));
        assert!(glob_match(b"??", "é".as_bytes(), false));
        assert!(m("*?", "a"));
        assert!(!m("?*?", "a"));
    }

    #[test]
    fn classes() {
        assert!(m("[abc]", "b"));
        assert!(!m("[abc]", "d"));
        assert!(m("[^abc]", "d"));
        assert!(!m("[^abc]", "a"));
        assert!(m("[a-c]x", "bx"));
        assert!(m("[c-a]x", "bx"), "reversed range");
        assert!(m("[0-9][0-9]", "42"));
        assert!(!m("[0-9]", "a"));
        assert!(m("[a-cx-z]", "y"));
        assert!(m("[-a]", "-"));
        assert!(m("[]]", "]") == redis(b"[]]", b"]", false));
        assert!(!m("[]", "]"));
        assert!(m("[\\]]", "]"), "escaped bracket inside a class");
        assert!(m("[\\-]", "-"));
        assert!(m("[\\^a]", "^"));
        assert!(m("x[*?]", "x*"));
        assert!(!m("x[*?]", "xa"));
        // `a-]` is a range to `]` when three bytes remain, as in Redis.
        assert!(m("[a-]x", "bx") == redis(b"[a-]x", b"bx", false));
    }

    #[test]
    fn unterminated_class() {
        assert!(!m("[", "a"));
        assert!(m("[a", "a"));
        assert!(!m("[a", "b"));
        assert!(m("[ab", "b"));
        assert!(m("x[a", "xa"));
        assert!(m("[^", "z"), "an empty negated class matches any byte");
        assert!(m("a[^", "ab"));
        assert!(!m("a[", "ab"));
        assert!(m("[a-", "-") == redis(b"[a-", b"-", false));
        assert!(m("[\\", "\\"));
    }

    #[test]
    fn escapes() {
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("a\\?", "a?"));
        assert!(!m("a\\?", "ab"));
        assert!(m("\\[a]", "[a]"));
        assert!(m("\\\\", "\\"));
        assert!(m("\\", "\\"), "a trailing lone backslash is literal");
        assert!(m("a\\", "a\\"));
        assert!(m("\\a", "a"));
        assert!(m("*\\*", "abc*"));
    }

    #[test]
    fn nocase() {
        assert!(mi("HELLO", "hello"));
        assert!(mi("h*O", "HellO"));
        assert!(mi("[A-Z]", "q"));
        assert!(mi("[a-z]", "Q"));
        assert!(mi("[AB]", "b"));
        assert!(!m("HELLO", "hello"));
        assert!(!m("[A-Z]", "q"));
        // Escapes inside a class stay case-sensitive.
        assert!(!mi("[\\A]", "a"));
        assert!(mi("\\A", "a"));
        // Lower-casing happens after the swap: Z..a becomes z..a, empty.
        assert!(!mi("[Z-a]", "_"));
        assert!(m("[Z-a]", "_"));
    }

    #[test]
    fn bytes_not_chars() {
        assert!(glob_match(b"a\xffb", b"a\xffb", false));
        assert!(glob_match(b"a?b", b"a\x00b", false));
        assert!(glob_match(b"[\x80-\xff]", b"\x90", false));
        assert!(redis(b"[\x80-\xff]", b"\x90", false));
        // Signed `char` ends: a-\xff is \xff..a, so \x80 is outside it.
        assert!(!glob_match(b"[a-\xff]", b"\x80", false));
        assert!(glob_match(b"[a-\xff]", b"\x00", false));
        assert!(glob_match(b"*\x00*", b"ab\x00cd", false));
        // nocase: glibc's tolower turns -128 back into 128 but keeps -1, so
        // \x01-\x80 is -128..1 case-sensitively and 128..1 (empty) folded.
        assert!(glob_match(b"[\x01-\x80]", b"\xff", false));
        assert!(!glob_match(b"[\x01-\x80]", b"\xff", true));
        assert!(!redis(b"[\x01-\x80]", b"\xff", true));
    }

    #[test]
    fn long_nested_loops_regression() {
        // keyspace.tcl "Regression for pattern matching long nested loops".
        let key = vec![b'a'; 126];
        let pat = format!("{}b", "a*".repeat(82));
        assert!(!glob_match(pat.as_bytes(), &key, false));
    }

    #[test]
    fn very_long_nested_loops_regression() {
        // keyspace.tcl: KEYS [string repeat "*?" 50000] against 50,000 a's is
        // empty: the nesting limit ends the search.
        let key = vec![b'a'; 50_000];
        let pat = "*?".repeat(50_000);
        assert!(!glob_match(pat.as_bytes(), &key, false));
        // Below the limit the same shape matches.
        let key = vec![b'a'; 900];
        let pat = "*?".repeat(900);
        assert!(glob_match(pat.as_bytes(), &key, false));
        assert!(redis(pat.as_bytes(), &key, false));
    }

    #[test]
    fn nesting_limit_is_redis_limit() {
        let key = vec![b'a'; 1100];
        for n in [999usize, 1000, 1001, 1002] {
            let pat = "a*".repeat(n) + "a";
            assert_eq!(
                glob_match(pat.as_bytes(), &key, false),
                redis(pat.as_bytes(), &key, false),
                "{n} stars"
            );
        }
        // A trailing star does not count against the limit.
        let pat = "?*".repeat(1001);
        assert_eq!(
            glob_match(pat.as_bytes(), &key, false),
            redis(pat.as_bytes(), &key, false)
        );
    }

    #[test]
    fn abusive_patterns_are_fast() {
        let key = vec![b'a'; 10_000];
        let t = std::time::Instant::now();
        assert!(!glob_match(b"*a*a*a*a*a*a*a*a*b", &key, false));
        let pat = format!("{}b", "*a".repeat(500));
        assert!(!glob_match(pat.as_bytes(), &key, false));
        assert!(!glob_match(b"*aaaaaaaaaaaaaaaaaaab", &key, true));
        assert!(glob_match(b"*a*a*a*a*a*a*a*a*a", &key, false));
        assert!(
            t.elapsed() < std::time::Duration::from_millis(500),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn literal_patterns() {
        assert!(is_pattern_literal(b"user:1000"));
        assert!(is_pattern_literal(b""));
        assert!(is_pattern_literal(b"a]b^c-d{e}"));
        for p in [&b"a*"[..], b"a?", b"[a]", b"a\\b", b"*"] {
            assert!(!is_pattern_literal(p), "{p:?}");
        }
        // A literal pattern matches exactly itself.
        assert!(glob_match(b"a]b^c", b"a]b^c", false));
        assert!(!glob_match(b"a]b^c", b"a]b^cd", false));
    }

    /// Random patterns over a small alphabet heavy in syntax, checked
    /// against the recursive transcription.
    #[test]
    fn agrees_with_redis_transcription() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pat_alpha = b"ab*?[]^-\\Az\xff";
        let str_alpha = b"abAz-]\\*\xff";
        for _ in 0..300_000 {
            let pl = (next() % 9) as usize;
            let sl = (next() % 8) as usize;
            let pat: Vec<u8> = (0..pl)
                .map(|_| pat_alpha[(next() % pat_alpha.len() as u64) as usize])
                .collect();
            let st: Vec<u8> = (0..sl)
                .map(|_| str_alpha[(next() % str_alpha.len() as u64) as usize])
                .collect();
            for nocase in [false, true] {
                assert_eq!(
                    glob_match(&pat, &st, nocase),
                    redis(&pat, &st, nocase),
                    "pattern {:?} string {:?} nocase {nocase}",
                    String::from_utf8_lossy(&pat),
                    String::from_utf8_lossy(&st)
                );
            }
        }
    }
}
