/*
 * t_zset.c: the sorted set commands, after Redis 7.0's t_zset.c: the same
 * argument parsing order, error texts, reply shapes and encodings of the
 * results (the value itself is zset.c).
 *
 * Scores are replied as Redis 7.0's addReplyDouble() writes them: "%.17g",
 * "inf" and "-inf" (so 0.1 is "0.10000000000000001").
 */
#include "cmd.h"

#include <math.h>

#include "alloc.h"
#include "buf.h"
#include "db.h"
#include "set.h"
#include "util.h"
#include "zset.h"

enum { KV_ZRANGE_AUTO, KV_ZRANGE_RANK, KV_ZRANGE_SCORE, KV_ZRANGE_LEX };
enum { KV_ZDIR_AUTO, KV_ZDIR_FORWARD, KV_ZDIR_REVERSE };
enum { KV_ZAGGR_SUM, KV_ZAGGR_MIN, KV_ZAGGR_MAX };
enum { KV_ZOP_UNION, KV_ZOP_INTER, KV_ZOP_DIFF };

/* ---- helpers ----------------------------------------------------------- */

static void kv_reply_double(kv_client_t *c, double d)
{
    char buf[KV_ZSET_SCORE_MAX];
    int n;

    if (isinf(d)) {
        kv_reply_bulk(c, d > 0 ? "inf" : "-inf", d > 0 ? 3 : 4);
        return;
    }
    n = snprintf(buf, sizeof(buf), "%.17g", d);
    kv_reply_bulk(c, buf, (size_t) n);
}

/* getDoubleFromObjectOrReply() */
static int kv_get_double_or_reply(kv_client_t *c, const kv_str_t *a, double *d,
                                  const char *msg)
{
    if (!kv_string2d(a->p, a->len, d)) {
        kv_reply_error(c, msg != NULL ? msg : "value is not a valid float");
        return KV_ERROR;
    }
    return KV_OK;
}

/*
 * strtod() on an argument as Redis's zslParseRange() does it: as a C
 * string (so it stops at a NUL byte inside the argument), leading spaces
 * allowed, nothing left over, not NaN. "(" makes the bound exclusive.
 */
static int kv_zset_parse_bound(const kv_str_t *a, double *v, int *ex)
{
    char sbuf[128], *buf = sbuf, *p, *end;
    int ok;

    if (a->len >= sizeof(sbuf)) {
        buf = kv_malloc(a->len + 1);
        if (buf == NULL) {
            return KV_ERROR;
        }
    }
    memcpy(buf, a->p, a->len);
    buf[a->len] = '\0';
    p = buf;
    *ex = 0;
    if (p[0] == '(') {
        *ex = 1;
        p++;
    }
    *v = strtod(p, &end);
    ok = end[0] == '\0' && !isnan(*v);
    if (buf != sbuf) {
        kv_free(buf);
    }
    return ok ? KV_OK : KV_ERROR;
}

static int kv_zset_parse_range(const kv_str_t *min, const kv_str_t *max,
                               kv_zrange_t *r)
{
    if (kv_zset_parse_bound(min, &r->min, &r->minex) != KV_OK ||
        kv_zset_parse_bound(max, &r->max, &r->maxex) != KV_OK) {
        return KV_ERROR;
    }
    return KV_OK;
}

/* zslParseLexRangeItem(): "[x" "(x" "-" "+" (the last two as C strings:
 * "+" followed by a NUL byte is still "+"). */
static int kv_zset_parse_lex_item(const kv_str_t *a, const char **p,
                                  size_t *len, int *ex, int *kind)
{
    *kind = 0;
    if (a->len == 0) {
        return KV_ERROR;
    }
    switch (a->p[0]) {
    case '+':
    case '-':
        if (a->len > 1 && a->p[1] != '\0') {
            return KV_ERROR;
        }
        *ex = 1;
        *kind = a->p[0] == '+' ? 1 : -1;
        *p = NULL;
        *len = 0;
        return KV_OK;
    case '(':
    case '[':
        *ex = a->p[0] == '(';
        *p = a->p + 1;
        *len = a->len - 1;
        return KV_OK;
    default:
        return KV_ERROR;
    }
}

static int kv_zset_parse_lex(const kv_str_t *min, const kv_str_t *max,
                             kv_zlex_t *r)
{
    if (kv_zset_parse_lex_item(min, &r->min, &r->minlen, &r->minex,
                               &r->minkind) != KV_OK ||
        kv_zset_parse_lex_item(max, &r->max, &r->maxlen, &r->maxex,
                               &r->maxkind) != KV_OK) {
        return KV_ERROR;
    }
    return KV_OK;
}

/* The sorted set at key: *k NULL when missing; KV_ERROR (WRONGTYPE
 * replied) for another type. */
static int kv_zset_lookup(kv_client_t *c, const kv_str_t *key, int write,
                          kv_key_t **k)
{
    *k = write ? kv_db_lookup(c->db, key->p, key->len)
               : kv_db_lookup_read(c->db, key->p, key->len);
    if (*k != NULL && (*k)->type != KV_TYPE_ZSET) {
        kv_reply_wrongtype(c);
        return KV_ERROR;
    }
    return KV_OK;
}

static void kv_zset_delete_if_empty(kv_client_t *c, kv_key_t *k)
{
    if (kv_zset_len(k) == 0) {
        kv_db_delete_key(c->db, k);
    }
}

/* A value not (yet) in the keyspace, held the way commands hold keys, so
 * zset.c's functions work on it. */
static void kv_zset_holder(kv_key_t *h, void *ptr, uint8_t enc)
{
    memset(h, 0, sizeof(*h));
    h->type = KV_TYPE_ZSET;
    h->enc = enc;
    h->v.ptr = ptr;
}

static void kv_zset_holder_free(kv_key_t *h)
{
    if (h->v.ptr != NULL) {
        kv_zset_type.free(h->v.ptr);
        h->v.ptr = NULL;
    }
}

/* ---- ZADD, ZINCRBY ----------------------------------------------------- */

/* zaddGenericCommand(): ZINCRBY is ZADD with INCR. */
static void kv_zadd_generic(kv_client_t *c, int flags)
{
    int scoreidx = 2, elements, ch = 0, added = 0, updated = 0;
    int processed = 0;
    double score = 0, *scores;
    kv_key_t *k;

    while (scoreidx < c->argc) {
        const kv_str_t *o = &c->argv[scoreidx];
        if (kv_arg_is(o, "nx")) {
            flags |= KV_ZADD_IN_NX;
        } else if (kv_arg_is(o, "xx")) {
            flags |= KV_ZADD_IN_XX;
        } else if (kv_arg_is(o, "ch")) {
            ch = 1;
        } else if (kv_arg_is(o, "incr")) {
            flags |= KV_ZADD_IN_INCR;
        } else if (kv_arg_is(o, "gt")) {
            flags |= KV_ZADD_IN_GT;
        } else if (kv_arg_is(o, "lt")) {
            flags |= KV_ZADD_IN_LT;
        } else {
            break;
        }
        scoreidx++;
    }
    elements = c->argc - scoreidx;
    if (elements % 2 != 0 || elements == 0) {
        kv_reply_error(c, "syntax error");
        return;
    }
    elements /= 2;
    if ((flags & KV_ZADD_IN_NX) && (flags & KV_ZADD_IN_XX)) {
        kv_reply_error(c,
                       "XX and NX options at the same time are not compatible");
        return;
    }
    if (((flags & KV_ZADD_IN_GT) && (flags & KV_ZADD_IN_NX)) ||
        ((flags & KV_ZADD_IN_LT) && (flags & KV_ZADD_IN_NX)) ||
        ((flags & KV_ZADD_IN_GT) && (flags & KV_ZADD_IN_LT))) {
        kv_reply_error(c, "GT, LT, and/or NX options at the same time are "
                          "not compatible");
        return;
    }
    if ((flags & KV_ZADD_IN_INCR) && elements > 1) {
        kv_reply_error(c,
                       "INCR option supports a single increment-element pair");
        return;
    }
    /* Every score first: the command does all or nothing. */
    scores = kv_malloc(sizeof(double) * (size_t) elements);
    if (scores == NULL) {
        kv_reply_oom(c);
        return;
    }
    for (int j = 0; j < elements; j++) {
        if (kv_get_double_or_reply(c, &c->argv[scoreidx + j * 2], &scores[j],
                                   NULL) != KV_OK) {
            kv_free(scores);
            return;
        }
    }
    if (kv_zset_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        kv_free(scores);
        return;
    }
    if (k == NULL) {
        uint8_t enc;
        void *v;

        if (flags & KV_ZADD_IN_XX) {
            goto reply;
        }
        v = kv_zset_create(1, c->argv[scoreidx + 1].len, &enc);
        k = v != NULL ? kv_db_set_value(c->db, c->argv[1].p, c->argv[1].len,
                                        KV_TYPE_ZSET, enc, v)
                      : NULL;
        if (k == NULL) {
            kv_free(scores);
            kv_reply_oom(c);
            return;
        }
    }
    for (int j = 0; j < elements; j++) {
        const kv_str_t *m = &c->argv[scoreidx + 1 + j * 2];
        double newscore = 0;
        int out = 0;
        int rc =
            kv_zset_add(k, scores[j], m->p, m->len, flags, &out, &newscore);

        if (rc == 0) {
            kv_reply_error(c, "resulting score is not a number (NaN)");
            goto done;
        }
        if (rc < 0) {
            kv_reply_oom(c);
            goto done;
        }
        added += (out & KV_ZADD_OUT_ADDED) != 0;
        updated += (out & KV_ZADD_OUT_UPDATED) != 0;
        processed += !(out & KV_ZADD_OUT_NOP);
        score = newscore;
    }
reply:
    if (flags & KV_ZADD_IN_INCR) {
        if (processed) {
            kv_reply_double(c, score);
        } else {
            kv_reply_null(c);
        }
    } else {
        kv_reply_int(c, ch ? added + updated : added);
    }
done:
    kv_free(scores);
    if (k != NULL) {
        /* A key created for nothing (all NOP, an error) goes again. */
        kv_zset_delete_if_empty(c, k);
    }
    if (added || updated) {
        kv_keyspace_changed(c);
    }
}

void kv_cmd_zadd(kv_client_t *c)
{
    kv_zadd_generic(c, 0);
}

void kv_cmd_zincrby(kv_client_t *c)
{
    kv_zadd_generic(c, KV_ZADD_IN_INCR);
}

/* ---- simple reads and ZREM --------------------------------------------- */

/* ZREM key member [member ...] */
void kv_cmd_zrem(kv_client_t *c)
{
    long long deleted = 0;
    kv_key_t *k;

    if (kv_zset_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    for (int j = 2; j < c->argc; j++) {
        deleted += kv_zset_del(k, c->argv[j].p, c->argv[j].len);
        if (kv_zset_len(k) == 0) {
            kv_db_delete_key(c->db, k);
            break;
        }
    }
    if (deleted > 0) {
        kv_keyspace_changed(c);
    }
    kv_reply_int(c, deleted);
}

/* ZCARD key */
void kv_cmd_zcard(kv_client_t *c)
{
    kv_key_t *k;

    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    kv_reply_int(c, k != NULL ? (long long) kv_zset_len(k) : 0);
}

/* ZSCORE key member */
void kv_cmd_zscore(kv_client_t *c)
{
    double s;
    kv_key_t *k;

    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL || !kv_zset_score(k, c->argv[2].p, c->argv[2].len, &s)) {
        kv_reply_null(c);
        return;
    }
    kv_reply_double(c, s);
}

/* ZMSCORE key member [member ...] */
void kv_cmd_zmscore(kv_client_t *c)
{
    double s;
    kv_key_t *k;

    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    kv_reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        if (k != NULL && kv_zset_score(k, c->argv[j].p, c->argv[j].len, &s)) {
            kv_reply_double(c, s);
        } else {
            kv_reply_null(c);
        }
    }
}

/* ZRANK / ZREVRANK key member */
static void kv_zrank_generic(kv_client_t *c, int reverse)
{
    long rank;
    kv_key_t *k;

    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    rank = kv_zset_rank(k, c->argv[2].p, c->argv[2].len, reverse);
    if (rank < 0) {
        kv_reply_null(c);
    } else {
        kv_reply_int(c, rank);
    }
}

void kv_cmd_zrank(kv_client_t *c)
{
    kv_zrank_generic(c, 0);
}

void kv_cmd_zrevrank(kv_client_t *c)
{
    kv_zrank_generic(c, 1);
}

/*
 * ZCOUNT key min max, ZLEXCOUNT key min max: a listpack counts the run
 * from the first element in the interval, a skip list subtracts ranks
 * (the same thing when the members are in order, as they must be for a
 * lex interval to mean anything).
 */
static void kv_zcount_generic(kv_client_t *c, int lex)
{
    kv_zrange_t r;
    kv_zlex_t lr;
    kv_zcur_t cur;
    kv_zelem_t e;
    long long count = 0, len;
    kv_key_t *k;

    if (!lex && kv_zset_parse_range(&c->argv[2], &c->argv[3], &r) != KV_OK) {
        kv_reply_error(c, "min or max is not a float");
        return;
    }
    if (lex && kv_zset_parse_lex(&c->argv[2], &c->argv[3], &lr) != KV_OK) {
        kv_reply_error(c, "min or max not valid string range item");
        return;
    }
    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    if (kv_zcur_init(&cur, k) != KV_OK) {
        kv_reply_oom(c);
        return;
    }
    len = (long long) kv_zset_len(k);
    if (!(lex ? kv_zcur_first_in_lex(&cur, &lr)
              : kv_zcur_first_in_range(&cur, &r))) {
        count = 0;
    } else if (k->enc == KV_ZSET_LISTPACK) {
        for (; kv_zcur_valid(&cur); kv_zcur_next(&cur)) {
            kv_zcur_get(&cur, &e);
            if (lex ? !kv_zset_lex_lte_max(e.m, e.mlen, &lr)
                    : !kv_zset_score_lte_max(e.score, &r)) {
                break;
            }
            count++;
        }
    } else {
        count = len - (long long) kv_zcur_rank(&cur);
        if (lex ? kv_zcur_last_in_lex(&cur, &lr)
                : kv_zcur_last_in_range(&cur, &r)) {
            count -= len - ((long long) kv_zcur_rank(&cur) + 1);
        }
    }
    kv_zcur_done(&cur);
    kv_reply_int(c, count);
}

void kv_cmd_zcount(kv_client_t *c)
{
    kv_zcount_generic(c, 0);
}

void kv_cmd_zlexcount(kv_client_t *c)
{
    kv_zcount_generic(c, 1);
}

/* ---- ZRANGE and its family --------------------------------------------- */

/* Where the elements of a range go: the client, or a new sorted set. */
typedef struct {
    kv_client_t *c;
    int store;
    int withscores;
    const kv_str_t *dst;
    size_t mark;  /* the deferred array length, for an unknown count */
    int deferred; /* ... in use */
    kv_key_t h;   /* store: the result being built */
    int oom;
} kv_zout_t;

static void kv_zout_begin(kv_zout_t *o, long length)
{
    if (o->store) {
        uint8_t enc;
        void *v = kv_zset_create(length > 0 ? (size_t) length : 0, 0, &enc);
        kv_zset_holder(&o->h, v, enc);
        o->oom = v == NULL;
        return;
    }
    if (length >= 0) {
        kv_reply_array(o->c, (long long) length * (o->withscores ? 2 : 1));
        o->deferred = 0;
    } else {
        o->mark = kv_reply_deferred_len(o->c);
        o->deferred = 1;
    }
}

static void kv_zout_emit(kv_zout_t *o, const kv_zelem_t *e)
{
    if (o->store) {
        int out;
        if (!o->oom &&
            kv_zset_add(&o->h, e->score, e->m, e->mlen, 0, &out, NULL) < 0) {
            o->oom = 1;
        }
        return;
    }
    kv_reply_bulk(o->c, e->m, e->mlen);
    if (o->withscores) {
        kv_reply_double(o->c, e->score);
    }
}

static void kv_zout_end(kv_zout_t *o, unsigned long count)
{
    kv_client_t *c = o->c;

    if (!o->store) {
        if (o->deferred) {
            kv_reply_set_deferred_len(
                c, o->mark, '*', (long long) count * (o->withscores ? 2 : 1));
        }
        return;
    }
    if (o->oom) {
        kv_zset_holder_free(&o->h);
        kv_reply_oom(c);
        return;
    }
    if (count > 0) {
        kv_key_t *k = kv_db_set_value(c->db, o->dst->p, o->dst->len,
                                      KV_TYPE_ZSET, o->h.enc, o->h.v.ptr);
        o->h.v.ptr = NULL;
        if (k == NULL) {
            kv_reply_oom(c);
            return;
        }
        kv_reply_int(c, (long long) count);
        kv_keyspace_changed(c);
    } else {
        kv_zset_holder_free(&o->h);
        kv_reply_int(c, 0);
        if (kv_db_delete(c->db, o->dst->p, o->dst->len)) {
            kv_keyspace_changed(c);
        }
    }
}

/* genericZrangebyrankCommand() */
static void kv_zrange_rank(kv_zout_t *o, kv_key_t *k, long long start,
                           long long end, int reverse)
{
    long long llen = (long long) kv_zset_len(k), n;
    kv_zcur_t cur;
    kv_zelem_t e;

    if (start < 0) {
        start = llen + start;
    }
    if (end < 0) {
        end = llen + end;
    }
    if (start < 0) {
        start = 0;
    }
    if (start > end || start >= llen) {
        kv_zout_begin(o, 0);
        kv_zout_end(o, 0);
        return;
    }
    if (end >= llen) {
        end = llen - 1;
    }
    n = end - start + 1;
    if (kv_zcur_init(&cur, k) != KV_OK) {
        kv_reply_oom(o->c);
        return;
    }
    kv_zout_begin(o, (long) n);
    kv_zcur_seek_rank(&cur,
                      (unsigned long) (reverse ? llen - 1 - start : start));
    for (long long i = 0; i < n && kv_zcur_valid(&cur); i++) {
        kv_zcur_get(&cur, &e);
        kv_zout_emit(o, &e);
        if (reverse) {
            kv_zcur_prev(&cur);
        } else {
            kv_zcur_next(&cur);
        }
    }
    kv_zcur_done(&cur);
    kv_zout_end(o, (unsigned long) n);
}

/* genericZrangebyscoreCommand() and genericZrangebylexCommand(): a
 * negative offset skips everything, a negative limit means no limit. */
static void kv_zrange_interval(kv_zout_t *o, kv_key_t *k, const kv_zrange_t *r,
                               const kv_zlex_t *lr, long long offset,
                               long long limit, int reverse)
{
    unsigned long count = 0;
    kv_zcur_t cur;
    kv_zelem_t e;
    int found;

    if (offset > 0 && offset >= (long long) kv_zset_len(k)) {
        kv_zout_begin(o, 0);
        kv_zout_end(o, 0);
        return;
    }
    if (kv_zcur_init(&cur, k) != KV_OK) {
        kv_reply_oom(o->c);
        return;
    }
    kv_zout_begin(o, -1);
    if (r != NULL) {
        found = reverse ? kv_zcur_last_in_range(&cur, r)
                        : kv_zcur_first_in_range(&cur, r);
    } else {
        found = reverse ? kv_zcur_last_in_lex(&cur, lr)
                        : kv_zcur_first_in_lex(&cur, lr);
    }
    if (found && offset < 0) {
        found = 0;
    }
    while (found && offset > 0 && kv_zcur_valid(&cur)) {
        if (reverse) {
            kv_zcur_prev(&cur);
        } else {
            kv_zcur_next(&cur);
        }
        offset--;
    }
    while (found && kv_zcur_valid(&cur) && limit != 0) {
        kv_zcur_get(&cur, &e);
        if (r != NULL) {
            if (reverse ? !kv_zset_score_gte_min(e.score, r)
                        : !kv_zset_score_lte_max(e.score, r)) {
                break;
            }
        } else {
            if (reverse ? !kv_zset_lex_gte_min(e.m, e.mlen, lr)
                        : !kv_zset_lex_lte_max(e.m, e.mlen, lr)) {
                break;
            }
        }
        kv_zout_emit(o, &e);
        count++;
        if (limit > 0) {
            limit--;
        }
        if (reverse) {
            kv_zcur_prev(&cur);
        } else {
            kv_zcur_next(&cur);
        }
    }
    kv_zcur_done(&cur);
    kv_zout_end(o, count);
}

/* zrangeGenericCommand(): argv[first] is the source, then min and max. */
static void kv_zrange_generic(kv_client_t *c, int first, int store,
                              int rangetype, int direction)
{
    int minidx = first + 1, maxidx = first + 2, withscores = 0;
    long long start = 0, end = 0, offset = 0, limit = -1;
    kv_zout_t o;
    kv_zrange_t r;
    kv_zlex_t lr;
    kv_key_t *k;

    for (int j = first + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        const kv_str_t *a = &c->argv[j];
        if (!store && kv_arg_is(a, "withscores")) {
            withscores = 1;
        } else if (kv_arg_is(a, "limit") && left >= 2) {
            if (kv_get_ll_or_reply(c, &c->argv[j + 1], &offset, NULL) !=
                    KV_OK ||
                kv_get_ll_or_reply(c, &c->argv[j + 2], &limit, NULL) != KV_OK) {
                return;
            }
            j += 2;
        } else if (direction == KV_ZDIR_AUTO && kv_arg_is(a, "rev")) {
            direction = KV_ZDIR_REVERSE;
        } else if (rangetype == KV_ZRANGE_AUTO && kv_arg_is(a, "bylex")) {
            rangetype = KV_ZRANGE_LEX;
        } else if (rangetype == KV_ZRANGE_AUTO && kv_arg_is(a, "byscore")) {
            rangetype = KV_ZRANGE_SCORE;
        } else {
            kv_reply_error(c, "syntax error");
            return;
        }
    }
    if (direction == KV_ZDIR_AUTO) {
        direction = KV_ZDIR_FORWARD;
    }
    if (rangetype == KV_ZRANGE_AUTO) {
        rangetype = KV_ZRANGE_RANK;
    }
    if (limit != -1 && rangetype == KV_ZRANGE_RANK) {
        kv_reply_error(c, "syntax error, LIMIT is only supported in "
                          "combination with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && rangetype == KV_ZRANGE_LEX) {
        kv_reply_error(c, "syntax error, WITHSCORES not supported in "
                          "combination with BYLEX");
        return;
    }
    if (direction == KV_ZDIR_REVERSE && rangetype != KV_ZRANGE_RANK) {
        int t = minidx;
        minidx = maxidx;
        maxidx = t;
    }
    switch (rangetype) {
    case KV_ZRANGE_RANK:
        if (kv_get_ll_or_reply(c, &c->argv[minidx], &start, NULL) != KV_OK ||
            kv_get_ll_or_reply(c, &c->argv[maxidx], &end, NULL) != KV_OK) {
            return;
        }
        break;
    case KV_ZRANGE_SCORE:
        if (kv_zset_parse_range(&c->argv[minidx], &c->argv[maxidx], &r) !=
            KV_OK) {
            kv_reply_error(c, "min or max is not a float");
            return;
        }
        break;
    default:
        if (kv_zset_parse_lex(&c->argv[minidx], &c->argv[maxidx], &lr) !=
            KV_OK) {
            kv_reply_error(c, "min or max not valid string range item");
            return;
        }
        break;
    }
    memset(&o, 0, sizeof(o));
    o.c = c;
    o.store = store;
    o.withscores = withscores;
    o.dst = store ? &c->argv[1] : NULL;
    if (kv_zset_lookup(c, &c->argv[first], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        if (store) {
            kv_zout_begin(&o, -1);
            kv_zout_end(&o, 0);
        } else {
            kv_reply_array(c, 0);
        }
        return;
    }
    switch (rangetype) {
    case KV_ZRANGE_RANK:
        kv_zrange_rank(&o, k, start, end, direction == KV_ZDIR_REVERSE);
        break;
    case KV_ZRANGE_SCORE:
        kv_zrange_interval(&o, k, &r, NULL, offset, limit,
                           direction == KV_ZDIR_REVERSE);
        break;
    default:
        kv_zrange_interval(&o, k, NULL, &lr, offset, limit,
                           direction == KV_ZDIR_REVERSE);
        break;
    }
}

void kv_cmd_zrange(kv_client_t *c)
{
    kv_zrange_generic(c, 1, 0, KV_ZRANGE_AUTO, KV_ZDIR_AUTO);
}

void kv_cmd_zrangestore(kv_client_t *c)
{
    kv_zrange_generic(c, 2, 1, KV_ZRANGE_AUTO, KV_ZDIR_AUTO);
}

void kv_cmd_zrevrange(kv_client_t *c)
{
    kv_zrange_generic(c, 1, 0, KV_ZRANGE_RANK, KV_ZDIR_REVERSE);
}

void kv_cmd_zrangebyscore(kv_client_t *c)
{
    kv_zrange_generic(c, 1, 0, KV_ZRANGE_SCORE, KV_ZDIR_FORWARD);
}

void kv_cmd_zrevrangebyscore(kv_client_t *c)
{
    kv_zrange_generic(c, 1, 0, KV_ZRANGE_SCORE, KV_ZDIR_REVERSE);
}

void kv_cmd_zrangebylex(kv_client_t *c)
{
    kv_zrange_generic(c, 1, 0, KV_ZRANGE_LEX, KV_ZDIR_FORWARD);
}

void kv_cmd_zrevrangebylex(kv_client_t *c)
{
    kv_zrange_generic(c, 1, 0, KV_ZRANGE_LEX, KV_ZDIR_REVERSE);
}

/* ---- ZREMRANGEBY* ------------------------------------------------------ */

static void kv_zremrange_generic(kv_client_t *c, int rangetype)
{
    long long start = 0, end = 0;
    unsigned long removed;
    kv_zrange_t r;
    kv_zlex_t lr;
    kv_key_t *k;

    if (rangetype == KV_ZRANGE_RANK) {
        if (kv_get_ll_or_reply(c, &c->argv[2], &start, NULL) != KV_OK ||
            kv_get_ll_or_reply(c, &c->argv[3], &end, NULL) != KV_OK) {
            return;
        }
    } else if (rangetype == KV_ZRANGE_SCORE) {
        if (kv_zset_parse_range(&c->argv[2], &c->argv[3], &r) != KV_OK) {
            kv_reply_error(c, "min or max is not a float");
            return;
        }
    } else if (kv_zset_parse_lex(&c->argv[2], &c->argv[3], &lr) != KV_OK) {
        kv_reply_error(c, "min or max not valid string range item");
        return;
    }
    if (kv_zset_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    if (rangetype == KV_ZRANGE_RANK) {
        long long llen = (long long) kv_zset_len(k);
        if (start < 0) {
            start = llen + start;
        }
        if (end < 0) {
            end = llen + end;
        }
        if (start < 0) {
            start = 0;
        }
        if (start > end || start >= llen) {
            kv_reply_int(c, 0);
            return;
        }
        if (end >= llen) {
            end = llen - 1;
        }
        removed =
            kv_zset_del_rank(k, (unsigned long) start, (unsigned long) end);
    } else if (rangetype == KV_ZRANGE_SCORE) {
        removed = kv_zset_del_score(k, &r);
    } else {
        removed = kv_zset_del_lex(k, &lr);
    }
    if (removed > 0) {
        kv_zset_delete_if_empty(c, k);
        kv_keyspace_changed(c);
    }
    kv_reply_int(c, (long long) removed);
}

void kv_cmd_zremrangebyrank(kv_client_t *c)
{
    kv_zremrange_generic(c, KV_ZRANGE_RANK);
}

void kv_cmd_zremrangebyscore(kv_client_t *c)
{
    kv_zremrange_generic(c, KV_ZRANGE_SCORE);
}

void kv_cmd_zremrangebylex(kv_client_t *c)
{
    kv_zremrange_generic(c, KV_ZRANGE_LEX);
}

/* ---- ZPOPMIN, ZPOPMAX, ZMPOP ------------------------------------------- */

/*
 * genericZpopCommand(): the first existing key of keyv (a wrong type
 * stops the search with WRONGTYPE); count -1 is a plain single pop.
 * ZMPOP's reply (emitkey) is [key, [[member, score] ...]] or a nil array.
 */
static void kv_zpop_generic(kv_client_t *c, const kv_str_t *keyv, int keyc,
                            int last, int emitkey, long long count)
{
    const kv_str_t *key = NULL;
    kv_key_t *k = NULL;
    unsigned long llen, n;
    kv_zcur_t cur;
    kv_zelem_t e;

    for (int i = 0; i < keyc; i++) {
        if (kv_zset_lookup(c, &keyv[i], 1, &k) != KV_OK) {
            return;
        }
        if (k != NULL) {
            key = &keyv[i];
            break;
        }
    }
    if (k == NULL) {
        if (emitkey) {
            kv_reply_raw(c, "*-1\r\n", 5);
        } else {
            kv_reply_array(c, 0);
        }
        return;
    }
    if (count == 0) {
        kv_reply_array(c, 0);
        return;
    }
    if (count == -1) {
        count = 1;
    }
    llen = kv_zset_len(k);
    n = (unsigned long long) count > llen ? llen : (unsigned long) count;
    if (kv_zcur_init(&cur, k) != KV_OK) {
        kv_reply_oom(c);
        return;
    }
    if (emitkey) {
        kv_reply_array(c, 2);
        kv_reply_bulk(c, key->p, key->len);
        kv_reply_array(c, (long long) n);
    } else {
        kv_reply_array(c, (long long) n * 2);
    }
    kv_zcur_seek_rank(&cur, last ? llen - 1 : 0);
    for (unsigned long i = 0; i < n; i++) {
        kv_zcur_get(&cur, &e);
        if (emitkey) {
            kv_reply_array(c, 2);
        }
        kv_reply_bulk(c, e.m, e.mlen);
        kv_reply_double(c, e.score);
        if (last) {
            kv_zcur_prev(&cur);
        } else {
            kv_zcur_next(&cur);
        }
    }
    kv_zcur_done(&cur);
    if (last) {
        (void) kv_zset_del_rank(k, llen - n, llen - 1);
    } else {
        (void) kv_zset_del_rank(k, 0, n - 1);
    }
    kv_zset_delete_if_empty(c, k);
    kv_keyspace_changed(c);
}

/* ZPOPMIN / ZPOPMAX key [count] */
static void kv_zpopminmax(kv_client_t *c, int last)
{
    long long count = -1;

    if (c->argc > 3) {
        kv_reply_error(c, "syntax error");
        return;
    }
    if (c->argc == 3) {
        if (!kv_string2ll(c->argv[2].p, c->argv[2].len, &count) || count < 0) {
            kv_reply_error(c, "value is out of range, must be positive");
            return;
        }
    }
    kv_zpop_generic(c, &c->argv[1], 1, last, 0, count);
}

void kv_cmd_zpopmin(kv_client_t *c)
{
    kv_zpopminmax(c, 0);
}

void kv_cmd_zpopmax(kv_client_t *c)
{
    kv_zpopminmax(c, 1);
}

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
void kv_cmd_zmpop(kv_client_t *c)
{
    long long numkeys, count;
    int last;

    if (kv_get_mpop_args_or_reply(c, "min", "max", &numkeys, &last,
                                  &count) != KV_OK) {
        return;
    }
    kv_zpop_generic(c, &c->argv[2], (int) numkeys, last, 1, count);
}

/* ---- ZRANDMEMBER ------------------------------------------------------- */

/* Every element, in order, into a new array (NULL: out of memory). */
static kv_zelem_t *kv_zset_all(const kv_key_t *k, unsigned long *n)
{
    unsigned long len = kv_zset_len(k), i = 0;
    kv_zelem_t *a = kv_malloc(sizeof(*a) * (len ? len : 1));
    kv_zcur_t cur;

    if (a == NULL) {
        return NULL;
    }
    if (kv_zcur_init(&cur, k) != KV_OK) {
        kv_free(a);
        return NULL;
    }
    while (kv_zcur_valid(&cur) && i < len) {
        kv_zcur_get(&cur, &a[i++]);
        kv_zcur_next(&cur);
    }
    kv_zcur_done(&cur);
    *n = i;
    return a;
}

static void kv_zrand_reply(kv_client_t *c, const void *p, int withscores)
{
    const kv_zelem_t *e = p;

    kv_reply_bulk(c, e->m, e->mlen);
    if (withscores) {
        kv_reply_double(c, e->score);
    }
}

/*
 * zrandmemberWithCountCommand(): a negative count may repeat members, a
 * positive one gives distinct members, the whole set when it asks for at
 * least as many as there are (zuiNext() walks it from its end).
 */
static void kv_zrandmember_count(kv_client_t *c, long long l, int withscores)
{
    unsigned long n;
    kv_zelem_t *all;
    kv_key_t *k;

    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL || l == 0) {
        kv_reply_array(c, 0);
        return;
    }
    all = kv_zset_all(k, &n);
    if (all == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_reply_random_picks(c, l, withscores, all, n, sizeof(*all), 1,
                          kv_zrand_reply);
    kv_free(all);
}

/* ZRANDMEMBER key [count [WITHSCORES]] */
void kv_cmd_zrandmember(kv_client_t *c)
{
    kv_zcur_t cur;
    kv_zelem_t e;
    long long l;
    kv_key_t *k;

    if (c->argc >= 3) {
        int with;
        if (kv_get_randcount_or_reply(c, "withscores", &l, &with) == KV_OK) {
            kv_zrandmember_count(c, l, with);
        }
        return;
    }
    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    if (kv_zcur_init(&cur, k) != KV_OK) {
        kv_reply_oom(c);
        return;
    }
    kv_zcur_seek_rank(&cur, (unsigned long) (kv_random64() % kv_zset_len(k)));
    kv_zcur_get(&cur, &e);
    kv_reply_bulk(c, e.m, e.mlen);
    kv_zcur_done(&cur);
}

/* ---- ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD ----------- */

/* One input (zsetopsrc): a sorted set, a set (every member scores 1), or
 * nothing for a missing key. */
typedef struct {
    const kv_key_t *k;
    int is_set;
    double weight;
    unsigned long len;
} kv_zsrc_t;

/* The elements of an input as an array: a sorted set's point into it, a
 * set's members are copied into bytes. */
typedef struct {
    kv_zelem_t *v;
    unsigned long n;
    kv_buf_t bytes;
    size_t *off;
    int oom;
} kv_zsrc_elems_t;

static void kv_zset_aggregate(double *target, double val, int aggregate)
{
    if (aggregate == KV_ZAGGR_SUM) {
        *target = *target + val;
        /* inf + -inf: Redis's convention is 0 */
        if (isnan(*target)) {
            *target = 0.0;
        }
    } else if (aggregate == KV_ZAGGR_MIN) {
        *target = val < *target ? val : *target;
    } else {
        *target = val > *target ? val : *target;
    }
}

/* The inputs by cardinality, as glibc's (merge sort) qsort leaves them
 * for Redis: stable. */
static void kv_zsrc_sort(kv_zsrc_t *src, long n)
{
    for (long i = 1; i < n; i++) {
        kv_zsrc_t t = src[i];
        long j = i - 1;
        while (j >= 0 && src[j].len > t.len) {
            src[j + 1] = src[j];
            j--;
        }
        src[j + 1] = t;
    }
}

/* zuiFind() */
static int kv_zsrc_find(const kv_zsrc_t *s, const kv_zelem_t *e, double *v)
{
    if (s->k == NULL) {
        return 0;
    }
    if (s->is_set) {
        kv_set_t set;
        kv_set_load(&set, s->k);
        *v = 1.0;
        return kv_set_has(&set, e->m, e->mlen);
    }
    return kv_zset_score(s->k, e->m, e->mlen, v);
}

/* The elements of a non-empty input; KV_ERROR when out of memory. */
static int kv_zsrc_elems(const kv_zsrc_t *s, kv_zsrc_elems_t *a)
{
    memset(a, 0, sizeof(*a));
    if (!s->is_set) {
        a->v = kv_zset_all(s->k, &a->n);
        return a->v != NULL ? KV_OK : KV_ERROR;
    }
    a->v = kv_malloc(sizeof(kv_zelem_t) * (s->len ? s->len : 1));
    a->off = kv_malloc(sizeof(size_t) * (s->len ? s->len : 1));
    if (a->v == NULL || a->off == NULL) {
        kv_free(a->v);
        kv_free(a->off);
        return KV_ERROR;
    }
    {
        kv_set_t set;
        kv_set_iter_t it;
        kv_set_elem_t e;

        kv_set_load(&set, s->k);
        kv_set_iter_init(&it, &set);
        while (a->n < s->len && kv_set_iter_next(&it, &e)) {
            a->off[a->n] = a->bytes.len;
            a->v[a->n].mlen = e.len;
            a->v[a->n].score = 1.0;
            a->n++;
            if (kv_buf_append(&a->bytes, e.p, e.len) != KV_OK) {
                a->oom = 1;
                break;
            }
        }
        kv_set_iter_done(&it);
    }
    if (a->oom) {
        kv_free(a->v);
        kv_free(a->off);
        kv_buf_free(&a->bytes);
        return KV_ERROR;
    }
    for (unsigned long i = 0; i < a->n; i++) {
        a->v[i].m = a->bytes.data + a->off[i];
    }
    return KV_OK;
}

static void kv_zsrc_elems_free(kv_zsrc_elems_t *a)
{
    kv_free(a->v);
    kv_free(a->off);
    kv_buf_free(&a->bytes);
}

/* zunionInterDiffGenericCommand(): argv[numkeys_idx] is numkeys. */
static void kv_zsetop_generic(kv_client_t *c, const kv_str_t *dstkey,
                              int numkeys_idx, int op, int cardinality_only)
{
    long long setnum, limit = 0;
    int aggregate = KV_ZAGGR_SUM, withscores = 0, j;
    size_t maxelelen = 0, totelelen = 0;
    unsigned long cardinality = 0;
    kv_zsrc_elems_t el;
    kv_zsrc_t *src;
    kv_zset_t *dst = NULL;
    int oom = 0;

    if (kv_get_ll_or_reply(c, &c->argv[numkeys_idx], &setnum, NULL) != KV_OK) {
        return;
    }
    if (setnum < 1) {
        kv_reply_errorf(c, "at least 1 input key is needed for '%s' command",
                        c->cmd->fullname);
        return;
    }
    if (setnum > c->argc - (numkeys_idx + 1)) {
        kv_reply_error(c, "syntax error");
        return;
    }
    src = kv_calloc((size_t) setnum, sizeof(*src));
    if (src == NULL) {
        kv_reply_oom(c);
        return;
    }
    j = numkeys_idx + 1;
    for (long i = 0; i < setnum; i++, j++) {
        kv_key_t *k = kv_db_lookup_read(c->db, c->argv[j].p, c->argv[j].len);
        if (k != NULL && k->type != KV_TYPE_ZSET && k->type != KV_TYPE_SET) {
            kv_free(src);
            kv_reply_wrongtype(c);
            return;
        }
        src[i].k = k;
        src[i].is_set = k != NULL && k->type == KV_TYPE_SET;
        if (src[i].is_set) {
            kv_set_t set;
            kv_set_load(&set, k);
            src[i].len = (unsigned long) kv_set_size(&set);
        } else {
            src[i].len = k != NULL ? kv_zset_len(k) : 0;
        }
        src[i].weight = 1.0;
    }
    while (j < c->argc) {
        int remaining = c->argc - j;
        const kv_str_t *a = &c->argv[j];
        if (op != KV_ZOP_DIFF && !cardinality_only && remaining >= setnum + 1 &&
            kv_arg_is(a, "weights")) {
            j++;
            for (long i = 0; i < setnum; i++, j++) {
                if (kv_get_double_or_reply(c, &c->argv[j], &src[i].weight,
                                           "weight value is not a float") !=
                    KV_OK) {
                    kv_free(src);
                    return;
                }
            }
        } else if (op != KV_ZOP_DIFF && !cardinality_only && remaining >= 2 &&
                   kv_arg_is(a, "aggregate")) {
            const kv_str_t *w = &c->argv[j + 1];
            if (kv_arg_is(w, "sum")) {
                aggregate = KV_ZAGGR_SUM;
            } else if (kv_arg_is(w, "min")) {
                aggregate = KV_ZAGGR_MIN;
            } else if (kv_arg_is(w, "max")) {
                aggregate = KV_ZAGGR_MAX;
            } else {
                kv_free(src);
                kv_reply_error(c, "syntax error");
                return;
            }
            j += 2;
        } else if (remaining >= 1 && dstkey == NULL && !cardinality_only &&
                   kv_arg_is(a, "withscores")) {
            j++;
            withscores = 1;
        } else if (cardinality_only && remaining >= 2 &&
                   kv_arg_is(a, "limit")) {
            if (!kv_string2ll(c->argv[j + 1].p, c->argv[j + 1].len, &limit) ||
                limit < 0) {
                kv_free(src);
                kv_reply_error(c, "LIMIT can't be negative");
                return;
            }
            j += 2;
        } else {
            kv_free(src);
            kv_reply_error(c, "syntax error");
            return;
        }
    }
    if (op != KV_ZOP_DIFF) {
        kv_zsrc_sort(src, (long) setnum);
    }
    if (!cardinality_only) {
        dst = kv_zset_sl_new();
        if (dst == NULL) {
            kv_free(src);
            kv_reply_oom(c);
            return;
        }
    }

    if (op == KV_ZOP_INTER || op == KV_ZOP_DIFF) {
        /* The members of the first input, each looked for in the others:
         * in all of them (INTER), in none (DIFF). */
        if (src[0].len > 0 && kv_zsrc_elems(&src[0], &el) != KV_OK) {
            oom = 1;
        } else if (src[0].len > 0) {
            for (unsigned long x = 0; x < el.n && !oom; x++) {
                const kv_zelem_t *e = &el.v[x];
                double score = src[0].weight * e->score, value;
                long i;

                if (op == KV_ZOP_DIFF) {
                    for (i = 1; i < setnum; i++) {
                        if (src[i].k == src[0].k ||
                            kv_zsrc_find(&src[i], e, &value)) {
                            break;
                        }
                    }
                    if (i != setnum) {
                        continue;
                    }
                    score = e->score;
                } else {
                    if (isnan(score)) {
                        score = 0;
                    }
                    for (i = 1; i < setnum; i++) {
                        if (!kv_zsrc_find(&src[i], e, &value)) {
                            break;
                        }
                        value *= src[i].weight;
                        kv_zset_aggregate(&score, value, aggregate);
                    }
                    if (i != setnum) {
                        continue;
                    }
                }
                if (cardinality_only) {
                    cardinality++;
                    if (limit && cardinality >= (unsigned long) limit) {
                        break;
                    }
                    continue;
                }
                if (kv_zset_sl_insert(dst, score, e->m, e->mlen) != KV_OK) {
                    oom = 1;
                }
                totelelen += e->mlen;
                if (e->mlen > maxelelen) {
                    maxelelen = e->mlen;
                }
            }
            kv_zsrc_elems_free(&el);
        }
    } else {
        for (long i = 0; i < setnum && !oom; i++) {
            if (src[i].len == 0) {
                continue;
            }
            if (kv_zsrc_elems(&src[i], &el) != KV_OK) {
                oom = 1;
                break;
            }
            for (unsigned long x = 0; x < el.n; x++) {
                const kv_zelem_t *e = &el.v[x];
                double score = src[i].weight * e->score;
                uint64_t h = kv_dict_hash(e->m, e->mlen);
                kv_zsl_node_t *n = kv_zset_acc_find(dst, e->m, e->mlen, h);

                if (isnan(score)) {
                    score = 0;
                }
                if (n != NULL) {
                    kv_zset_aggregate(&n->score, score, aggregate);
                    continue;
                }
                if (kv_zset_acc_add(dst, score, e->m, e->mlen, h) == NULL) {
                    oom = 1;
                    break;
                }
                totelelen += e->mlen;
                if (e->mlen > maxelelen) {
                    maxelelen = e->mlen;
                }
            }
            kv_zsrc_elems_free(&el);
        }
        kv_zset_acc_link(dst);
    }
    kv_free(src);

    if (oom) {
        if (dst != NULL) {
            kv_zset_sl_free(dst);
        }
        kv_reply_oom(c);
        return;
    }
    if (dstkey != NULL) {
        if (dst->length > 0) {
            kv_key_t h, *k;
            kv_zset_holder(&h, dst, KV_ZSET_SKIPLIST);
            kv_zset_convert_if_small(&h, maxelelen, totelelen);
            k = kv_db_set_value(c->db, dstkey->p, dstkey->len, KV_TYPE_ZSET,
                                h.enc, h.v.ptr);
            if (k == NULL) {
                kv_reply_oom(c);
                return;
            }
            kv_reply_int(c, (long long) kv_zset_len(k));
            kv_keyspace_changed(c);
        } else {
            kv_zset_sl_free(dst);
            kv_reply_int(c, 0);
            if (kv_db_delete(c->db, dstkey->p, dstkey->len)) {
                kv_keyspace_changed(c);
            }
        }
    } else if (cardinality_only) {
        kv_reply_int(c, (long long) cardinality);
    } else {
        kv_reply_array(c, (long long) dst->length * (withscores ? 2 : 1));
        for (kv_zsl_node_t *x = dst->header->level[0].forward; x != NULL;
             x = x->level[0].forward) {
            kv_reply_bulk(c, kv_zsl_member(x), x->mlen);
            if (withscores) {
                kv_reply_double(c, x->score);
            }
        }
        kv_zset_sl_free(dst);
    }
}

void kv_cmd_zunionstore(kv_client_t *c)
{
    kv_zsetop_generic(c, &c->argv[1], 2, KV_ZOP_UNION, 0);
}

void kv_cmd_zinterstore(kv_client_t *c)
{
    kv_zsetop_generic(c, &c->argv[1], 2, KV_ZOP_INTER, 0);
}

void kv_cmd_zdiffstore(kv_client_t *c)
{
    kv_zsetop_generic(c, &c->argv[1], 2, KV_ZOP_DIFF, 0);
}

void kv_cmd_zunion(kv_client_t *c)
{
    kv_zsetop_generic(c, NULL, 1, KV_ZOP_UNION, 0);
}

void kv_cmd_zinter(kv_client_t *c)
{
    kv_zsetop_generic(c, NULL, 1, KV_ZOP_INTER, 0);
}

void kv_cmd_zdiff(kv_client_t *c)
{
    kv_zsetop_generic(c, NULL, 1, KV_ZOP_DIFF, 0);
}

void kv_cmd_zintercard(kv_client_t *c)
{
    kv_zsetop_generic(c, NULL, 1, KV_ZOP_INTER, 1);
}

/* ---- ZSCAN ------------------------------------------------------------- */

typedef struct {
    kv_zsl_node_t **v;
    long long n, cap;
    int oom;
} kv_zscan_t;

static void kv_zscan_collect(kv_dict_entry_t *e, void *arg)
{
    kv_zscan_t *s = arg;

    if (s->n == s->cap) {
        long long ncap = s->cap ? s->cap * 2 : 16;
        kv_zsl_node_t **nv = kv_realloc(s->v, sizeof(*nv) * (size_t) ncap);
        if (nv == NULL) {
            s->oom = 1;
            return;
        }
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n++] = (kv_zsl_node_t *) e;
}

/* ZSCAN key cursor [MATCH pattern] [COUNT count] */
void kv_cmd_zscan(kv_client_t *c)
{
    unsigned long long cursor;
    const kv_str_t *match;
    long long count, n = 0;
    size_t mark;
    kv_key_t *k;

    if (kv_scan_value_cursor(c, &c->argv[2], &cursor) != KV_OK) {
        return;
    }
    if (kv_zset_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_scan_value_reply_head(c, 0, 0);
        return;
    }
    if (kv_scan_value_parse(c, 3, &match, &count) != KV_OK) {
        return;
    }
    if (k->enc == KV_ZSET_LISTPACK) {
        /* Small: everything at once, the scores as stored. */
        const kv_lp_t *lp = k->v.ptr;

        kv_reply_array(c, 2);
        kv_reply_bulk(c, "0", 1);
        mark = kv_reply_deferred_len(c);
        for (size_t off = kv_lp_first(lp); off != 0;) {
            size_t ml, sl, soff = kv_lp_next(lp, off);
            const char *m = kv_lp_get(lp, off, &ml);
            const char *s = kv_lp_get(lp, soff, &sl);
            if (kv_scan_value_match(match, m, ml)) {
                kv_reply_bulk(c, m, ml);
                kv_reply_bulk(c, s, sl);
                n += 2;
            }
            off = kv_lp_next(lp, soff);
        }
        kv_reply_set_deferred_len(c, mark, '*', n);
    } else {
        kv_zset_t *zs = k->v.ptr;
        kv_zscan_t s = { NULL, 0, 0, 0 };
        long long maxiter = count * 10;
        char buf[KV_LD_STR_MAX];
        size_t bl;

        /* Redis counts members and scores against COUNT. */
        do {
            cursor = kv_dict_scan(&zs->dict, cursor, kv_zscan_collect, &s);
        } while (cursor != 0 && maxiter-- > 0 && s.n * 2 < count && !s.oom);
        if (s.oom) {
            kv_free(s.v);
            kv_reply_oom(c);
            return;
        }
        bl = (size_t) snprintf(buf, sizeof(buf), "%llu", cursor);
        kv_reply_array(c, 2);
        kv_reply_bulk(c, buf, bl);
        mark = kv_reply_deferred_len(c);
        for (long long i = 0; i < s.n; i++) {
            kv_zsl_node_t *x = s.v[i];
            if (!kv_scan_value_match(match, kv_zsl_member(x), x->mlen)) {
                continue;
            }
            kv_reply_bulk(c, kv_zsl_member(x), x->mlen);
            bl = kv_zset_d2string(buf, sizeof(buf), x->score);
            kv_reply_bulk(c, buf, bl);
            n += 2;
        }
        kv_reply_set_deferred_len(c, mark, '*', n);
        kv_free(s.v);
    }
}
