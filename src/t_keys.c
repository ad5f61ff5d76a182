/*
 * t_keys.c: commands on keys of any type and on databases, after Redis
 * 7.0's db.c and expire.c.
 *
 * In this file every command works on the shard it runs on; commands
 * whose keys live on several shards are split and folded by the router
 * before they get here.
 */
#include "cmd.h"

#include "alloc.h"
#include "block.h"
#include "db.h"
#include "util.h"
#include "worker.h"

#define KV_EXPIRE_NX 0x1
#define KV_EXPIRE_XX 0x2
#define KV_EXPIRE_GT 0x4
#define KV_EXPIRE_LT 0x8

static const char *const kv_type_names[] = { "string", "list", "set",
                                             "zset",   "hash", "stream" };

const char *kv_type_name(int type)
{
    if (type < 0 || type >= (int) KV_ARRAY_LEN(kv_type_names)) {
        return "none";
    }
    return kv_type_names[type];
}

static void kv_del_generic(kv_client_t *c)
{
    long long n = 0;

    for (int j = 1; j < c->argc; j++) {
        n += kv_db_delete(c->db, c->argv[j].p, c->argv[j].len);
    }
    if (n > 0) {
        kv_keyspace_changed(c);
    }
    kv_reply_int(c, n);
}

void kv_cmd_del(kv_client_t *c)
{
    kv_del_generic(c);
}

void kv_cmd_unlink(kv_client_t *c)
{
    kv_del_generic(c);
}

void kv_cmd_exists(kv_client_t *c)
{
    long long n = 0;

    for (int j = 1; j < c->argc; j++) {
        n += kv_db_lookup(c->db, c->argv[j].p, c->argv[j].len) != NULL;
    }
    kv_reply_int(c, n);
}

void kv_cmd_touch(kv_client_t *c)
{
    long long n = 0;

    for (int j = 1; j < c->argc; j++) {
        n += kv_db_lookup_read(c->db, c->argv[j].p, c->argv[j].len) != NULL;
    }
    kv_reply_int(c, n);
}

void kv_cmd_type(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);

    kv_reply_status(c, k == NULL ? "none" : kv_type_name(k->type));
}

/* EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: expireGenericCommand(). */
static void kv_expire_generic(kv_client_t *c, long long basetime, int ms)
{
    unsigned flags = 0;
    long long when;
    int64_t cur;
    kv_key_t *k;

    for (int j = 3; j < c->argc; j++) {
        if (kv_arg_is(&c->argv[j], "nx")) {
            flags |= KV_EXPIRE_NX;
        } else if (kv_arg_is(&c->argv[j], "xx")) {
            flags |= KV_EXPIRE_XX;
        } else if (kv_arg_is(&c->argv[j], "gt")) {
            flags |= KV_EXPIRE_GT;
        } else if (kv_arg_is(&c->argv[j], "lt")) {
            flags |= KV_EXPIRE_LT;
        } else {
            kv_reply_errorf(c, "Unsupported option %.*s",
                            kv_arg_cstrlen(&c->argv[j], INT_MAX), c->argv[j].p);
            return;
        }
    }
    if ((flags & KV_EXPIRE_NX) &&
        (flags & (KV_EXPIRE_XX | KV_EXPIRE_GT | KV_EXPIRE_LT))) {
        kv_reply_error(c, "NX and XX, GT or LT options at the same time "
                          "are not compatible");
        return;
    }
    if ((flags & KV_EXPIRE_GT) && (flags & KV_EXPIRE_LT)) {
        kv_reply_error(c, "GT and LT options at the same time are not "
                          "compatible");
        return;
    }
    if (kv_get_ll_or_reply(c, &c->argv[2], &when, NULL) != KV_OK) {
        return;
    }
    if (!ms) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            kv_reply_expire_error(c);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime) {
        kv_reply_expire_error(c);
        return;
    }
    when += basetime;
    k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    cur = kv_key_expire(k);
    if (((flags & KV_EXPIRE_NX) && cur != -1) ||
        ((flags & KV_EXPIRE_XX) && cur == -1) ||
        ((flags & KV_EXPIRE_GT) && (when <= cur || cur == -1)) ||
        ((flags & KV_EXPIRE_LT) && cur != -1 && when >= cur)) {
        kv_reply_int(c, 0);
        return;
    }
    if (when <= kv_db_now()) {
        kv_db_delete_key(c->db, k);
    } else if (kv_db_set_expire(c->db, k, when) == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_keyspace_changed(c);
    kv_reply_int(c, 1);
}

void kv_cmd_expire(kv_client_t *c)
{
    kv_expire_generic(c, kv_db_now(), 0);
}

void kv_cmd_pexpire(kv_client_t *c)
{
    kv_expire_generic(c, kv_db_now(), 1);
}

void kv_cmd_expireat(kv_client_t *c)
{
    kv_expire_generic(c, 0, 0);
}

void kv_cmd_pexpireat(kv_client_t *c)
{
    kv_expire_generic(c, 0, 1);
}

/* TTL, PTTL, EXPIRETIME, PEXPIRETIME: ttlGenericCommand(). */
static void kv_ttl_generic(kv_client_t *c, int out_ms, int out_abs)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);
    long long ttl = -1;
    int64_t exp;

    if (k == NULL) {
        kv_reply_int(c, -2);
        return;
    }
    exp = kv_key_expire(k);
    if (exp != -1) {
        ttl = out_abs ? exp : exp - kv_wall_us() / 1000;
        if (ttl < 0) {
            ttl = 0;
        }
    }
    if (ttl == -1) {
        kv_reply_int(c, -1);
    } else {
        kv_reply_int(c, out_ms ? ttl : (ttl + 500) / 1000);
    }
}

void kv_cmd_ttl(kv_client_t *c)
{
    kv_ttl_generic(c, 0, 0);
}

void kv_cmd_pttl(kv_client_t *c)
{
    kv_ttl_generic(c, 1, 0);
}

void kv_cmd_expiretime(kv_client_t *c)
{
    kv_ttl_generic(c, 0, 1);
}

void kv_cmd_pexpiretime(kv_client_t *c)
{
    kv_ttl_generic(c, 1, 1);
}

void kv_cmd_persist(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);

    if (k == NULL || kv_key_expire(k) == -1) {
        kv_reply_int(c, 0);
        return;
    }
    if (kv_db_set_expire(c->db, k, -1) == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_keyspace_changed(c);
    kv_reply_int(c, 1);
}

void kv_cmd_keys(kv_client_t *c)
{
    const kv_str_t *pat = &c->argv[1];
    int all = pat->len == 1 && pat->p[0] == '*';
    kv_dict_iter_t it;
    kv_dict_entry_t *e;
    long long n = 0;
    size_t mark = kv_reply_deferred_len(c);

    kv_dict_iter_init(&it, &c->db->dict);
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        kv_key_t *k = (kv_key_t *) e;
        const char *name = kv_key_name(k);

        if (!all && !kv_glob_match(pat->p, pat->len, name, k->keylen, 0)) {
            continue;
        }
        if (kv_key_expire(k) != -1 && kv_key_expire(k) <= kv_db_now()) {
            continue; /* expired: not reported, deleted later */
        }
        kv_reply_bulk(c, name, k->keylen);
        n++;
    }
    kv_dict_iter_done(&it);
    kv_reply_set_deferred_len(c, mark, '*', n);
}

typedef struct {
    kv_client_t *c;
    kv_str_t *keys;
    long n, cap;
} kv_scan_acc_t;

static void kv_scan_collect(kv_dict_entry_t *e, void *arg)
{
    kv_scan_acc_t *acc = arg;
    kv_key_t *k = (kv_key_t *) e;

    if (acc->n == acc->cap) {
        long ncap = acc->cap ? acc->cap * 2 : 16;
        kv_str_t *nk = kv_realloc(acc->keys, sizeof(*nk) * (size_t) ncap);
        if (nk == NULL) {
            return;
        }
        acc->keys = nk;
        acc->cap = ncap;
    }
    /* Names are copied: the filter below may delete expired keys. */
    acc->keys[acc->n].p = kv_strndup(kv_key_name(k), k->keylen);
    if (acc->keys[acc->n].p == NULL) {
        return;
    }
    acc->keys[acc->n].len = k->keylen;
    acc->n++;
}

/*
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] on this shard:
 * scanGenericCommand(). The cross-shard cursor is built by the router on
 * top of the per-shard cursor returned here. The per-key scans (HSCAN,
 * SSCAN, ZSCAN) parse their options here too, with type NULL: TYPE is a
 * syntax error there, as in Redis. MATCH "*" is no pattern at all.
 */
int kv_scan_parse(kv_client_t *c, int first, const kv_str_t **match,
                  long long *count, const kv_str_t **type)
{
    *match = NULL;
    if (type != NULL) {
        *type = NULL;
    }
    *count = 10;
    for (int j = first; j < c->argc; j++) {
        int left = c->argc - j;
        if (kv_arg_is(&c->argv[j], "count") && left >= 2) {
            if (kv_get_ll_or_reply(c, &c->argv[j + 1], count, NULL) != KV_OK) {
                return KV_ERROR;
            }
            if (*count < 1) {
                kv_reply_error(c, "syntax error");
                return KV_ERROR;
            }
            j++;
        } else if (kv_arg_is(&c->argv[j], "match") && left >= 2) {
            *match = &c->argv[j + 1];
            if ((*match)->len == 1 && (*match)->p[0] == '*') {
                *match = NULL;
            }
            j++;
        } else if (type != NULL && kv_arg_is(&c->argv[j], "type") &&
                   left >= 2) {
            *type = &c->argv[j + 1];
            j++;
        } else {
            kv_reply_error(c, "syntax error");
            return KV_ERROR;
        }
    }
    return KV_OK;
}

uint64_t kv_scan_shard(kv_client_t *c, uint64_t cursor, const kv_str_t *match,
                       long long count, const kv_str_t *type,
                       kv_scan_emit_pt emit, void *arg)
{
    kv_scan_acc_t acc = { c, NULL, 0, 0 };
    long long maxiter = count * 10;

    do {
        cursor = kv_dict_scan(&c->db->dict, cursor, kv_scan_collect, &acc);
    } while (cursor != 0 && maxiter-- > 0 && acc.n < count);

    for (long i = 0; i < acc.n; i++) {
        kv_str_t *key = &acc.keys[i];
        int keep = 1;

        if (match != NULL && !(match->len == 1 && match->p[0] == '*') &&
            !kv_glob_match(match->p, match->len, key->p, key->len, 0)) {
            keep = 0;
        }
        if (keep) {
            kv_key_t *k = kv_db_lookup(c->db, key->p, key->len);
            if (k == NULL) {
                keep = 0; /* expired meanwhile */
            } else if (type != NULL &&
                       !kv_arg_is(type, kv_type_name(k->type))) {
                keep = 0;
            }
        }
        if (keep) {
            emit(key, arg);
        }
        kv_free((void *) key->p);
    }
    kv_free(acc.keys);
    return cursor;
}

typedef struct {
    kv_client_t *c;
    long long n;
} kv_scan_reply_t;

static void kv_scan_emit_reply(const kv_str_t *key, void *arg)
{
    kv_scan_reply_t *r = arg;

    kv_reply_bulk(r->c, key->p, key->len);
    r->n++;
}

/* SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
void kv_cmd_scan(kv_client_t *c)
{
    unsigned long long cursor;
    const kv_str_t *match, *type;
    long long count;
    kv_scan_reply_t r = { c, 0 };
    char buf[32];
    size_t mark;

    if (kv_scan_value_cursor(c, &c->argv[1], &cursor) != KV_OK) {
        return;
    }
    if (kv_scan_parse(c, 2, &match, &count, &type) != KV_OK) {
        return;
    }
    /* The reply's first element (the next cursor) is only known after
     * the keys, so the keys are written first and the head inserted. */
    mark = kv_reply_deferred_len(c);
    cursor =
        kv_scan_shard(c, cursor, match, count, type, kv_scan_emit_reply, &r);
    kv_reply_set_deferred_len(c, mark, '*', r.n);
    {
        size_t n = (size_t) snprintf(buf, sizeof(buf), "%llu", cursor);
        char head[64];
        int hl = snprintf(head, sizeof(head), "*2\r\n$%zu\r\n%s\r\n", n, buf);
        kv_reply_insert(c, mark, head, (size_t) hl);
    }
}

void kv_cmd_randomkey(kv_client_t *c)
{
    /* Volatile keys may all be expired: bound the retries like Redis. */
    for (int tries = 0; tries < 100; tries++) {
        kv_key_t *k = (kv_key_t *) kv_dict_random(&c->db->dict, kv_random64);
        if (k == NULL) {
            break;
        }
        if (kv_key_expire(k) != -1 && kv_key_expire(k) <= kv_db_now()) {
            kv_db_delete_key(c->db, k);
            continue;
        }
        kv_reply_bulk(c, kv_key_name(k), k->keylen);
        return;
    }
    kv_reply_null(c);
}

void kv_cmd_dbsize(kv_client_t *c)
{
    kv_reply_int(c, (long long) kv_dict_size(&c->db->dict));
}

/* FLUSHDB / FLUSHALL [ASYNC|SYNC]: getFlushCommandFlags(). */
int kv_flush_parse(kv_client_t *c)
{
    if (c->argc > 2 || (c->argc == 2 && !kv_arg_is(&c->argv[1], "async") &&
                        !kv_arg_is(&c->argv[1], "sync"))) {
        kv_reply_error(c, "syntax error");
        return KV_ERROR;
    }
    return KV_OK;
}

void kv_cmd_flushdb(kv_client_t *c)
{
    if (kv_flush_parse(c) != KV_OK) {
        return;
    }
    kv_db_flush(c->db);
    kv_keyspace_changed(c);
    kv_reply_ok(c);
}

void kv_cmd_flushall(kv_client_t *c)
{
    if (kv_flush_parse(c) != KV_OK) {
        return;
    }
    for (int i = 0; i < kv_db_count(); i++) {
        kv_db_flush(kv_db_get(i));
    }
    kv_keyspace_changed(c);
    kv_reply_ok(c);
}

static void kv_rename_generic(kv_client_t *c, int nx)
{
    const kv_str_t *src = &c->argv[1], *dst = &c->argv[2];
    kv_key_t *k, *nk;

    k = kv_db_lookup(c->db, src->p, src->len);
    if (k == NULL) {
        kv_reply_error(c, "no such key");
        return;
    }
    if (src->len == dst->len && memcmp(src->p, dst->p, src->len) == 0) {
        if (nx) {
            kv_reply_int(c, 0);
        } else {
            kv_reply_ok(c);
        }
        return;
    }
    if (kv_db_lookup(c->db, dst->p, dst->len) != NULL) {
        if (nx) {
            kv_reply_int(c, 0);
            return;
        }
        (void) kv_db_delete(c->db, dst->p, dst->len);
    }
    nk = kv_db_rename_key(c->db, k, dst->p, dst->len);
    if (nk == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_keyspace_changed(c);
    kv_reply_done(c, nx);
}

void kv_cmd_rename(kv_client_t *c)
{
    kv_rename_generic(c, 0);
}

void kv_cmd_renamenx(kv_client_t *c)
{
    kv_rename_generic(c, 1);
}

/* COPY source destination [DB destination-db] [REPLACE] */
void kv_cmd_copy(kv_client_t *c)
{
    const kv_str_t *src = &c->argv[1], *dst = &c->argv[2];
    int replace = 0;
    long long dbid = c->db->id;
    kv_db_t *to;
    kv_key_t *k, *nk;
    int64_t exp;

    for (int j = 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (kv_arg_is(&c->argv[j], "replace")) {
            replace = 1;
        } else if (kv_arg_is(&c->argv[j], "db") && left >= 1) {
            if (kv_get_int_or_reply(c, &c->argv[j + 1], &dbid, NULL) != KV_OK) {
                return;
            }
            j++;
        } else {
            kv_reply_error(c, "syntax error");
            return;
        }
    }
    to = kv_db_get((int) dbid);
    if (to == NULL || dbid != (int) dbid) {
        kv_reply_error(c, "DB index is out of range");
        return;
    }
    if (to == c->db && src->len == dst->len &&
        memcmp(src->p, dst->p, src->len) == 0) {
        kv_reply_error(c, "source and destination objects are the same");
        return;
    }
    k = kv_db_lookup(c->db, src->p, src->len);
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    exp = kv_key_expire(k);
    if (kv_db_lookup(to, dst->p, dst->len) != NULL) {
        if (!replace) {
            kv_reply_int(c, 0);
            return;
        }
        (void) kv_db_delete(to, dst->p, dst->len);
    }
    nk = kv_db_dup_key(k, dst->p, dst->len);
    if (nk == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_db_link_key(to, nk);
    if (exp != -1) {
        (void) kv_db_set_expire(to, nk, exp);
    }
    kv_keyspace_changed(c);
    kv_reply_int(c, 1);
}

void kv_cmd_select(kv_client_t *c)
{
    long long id;

    if (kv_get_int_or_reply(c, &c->argv[1], &id, NULL) != KV_OK) {
        return;
    }
    if (kv_db_get((int) id) == NULL) {
        kv_reply_error(c, "DB index is out of range");
        return;
    }
    kv_client_select(c, (int) id);
    kv_reply_ok(c);
}

void kv_cmd_move(kv_client_t *c)
{
    long long id;
    kv_db_t *to;
    kv_key_t *k;

    if (kv_get_int_or_reply(c, &c->argv[2], &id, NULL) != KV_OK) {
        return;
    }
    to = kv_db_get((int) id);
    if (to == NULL) {
        kv_reply_error(c, "DB index is out of range");
        return;
    }
    if (to == c->db) {
        kv_reply_error(c, "source and destination objects are the same");
        return;
    }
    k = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    if (kv_db_lookup(to, c->argv[1].p, c->argv[1].len) != NULL) {
        kv_reply_int(c, 0);
        return;
    }
    kv_db_unlink_key(c->db, k);
    kv_db_link_key(to, k);
    kv_keyspace_changed(c);
    kv_reply_int(c, 1);
}

void kv_cmd_swapdb(kv_client_t *c)
{
    long long a, b;

    if (kv_get_int_or_reply(c, &c->argv[1], &a, "invalid first DB index") !=
            KV_OK ||
        kv_get_int_or_reply(c, &c->argv[2], &b, "invalid second DB index") !=
            KV_OK) {
        return;
    }
    if (kv_db_get((int) a) == NULL || kv_db_get((int) b) == NULL) {
        kv_reply_error(c, "DB index is out of range");
        return;
    }
    kv_db_swap(kv_db_get((int) a), kv_db_get((int) b));
    kv_block_dbs_swapped((int) a, (int) b);
    /* Clients keep their database number, so they now see the other
     * contents, as in Redis. */
    kv_keyspace_changed(c);
    kv_reply_ok(c);
}

/* OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key */
void kv_cmd_object_encoding(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[2].p, c->argv[2].len);
    const char *enc;

    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    enc = kv_key_encoding(k);
    kv_reply_bulk(c, enc, strlen(enc));
}

void kv_cmd_object_refcount(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[2].p, c->argv[2].len);

    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    /* Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS) and reports
     * them with the "shared" refcount INT_MAX. */
    if (k->type == KV_TYPE_STRING && k->enc == KV_ENC_INT && k->v.i >= 0 &&
        k->v.i < 10000) {
        kv_reply_int(c, INT_MAX);
    } else {
        kv_reply_int(c, 1);
    }
}

void kv_cmd_object_idletime(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[2].p, c->argv[2].len);

    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    /* The LRU clock is the wall clock: one stepped back is no idle time
     * (Redis would report a wrapped-around one). */
    kv_reply_int(c, kv_lru_clock() >= k->lru
                        ? (long long) (kv_lru_clock() - k->lru)
                        : 0);
}

void kv_cmd_object_freq(kv_client_t *c)
{
    kv_key_t *k = kv_db_lookup(c->db, c->argv[2].p, c->argv[2].len);

    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    kv_reply_error(c, "An LFU maxmemory policy is not selected, access "
                      "frequency not tracked. Please note that when "
                      "switching between policies at runtime LRU and LFU "
                      "data will take some time to adjust.");
}

void kv_cmd_object_help(kv_client_t *c)
{
    static const char *const help[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to "
        "store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned "
        "integer is",
        "    proportional to the logarithm of the recent access frequency of "
        "the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated "
        "number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with "
        "the specified",
        "    <key>.",
        NULL
    };

    kv_reply_help(c, help);
}
