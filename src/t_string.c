/*
 * t_string.c: the string commands, after Redis 7.0's t_string.c: the same
 * argument parsing order, the same error texts, the same encodings.
 */
#include "cmd.h"

#include <ctype.h>
#include <math.h>

#include "alloc.h"
#include "db.h"
#include "util.h"
#include "worker.h"

/* SET/GETEX option flags (Redis's OBJ_SET_*). */
#define KV_SET_NX 0x001
#define KV_SET_XX 0x002
#define KV_SET_EX 0x004
#define KV_SET_PX 0x008
#define KV_SET_KEEPTTL 0x010
#define KV_SET_GET 0x020
#define KV_SET_EXAT 0x040
#define KV_SET_PXAT 0x080
#define KV_SET_PERSIST 0x100
#define KV_SET_EXPIRE_ANY (KV_SET_EX | KV_SET_PX | KV_SET_EXAT | KV_SET_PXAT)

enum { KV_CMD_TYPE_SET, KV_CMD_TYPE_GET };
enum { KV_UNIT_SECONDS, KV_UNIT_MS };

/* "nx", "NX": a two- or more-letter option, compared like Redis does (as
 * a C string, case-insensitively). */
static int kv_opt(const kv_str_t *a, const char *name)
{
    return kv_arg_is(a, name);
}

/* The options that set an expiry, and their units. */
typedef struct {
    const char *name;
    unsigned flag;
    int unit;
} kv_expire_opt_t;

static const kv_expire_opt_t kv_expire_opts[] = {
    { "ex", KV_SET_EX, KV_UNIT_SECONDS },
    { "px", KV_SET_PX, KV_UNIT_MS },
    { "exat", KV_SET_EXAT, KV_UNIT_SECONDS },
    { "pxat", KV_SET_PXAT, KV_UNIT_MS },
};

static const kv_expire_opt_t *kv_expire_opt(const kv_str_t *a)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(kv_expire_opts); i++) {
        if (kv_opt(a, kv_expire_opts[i].name)) {
            return &kv_expire_opts[i];
        }
    }
    return NULL;
}

/*
 * parseExtendedStringArgumentsOrReply(): options of SET (from argv[3]) and
 * GETEX (from argv[2]). On success *expire points at the expire argument
 * or is NULL.
 */
static int kv_parse_set_args(kv_client_t *c, int first, int type,
                             unsigned *flags, int *unit,
                             const kv_str_t **expire)
{
    const kv_expire_opt_t *e;

    *expire = NULL;
    for (int j = first; j < c->argc; j++) {
        const kv_str_t *opt = &c->argv[j];
        const kv_str_t *next = j == c->argc - 1 ? NULL : &c->argv[j + 1];

        if (kv_opt(opt, "nx") && !(*flags & KV_SET_XX) &&
            type == KV_CMD_TYPE_SET) {
            *flags |= KV_SET_NX;
        } else if (kv_opt(opt, "xx") && !(*flags & KV_SET_NX) &&
                   type == KV_CMD_TYPE_SET) {
            *flags |= KV_SET_XX;
        } else if (kv_opt(opt, "get") && type == KV_CMD_TYPE_SET) {
            *flags |= KV_SET_GET;
        } else if (kv_opt(opt, "keepttl") && !(*flags & KV_SET_PERSIST) &&
                   !(*flags & KV_SET_EXPIRE_ANY) && type == KV_CMD_TYPE_SET) {
            *flags |= KV_SET_KEEPTTL;
        } else if (kv_opt(opt, "persist") && type == KV_CMD_TYPE_GET &&
                   !(*flags & KV_SET_EXPIRE_ANY) &&
                   !(*flags & KV_SET_KEEPTTL)) {
            *flags |= KV_SET_PERSIST;
        } else if ((e = kv_expire_opt(opt)) != NULL &&
                   !(*flags & (KV_SET_KEEPTTL | KV_SET_PERSIST)) &&
                   !(*flags & KV_SET_EXPIRE_ANY & ~e->flag) && next != NULL) {
            /* EX, PX, EXAT, PXAT: one of them (repeated, the last wins). */
            *flags |= e->flag;
            if (e->unit == KV_UNIT_MS) {
                *unit = KV_UNIT_MS;
            }
            *expire = next;
            j++;
        } else {
            kv_reply_error(c, "syntax error");
            return KV_ERROR;
        }
    }
    return KV_OK;
}

/* getExpireMillisecondsOrReply(): the absolute expiry in ms. */
static int kv_get_expire_ms(kv_client_t *c, const kv_str_t *expire,
                            unsigned flags, int unit, long long *ms)
{
    long long v;

    if (kv_get_ll_or_reply(c, expire, &v, NULL) != KV_OK) {
        return KV_ERROR;
    }
    if (v <= 0 || (unit == KV_UNIT_SECONDS && v > LLONG_MAX / 1000)) {
        kv_reply_expire_error(c);
        return KV_ERROR;
    }
    if (unit == KV_UNIT_SECONDS) {
        v *= 1000;
    }
    if (flags & (KV_SET_PX | KV_SET_EX)) {
        if (v > LLONG_MAX - kv_db_now()) {
            kv_reply_expire_error(c);
            return KV_ERROR;
        }
        v += kv_db_now();
    }
    if (v <= 0) {
        kv_reply_expire_error(c);
        return KV_ERROR;
    }
    *ms = v;
    return KV_OK;
}

/* GET's reply for SET ... GET and GETSET: KV_ERROR on a wrong type. */
static int kv_get_generic(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);

    if (k == NULL) {
        kv_reply_null(c);
        return KV_OK;
    }
    if (k->type != KV_TYPE_STRING) {
        kv_reply_wrongtype(c);
        return KV_ERROR;
    }
    kv_reply_string_key(c, k);
    return KV_OK;
}

static void kv_set_generic(kv_client_t *c, unsigned flags, const kv_str_t *key,
                           const kv_str_t *val, const kv_str_t *expire,
                           int unit, int reply_int)
{
    long long ms = 0;
    kv_key_t *k;
    int found;

    if (expire != NULL &&
        kv_get_expire_ms(c, expire, flags, unit, &ms) != KV_OK) {
        return;
    }
    if (flags & KV_SET_GET) {
        if (kv_get_generic(c) != KV_OK) {
            return;
        }
    }
    /* Only NX and XX need to know beforehand whether the key exists:
     * storing looks it up (and expires it lazily) anyway. */
    if (flags & (KV_SET_NX | KV_SET_XX)) {
        found = kv_db_lookup(c->db, key->p, key->len) != NULL;
        if (((flags & KV_SET_NX) && found) || ((flags & KV_SET_XX) && !found)) {
            if (!(flags & KV_SET_GET)) {
                if (reply_int) {
                    kv_reply_int(c, 0);
                } else {
                    kv_reply_null(c);
                }
            }
            return;
        }
    }
    k = kv_db_set_string(c->db, key->p, key->len, val->p, val->len,
                         (flags & KV_SET_KEEPTTL) != 0);
    if (k == NULL) {
        kv_reply_oom(c);
        return;
    }
    if (expire != NULL) {
        (void) kv_db_set_expire(c->db, k, ms);
    }
    kv_keyspace_changed(c);
    if (!(flags & KV_SET_GET)) {
        if (reply_int) {
            kv_reply_int(c, 1);
        } else {
            kv_reply_ok(c);
        }
    }
}

/* SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL] */
void kv_cmd_set(kv_client_t *c)
{
    const kv_str_t *expire;
    unsigned flags = 0;
    int unit = KV_UNIT_SECONDS;

    if (kv_parse_set_args(c, 3, KV_CMD_TYPE_SET, &flags, &unit, &expire) !=
        KV_OK) {
        return;
    }
    kv_set_generic(c, flags, &c->argv[1], &c->argv[2], expire, unit, 0);
}

void kv_cmd_setnx(kv_client_t *c)
{
    kv_set_generic(c, KV_SET_NX, &c->argv[1], &c->argv[2], NULL,
                   KV_UNIT_SECONDS, 1);
}

void kv_cmd_setex(kv_client_t *c)
{
    kv_set_generic(c, KV_SET_EX, &c->argv[1], &c->argv[3], &c->argv[2],
                   KV_UNIT_SECONDS, 0);
}

void kv_cmd_psetex(kv_client_t *c)
{
    kv_set_generic(c, KV_SET_PX, &c->argv[1], &c->argv[3], &c->argv[2],
                   KV_UNIT_MS, 0);
}

void kv_cmd_get(kv_client_t *c)
{
    (void) kv_get_generic(c);
}

void kv_cmd_getdel(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);

    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    if (k->type != KV_TYPE_STRING) {
        kv_reply_wrongtype(c);
        return;
    }
    kv_reply_string_key(c, k);
    kv_db_delete_key(c->db, k);
    kv_keyspace_changed(c);
}

/* GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST] */
void kv_cmd_getex(kv_client_t *c)
{
    const kv_str_t *expire;
    unsigned flags = 0;
    int unit = KV_UNIT_SECONDS;
    long long ms = 0;
    kv_key_t *k;

    if (kv_parse_set_args(c, 2, KV_CMD_TYPE_GET, &flags, &unit, &expire) !=
        KV_OK) {
        return;
    }
    k = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);
    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    if (k->type != KV_TYPE_STRING) {
        kv_reply_wrongtype(c);
        return;
    }
    /* The expire is validated after the lookup, as Redis does. */
    if (expire != NULL &&
        kv_get_expire_ms(c, expire, flags, unit, &ms) != KV_OK) {
        return;
    }
    kv_reply_string_key(c, k);
    if ((flags & (KV_SET_PXAT | KV_SET_EXAT)) && ms <= kv_db_now()) {
        kv_db_delete_key(c->db, k);
        kv_keyspace_changed(c);
    } else if (expire != NULL) {
        (void) kv_db_set_expire(c->db, k, ms);
        kv_keyspace_changed(c);
    } else if (flags & KV_SET_PERSIST) {
        if (kv_key_expire(k) >= 0) {
            (void) kv_db_set_expire(c->db, k, -1);
            kv_keyspace_changed(c);
        }
    }
}

void kv_cmd_getset(kv_client_t *c)
{
    if (kv_get_generic(c) != KV_OK) {
        return;
    }
    if (kv_db_set_string(c->db, c->argv[1].p, c->argv[1].len, c->argv[2].p,
                         c->argv[2].len, 0) == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_keyspace_changed(c);
}

void kv_cmd_mget(kv_client_t *c)
{
    kv_reply_array(c, c->argc - 1);
    for (int j = 1; j < c->argc; j++) {
        kv_key_t *k = kv_db_lookup_read(c->db, c->argv[j].p, c->argv[j].len);
        if (k == NULL || k->type != KV_TYPE_STRING) {
            kv_reply_null(c);
        } else {
            kv_reply_string_key(c, k);
        }
    }
}

static void kv_mset_generic(kv_client_t *c, int nx)
{
    if (c->argc % 2 == 0) {
        kv_reply_arity_error(c);
        return;
    }
    if (nx) {
        for (int j = 1; j < c->argc; j += 2) {
            if (kv_db_lookup(c->db, c->argv[j].p, c->argv[j].len) != NULL) {
                kv_reply_int(c, 0);
                return;
            }
        }
    }
    for (int j = 1; j < c->argc; j += 2) {
        if (kv_db_set_string(c->db, c->argv[j].p, c->argv[j].len,
                             c->argv[j + 1].p, c->argv[j + 1].len, 0) == NULL) {
            kv_reply_oom(c);
            return;
        }
    }
    kv_keyspace_changed(c);
    kv_reply_done(c, nx);
}

void kv_cmd_mset(kv_client_t *c)
{
    kv_mset_generic(c, 0);
}

void kv_cmd_msetnx(kv_client_t *c)
{
    kv_mset_generic(c, 1);
}

/* checkStringLength(): would size + append pass proto-max-bulk-len? */
static int kv_check_string_length(kv_client_t *c, long long size,
                                  long long append)
{
    /* size + append may overflow: test without computing it first. */
    if (append > LLONG_MAX - size ||
        size + append > kv_worker.conf.proto_max_bulk_len) {
        kv_reply_error(c, "string exceeds maximum allowed size "
                          "(proto-max-bulk-len)");
        return KV_ERROR;
    }
    return KV_OK;
}

void kv_cmd_append(kv_client_t *c)
{
    const kv_str_t *key = &c->argv[1], *val = &c->argv[2];
    kv_key_t *k = kv_db_lookup(c->db, key->p, key->len);
    size_t len;

    if (k == NULL) {
        k = kv_db_set_string(c->db, key->p, key->len, val->p, val->len, 0);
        if (k == NULL) {
            kv_reply_oom(c);
            return;
        }
        kv_keyspace_changed(c);
        kv_reply_int(c, (long long) val->len);
        return;
    }
    if (k->type != KV_TYPE_STRING) {
        kv_reply_wrongtype(c);
        return;
    }
    len = kv_key_strlen(k);
    if (kv_check_string_length(c, (long long) len, (long long) val->len) !=
        KV_OK) {
        return;
    }
    /* Grow geometrically so a run of APPENDs is linear overall. */
    k = kv_db_make_raw(c->db, k, kv_grow_cap(len, len + val->len));
    if (k == NULL) {
        kv_reply_oom(c);
        return;
    }
    memcpy((char *) k->v.ptr + k->vlen, val->p, val->len);
    k->vlen += (uint32_t) val->len;
    kv_keyspace_changed(c);
    kv_reply_int(c, (long long) k->vlen);
}

void kv_cmd_strlen(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);

    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    if (k->type != KV_TYPE_STRING) {
        kv_reply_wrongtype(c);
        return;
    }
    kv_reply_int(c, (long long) kv_key_strlen(k));
}

void kv_cmd_getrange(kv_client_t *c)
{
    long long start, end;
    char buf[32];
    size_t len;
    const char *s;
    kv_key_t *k;

    if (kv_get_ll_or_reply(c, &c->argv[2], &start, NULL) != KV_OK ||
        kv_get_ll_or_reply(c, &c->argv[3], &end, NULL) != KV_OK) {
        return;
    }
    k = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);
    if (k == NULL) {
        kv_reply_bulk(c, "", 0);
        return;
    }
    if (k->type != KV_TYPE_STRING) {
        kv_reply_wrongtype(c);
        return;
    }
    s = kv_key_str(k, buf, &len);
    if (start < 0 && end < 0 && start > end) {
        kv_reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) {
        start += (long long) len;
    }
    if (end < 0) {
        end += (long long) len;
    }
    if (start < 0) {
        start = 0;
    }
    if (end < 0) {
        end = 0;
    }
    if ((unsigned long long) end >= len) {
        end = (long long) len - 1;
    }
    if (start > end || len == 0) {
        kv_reply_bulk(c, "", 0);
        return;
    }
    kv_reply_bulk(c, s + start, (size_t) (end - start + 1));
}

void kv_cmd_setrange(kv_client_t *c)
{
    const kv_str_t *val = &c->argv[3];
    long long offset;
    kv_key_t *k;
    size_t olen, need;

    if (kv_get_long_or_reply(c, &c->argv[2], &offset, NULL) != KV_OK) {
        return;
    }
    if (offset < 0) {
        kv_reply_error(c, "offset is out of range");
        return;
    }
    k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);
    if (k == NULL) {
        if (val->len == 0) {
            kv_reply_int(c, 0);
            return;
        }
        if (kv_check_string_length(c, offset, (long long) val->len) != KV_OK) {
            return;
        }
        /* A new string from SETRANGE is "raw", as in Redis. */
        k = kv_db_set_string(c->db, c->argv[1].p, c->argv[1].len, "", 0, 0);
        if (k == NULL || (k = kv_db_make_raw(c->db, k, 0)) == NULL) {
            kv_reply_oom(c);
            return;
        }
    } else {
        if (k->type != KV_TYPE_STRING) {
            kv_reply_wrongtype(c);
            return;
        }
        olen = kv_key_strlen(k);
        if (val->len == 0) {
            kv_reply_int(c, (long long) olen);
            return;
        }
        if (kv_check_string_length(c, offset, (long long) val->len) != KV_OK) {
            return;
        }
        k = kv_db_make_raw(c->db, k, 0);
        if (k == NULL) {
            kv_reply_oom(c);
            return;
        }
    }
    need = (size_t) offset + val->len;
    if (need > k->vlen) {
        k = kv_db_make_raw(c->db, k, kv_grow_cap(k->vlen, need));
        if (k == NULL) {
            kv_reply_oom(c);
            return;
        }
        memset((char *) k->v.ptr + k->vlen, 0, need - k->vlen);
        k->vlen = (uint32_t) need;
    }
    memcpy((char *) k->v.ptr + offset, val->p, val->len);
    kv_keyspace_changed(c);
    kv_reply_int(c, (long long) k->vlen);
}

/* The integer value of a string key, Redis's getLongLongFromObject(). */
static int kv_key_ll(kv_key_t *k, long long *v)
{
    char buf[32];
    size_t len;
    const char *s;

    if (k->enc == KV_ENC_INT) {
        *v = k->v.i;
        return KV_OK;
    }
    s = kv_key_str(k, buf, &len);
    return kv_string2ll(s, len, v) ? KV_OK : KV_ERROR;
}

static void kv_incr_generic(kv_client_t *c, long long incr)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);
    long long value = 0;

    if (k != NULL) {
        if (k->type != KV_TYPE_STRING) {
            kv_reply_wrongtype(c);
            return;
        }
        if (kv_key_ll(k, &value) != KV_OK) {
            kv_reply_error(c, "value is not an integer or out of range");
            return;
        }
    }
    if ((incr < 0 && value < 0 && incr < (LLONG_MIN - value)) ||
        (incr > 0 && value > 0 && incr > (LLONG_MAX - value))) {
        kv_reply_error(c, "increment or decrement would overflow");
        return;
    }
    value += incr;
    if (k != NULL && k->enc == KV_ENC_INT) {
        k->v.i = value; /* in place: keeps the TTL */
    } else if (kv_db_set_int(c->db, c->argv[1].p, c->argv[1].len, value, 1) ==
               NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_keyspace_changed(c);
    kv_reply_int(c, value);
}

void kv_cmd_incr(kv_client_t *c)
{
    kv_incr_generic(c, 1);
}

void kv_cmd_decr(kv_client_t *c)
{
    kv_incr_generic(c, -1);
}

void kv_cmd_incrby(kv_client_t *c)
{
    long long incr;

    if (kv_get_ll_or_reply(c, &c->argv[2], &incr, NULL) != KV_OK) {
        return;
    }
    kv_incr_generic(c, incr);
}

void kv_cmd_decrby(kv_client_t *c)
{
    long long incr;

    if (kv_get_ll_or_reply(c, &c->argv[2], &incr, NULL) != KV_OK) {
        return;
    }
    /* Negating LLONG_MIN would overflow. */
    if (incr == LLONG_MIN) {
        kv_reply_error(c, "decrement would overflow");
        return;
    }
    kv_incr_generic(c, -incr);
}

void kv_cmd_incrbyfloat(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);
    long double value = 0, incr;
    char buf[KV_LD_STR_MAX];
    size_t len;

    if (k != NULL) {
        char ib[32];
        size_t ilen;
        const char *s;

        if (k->type != KV_TYPE_STRING) {
            kv_reply_wrongtype(c);
            return;
        }
        if (k->enc == KV_ENC_INT) {
            value = (long double) k->v.i;
        } else {
            s = kv_key_str(k, ib, &ilen);
            if (!kv_string2ld(s, ilen, &value)) {
                kv_reply_error(c, "value is not a valid float");
                return;
            }
        }
    }
    if (!kv_string2ld(c->argv[2].p, c->argv[2].len, &incr)) {
        kv_reply_error(c, "value is not a valid float");
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        kv_reply_error(c, "increment would produce NaN or Infinity");
        return;
    }
    len = kv_ld2str(buf, sizeof(buf), value);
    if (len == 0 || kv_db_set_string(c->db, c->argv[1].p, c->argv[1].len, buf,
                                     len, 1) == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_keyspace_changed(c);
    kv_reply_bulk(c, buf, len);
}

/*
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], as Redis 7.0
 * computes it: the dynamic programming table of LCS lengths, then a walk
 * back from the end that emits the matching ranges, last ones first.
 */
void kv_cmd_lcs(kv_client_t *c)
{
    kv_key_t *ka = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);
    kv_key_t *kb = kv_db_lookup_read(c->db, c->argv[2].p, c->argv[2].len);
    char bufa[32], bufb[32];
    const char *a = "", *b = "";
    size_t la = 0, lb = 0;

    if ((ka != NULL && ka->type != KV_TYPE_STRING) ||
        (kb != NULL && kb->type != KV_TYPE_STRING)) {
        kv_lcs_reply(c, 1, NULL, 0, NULL, 0);
        return;
    }
    if (ka != NULL) {
        a = kv_key_str(ka, bufa, &la);
    }
    if (kb != NULL) {
        b = kv_key_str(kb, bufb, &lb);
    }
    kv_lcs_reply(c, 0, a, la, b, lb);
}

void kv_lcs_reply(kv_client_t *c, int wrongtype, const char *a, size_t la,
                  const char *b, size_t lb)
{
    long long minmatchlen = 0;
    int getlen = 0, getidx = 0, withmatchlen = 0;
    uint32_t *lcs, alen, blen, idx, i, j, arraylen = 0;
    uint32_t as, ae = 0, bs = 0, be = 0;
    size_t mark = 0;
    char *result = NULL;

    if (wrongtype) {
        kv_reply_error(c, "The specified keys must contain string values");
        return;
    }
    for (int k = 3; k < c->argc; k++) {
        int more = c->argc - 1 - k;
        if (kv_arg_is(&c->argv[k], "idx")) {
            getidx = 1;
        } else if (kv_arg_is(&c->argv[k], "len")) {
            getlen = 1;
        } else if (kv_arg_is(&c->argv[k], "withmatchlen")) {
            withmatchlen = 1;
        } else if (kv_arg_is(&c->argv[k], "minmatchlen") && more) {
            if (kv_get_ll_or_reply(c, &c->argv[k + 1], &minmatchlen, NULL) !=
                KV_OK) {
                return;
            }
            if (minmatchlen < 0) {
                minmatchlen = 0;
            }
            k++;
        } else {
            kv_reply_error(c, "syntax error");
            return;
        }
    }
    if (getidx && getlen) {
        kv_reply_error(c, "If you want both the length and indexes, please "
                          "just use IDX.");
        return;
    }
    if (la >= UINT32_MAX - 1 || lb >= UINT32_MAX - 1) {
        kv_reply_error(c, "String too long for LCS");
        return;
    }
    alen = (uint32_t) la;
    blen = (uint32_t) lb;
#define KV_LCS(A, B) lcs[(B) + (size_t) (A) * (blen + 1)]
    {
        unsigned long long cells = (unsigned long long) (alen + 1) * (blen + 1);
        unsigned long long bytes = cells * sizeof(uint32_t);
        if (bytes > (unsigned long long) kv_worker.conf.proto_max_bulk_len) {
            kv_reply_error(c, "Insufficient memory, transient memory for LCS "
                              "exceeds proto-max-bulk-len");
            return;
        }
        lcs = kv_malloc((size_t) bytes);
        if (lcs == NULL) {
            kv_reply_error(c, "Insufficient memory, failed allocating "
                              "transient memory for LCS");
            return;
        }
    }
    for (i = 0; i <= alen; i++) {
        for (j = 0; j <= blen; j++) {
            if (i == 0 || j == 0) {
                KV_LCS(i, j) = 0;
            } else if (a[i - 1] == b[j - 1]) {
                KV_LCS(i, j) = KV_LCS(i - 1, j - 1) + 1;
            } else {
                uint32_t l1 = KV_LCS(i - 1, j), l2 = KV_LCS(i, j - 1);
                KV_LCS(i, j) = l1 > l2 ? l1 : l2;
            }
        }
    }
    idx = KV_LCS(alen, blen);
    if (getidx || !getlen) {
        result = kv_malloc(idx ? idx : 1);
        if (result == NULL) {
            kv_free(lcs);
            kv_reply_oom(c);
            return;
        }
    }
    if (getidx) {
        kv_reply_array(c, 4);
        kv_reply_bulk(c, "matches", 7);
        mark = kv_reply_deferred_len(c);
    }
    as = alen; /* alen: no range open */
    i = alen;
    j = blen;
    while (result != NULL && i > 0 && j > 0) {
        int emit = 0;
        if (a[i - 1] == b[j - 1]) {
            result[idx - 1] = a[i - 1];
            if (as == alen) {
                as = ae = i - 1;
                bs = be = j - 1;
            } else if (as == i && bs == j) {
                as--;
                bs--;
            } else {
                emit = 1;
            }
            if (as == 0 || bs == 0) {
                emit = 1;
            }
            idx--;
            i--;
            j--;
        } else {
            uint32_t l1 = KV_LCS(i - 1, j), l2 = KV_LCS(i, j - 1);
            if (l1 > l2) {
                i--;
            } else {
                j--;
            }
            if (as != alen) {
                emit = 1;
            }
        }
        if (emit) {
            uint32_t mlen = ae - as + 1;
            if ((minmatchlen == 0 || mlen >= minmatchlen) && getidx) {
                kv_reply_array(c, 2 + withmatchlen);
                kv_reply_array(c, 2);
                kv_reply_int(c, as);
                kv_reply_int(c, ae);
                kv_reply_array(c, 2);
                kv_reply_int(c, bs);
                kv_reply_int(c, be);
                if (withmatchlen) {
                    kv_reply_int(c, mlen);
                }
                arraylen++;
            }
            as = alen;
        }
    }
    if (getidx) {
        kv_reply_set_deferred_len(c, mark, '*', arraylen);
        kv_reply_bulk(c, "len", 3);
        kv_reply_int(c, KV_LCS(alen, blen));
    } else if (getlen) {
        kv_reply_int(c, idx);
    } else {
        kv_reply_bulk(c, result, KV_LCS(alen, blen));
    }
#undef KV_LCS
    kv_free(result);
    kv_free(lcs);
}
