/*
 * util.c: number and pattern helpers (see util.h).
 */
#include "util.h"

#include "alloc.h"
#include "resp.h"

#include <ctype.h>
#include <math.h>

#define KV_GROW_PREALLOC (1024 * 1024)

int kv_string2ld(const char *s, size_t len, long double *out)
{
    char buf[KV_LD_STR_MAX];
    long double v;
    char *end;

    if (len == 0 || len >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtold(buf, &end);
    /* Redis 7.0.15 wants every byte parsed: a NUL inside is an error. */
    if (isspace((unsigned char) buf[0]) || end != buf + len ||
        (errno == ERANGE &&
         (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO)) ||
        isnan(v)) {
        return 0;
    }
    *out = v;
    return 1;
}

int kv_string2d(const char *s, size_t len, double *out)
{
    char sbuf[KV_LD_STR_MAX], *buf = sbuf;
    double v;
    char *end;
    int ok;

    /* Unlike string2ld(), Redis's string2d() has no length limit and wants
     * every byte parsed (a NUL inside the argument is an error). */
    if (len == 0) {
        return 0;
    }
    if (len >= sizeof(sbuf)) {
        buf = kv_malloc(len + 1);
        if (buf == NULL) {
            return 0;
        }
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtod(buf, &end);
    ok = !(isspace((unsigned char) buf[0]) || end != buf + len ||
           (errno == ERANGE &&
            (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) ||
           isnan(v));
    if (buf != sbuf) {
        kv_free(buf);
    }
    if (ok) {
        *out = v;
    }
    return ok;
}

size_t kv_ld2str(char *buf, size_t len, long double v)
{
    int n;

    if (isinf(v)) {
        const char *s = v > 0 ? "inf" : "-inf";
        n = snprintf(buf, len, "%s", s);
        return n > 0 && (size_t) n < len ? (size_t) n : 0;
    }
    n = snprintf(buf, len, "%.17Lf", v);
    if (n < 0 || (size_t) n + 1 > len) {
        return 0;
    }
    if (strchr(buf, '.') != NULL) {
        char *p = buf + n - 1;
        while (*p == '0') {
            p--;
            n--;
        }
        if (*p == '.') {
            n--;
        }
    }
    if (n == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        n = 1;
    }
    buf[n] = '\0';
    return (size_t) n;
}

int kv_string2ull(const char *s, size_t len, unsigned long long *out)
{
    return kv_parse_digits(s, len, ULLONG_MAX, out);
}

int kv_parse_cursor(const char *s, size_t len, unsigned long long *out)
{
    char buf[64], *end;

    if (len >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    *out = strtoull(buf, &end, 10);
    return !isspace((unsigned char) buf[0]) && end[0] == '\0' &&
           errno != ERANGE;
}

static int kv_lower(int c, int nocase)
{
    return nocase ? tolower(c) : c;
}

/* The matcher proper; depth bounds the recursion on runs of '*'. */
static int kv_glob(const char *p, size_t plen, const char *s, size_t slen,
                   int nocase, int *skip_longer, int depth)
{
    if (depth > 1000) {
        return 0; /* pathological pattern: treat as no match */
    }
    while (plen && slen) {
        switch (p[0]) {
        case '*':
            while (plen > 1 && p[1] == '*') {
                p++;
                plen--;
            }
            if (plen == 1) {
                return 1;
            }
            while (slen) {
                if (kv_glob(p + 1, plen - 1, s, slen, nocase, skip_longer,
                            depth + 1)) {
                    return 1;
                }
                if (*skip_longer) {
                    return 0;
                }
                s++;
                slen--;
            }
            /* No match for the rest of the pattern anywhere in a
             * shorter string: longer ones cannot match either. */
            *skip_longer = 1;
            return 0;
        case '?':
            s++;
            slen--;
            break;
        case '[': {
            int not, match = 0;
            p++;
            plen--;
            not = plen && p[0] == '^';
            if (not ) {
                p++;
                plen--;
            }
            for (;;) {
                if (plen && p[0] == '\\' && plen >= 2) {
                    p++;
                    plen--;
                    if (p[0] == s[0]) {
                        match = 1;
                    }
                } else if (plen == 0 || p[0] == ']') {
                    break;
                } else if (plen >= 3 && p[1] == '-') {
                    int start = kv_lower((unsigned char) p[0], nocase);
                    int end = kv_lower((unsigned char) p[2], nocase);
                    int ch = kv_lower((unsigned char) s[0], nocase);
                    if (start > end) {
                        int t = start;
                        start = end;
                        end = t;
                    }
                    p += 2;
                    plen -= 2;
                    if (ch >= start && ch <= end) {
                        match = 1;
                    }
                } else if (kv_lower((unsigned char) p[0], nocase) ==
                           kv_lower((unsigned char) s[0], nocase)) {
                    match = 1;
                }
                p++;
                plen--;
            }
            if (plen == 0) {
                /* "[" without "]": Redis steps back onto the last byte. */
                p--;
                plen++;
            }
            if (not ) {
                match = !match;
            }
            if (!match) {
                return 0;
            }
            s++;
            slen--;
            break;
        }
        case '\\':
            if (plen >= 2) {
                p++;
                plen--;
            }
            /* fall through */
        default:
            if (kv_lower((unsigned char) p[0], nocase) !=
                kv_lower((unsigned char) s[0], nocase)) {
                return 0;
            }
            s++;
            slen--;
            break;
        }
        p++;
        plen--;
        if (slen == 0) {
            while (plen && *p == '*') {
                p++;
                plen--;
            }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

int kv_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
                  int nocase)
{
    int skip_longer = 0;

    return kv_glob(pat, plen, s, slen, nocase, &skip_longer, 0);
}

size_t kv_grow_cap(size_t old, size_t need)
{
    size_t cap = old ? old : 16;

    if (need <= old) {
        return old;
    }
    if (need < KV_GROW_PREALLOC) {
        while (cap < need) {
            cap *= 2;
        }
        return cap;
    }
    return need + KV_GROW_PREALLOC;
}
