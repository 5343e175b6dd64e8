/*
 * Redis's number routines that must use the C library to be byte-exact:
 * strtod/strtold parsing and the x87 80-bit long double arithmetic and
 * formatting behind INCRBYFLOAT and HINCRBYFLOAT (Redis 7.0 util.c:
 * string2d, string2ld, ld2string with LD_STR_HUMAN; t_string.c:
 * incrbyfloatCommand). A `long double` never crosses into Rust: the Rust
 * side (src/num.rs) only sees bytes and status codes.
 *
 * All functions are pure apart from errno, which they set and read on the
 * calling thread only.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis's MAX_LONG_DOUBLE_CHARS: the buffer size string2ld copies into and
 * createStringObjectFromLongDouble formats into. */
#define RINGKV_MAX_LONG_DOUBLE_CHARS (5 * 1024)

/* Redis string2d / getDoubleFromObject. `buf` must be NUL-terminated with
 * strlen(buf) == len (the caller rejects inputs holding a NUL byte, which
 * Redis rejects too because strtod stops there). Returns 1 and stores the
 * value on success, 0 when Redis would reply "value is not a valid float". */
int ringkv_parse_d(const char *buf, size_t len, double *out) {
    char *eptr;
    double value;

    if (len == 0) return 0;
    errno = 0;
    value = strtod(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || (size_t)(eptr - buf) != len ||
        (errno == ERANGE &&
         (value == HUGE_VAL || value == -HUGE_VAL || fpclassify(value) == FP_ZERO)) ||
        isnan(value))
        return 0;
    *out = value;
    return 1;
}

/* Redis string2ld: 1 and *out set on success, 0 otherwise. `s` need not be
 * NUL-terminated and may hold NUL bytes (which make it invalid, as in
 * Redis, because strtold stops there). */
int ringkv_parse_ld(const char *s, size_t len, long double *out) {
    char buf[RINGKV_MAX_LONG_DOUBLE_CHARS];
    long double value;
    char *eptr;

    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';

    errno = 0;
    value = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || eptr[0] != '\0' || (size_t)(eptr - buf) != len ||
        (errno == ERANGE &&
         (value == HUGE_VAL || value == -HUGE_VAL || fpclassify(value) == FP_ZERO)) ||
        isnan(value))
        return 0;
    if (out) *out = value;
    return 1;
}

/* Classifies `s` for callers that cannot hold a long double: 0 when
 * string2ld rejects it, 1 when it is a finite value, 2 when it is +/-inf
 * (HINCRBYFLOAT replies "value is NaN or Infinity" for that). */
int ringkv_ld_classify(const char *s, size_t len) {
    long double value;

    if (!ringkv_parse_ld(s, len, &value)) return 0;
    return isinf(value) ? 2 : 1;
}

/* Redis ld2string(buf, len, value, LD_STR_HUMAN): "%.17Lf", trailing zeros
 * after the '.' and then a bare '.' removed, "-0" turned into "0"; infinities
 * are "inf" / "-inf". Returns the length written (NUL-terminated), or 0 when
 * `len` is too small, in which case buf holds "" (when len > 0). */
int ringkv_ld2string(char *buf, size_t len, long double value) {
    size_t l = 0;

    if (len == 0) return 0;
    if (isinf(value)) {
        if (len < 5) { /* No room: 5 is "-inf\0". */
            buf[0] = '\0';
            return 0;
        }
        if (value > 0) {
            memcpy(buf, "inf", 3);
            l = 3;
        } else {
            memcpy(buf, "-inf", 4);
            l = 4;
        }
    } else {
        int n = snprintf(buf, len, "%.17Lf", value);
        if (n < 0 || (size_t)n + 1 > len) {
            buf[0] = '\0';
            return 0;
        }
        l = (size_t)n;
        if (strchr(buf, '.') != NULL) {
            char *p = buf + l - 1;
            while (*p == '0') {
                p--;
                l--;
            }
            if (*p == '.') l--;
        }
        if (l == 2 && buf[0] == '-' && buf[1] == '0') {
            buf[0] = '0';
            l = 1;
        }
    }
    buf[l] = '\0';
    return (int)l;
}

/* INCRBYFLOAT's arithmetic: parse both (current first, as Redis does), add
 * in long double, refuse NaN/inf, format for humans into `out`
 * (NUL-terminated; give it RINGKV_MAX_LONG_DOUBLE_CHARS bytes, as Redis
 * does, or the result may come back empty).
 * Returns 0 ok, 1 current value not a float, 2 increment not a float,
 * 3 the result is NaN or infinite. */
int ringkv_incrbyfloat(const char *cur, size_t curlen, const char *incr, size_t incrlen,
                       char *out, size_t outlen) {
    long double value, by;

    if (!ringkv_parse_ld(cur, curlen, &value)) return 1;
    if (!ringkv_parse_ld(incr, incrlen, &by)) return 2;
    value += by;
    if (isnan(value) || isinf(value)) return 3;
    ringkv_ld2string(out, outlen, value);
    return 0;
}
