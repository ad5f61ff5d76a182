/*
 * xshard.c: atomic commands over several shards (see xshard.h).
 */
#include "xshard.h"

#include "alloc.h"
#include "crc16.h"
#include "db.h"
#include "log.h"
#include "route.h"
#include "worker.h"

#define KV_XSHARD_LOST                                                         \
    "-ERR a worker taking part in this command exited; the command was "       \
    "not completed\r\n"

static struct {
    int holder; /* -1, or the slot that paused us */
    uint32_t holder_gen;
    int paused;
} kv_xs = { -1, 0, 0 };

static _Atomic uint32_t *kv_xshard_lock(void)
{
    return &kv_worker.shm->hdr->xlock;
}

/*
 * The lock word is (serial << KV_XS_SLOT_BITS) | (slot + 1): each taking
 * of the lock has its own value, so a worker paused by one transaction
 * can tell when that very transaction is over, even if it never hears
 * "@resume" (its holder failed, died, or a replacement found a stale
 * "@pause" in its ring).
 */
#define KV_XS_SLOT_BITS 7
#define KV_XS_SLOT_MASK ((1u << KV_XS_SLOT_BITS) - 1)

void kv_xshard_release_dead(kv_shm_t *shm, int slot)
{
    uint32_t held = atomic_load(&shm->hdr->xlock);

    if ((held & KV_XS_SLOT_MASK) == (uint32_t) slot + 1) {
        (void) atomic_compare_exchange_strong(&shm->hdr->xlock, &held, 0);
    }
}

int kv_xshard_supported(const kv_cmd_t *cmd)
{
    return cmd->proc == kv_cmd_msetnx || cmd->proc == kv_cmd_rename ||
           cmd->proc == kv_cmd_renamenx || cmd->proc == kv_cmd_copy ||
           cmd->proc == kv_cmd_lcs;
}

/* ---- the paused side -------------------------------------------------- */

/*
 * "@pause": answer at once, then serve only the holder's ring until
 * "@resume" (or the holder's death). Runs nested inside the poll that
 * delivered it; the reply is sent here, not by the caller.
 */
void kv_cmd_int_pause(kv_client_t *c)
{
    int holder = kv_route_current_origin();
    uint32_t gen = kv_shard_generation(holder);
    long long lockval = 0;

    (void) kv_string2ll(c->argv[1].p, c->argv[1].len, &lockval);
    kv_reply_ok(c);
    kv_route_reply_now(c);
    kv_xs.holder = holder;
    kv_xs.holder_gen = gen;
    kv_xs.paused = 1;
    kv_route_nested++;
    while (kv_xs.paused) {
        int n;

        kv_shard_flush();
        n = kv_shard_poll_mask(1ULL << holder);
        if (!kv_xs.paused) {
            break;
        }
        if (kv_shard_generation(holder) != gen ||
            atomic_load(&kv_worker.shm->hdr->slots[holder].pid) == 0) {
            kv_log(KV_LOG_WARN, 0, "worker %d died while it had paused us",
                   holder);
            break;
        }
        if (atomic_load(kv_xshard_lock()) != (uint32_t) lockval) {
            break; /* that transaction is over */
        }
        if (n == 0) {
            kv_route_wait();
        }
    }
    kv_route_nested--;
    kv_xs.paused = 0;
    kv_xs.holder = -1;
    kv_shard_flush();
    c->flags |= KV_CLIENT_NOREPLY;
}

void kv_cmd_int_resume(kv_client_t *c)
{
    kv_xs.paused = 0;
    kv_reply_ok(c);
}

/*
 * "@dump key": [expire-ms or -1, type, value] or nil. A string's value is
 * its bytes; another type's is what its kv_type_ops_t dump() writes.
 */
static void kv_xs_reply_dump(kv_client_t *c, kv_key_t *k)
{
    char buf[32];
    size_t len;
    const char *v;

    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    if (k->type == KV_TYPE_STRING) {
        v = kv_key_str(k, buf, &len);
        kv_reply_array(c, 3);
        kv_reply_int(c, kv_key_expire(k));
        kv_reply_int(c, k->type);
        kv_reply_bulk(c, v, len);
        return;
    }
    if (kv_types[k->type] == NULL) {
        kv_reply_error(c, "internal error: no dump for this type");
        return;
    }
    {
        kv_buf_t blob = {0};
        if (kv_types[k->type]->dump(k->v.ptr, k->enc, &blob) != KV_OK) {
            kv_buf_free(&blob);
            kv_reply_oom(c);
            return;
        }
        kv_reply_array(c, 3);
        kv_reply_int(c, kv_key_expire(k));
        kv_reply_int(c, k->type);
        kv_reply_bulk(c, blob.data ? blob.data : "", blob.len);
        kv_buf_free(&blob);
    }
}

void kv_cmd_int_dump(kv_client_t *c)
{
    kv_xs_reply_dump(c, kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len));
}

/*
 * "@mdump types key ...": the "@dump" of every key, as an array. A key
 * whose type is not in types (bit 1 << KV_TYPE_*) is answered nil, like a
 * missing one: SORT's patterns only read strings and hashes.
 */
void kv_cmd_int_mdump(kv_client_t *c)
{
    long long types = 0;

    (void) kv_string2ll(c->argv[1].p, c->argv[1].len, &types);
    kv_reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        kv_key_t *k = kv_db_lookup(c->db, c->argv[i].p, c->argv[i].len);
        kv_xs_reply_dump(c, k != NULL && (types >> k->type & 1) ? k : NULL);
    }
}

/* "@restore key expire type value": store it, replacing any value. */
void kv_cmd_int_restore(kv_client_t *c)
{
    long long expire, type;
    kv_key_t *k;

    if (!kv_string2ll(c->argv[2].p, c->argv[2].len, &expire) ||
        !kv_string2ll(c->argv[3].p, c->argv[3].len, &type) || type < 0 ||
        type > KV_TYPE_STREAM ||
        (type != KV_TYPE_STRING && kv_types[type] == NULL)) {
        kv_reply_error(c, "internal error: bad @restore");
        return;
    }
    (void) kv_db_delete(c->db, c->argv[1].p, c->argv[1].len);
    if (type == KV_TYPE_STRING) {
        k = kv_db_set_string(c->db, c->argv[1].p, c->argv[1].len,
                             c->argv[4].p, c->argv[4].len, 0);
    } else {
        uint8_t enc = 0;
        void *v = kv_types[type]->restore(c->argv[4].p, c->argv[4].len,
                                          &enc);
        if (v == NULL) {
            kv_reply_error(c, "internal error: bad @restore payload");
            return;
        }
        k = kv_db_set_value(c->db, c->argv[1].p, c->argv[1].len,
                            (uint8_t) type, enc, v);
    }
    if (k == NULL) {
        kv_reply_oom(c);
        return;
    }
    if (expire >= 0) {
        (void) kv_db_set_expire(c->db, k, expire);
    }
    kv_keyspace_changed(c);
    kv_reply_ok(c);
}

/* ---- the origin's side ------------------------------------------------- */

typedef struct {
    uint64_t mask; /* shards paused (and to resume) */
    int failed;
    uint32_t lockval; /* our value of the lock word */
} kv_xs_txn_t;

static void kv_xs_end(kv_xs_txn_t *t);

/* Take the lock, pause every shard in want (but us). */
static int kv_xs_begin(kv_xs_txn_t *t, uint64_t want)
{
    _Atomic uint32_t *lock = kv_xshard_lock();
    static uint32_t serial;
    uint32_t me;
    char val[32];
    kv_str_t pause[2] = { { "@pause", 6 }, { val, 0 } };

    serial++;
    me = (serial << KV_XS_SLOT_BITS) | ((uint32_t) kv_worker.slot + 1);
    if (me >> KV_XS_SLOT_BITS == 0) {
        me |= 1u << KV_XS_SLOT_BITS; /* never 0 in the serial part */
    }
    pause[1].len = kv_ll2str(val, me);
    kv_route_nested++;
    for (;;) {
        uint32_t free_ = 0;
        if (atomic_compare_exchange_strong(lock, &free_, me)) {
            break;
        }
        /* Keep serving others meanwhile: the holder may want to pause us.
         * Its release kicks us (xlock_waiters); the timeout is a net. */
        kv_shard_flush();
        if (kv_shard_poll() == 0) {
            atomic_fetch_or(&kv_worker.shm->hdr->xlock_waiters,
                            1ULL << kv_worker.slot);
            if (atomic_load(lock) != 0) {
                kv_route_wait();
            }
        }
    }
    kv_route_nested--;
    t->mask = 0;
    t->failed = 0;
    t->lockval = me;
    for (int s = 0; s < kv_worker.nslots; s++) {
        kv_buf_t r = { 0 };
        if (s == kv_worker.slot || !(want & (1ULL << s))) {
            continue;
        }
        if (kv_route_sync(s, 0, 2, pause, &r, want) != KV_OK) {
            /* Undo: resume who we paused, give the lock back. A "@pause"
             * left in a dead worker's ring finds the lock changed. */
            kv_buf_free(&r);
            kv_xs_end(t);
            t->failed = 1;
            return KV_ERROR;
        }
        t->mask |= 1ULL << s;
        kv_buf_free(&r);
    }
    return KV_OK;
}

static void kv_xs_end(kv_xs_txn_t *t)
{
    static kv_str_t resume = { "@resume", 7 };

    for (int s = 0; s < kv_worker.nslots; s++) {
        kv_buf_t r = { 0 };
        if (t->mask & (1ULL << s)) {
            (void) kv_route_sync(s, 0, 1, &resume, &r, t->mask);
            kv_buf_free(&r);
        }
    }
    t->mask = 0;
    {
        /* Only our own taking of the lock is ours to release. */
        uint32_t held = t->lockval;
        uint64_t waiters;

        if (atomic_compare_exchange_strong(kv_xshard_lock(), &held, 0)) {
            waiters = atomic_exchange(&kv_worker.shm->hdr->xlock_waiters, 0);
            for (int s = 0; s < kv_worker.nslots; s++) {
                if (waiters & (1ULL << s)) {
                    kv_shard_kick(s);
                }
            }
        }
    }
}

/* One step on shard s; the reply lands in r (reset first). */
static int kv_xs_step(kv_xs_txn_t *t, int s, int db, int argc, kv_str_t *argv,
                      kv_buf_t *r)
{
    r->len = r->pos = 0;
    if (kv_route_sync(s, db, argc, argv, r, t->mask) != KV_OK) {
        t->failed = 1;
        return KV_ERROR;
    }
    return KV_OK;
}

/* Run cmd for c on db (the scratch copies), its reply into out. */
static void kv_xs_run_on(kv_client_t *c, const kv_cmd_t *cmd, kv_db_t *db,
                         kv_buf_t *out)
{
    kv_buf_t saved = c->obuf;
    kv_db_t *saved_db = c->db;

    c->obuf = *out;
    c->db = db;
    cmd->proc(c);
    *out = c->obuf;
    c->obuf = saved;
    c->db = saved_db;
}

static void kv_out(kv_buf_t *out, const char *s);

/* The end of a transaction on the scratch copies: drop them, resume the
 * shards, and make out the error if a worker failed it. */
static void kv_xs_close(kv_xs_txn_t *t, kv_db_t *scratch, kv_buf_t *out)
{
    kv_db_flush(scratch);
    kv_xs_end(t);
    if (t->failed) {
        out->len = out->pos = 0;
        kv_out(out, KV_XSHARD_LOST);
    }
}

static long long kv_xs_int(const kv_buf_t *r)
{
    long long v = 0;

    if (r->len > 3 && r->data[0] == ':') {
        (void) kv_string2ll(r->data + 1, r->len - 3, &v);
    }
    return v;
}

static void kv_out(kv_buf_t *out, const char *s)
{
    (void) kv_buf_append(out, s, strlen(s));
}

static void kv_out_error(kv_buf_t *out, const char *msg)
{
    kv_out(out, "-ERR ");
    kv_out(out, msg);
    kv_out(out, "\r\n");
}

/* MSETNX over several shards: EXISTS everywhere, then MSET everywhere. */
static void kv_xs_msetnx(kv_client_t *c, kv_buf_t *out)
{
    int n = kv_worker.nslots, db = c->db->id;
    uint64_t want = 0;
    kv_str_t *sub = kv_malloc(sizeof(kv_str_t) * (size_t) c->argc);
    kv_buf_t r = { 0 };
    kv_xs_txn_t t;
    long long exists = 0;

    if (sub == NULL) {
        kv_out(out, "-OOM command not allowed when used memory > "
                    "'maxmemory'.\r\n");
        return;
    }
    for (int j = 1; j < c->argc; j += 2) {
        want |= 1ULL << kv_key_shard(c->argv[j].p, c->argv[j].len, n);
    }
    if (kv_xs_begin(&t, want) != KV_OK) {
        goto lost;
    }
    for (int pass = 0; pass < 2 && !t.failed; pass++) {
        for (int s = 0; s < n; s++) {
            int m = 0;
            if (!(want & (1ULL << s))) {
                continue;
            }
            sub[m].p = pass == 0 ? "EXISTS" : "MSET";
            sub[m++].len = pass == 0 ? 6 : 4;
            for (int j = 1; j < c->argc; j += 2) {
                if (kv_key_shard(c->argv[j].p, c->argv[j].len, n) != s) {
                    continue;
                }
                sub[m++] = c->argv[j];
                if (pass == 1) {
                    sub[m++] = c->argv[j + 1];
                }
            }
            if (kv_xs_step(&t, s, db, m, sub, &r) != KV_OK) {
                break;
            }
            if (pass == 0) {
                exists += kv_xs_int(&r);
            }
        }
        if (pass == 0 && exists > 0) {
            break;
        }
    }
    kv_xs_end(&t);
    if (t.failed) {
        goto lost;
    }
    kv_out(out, exists > 0 ? ":0\r\n" : ":1\r\n");
    kv_free(sub);
    kv_buf_free(&r);
    return;

lost:
    kv_out(out, KV_XSHARD_LOST);
    kv_free(sub);
    kv_buf_free(&r);
}

/*
 * Move or copy src (shard a, database sdb) to dst (shard b, database ddb).
 * mode 0 RENAME, 1 RENAMENX, 2 COPY (replace says COPY ... REPLACE).
 */
static void kv_xs_move(kv_client_t *c, kv_buf_t *out, int mode, int ddb,
                       int replace)
{
    const kv_str_t *src = &c->argv[1], *dst = &c->argv[2];
    int n = kv_worker.nslots, a, b, sdb = c->db->id;
    kv_buf_t r = { 0 }, val = { 0 };
    kv_xs_txn_t t;
    kv_str_t argv[5];
    char exp_s[32], type_s[32];
    long long exp, type;
    size_t off;

    a = kv_key_shard(src->p, src->len, n);
    b = kv_key_shard(dst->p, dst->len, n);
    if (kv_xs_begin(&t, (1ULL << a) | (1ULL << b)) != KV_OK) {
        goto lost;
    }
    argv[0].p = "@dump";
    argv[0].len = 5;
    argv[1] = *src;
    if (kv_xs_step(&t, a, sdb, 2, argv, &val) != KV_OK) {
        goto end;
    }
    if (val.len >= 5 && memcmp(val.data, "$-1\r\n", 5) == 0) {
        if (mode == 2) {
            kv_out(out, ":0\r\n");
        } else {
            kv_out_error(out, "no such key");
        }
        goto end;
    }
    if (val.len > 0 && val.data[0] == '-') {
        (void) kv_buf_append(out, val.data, val.len);
        goto end;
    }
    if (mode != 0 && !replace) {
        argv[0].p = "EXISTS";
        argv[0].len = 6;
        argv[1] = *dst;
        if (kv_xs_step(&t, b, ddb, 2, argv, &r) != KV_OK) {
            goto end;
        }
        if (kv_xs_int(&r) > 0) {
            kv_out(out, ":0\r\n");
            goto end;
        }
    }
    /* val = *3 :expire :type $len value */
    off = 4;
    exp = 0;
    type = 0;
    {
        const char *p = val.data + off, *cr = memchr(p, '\r', val.len - off);
        (void) kv_string2ll(p + 1, (size_t) (cr - p - 1), &exp);
        p = cr + 2;
        cr = memchr(p, '\r', val.len - (size_t) (p - val.data));
        (void) kv_string2ll(p + 1, (size_t) (cr - p - 1), &type);
        p = cr + 2;
        cr = memchr(p, '\r', val.len - (size_t) (p - val.data));
        argv[4].p = cr + 2;
        (void) kv_string2ll(p + 1, (size_t) (cr - p - 1), (long long *) &off);
        argv[4].len = off;
    }
    argv[0].p = "@restore";
    argv[0].len = 8;
    argv[1] = *dst;
    argv[2].p = exp_s;
    argv[2].len = kv_ll2str(exp_s, exp);
    argv[3].p = type_s;
    argv[3].len = kv_ll2str(type_s, type);
    if (kv_xs_step(&t, b, ddb, 5, argv, &r) != KV_OK) {
        goto end;
    }
    if (mode != 2) {
        argv[0].p = "DEL";
        argv[0].len = 3;
        argv[1] = *src;
        if (kv_xs_step(&t, a, sdb, 2, argv, &r) != KV_OK) {
            goto end;
        }
    }
    kv_out(out, mode == 0 ? "+OK\r\n" : ":1\r\n");

end:
    kv_xs_end(&t);
    if (t.failed) {
        out->len = out->pos = 0;
        kv_out(out, KV_XSHARD_LOST);
    }
    kv_buf_free(&r);
    kv_buf_free(&val);
    return;

lost:
    kv_out(out, KV_XSHARD_LOST);
    kv_buf_free(&r);
    kv_buf_free(&val);
}

/* COPY's options, checked before anything moves (Redis's order). */
static int kv_xs_copy_args(kv_client_t *c, kv_buf_t *out, int *ddb,
                           int *replace)
{
    long long dbid = c->db->id;

    *replace = 0;
    for (int j = 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (kv_arg_is(&c->argv[j], "replace")) {
            *replace = 1;
        } else if (kv_arg_is(&c->argv[j], "db") && left >= 1) {
            if (!kv_string2ll(c->argv[j + 1].p, c->argv[j + 1].len, &dbid)) {
                kv_out_error(out, "value is not an integer or out of range");
                return KV_ERROR;
            }
            if (dbid < INT_MIN || dbid > INT_MAX) {
                kv_out_error(out, "value is out of range, value must between "
                                  "-2147483648 and 2147483647");
                return KV_ERROR;
            }
            j++;
        } else {
            kv_out_error(out, "syntax error");
            return KV_ERROR;
        }
    }
    if (kv_db_get((int) dbid) == NULL) {
        kv_out_error(out, "DB index is out of range");
        return KV_ERROR;
    }
    *ddb = (int) dbid;
    return KV_OK;
}

/* The string value in a "@dump" reply: 1 found, 0 nil, -1 other type. */
static int kv_xs_dumped(const kv_buf_t *r, const char **p, size_t *len)
{
    const char *q = r->data, *end = r->data + r->len, *cr;
    long long n;

    *p = "";
    *len = 0;
    if (r->len >= 5 && memcmp(q, "$-1\r\n", 5) == 0) {
        return 0;
    }
    if (r->len == 0 || q[0] != '*') {
        return -1;
    }
    /* *3 :expire :type $len value; only strings are wanted here */
    for (int field = 0; field < 3; field++) {
        q = memchr(q, '\n', (size_t) (end - q));
        if (q == NULL) {
            return -1;
        }
        q++;
        if (field == 1 && (end - q < 3 || memcmp(q, ":0\r", 3) != 0)) {
            return -1; /* the type field: not a string */
        }
    }
    cr = memchr(q, '\r', (size_t) (end - q));
    if (cr == NULL || !kv_string2ll(q + 1, (size_t) (cr - q - 1), &n)) {
        return -1;
    }
    *p = cr + 2;
    *len = (size_t) n;
    return 1;
}

/* LCS of two keys on two shards: both values read under the lock. */
static void kv_xs_lcs(kv_client_t *c, kv_buf_t *out)
{
    int n = kv_worker.nslots, s[2];
    kv_buf_t r[2] = { { 0 }, { 0 } };
    kv_xs_txn_t t;
    kv_str_t argv[2];
    const char *v[2];
    size_t vl[2];
    int st[2];

    s[0] = kv_key_shard(c->argv[1].p, c->argv[1].len, n);
    s[1] = kv_key_shard(c->argv[2].p, c->argv[2].len, n);
    if (kv_xs_begin(&t, (1ULL << s[0]) | (1ULL << s[1])) != KV_OK) {
        kv_out(out, KV_XSHARD_LOST);
        return;
    }
    argv[0].p = "@dump";
    argv[0].len = 5;
    for (int i = 0; i < 2 && !t.failed; i++) {
        argv[1] = c->argv[1 + i];
        (void) kv_xs_step(&t, s[i], c->db->id, 2, argv, &r[i]);
    }
    kv_xs_end(&t);
    if (t.failed) {
        kv_out(out, KV_XSHARD_LOST);
    } else {
        kv_buf_t saved = c->obuf;
        st[0] = kv_xs_dumped(&r[0], &v[0], &vl[0]);
        st[1] = kv_xs_dumped(&r[1], &v[1], &vl[1]);
        /* The core writes a normal reply: point c's output at ours. */
        c->obuf = *out;
        kv_lcs_reply(c, st[0] < 0 || st[1] < 0, v[0], vl[0], v[1], vl[1]);
        *out = c->obuf;
        c->obuf = saved;
    }
    kv_buf_free(&r[0]);
    kv_buf_free(&r[1]);
}

void kv_xshard_call(kv_client_t *c, const kv_cmd_t *cmd)
{
    kv_buf_t *out = kv_route_begin_reply(c);
    int ddb, replace;

    if (out == NULL) {
        kv_reply_oom(c);
        return;
    }
    if (cmd->proc == kv_cmd_msetnx) {
        kv_xs_msetnx(c, out);
    } else if (cmd->proc == kv_cmd_lcs) {
        kv_xs_lcs(c, out);
    } else if (cmd->proc == kv_cmd_rename) {
        kv_xs_move(c, out, 0, c->db->id, 1);
    } else if (cmd->proc == kv_cmd_renamenx) {
        kv_xs_move(c, out, 1, c->db->id, 0);
    } else if (kv_xs_copy_args(c, out, &ddb, &replace) == KV_OK) {
        kv_xs_move(c, out, 2, ddb, replace);
    }
    kv_route_end_reply(c);
}

/* ---- the generic path -------------------------------------------------- */

/* Parse one "@dump" reply at p (len bytes on): 1 with the fields set, 0
 * for nil, -1 if bad; *used is its length. */
static int kv_xs_parse_dump_at(const char *p, size_t len, size_t *used,
                               long long *expire, long long *type,
                               const char **blob, size_t *blen)
{
    const char *q = p, *end = p + len, *cr;
    long long v[3];

    if (len >= 5 && memcmp(q, "$-1\r\n", 5) == 0) {
        *used = 5;
        return 0;
    }
    if (len < 4 || memcmp(q, "*3\r\n", 4) != 0) {
        return -1;
    }
    q += 4;
    for (int i = 0; i < 3; i++) {
        cr = memchr(q, '\r', (size_t) (end - q));
        if (cr == NULL || !kv_string2ll(q + 1, (size_t) (cr - q - 1), &v[i])) {
            return -1;
        }
        q = cr + 2;
    }
    if (v[2] < 0 || (size_t) (end - q) < (size_t) v[2] + 2) {
        return -1;
    }
    *expire = v[0];
    *type = v[1];
    *blob = q;
    *blen = (size_t) v[2];
    *used = (size_t) (q - p) + (size_t) v[2] + 2;
    return 1;
}

/* Parse a "@dump" reply: 1 with the fields set, 0 for nil, -1 if bad. */
static int kv_xs_parse_dump(const kv_buf_t *r, long long *expire,
                            long long *type, const char **blob, size_t *len)
{
    size_t used;

    return kv_xs_parse_dump_at(r->data, r->len, &used, expire, type, blob, len);
}

/* Put a dumped value into db under key. */
static int kv_xs_materialize(kv_db_t *db, const kv_str_t *key,
                             long long expire, long long type,
                             const char *blob, size_t len)
{
    kv_key_t *k;

    if (type == KV_TYPE_STRING) {
        k = kv_db_set_string(db, key->p, key->len, blob, len, 0);
    } else if (type > 0 && type <= KV_TYPE_STREAM && kv_types[type] != NULL) {
        uint8_t enc = 0;
        void *v = kv_types[type]->restore(blob, len, &enc);
        if (v == NULL) {
            return KV_ERROR;
        }
        k = kv_db_set_value(db, key->p, key->len, (uint8_t) type, enc, v);
    } else {
        return KV_ERROR;
    }
    if (k == NULL) {
        return KV_ERROR;
    }
    if (expire >= 0) {
        (void) kv_db_set_expire(db, k, expire);
    }
    return KV_OK;
}

/*
 * Write key back from db (the scratch database) to its shard: its value,
 * or, when it is gone, a DEL there (only if it existed before: nothing
 * else could have made it exist). Failures mark t failed.
 */
static void kv_xs_write_back(kv_xs_txn_t *t, kv_db_t *scratch, int db,
                             const kv_str_t *key, int existed, kv_buf_t *r)
{
    int s = kv_key_shard(key->p, key->len, kv_worker.nslots);
    kv_key_t *k = kv_db_lookup(scratch, key->p, key->len);
    kv_buf_t blob = { 0 };
    char exp_s[32], type_s[32];
    kv_str_t argv[5];

    if (k == NULL) {
        if (existed) {
            argv[0].p = "DEL";
            argv[0].len = 3;
            argv[1] = *key;
            (void) kv_xs_step(t, s, db, 2, argv, r);
        }
        return;
    }
    if (k->type == KV_TYPE_STRING) {
        char buf[32];
        size_t len;
        const char *v = kv_key_str(k, buf, &len);
        (void) kv_buf_append(&blob, v, len);
    } else if (kv_types[k->type]->dump(k->v.ptr, k->enc, &blob) != KV_OK) {
        t->failed = 1;
        kv_buf_free(&blob);
        return;
    }
    argv[0].p = "@restore";
    argv[0].len = 8;
    argv[1] = *key;
    argv[2].p = exp_s;
    argv[2].len = kv_ll2str(exp_s, kv_key_expire(k));
    argv[3].p = type_s;
    argv[3].len = kv_ll2str(type_s, k->type);
    argv[4].p = blob.data ? blob.data : "";
    argv[4].len = blob.len;
    (void) kv_xs_step(t, s, db, 5, argv, r);
    kv_buf_free(&blob);
}

void kv_xshard_generic(kv_client_t *c, const kv_cmd_t *cmd, const int *pos,
                       int npos)
{
    int n = kv_worker.nslots, db = c->db->id, nkeys = 0;
    kv_str_t *keys = kv_malloc(sizeof(kv_str_t) * (size_t) npos);
    int *existed = kv_calloc((size_t) npos, sizeof(int));
    kv_buf_t *out = kv_route_begin_reply(c), r = {0};
    kv_db_t *scratch = kv_db_scratch();
    uint64_t want = 0;
    kv_xs_txn_t t;
    kv_str_t argv[2];

    if (keys == NULL || existed == NULL || out == NULL) {
        if (out != NULL) {
            kv_out(out, "-OOM command not allowed when used memory > "
                        "'maxmemory'.\r\n");
            kv_route_end_reply(c);
        } else {
            kv_reply_oom(c);
        }
        kv_free(keys);
        kv_free(existed);
        return;
    }
    /* The distinct keys, and the shards they live on. */
    for (int i = 0; i < npos; i++) {
        const kv_str_t *a = &c->argv[pos[i]];
        int dup = 0;
        for (int j = 0; j < nkeys && !dup; j++) {
            dup = keys[j].len == a->len && memcmp(keys[j].p, a->p, a->len) == 0;
        }
        if (!dup) {
            keys[nkeys++] = *a;
            want |= 1ULL << kv_key_shard(a->p, a->len, n);
        }
    }
    if (kv_xs_begin(&t, want) != KV_OK) {
        kv_out(out, KV_XSHARD_LOST);
        goto done;
    }
    /* Gather. */
    argv[0].p = "@dump";
    argv[0].len = 5;
    for (int i = 0; i < nkeys && !t.failed; i++) {
        long long expire, type;
        const char *blob;
        size_t len;
        int rc;

        argv[1] = keys[i];
        if (kv_xs_step(&t, kv_key_shard(keys[i].p, keys[i].len, n), db, 2,
                       argv, &r) != KV_OK) {
            break;
        }
        rc = kv_xs_parse_dump(&r, &expire, &type, &blob, &len);
        existed[i] = rc == 1;
        if (rc < 0 || (rc == 1 && kv_xs_materialize(scratch, &keys[i],
                                                     expire, type, blob,
                                                     len) != KV_OK)) {
            t.failed = 1;
        }
    }
    if (t.failed) {
        kv_xs_end(&t);
        kv_db_flush(scratch);
        kv_out(out, KV_XSHARD_LOST);
        goto done;
    }
    /* Run the command's own code on the copies. */
    kv_xs_run_on(c, cmd, scratch, out);
    /* Scatter what a write command left behind. */
    for (int i = 0; (cmd->flags & KV_CMD_WRITE) && i < nkeys && !t.failed;
         i++) {
        kv_xs_write_back(&t, scratch, db, &keys[i], existed[i], &r);
    }
    kv_xs_close(&t, scratch, out);
done:
    kv_route_end_reply(c);
    kv_buf_free(&r);
    kv_free(keys);
    kv_free(existed);
}

/* ---- SORT ---------------------------------------------------------------- */

/* Every key of a batch, kept as offsets into one buffer while it grows. */
typedef struct {
    kv_buf_t names;
    size_t *off, *len;
    int *shard;
    size_t n, cap;
} kv_xs_names_t;

static int kv_xs_names_add(const char *key, size_t len, void *arg)
{
    kv_xs_names_t *ns = arg;

    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 64;
        size_t *off = kv_realloc(ns->off, cap * sizeof(*off));
        size_t *lens = off ? kv_realloc(ns->len, cap * sizeof(*lens)) : NULL;
        int *sh = lens ? kv_realloc(ns->shard, cap * sizeof(*sh)) : NULL;
        if (off != NULL) {
            ns->off = off;
        }
        if (lens != NULL) {
            ns->len = lens;
        }
        if (sh == NULL) {
            return KV_ERROR;
        }
        ns->shard = sh;
        ns->cap = cap;
    }
    ns->off[ns->n] = ns->names.len;
    ns->len[ns->n] = len;
    ns->shard[ns->n] = kv_key_shard(key, len, kv_worker.nslots);
    ns->n++;
    return kv_buf_append(&ns->names, key, len);
}

static void kv_xs_names_free(kv_xs_names_t *ns)
{
    kv_buf_free(&ns->names);
    kv_free(ns->off);
    kv_free(ns->len);
    kv_free(ns->shard);
}

/* Order: by shard, then by name, for batches per shard without repeats. */
static int kv_xs_names_cmp(const void *a, const void *b, void *arg)
{
    const kv_xs_names_t *ns = arg;
    size_t i = *(const size_t *) a, j = *(const size_t *) b;
    size_t li = ns->len[i], lj = ns->len[j];
    int cmp;

    if (ns->shard[i] != ns->shard[j]) {
        return ns->shard[i] < ns->shard[j] ? -1 : 1;
    }
    cmp = memcmp(ns->names.data + ns->off[i], ns->names.data + ns->off[j],
                 li < lj ? li : lj);
    return cmp != 0 ? cmp : li < lj ? -1 : li > lj;
}

/*
 * Copy keys (of one shard s) into the scratch database with one
 * "@mdump": those of a type in types; the others are left out, like
 * missing keys. KV_ERROR (t failed) when a worker failed or memory ran
 * short.
 */
static int kv_xs_gather(kv_xs_txn_t *t, kv_db_t *scratch, int db, int s,
                        const kv_str_t *keys, size_t nkeys, unsigned types,
                        kv_buf_t *r)
{
    kv_str_t *argv = kv_malloc(sizeof(*argv) * (nkeys + 2));
    char types_s[32];
    const char *p, *end;
    long long n;

    if (argv == NULL) {
        t->failed = 1;
        return KV_ERROR;
    }
    argv[0].p = "@mdump";
    argv[0].len = 6;
    argv[1].p = types_s;
    argv[1].len = kv_ll2str(types_s, types);
    memcpy(argv + 2, keys, sizeof(*argv) * nkeys);
    if (kv_xs_step(t, s, db, (int) nkeys + 2, argv, r) != KV_OK) {
        kv_free(argv);
        return KV_ERROR;
    }
    kv_free(argv);
    p = r->data;
    end = r->data + r->len;
    if (r->len < 4 || p[0] != '*' || (p = memchr(p, '\n', r->len)) == NULL ||
        !kv_string2ll(r->data + 1, (size_t) (p - r->data - 2), &n) ||
        n != (long long) nkeys) {
        t->failed = 1;
        return KV_ERROR;
    }
    p++;
    for (size_t i = 0; i < nkeys; i++) {
        long long expire, type;
        const char *blob;
        size_t blen, used;
        int rc = kv_xs_parse_dump_at(p, (size_t) (end - p), &used, &expire,
                                     &type, &blob, &blen);

        if (rc < 0 ||
            (rc == 1 && kv_xs_materialize(scratch, &keys[i], expire, type, blob,
                                          blen) != KV_OK)) {
            t->failed = 1;
            return KV_ERROR;
        }
        p += used;
    }
    return KV_OK;
}

/* Gather every key of ns, a batch per shard, each key once. */
static int kv_xs_gather_names(kv_xs_txn_t *t, kv_db_t *scratch, int db,
                              kv_xs_names_t *ns, unsigned types, kv_buf_t *r)
{
    size_t *order = kv_malloc(sizeof(*order) * (ns->n + 1));
    kv_str_t *keys = kv_malloc(sizeof(*keys) * (ns->n + 1));
    size_t i = 0;
    int rc = KV_OK;

    if (order == NULL || keys == NULL) {
        t->failed = 1;
        rc = KV_ERROR;
        goto done;
    }
    for (size_t j = 0; j < ns->n; j++) {
        order[j] = j;
    }
    qsort_r(order, ns->n, sizeof(*order), kv_xs_names_cmp, ns);
    while (i < ns->n && rc == KV_OK) {
        int s = ns->shard[order[i]];
        size_t nkeys = 0;
        for (; i < ns->n && ns->shard[order[i]] == s; i++) {
            if (nkeys > 0 &&
                kv_xs_names_cmp(&order[i - 1], &order[i], ns) == 0) {
                continue;
            }
            keys[nkeys].p = ns->names.data + ns->off[order[i]];
            keys[nkeys].len = ns->len[order[i]];
            nkeys++;
        }
        rc = kv_xs_gather(t, scratch, db, s, keys, nkeys, types, r);
    }
done:
    kv_free(order);
    kv_free(keys);
    return rc;
}

/*
 * SORT whose keys may be on several shards: pause every shard (BY and GET
 * keys can be anywhere), copy the key to sort into the scratch database,
 * then every string or hash its patterns name for its elements (nothing
 * can change them meanwhile), run SORT's own handler there, and write the
 * STORE destination back to its shard.
 */
void kv_xshard_sort(kv_client_t *c, const kv_cmd_t *cmd)
{
    int nslots = kv_worker.nslots, db = c->db->id;
    uint64_t all = nslots >= 64 ? ~0ULL : (1ULL << nslots) - 1;
    unsigned any = (1u << (KV_TYPE_STREAM + 1)) - 1;
    unsigned strhash = (1u << KV_TYPE_STRING) | (1u << KV_TYPE_HASH);
    kv_buf_t *out = kv_route_begin_reply(c), r = { 0 };
    kv_db_t *scratch = kv_db_scratch();
    kv_xs_names_t src = { 0 }, ns = { 0 };
    kv_sort_args_t a;
    const char *err;
    kv_xs_txn_t t;

    if (out == NULL) {
        kv_reply_oom(c);
        return;
    }
    if (kv_sort_parse(c->argv, c->argc, cmd->proc == kv_cmd_sort_ro, &a,
                      &err) != KV_OK) {
        /* the router parsed them: only memory can be short here */
        kv_out(out, "-OOM command not allowed when used memory > "
                    "'maxmemory'.\r\n");
        kv_route_end_reply(c);
        return;
    }
    if (kv_xs_begin(&t, all) != KV_OK) {
        kv_out(out, KV_XSHARD_LOST);
        goto done;
    }
    if (kv_xs_names_add(c->argv[1].p, c->argv[1].len, &src) != KV_OK ||
        kv_xs_gather_names(&t, scratch, db, &src, any, &r) != KV_OK ||
        kv_sort_keys(scratch, &c->argv[1], &a, kv_xs_names_add, &ns) != KV_OK ||
        kv_xs_gather_names(&t, scratch, db, &ns, strhash, &r) != KV_OK) {
        t.failed = 1;
    }
    if (!t.failed) {
        kv_key_t *k = kv_db_lookup(scratch, c->argv[1].p, c->argv[1].len);
        int zset = k != NULL && k->type == KV_TYPE_ZSET;

        kv_xs_run_on(c, cmd, scratch, out);
        if (a.store != NULL && out->len > 0 && out->data[0] == ':') {
            kv_xs_write_back(&t, scratch, db, a.store, 1, &r);
        }
        if (zset && !t.failed) {
            /* SORT turns the sorted set it reads into a skip list for
             * good, and OBJECT ENCODING shows it: the original must
             * change too. A SORT_RO that reads nothing does exactly
             * that, on the key's shard. */
            static kv_str_t touch[] = { { "SORT_RO", 7 }, { NULL, 0 },
                                        { "BY", 2 },      { "nosort", 6 },
                                        { "LIMIT", 5 },   { "0", 1 },
                                        { "0", 1 } };
            kv_str_t argv[KV_ARRAY_LEN(touch)];
            memcpy(argv, touch, sizeof(touch));
            argv[1] = c->argv[1];
            (void) kv_xs_step(
                &t, kv_key_shard(c->argv[1].p, c->argv[1].len, nslots), db,
                (int) KV_ARRAY_LEN(argv), argv, &r);
        }
    }
    kv_xs_close(&t, scratch, out);
done:
    kv_route_end_reply(c);
    kv_sort_args_free(&a);
    kv_xs_names_free(&src);
    kv_xs_names_free(&ns);
    kv_buf_free(&r);
}
