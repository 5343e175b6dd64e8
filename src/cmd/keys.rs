//! Key specs: where a command's keys are in its arguments. One generic
//! function (`key_positions`) reads them for routing, COMMAND GETKEYS and,
//! later, the AOF and ACLs.

use bytes::Bytes;

/// Where the keys are. Positions count the command name as 0.
#[derive(Clone, Copy, Debug)]
pub enum KeySpec {
    /// No keys.
    None,
    /// Keys at first, first+step, ... up to last (negative last counts from
    /// the end: -1 = the last argument), like Redis's legacy (first, last, step).
    Range { first: i32, last: i32, step: i32 },
    /// The number of keys is at `numkeys`, keys start `first` positions after
    /// it (ZUNIONSTORE dst 2 a b: Keynum{numkeys:2, first:1, step:1}), with a
    /// preceding fixed key at `fixed` if non-zero (the destination).
    Keynum {
        fixed: i32,
        numkeys: i32,
        first: i32,
        step: i32,
    },
    /// A custom finder for odd commands (SORT: the source, then the STORE
    /// destination found among the options). The keys a bare call
    /// (`cmd key`) names are the fixed ones COMMAND INFO reports.
    Custom(fn(&[Bytes]) -> Vec<usize>),
}

impl KeySpec {
    /// One key at position 1.
    pub const fn single() -> KeySpec {
        KeySpec::Range {
            first: 1,
            last: 1,
            step: 1,
        }
    }

    /// Keys from position 1 to the end.
    pub const fn all_from(first: i32) -> KeySpec {
        KeySpec::Range {
            first,
            last: -1,
            step: 1,
        }
    }

    pub const fn range(first: i32, last: i32, step: i32) -> KeySpec {
        KeySpec::Range { first, last, step }
    }

    /// (first, last, step) as COMMAND INFO reports them.
    pub fn legacy_triple(&self) -> (i64, i64, i64) {
        match *self {
            KeySpec::None => (0, 0, 0),
            KeySpec::Range { first, last, step } => (first as i64, last as i64, step as i64),
            KeySpec::Keynum { fixed, .. } if fixed > 0 => (fixed as i64, fixed as i64, 1),
            KeySpec::Keynum { .. } => (0, 0, 0),
            // Redis reports a movable-keys command's fixed leading key
            // (SORT: 1 1 1): the one a bare `cmd key` call names.
            KeySpec::Custom(f) => match f(&[Bytes::new(), Bytes::new()])[..] {
                [p] => (p as i64, p as i64, 1),
                _ => (0, 0, 0),
            },
        }
    }

    /// Whether keys are found by looking at arguments (Redis's movablekeys).
    pub fn movable(&self) -> bool {
        matches!(self, KeySpec::Keynum { .. } | KeySpec::Custom(_))
    }

    /// The step between keys (the number of arguments that belong to each key).
    pub fn step(&self) -> usize {
        match *self {
            KeySpec::Range { step, .. } | KeySpec::Keynum { step, .. } => step.max(1) as usize,
            _ => 1,
        }
    }
}

/// Positions of the keys in `argv`. Positions past the end are left out,
/// so a malformed command yields fewer keys, never a panic.
pub fn key_positions(spec: &KeySpec, argv: &[Bytes], out: &mut Vec<usize>) {
    let argc = argv.len() as i64;
    match *spec {
        KeySpec::None => {}
        KeySpec::Range { first, last, step } => {
            let last = if last < 0 {
                argc + last as i64
            } else {
                last as i64
            };
            let step = step.max(1) as i64;
            let mut i = first as i64;
            while i <= last && i < argc {
                out.push(i as usize);
                i += step;
            }
        }
        KeySpec::Keynum {
            fixed,
            numkeys,
            first,
            step,
        } => {
            if fixed > 0 && (fixed as i64) < argc {
                out.push(fixed as usize);
            }
            let Some(n) = argv
                .get(numkeys as usize)
                .and_then(|b| crate::num::parse_i64(b))
            else {
                return;
            };
            if n <= 0 {
                return;
            }
            let start = numkeys as i64 + first as i64;
            let step = step.max(1) as i64;
            // A count that runs past the end makes the command a syntax
            // error: like Redis's getkeys procs, name none of its "keys"
            // (they would be options, and could span shards for nothing).
            if start.saturating_add((n - 1).saturating_mul(step)) >= argc {
                return;
            }
            for k in 0..n {
                out.push((start + k * step) as usize);
            }
        }
        KeySpec::Custom(f) => out.extend(f(argv).into_iter().filter(|&i| i < argv.len())),
    }
}

/// XREAD / XREADGROUP keys (Redis's xreadGetKeys): after the STREAMS
/// keyword, the first half of the remaining arguments (the ids are the
/// other half). Options before STREAMS are skipped with their arguments;
/// anything else, or an odd count, means no keys.
pub fn after_streams(argv: &[Bytes]) -> Vec<usize> {
    let is = |a: &Bytes, s: &str| a.eq_ignore_ascii_case(s.as_bytes());
    let mut i = 1;
    let mut streams = None;
    while i < argv.len() {
        let a = &argv[i];
        if is(a, "block") || is(a, "count") {
            i += 1;
        } else if is(a, "group") {
            i += 2;
        } else if is(a, "noack") {
        } else if is(a, "streams") {
            streams = Some(i);
            break;
        } else {
            break;
        }
        i += 1;
    }
    let Some(p) = streams else {
        return Vec::new();
    };
    let rest = argv.len() - p - 1;
    if rest == 0 || !rest.is_multiple_of(2) {
        return Vec::new();
    }
    (p + 1..p + 1 + rest / 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<Bytes> {
        s.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    #[test]
    fn ranges() {
        let mut out = Vec::new();
        key_positions(&KeySpec::range(1, -1, 2), &argv("mset a 1 b 2"), &mut out);
        assert_eq!(out, vec![1, 3]);
        out.clear();
        key_positions(&KeySpec::single(), &argv("get"), &mut out);
        assert!(out.is_empty());
        out.clear();
        key_positions(&KeySpec::range(1, -2, 1), &argv("blpop a b 0"), &mut out);
        assert_eq!(out, vec![1, 2]);
    }

    #[test]
    fn keynum() {
        let mut out = Vec::new();
        let spec = KeySpec::Keynum {
            fixed: 1,
            numkeys: 2,
            first: 1,
            step: 1,
        };
        key_positions(&spec, &argv("zunionstore d 2 a b weights 1 2"), &mut out);
        assert_eq!(out, vec![1, 3, 4]);
        out.clear();
        key_positions(&spec, &argv("zunionstore d 99 a"), &mut out);
        assert_eq!(out, vec![1]);
        out.clear();
        key_positions(&spec, &argv("zunionstore d 3 a aggregate sum"), &mut out);
        assert_eq!(out, vec![1, 3, 4, 5]);
        out.clear();
        key_positions(&spec, &argv("zunionstore d 0 a"), &mut out);
        assert_eq!(out, vec![1]);
        out.clear();
        let zmpop = KeySpec::Keynum {
            fixed: 0,
            numkeys: 1,
            first: 1,
            step: 1,
        };
        key_positions(&zmpop, &argv("zmpop 2 a b min"), &mut out);
        assert_eq!(out, vec![2, 3]);
        out.clear();
        key_positions(&zmpop, &argv("zmpop 9223372036854775807 a min"), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn custom() {
        fn store_after(argv: &[Bytes]) -> Vec<usize> {
            let mut v = vec![1];
            v.extend((2..argv.len()).filter(|&i| argv[i - 1].eq_ignore_ascii_case(b"store")));
            v
        }
        let spec = KeySpec::Custom(store_after);
        let mut out = Vec::new();
        key_positions(&spec, &argv("sort k limit 0 1 store d"), &mut out);
        assert_eq!(out, vec![1, 6]);
        out.clear();
        key_positions(&spec, &argv("sort"), &mut out);
        assert!(out.is_empty());
        assert_eq!(spec.legacy_triple(), (1, 1, 1));
        assert!(spec.movable());
        assert_eq!(KeySpec::Custom(|_| Vec::new()).legacy_triple(), (0, 0, 0));
    }

    #[test]
    fn streams_keyword() {
        let spec = KeySpec::Custom(after_streams);
        let mut out = Vec::new();
        key_positions(
            &spec,
            &argv("xread count 2 block 0 streams a b 0 0"),
            &mut out,
        );
        assert_eq!(out, vec![6, 7]);
        out.clear();
        key_positions(
            &spec,
            &argv("xreadgroup group streams c noack streams s >"),
            &mut out,
        );
        assert_eq!(out, vec![6]);
        out.clear();
        key_positions(&spec, &argv("xread streams a b 0"), &mut out);
        assert!(out.is_empty());
        out.clear();
        key_positions(&spec, &argv("xread foo streams a 0"), &mut out);
        assert!(out.is_empty());
        out.clear();
        key_positions(&spec, &argv("xread count 1 streams"), &mut out);
        assert!(out.is_empty());
    }
}
