/*
 * resp.c: the RESP2 request parser (see resp.h), following what Redis 7.0
 * accepts: multibulk requests ("*N\r\n$len\r\n...") and inline requests (a
 * line of words, with "double" and 'single' quoting as in redis-cli).
 */
#include "resp.h"

#include <ctype.h>

#include "alloc.h"

void kv_resp_parser_init(kv_resp_parser_t *p)
{
    memset(p, 0, sizeof(*p));
    p->bulk = -1;
}

void kv_resp_parser_free(kv_resp_parser_t *p)
{
    kv_free(p->off);
    kv_free(p->ibuf);
    kv_free(p->argv);
    kv_resp_parser_init(p);
}

void kv_resp_parser_reset(kv_resp_parser_t *p)
{
    if (p->cap > KV_RESP_KEEP_ARGS || p->argv_cap > KV_RESP_KEEP_ARGS ||
        p->ibuf_cap > KV_PROTO_INLINE_MAX) {
        kv_resp_parser_free(p);
        return;
    }
    p->cur = 0;
    p->mbulk = 0;
    p->bulk = -1;
    p->argc = 0;
    p->is_inline = 0;
}

int kv_resp_in_command(const kv_resp_parser_t *p)
{
    return p->mbulk > 0;
}

int kv_parse_digits(const char *s, size_t len, unsigned long long max,
                    unsigned long long *out)
{
    unsigned long long v = 0;

    if (len == 0 || len > 20) {
        return 0;
    }
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    if (s[0] < '1' || s[0] > '9') {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        d = (unsigned) (s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) {
            return 0;
        }
        v = v * 10 + d;
    }
    if (v > max) {
        return 0;
    }
    *out = v;
    return 1;
}

int kv_string2ll(const char *s, size_t len, long long *out)
{
    unsigned long long v;

    if (len > 1 && s[0] == '-') {
        /* "-0" is refused like Redis does: no leading zero after '-'. */
        if (s[1] == '0' ||
            !kv_parse_digits(s + 1, len - 1,
                             (unsigned long long) LLONG_MAX + 1, &v)) {
            return 0;
        }
        *out = (long long) (0 - v);
        return 1;
    }
    if (!kv_parse_digits(s, len, LLONG_MAX, &v)) {
        return 0;
    }
    *out = (long long) v;
    return 1;
}

size_t kv_ll2str(char *buf, long long v)
{
    char tmp[24];
    unsigned long long u =
        v < 0 ? 0 - (unsigned long long) v : (unsigned long long) v;
    size_t n = 0, len = 0;

    do {
        tmp[n++] = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        buf[len++] = '-';
    }
    while (n > 0) {
        buf[len++] = tmp[--n];
    }
    buf[len] = '\0';
    return len;
}

static int kv_resp_grow_args(kv_resp_parser_t *p)
{
    if (p->argc < p->cap) {
        return KV_OK;
    }
    int ncap = p->cap ? p->cap * 2 : 16;
    size_t *noff = kv_realloc(p->off, sizeof(size_t) * 2 * (size_t) ncap);
    if (noff == NULL) {
        return KV_ERROR;
    }
    p->off = noff;
    p->cap = ncap;
    return KV_OK;
}

static int kv_resp_grow_argv(kv_resp_parser_t *p, int n)
{
    if (n <= p->argv_cap) {
        return KV_OK;
    }
    int ncap = p->argv_cap ? p->argv_cap : 16;
    while (ncap < n) {
        ncap *= 2;
    }
    kv_str_t *na = kv_realloc(p->argv, sizeof(kv_str_t) * (size_t) ncap);
    if (na == NULL) {
        return KV_ERROR;
    }
    p->argv = na;
    p->argv_cap = ncap;
    return KV_OK;
}

/*
 * Find the '\r' ending a header line the way Redis does with strchr() on
 * its NUL-terminated buffer: a NUL byte before the '\r' hides it, and the
 * line counts as incomplete. Returns the index of '\r' with a byte after
 * it, or -1 when the line is not complete yet.
 */
static ssize_t kv_resp_find_cr(const char *buf, size_t from, size_t len)
{
    for (size_t i = from; i < len; i++) {
        if (buf[i] == '\r') {
            return i + 1 < len ? (ssize_t) i : -1;
        }
        if (buf[i] == '\0') {
            return -1;
        }
    }
    return -1;
}

/*
 * The common header line, "*<n>\r\n" or "$<n>\r\n" at buf[from] with n
 * plain decimal digits, read in one pass. Returns n and sets *next past
 * the line, or returns -1 for anything else (an incomplete line, a sign,
 * a leading zero, a NUL, more than 18 digits): the caller then takes the
 * general path, which knows every error, so both accept exactly the same
 * input. 18 digits cannot overflow a long long.
 */
static inline long long kv_resp_fast_len(const char *buf, size_t from,
                                         size_t len, size_t *next)
{
    const unsigned char *s = (const unsigned char *) buf + from + 1;
    size_t avail = len - from - 1, max, i;
    long long v;
    unsigned d;

    /* A digit, "\r" and a byte after it, at least. */
    if (avail < 3 || (d = s[0] - '0') > 9u) {
        return -1;
    }
    if (d == 0) {
        /* "0" alone; "01" is refused by string2ll. */
        if (s[1] != '\r') {
            return -1;
        }
        *next = from + 4;
        return 0;
    }
    /* Digits stop early enough for "\r" and a byte to fit: s[i] below is
     * always inside the buffer. */
    max = avail - 2 < 18 ? avail - 2 : 18;
    v = d;
    for (i = 1; i < max && (d = s[i] - '0') <= 9u; i++) {
        v = v * 10 + d;
    }
    if (s[i] != '\r') {
        return -1;
    }
    *next = from + i + 3;
    return v;
}

static int kv_resp_ibuf_put(kv_resp_parser_t *p, size_t *n, char c)
{
    if (*n == p->ibuf_cap) {
        size_t ncap = p->ibuf_cap ? p->ibuf_cap * 2 : 256;
        char *nb = kv_realloc(p->ibuf, ncap);
        if (nb == NULL) {
            return KV_ERROR;
        }
        p->ibuf = nb;
        p->ibuf_cap = ncap;
    }
    p->ibuf[(*n)++] = c;
    return KV_OK;
}

static int kv_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char) tolower((unsigned char) c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/*
 * sdssplitargs() semantics on line[0 .. len), which ends at len or at the
 * first NUL byte. Arguments are unescaped into p->ibuf; their offsets into
 * ibuf go to p->off. Returns the argument count, or -1 on unbalanced quotes
 * (and -2 when out of memory).
 */
int kv_resp_split_inline(kv_resp_parser_t *p, const char *line, size_t len)
{
    size_t i = 0, n = 0;

#define KV_AT(k) ((k) < len ? line[k] : '\0')
    p->argc = 0;
    for (;;) {
        while (KV_AT(i) != '\0' && isspace((unsigned char) KV_AT(i))) {
            i++;
        }
        if (KV_AT(i) == '\0') {
            return p->argc;
        }
        size_t start = n;
        int inq = 0, insq = 0, done = 0;
        while (!done) {
            char c = KV_AT(i);
            if (inq) {
                if (c == '\\' && KV_AT(i + 1) == 'x' &&
                    kv_hex(KV_AT(i + 2)) >= 0 && kv_hex(KV_AT(i + 3)) >= 0) {
                    char b = (char) (kv_hex(KV_AT(i + 2)) * 16 +
                                     kv_hex(KV_AT(i + 3)));
                    if (kv_resp_ibuf_put(p, &n, b) != KV_OK) {
                        return -2;
                    }
                    i += 3;
                } else if (c == '\\' && KV_AT(i + 1) != '\0') {
                    i++;
                    char e = KV_AT(i);
                    switch (e) {
                    case 'n':
                        e = '\n';
                        break;
                    case 'r':
                        e = '\r';
                        break;
                    case 't':
                        e = '\t';
                        break;
                    case 'b':
                        e = '\b';
                        break;
                    case 'a':
                        e = '\a';
                        break;
                    default:
                        break;
                    }
                    if (kv_resp_ibuf_put(p, &n, e) != KV_OK) {
                        return -2;
                    }
                } else if (c == '"') {
                    /* A closing quote must be followed by a space or the
                     * end of the line. */
                    if (KV_AT(i + 1) != '\0' &&
                        !isspace((unsigned char) KV_AT(i + 1))) {
                        return -1;
                    }
                    done = 1;
                } else if (c == '\0') {
                    return -1;
                } else if (kv_resp_ibuf_put(p, &n, c) != KV_OK) {
                    return -2;
                }
            } else if (insq) {
                if (c == '\\' && KV_AT(i + 1) == '\'') {
                    i++;
                    if (kv_resp_ibuf_put(p, &n, '\'') != KV_OK) {
                        return -2;
                    }
                } else if (c == '\'') {
                    if (KV_AT(i + 1) != '\0' &&
                        !isspace((unsigned char) KV_AT(i + 1))) {
                        return -1;
                    }
                    done = 1;
                } else if (c == '\0') {
                    return -1;
                } else if (kv_resp_ibuf_put(p, &n, c) != KV_OK) {
                    return -2;
                }
            } else {
                switch (c) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0':
                    done = 1;
                    break;
                case '"':
                    inq = 1;
                    break;
                case '\'':
                    insq = 1;
                    break;
                default:
                    if (kv_resp_ibuf_put(p, &n, c) != KV_OK) {
                        return -2;
                    }
                    break;
                }
            }
            if (KV_AT(i) != '\0') {
                i++;
            }
        }
        if (kv_resp_grow_args(p) != KV_OK) {
            return -2;
        }
        p->off[2 * p->argc] = start;
        p->off[2 * p->argc + 1] = n - start;
        p->argc++;
    }
#undef KV_AT
}

static int kv_resp_finish(kv_resp_parser_t *p, const char *base, int *argc)
{
    if (kv_resp_grow_argv(p, p->argc) != KV_OK) {
        return KV_ERROR;
    }
    for (int i = 0; i < p->argc; i++) {
        p->argv[i].p = base + p->off[2 * i];
        p->argv[i].len = p->off[2 * i + 1];
    }
    *argc = p->argc;
    p->argc = 0;
    p->mbulk = 0;
    p->bulk = -1;
    return KV_OK;
}

static int kv_resp_parse_inline(kv_resp_parser_t *p, const char *buf,
                                size_t len, size_t *pos, int *argc,
                                const char **err)
{
    const char *start = buf + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    size_t linelen, used;
    int n;

    /* Redis searches with strchr(): a NUL byte ends the search. */
    const char *nul =
        memchr(start, '\0', nl ? (size_t) (nl - start) : len - *pos);
    if (nul != NULL) {
        nl = NULL;
    }
    if (nl == NULL) {
        if (len - *pos > KV_PROTO_INLINE_MAX) {
            *err = "Protocol error: too big inline request";
            return KV_ERROR;
        }
        return KV_AGAIN;
    }
    used = (size_t) (nl - start) + 1;
    linelen = (size_t) (nl - start);
    if (linelen > 0 && start[linelen - 1] == '\r') {
        linelen--;
    }
    n = kv_resp_split_inline(p, start, linelen);
    if (n == -1) {
        *err = "Protocol error: unbalanced quotes in request";
        return KV_ERROR;
    }
    if (n < 0) {
        *err = "Protocol error: out of memory";
        return KV_ERROR;
    }
    *pos += used;
    if (n == 0) {
        return KV_AGAIN; /* an empty line: nothing to run */
    }
    p->is_inline = 1;
    return kv_resp_finish(p, p->ibuf, argc);
}

/*
 * The arguments of a multibulk command are written straight into p->argv
 * as pointers into buf, the scan state lives in locals: a command that
 * arrives whole (nearly all of them) is parsed in one pass and nothing
 * is converted afterwards. Only when the command is incomplete are the
 * arguments read so far saved as offsets (p->off) with the state, since
 * the caller may move or shift its buffer before the next call; the
 * next call turns them back into pointers.
 */
static int kv_resp_parse_args(kv_resp_parser_t *p, const char *buf, size_t len,
                              size_t *pos, const kv_resp_limits_t *lim,
                              int *argc, const char **err)
{
    size_t cur = p->cur, next;
    int mbulk = p->mbulk, n = p->argc;
    long long bulk = p->bulk, ll;
    kv_str_t *argv = p->argv;
    ssize_t cr;

    while (mbulk > 0) {
        if (bulk < 0) {
            if (cur < len && buf[cur] == '$' &&
                (ll = kv_resp_fast_len(buf, cur, len, &next)) >= 0 &&
                ll <= lim->max_bulk_len) {
                cur = next;
                bulk = ll;
            } else {
                cr = kv_resp_find_cr(buf, cur, len);
                if (cr < 0) {
                    if (len - cur > KV_PROTO_INLINE_MAX) {
                        *err = "Protocol error: too big bulk count string";
                        return KV_ERROR;
                    }
                    break;
                }
                if (buf[cur] != '$') {
                    static char msg[64];
                    snprintf(msg, sizeof(msg),
                             "Protocol error: expected '$', got '%c'",
                             buf[cur]);
                    *err = msg;
                    return KV_ERROR;
                }
                if (!kv_string2ll(buf + cur + 1, (size_t) cr - cur - 1, &ll) ||
                    ll < 0 || ll > lim->max_bulk_len) {
                    *err = "Protocol error: invalid bulk length";
                    return KV_ERROR;
                }
                cur = (size_t) cr + 2;
                bulk = ll;
            }
        }
        /* The bulk and the two bytes after it (Redis does not check
         * that they are "\r\n", and neither do we). */
        if (len - cur < (size_t) bulk + 2) {
            break;
        }
        if (n >= p->argv_cap) {
            if (kv_resp_grow_argv(p, n + 1) != KV_OK) {
                *err = "Protocol error: out of memory";
                return KV_ERROR;
            }
            argv = p->argv;
        }
        argv[n].p = buf + cur;
        argv[n].len = (size_t) bulk;
        n++;
        cur += (size_t) bulk + 2;
        bulk = -1;
        mbulk--;
    }
    if (mbulk == 0) {
        *pos = cur;
        *argc = n;
        p->argc = 0;
        p->mbulk = 0;
        p->bulk = -1;
        return KV_OK;
    }
    /* Incomplete: keep the state, the arguments as offsets. */
    p->argc = 0;
    while (p->argc < n) {
        if (kv_resp_grow_args(p) != KV_OK) {
            *err = "Protocol error: out of memory";
            return KV_ERROR;
        }
        p->off[2 * p->argc] = (size_t) (argv[p->argc].p - buf);
        p->off[2 * p->argc + 1] = argv[p->argc].len;
        p->argc++;
    }
    p->cur = cur;
    p->mbulk = mbulk;
    p->bulk = bulk;
    return KV_AGAIN;
}

int kv_resp_parse(kv_resp_parser_t *p, const char *buf, size_t len, size_t *pos,
                  const kv_resp_limits_t *lim, int *argc, const char **err)
{
    long long ll;
    ssize_t cr;
    size_t next, start = *pos;
    int rc;

    for (;;) {
        if (p->mbulk == 0) {
            if (*pos >= len) {
                return KV_AGAIN;
            }
            if (buf[*pos] != '*') {
                size_t before = *pos;
                rc = kv_resp_parse_inline(p, buf, len, pos, argc, err);
                if (rc == KV_AGAIN && *pos != before) {
                    continue; /* skipped an empty line: try the next */
                }
                return rc;
            }
            ll = kv_resp_fast_len(buf, *pos, len, &next);
            if (ll <= 0 || ll > INT_MAX) {
                cr = kv_resp_find_cr(buf, *pos, len);
                if (cr < 0) {
                    if (len - *pos > KV_PROTO_INLINE_MAX) {
                        *err = "Protocol error: too big mbulk count string";
                        return KV_ERROR;
                    }
                    return KV_AGAIN;
                }
                if (!kv_string2ll(buf + *pos + 1, (size_t) cr - *pos - 1,
                                  &ll) ||
                    ll > INT_MAX) {
                    *err = "Protocol error: invalid multibulk length";
                    return KV_ERROR;
                }
                if (ll <= 0) {
                    *pos = (size_t) cr + 2;
                    continue; /* "*0" and "*-1" are skipped */
                }
                next = (size_t) cr + 2;
            }
            /* *pos stays at the start of the command until it is whole;
             * cur walks through it. */
            start = *pos;
            p->cur = next;
            p->mbulk = (int) ll;
            p->argc = 0;
            p->bulk = -1;
            p->is_inline = 0;
        } else if (p->argc > 0) {
            /* Arguments saved by an earlier call, as offsets. */
            if (kv_resp_grow_argv(p, p->argc) != KV_OK) {
                *err = "Protocol error: out of memory";
                return KV_ERROR;
            }
            for (int i = 0; i < p->argc; i++) {
                p->argv[i].p = buf + p->off[2 * i];
                p->argv[i].len = p->off[2 * i + 1];
            }
        }
        rc = kv_resp_parse_args(p, buf, len, pos, lim, argc, err);
        if (rc == KV_OK) {
            p->start = start;
        }
        return rc;
    }
}

void kv_resp_shift(kv_resp_parser_t *p, size_t n)
{
    /* Only arguments of a multibulk command still being read point into
     * the caller's buffer. */
    if (p->mbulk > 0) {
        p->cur -= n;
        for (int i = 0; i < p->argc; i++) {
            p->off[2 * i] -= n;
        }
    }
}
