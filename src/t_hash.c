/*
 * t_hash.c: the hash type and its commands, after Redis 7.0's t_hash.c: the
 * same argument parsing order, error texts and encodings.
 *
 * Encodings (the entry's enc byte):
 *
 *   KV_HASH_LISTPACK   v.ptr is a listpack of field, value, field, value
 *                      ... in insertion order ("listpack");
 *   KV_HASH_HT         v.ptr is a kv_hash_table_t: a dict of
 *                      kv_hash_entry_t, one allocation a field holding the
 *                      field and its value ("hashtable").
 *
 * A hash starts as a listpack and becomes a hash table for good once it
 * has more than hash-max-listpack-entries fields, or a field or value
 * longer than hash-max-listpack-value bytes is written to it. Like Redis,
 * HSET checks every argument before writing anything.
 */
#include "cmd.h"

#include <ctype.h>
#include <math.h>

#include "alloc.h"
#include "db.h"
#include "listpack.h"
#include "util.h"
#include "worker.h"

enum { KV_HASH_LISTPACK = 0, KV_HASH_HT = 1 };

/*
 * db.c frees a value knowing only its pointer, so a value tells its own
 * encoding: a listpack's first word is its byte count (at least 8), a
 * table's is 0.
 */
typedef struct {
    uint32_t tag; /* 0 */
    kv_dict_t dict;
} kv_hash_table_t;

typedef struct {
    kv_dict_entry_t de;
    uint32_t flen;
    uint32_t vlen;
    char data[]; /* the field, then the value */
} kv_hash_entry_t;

static const char *kv_hash_entry_key(const kv_dict_entry_t *e, size_t *len)
{
    const kv_hash_entry_t *h = (const kv_hash_entry_t *) e;

    *len = h->flen;
    return h->data;
}

static kv_hash_entry_t *kv_hash_entry_new(const char *f, size_t fl,
                                          const char *v, size_t vl,
                                          uint64_t hash)
{
    kv_hash_entry_t *e;

    if (fl > UINT32_MAX || vl > UINT32_MAX) {
        return NULL;
    }
    e = kv_malloc(sizeof(*e) + fl + vl);
    if (e == NULL) {
        return NULL;
    }
    e->de.next = NULL;
    e->de.hash = hash;
    e->flen = (uint32_t) fl;
    e->vlen = (uint32_t) vl;
    if (fl > 0) {
        memcpy(e->data, f, fl);
    }
    if (vl > 0) {
        memcpy(e->data + fl, v, vl);
    }
    return e;
}

static void kv_hash_entry_free(kv_dict_entry_t *e, void *arg)
{
    kv_free(e);
}

static kv_hash_table_t *kv_hash_table_new(void)
{
    kv_hash_table_t *t = kv_malloc(sizeof(*t));

    if (t != NULL) {
        t->tag = 0;
        kv_dict_init(&t->dict, kv_hash_entry_key);
    }
    return t;
}

static void kv_hash_table_free(kv_hash_table_t *t)
{
    kv_dict_clear(&t->dict, kv_hash_entry_free, NULL);
    kv_dict_free(&t->dict);
    kv_free(t);
}

/* Link a new entry; KV_ERROR (entry freed) when the table cannot get its
 * first bucket array. */
static int kv_hash_table_add(kv_hash_table_t *t, kv_hash_entry_t *e)
{
    if (kv_dict_add(&t->dict, &e->de) != KV_OK &&
        kv_dict_overhead(&t->dict) == 0) {
        kv_free(e);
        return KV_ERROR;
    }
    return KV_OK;
}

static kv_dict_t *kv_hash_dict(const kv_key_t *k)
{
    return &((kv_hash_table_t *) k->v.ptr)->dict;
}

/* ---- the value, whatever its encoding ---------------------------------- */

static size_t kv_hash_max_entries(void)
{
    return (size_t) kv_worker.conf.hash_max_listpack_entries;
}

static size_t kv_hash_max_value(void)
{
    return (size_t) kv_worker.conf.hash_max_listpack_value;
}

static unsigned long kv_hash_len(const kv_key_t *k)
{
    if (k->enc == KV_HASH_LISTPACK) {
        return kv_lp_count(k->v.ptr) / 2;
    }
    return (unsigned long) kv_dict_size(kv_hash_dict(k));
}

/* The value of a field: 1 found (*v, *vl set), 0 not (cmd.h). */
int kv_hash_get(const kv_key_t *k, const char *f, size_t fl, const char **v,
                size_t *vl)
{
    if (k->enc == KV_HASH_LISTPACK) {
        const kv_lp_t *lp = k->v.ptr;
        size_t off = kv_lp_find(lp, kv_lp_first(lp), f, fl, 2);
        if (off == 0) {
            return 0;
        }
        *v = kv_lp_get(lp, kv_lp_next(lp, off), vl);
        return 1;
    } else {
        kv_hash_entry_t *e = (kv_hash_entry_t *) kv_dict_find(
            kv_hash_dict(k), f, fl, kv_dict_hash(f, fl));
        if (e == NULL) {
            return 0;
        }
        *v = e->data + e->flen;
        *vl = e->vlen;
        return 1;
    }
}

/* hashTypeConvert(): listpack to hash table. */
static int kv_hash_convert(kv_key_t *k)
{
    const kv_lp_t *lp = k->v.ptr;
    kv_hash_table_t *t;

    if (k->enc != KV_HASH_LISTPACK) {
        return KV_OK;
    }
    t = kv_hash_table_new();
    if (t == NULL) {
        return KV_ERROR;
    }
    for (size_t off = kv_lp_first(lp); off != 0;) {
        size_t fl, vl, voff = kv_lp_next(lp, off);
        const char *f = kv_lp_get(lp, off, &fl);
        const char *v = kv_lp_get(lp, voff, &vl);
        kv_hash_entry_t *e =
            kv_hash_entry_new(f, fl, v, vl, kv_dict_hash(f, fl));
        if (e == NULL || kv_hash_table_add(t, e) != KV_OK) {
            kv_hash_table_free(t);
            return KV_ERROR;
        }
        off = kv_lp_next(lp, voff);
    }
    kv_lp_free(k->v.ptr);
    k->v.ptr = t;
    k->enc = KV_HASH_HT;
    return KV_OK;
}

/*
 * hashTypeTryConversion(): before writing the arguments argv[first ..
 * last], convert when one of them is too long for a listpack (or all of
 * them would make it unsafely large).
 */
static int kv_hash_try_conversion(kv_key_t *k, const kv_str_t *argv, int first,
                                  int last)
{
    size_t sum = 0;

    if (k->enc != KV_HASH_LISTPACK) {
        return KV_OK;
    }
    for (int i = first; i <= last; i++) {
        if (argv[i].len > kv_hash_max_value()) {
            return kv_hash_convert(k);
        }
        sum += argv[i].len;
    }
    if (!kv_lp_safe_to_add(k->v.ptr, sum)) {
        return kv_hash_convert(k);
    }
    return KV_OK;
}

/*
 * hashTypeSet(): returns 1 when the field was added, 0 when its value was
 * replaced, -1 when out of memory (nothing changed then).
 */
static int kv_hash_set(kv_key_t *k, const char *f, size_t fl, const char *v,
                       size_t vl)
{
    /* HINCRBY and HINCRBYFLOAT do not try a conversion first. */
    if (k->enc == KV_HASH_LISTPACK &&
        (fl > kv_hash_max_value() || vl > kv_hash_max_value())) {
        if (kv_hash_convert(k) != KV_OK) {
            return -1;
        }
    }
    if (k->enc == KV_HASH_LISTPACK) {
        kv_lp_t *lp = k->v.ptr;
        size_t off = kv_lp_find(lp, kv_lp_first(lp), f, fl, 2);
        int added = off == 0;

        if (off != 0) {
            lp = kv_lp_replace(lp, kv_lp_next(lp, off), v, vl);
        } else {
            lp = kv_lp_insert2(lp, 0, f, fl, v, vl);
        }
        if (lp == NULL) {
            return -1;
        }
        k->v.ptr = lp;
        if (kv_lp_count(lp) / 2 > kv_hash_max_entries()) {
            /* The write is done; a failed conversion only leaves the hash
             * longer than the setting wants. */
            (void) kv_hash_convert(k);
        }
        return added;
    } else {
        kv_hash_table_t *t = k->v.ptr;
        uint64_t h = kv_dict_hash(f, fl);
        kv_hash_entry_t *e =
            (kv_hash_entry_t *) kv_dict_find(&t->dict, f, fl, h);

        if (e != NULL) {
            kv_hash_entry_t *ne;
            if (vl > UINT32_MAX) {
                return -1;
            }
            ne = kv_realloc(e, sizeof(*e) + fl + vl);
            if (ne == NULL) {
                return -1;
            }
            if (ne != e) {
                kv_dict_relink(&t->dict, &e->de, &ne->de);
            }
            ne->vlen = (uint32_t) vl;
            if (vl > 0) {
                memcpy(ne->data + fl, v, vl);
            }
            return 0;
        }
        e = kv_hash_entry_new(f, fl, v, vl, h);
        if (e == NULL || kv_hash_table_add(t, e) != KV_OK) {
            return -1;
        }
        return 1;
    }
}

/* hashTypeDelete(): 1 when the field existed. */
static int kv_hash_del(kv_key_t *k, const char *f, size_t fl)
{
    if (k->enc == KV_HASH_LISTPACK) {
        kv_lp_t *lp = k->v.ptr;
        size_t off = kv_lp_find(lp, kv_lp_first(lp), f, fl, 2);
        if (off == 0) {
            return 0;
        }
        k->v.ptr = kv_lp_delete(lp, off, 2);
        return 1;
    } else {
        kv_dict_entry_t *e =
            kv_dict_unlink(kv_hash_dict(k), f, fl, kv_dict_hash(f, fl));
        if (e == NULL) {
            return 0;
        }
        kv_free(e);
        return 1;
    }
}

/* ---- iteration --------------------------------------------------------- */

typedef struct {
    const kv_key_t *k;
    size_t off; /* listpack: the next field */
    kv_dict_iter_t di;
} kv_hash_iter_t;

static void kv_hash_iter_init(kv_hash_iter_t *it, const kv_key_t *k)
{
    it->k = k;
    if (k->enc == KV_HASH_LISTPACK) {
        it->off = kv_lp_first(k->v.ptr);
    } else {
        kv_dict_iter_init(&it->di, kv_hash_dict(k));
    }
}

static int kv_hash_iter_next(kv_hash_iter_t *it, const char **f, size_t *fl,
                             const char **v, size_t *vl)
{
    if (it->k->enc == KV_HASH_LISTPACK) {
        const kv_lp_t *lp = it->k->v.ptr;
        size_t voff;
        if (it->off == 0) {
            return 0;
        }
        voff = kv_lp_next(lp, it->off);
        *f = kv_lp_get(lp, it->off, fl);
        *v = kv_lp_get(lp, voff, vl);
        it->off = kv_lp_next(lp, voff);
        return 1;
    } else {
        kv_hash_entry_t *e = (kv_hash_entry_t *) kv_dict_iter_next(&it->di);
        if (e == NULL) {
            return 0;
        }
        *f = e->data;
        *fl = e->flen;
        *v = e->data + e->flen;
        *vl = e->vlen;
        return 1;
    }
}

static void kv_hash_iter_done(kv_hash_iter_t *it)
{
    if (it->k->enc != KV_HASH_LISTPACK) {
        kv_dict_iter_done(&it->di);
    }
}

/* ---- the type's hooks (db.h) ------------------------------------------- */

static void kv_hash_free(void *ptr)
{
    uint32_t tag;

    memcpy(&tag, ptr, sizeof(tag));
    if (tag == 0) {
        kv_hash_table_free(ptr);
    } else {
        kv_lp_free(ptr);
    }
}

static const char *kv_hash_encoding(uint8_t enc)
{
    return enc == KV_HASH_LISTPACK ? "listpack" : "hashtable";
}

static void *kv_hash_dup(const void *ptr, uint8_t enc)
{
    const kv_hash_table_t *src = ptr;
    kv_hash_table_t *t;
    kv_dict_iter_t it;
    kv_dict_entry_t *e;

    if (enc == KV_HASH_LISTPACK) {
        return kv_lp_dup(ptr);
    }
    t = kv_hash_table_new();
    if (t == NULL) {
        return NULL;
    }
    kv_dict_iter_init(&it, (kv_dict_t *) &src->dict);
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        kv_hash_entry_t *h = (kv_hash_entry_t *) e;
        kv_hash_entry_t *c = kv_hash_entry_new(
            h->data, h->flen, h->data + h->flen, h->vlen, h->de.hash);
        if (c == NULL || kv_hash_table_add(t, c) != KV_OK) {
            kv_dict_iter_done(&it);
            kv_hash_table_free(t);
            return NULL;
        }
    }
    kv_dict_iter_done(&it);
    return t;
}

/*
 * dump: one byte of encoding, then for a listpack its bytes as they are,
 * for a hash table the count (8 bytes) and each field and value as a
 * 4-byte length and the bytes. restore rebuilds the same encoding.
 */
static int kv_hash_dump(const void *ptr, uint8_t enc, kv_buf_t *out)
{
    const kv_hash_table_t *t = ptr;
    uint8_t e = enc;
    uint64_t n;
    kv_dict_iter_t it;
    kv_dict_entry_t *de;
    int rc = KV_OK;

    if (kv_buf_append(out, &e, 1) != KV_OK) {
        return KV_ERROR;
    }
    if (enc == KV_HASH_LISTPACK) {
        return kv_buf_append(out, ptr, kv_lp_bytes(ptr));
    }
    n = kv_dict_size(&t->dict);
    if (kv_buf_append(out, &n, sizeof(n)) != KV_OK) {
        return KV_ERROR;
    }
    kv_dict_iter_init(&it, (kv_dict_t *) &t->dict);
    while (rc == KV_OK && (de = kv_dict_iter_next(&it)) != NULL) {
        kv_hash_entry_t *h = (kv_hash_entry_t *) de;
        if (kv_buf_append(out, &h->flen, 4) != KV_OK ||
            kv_buf_append(out, h->data, h->flen) != KV_OK ||
            kv_buf_append(out, &h->vlen, 4) != KV_OK ||
            kv_buf_append(out, h->data + h->flen, h->vlen) != KV_OK) {
            rc = KV_ERROR;
        }
    }
    kv_dict_iter_done(&it);
    return rc;
}

/* A 4-byte length and its bytes from p[*pos .. len); NULL if short. */
static const char *kv_hash_take(const char *p, size_t len, size_t *pos,
                                uint32_t *n)
{
    const char *s;

    if (len - *pos < 4) {
        return NULL;
    }
    memcpy(n, p + *pos, 4);
    *pos += 4;
    if (len - *pos < *n) {
        return NULL;
    }
    s = p + *pos;
    *pos += *n;
    return s;
}

static void *kv_hash_restore(const char *p, size_t len, uint8_t *enc)
{
    kv_hash_table_t *t;
    uint64_t n;
    size_t pos = 1 + sizeof(n);

    if (len < 1) {
        return NULL;
    }
    if (p[0] == KV_HASH_LISTPACK) {
        kv_lp_t *lp = kv_lp_restore(p + 1, len - 1, 2);
        if (lp != NULL) {
            *enc = KV_HASH_LISTPACK;
        }
        return lp;
    }
    if (p[0] != KV_HASH_HT || len < pos) {
        return NULL;
    }
    memcpy(&n, p + 1, sizeof(n));
    t = kv_hash_table_new();
    if (t == NULL) {
        return NULL;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint32_t fl, vl;
        const char *f = kv_hash_take(p, len, &pos, &fl);
        const char *v = f != NULL ? kv_hash_take(p, len, &pos, &vl) : NULL;
        kv_hash_entry_t *e;
        uint64_t h;

        if (v == NULL) {
            kv_hash_table_free(t);
            return NULL;
        }
        h = kv_dict_hash(f, fl);
        if (kv_dict_find(&t->dict, f, fl, h) != NULL) {
            continue;
        }
        e = kv_hash_entry_new(f, fl, v, vl, h);
        if (e == NULL || kv_hash_table_add(t, e) != KV_OK) {
            kv_hash_table_free(t);
            return NULL;
        }
    }
    *enc = KV_HASH_HT;
    return t;
}

const kv_type_ops_t kv_hash_type = {
    "hash",           kv_hash_free, kv_hash_dup,
    kv_hash_encoding, kv_hash_dump, kv_hash_restore,
};

/* ---- lookups ----------------------------------------------------------- */

/*
 * The hash at key: *k is NULL when there is none. KV_ERROR (WRONGTYPE
 * replied) when the key holds another type.
 */
static int kv_hash_lookup(kv_client_t *c, const kv_str_t *key, int write,
                          kv_key_t **k)
{
    *k = write ? kv_db_lookup(c->db, key->p, key->len)
               : kv_db_lookup_read(c->db, key->p, key->len);
    if (*k != NULL && (*k)->type != KV_TYPE_HASH) {
        kv_reply_wrongtype(c);
        return KV_ERROR;
    }
    return KV_OK;
}

/* hashTypeLookupWriteOrCreate(): NULL when something was replied. */
static kv_key_t *kv_hash_lookup_create(kv_client_t *c, const kv_str_t *key)
{
    kv_key_t *k;
    kv_lp_t *lp;

    if (kv_hash_lookup(c, key, 1, &k) != KV_OK) {
        return NULL;
    }
    if (k != NULL) {
        return k;
    }
    lp = kv_lp_new();
    k = lp != NULL ? kv_db_set_value(c->db, key->p, key->len, KV_TYPE_HASH,
                                     KV_HASH_LISTPACK, lp)
                   : NULL;
    if (k == NULL) {
        kv_reply_oom(c);
    }
    return k;
}

/* After fields were removed: drop the key when the hash is empty. */
static void kv_hash_delete_if_empty(kv_client_t *c, kv_key_t *k)
{
    if (kv_hash_len(k) == 0) {
        kv_db_delete_key(c->db, k);
    }
}

/* ---- commands ---------------------------------------------------------- */

/* HSET key field value [field value ...], and HMSET */
static void kv_hset_generic(kv_client_t *c, int hmset)
{
    long long created = 0;
    kv_key_t *k;

    if (c->argc % 2 == 1) {
        kv_reply_arity_error(c);
        return;
    }
    k = kv_hash_lookup_create(c, &c->argv[1]);
    if (k == NULL) {
        return;
    }
    if (kv_hash_try_conversion(k, c->argv, 2, c->argc - 1) != KV_OK) {
        kv_reply_oom(c);
        kv_hash_delete_if_empty(c, k);
        return;
    }
    for (int i = 2; i < c->argc; i += 2) {
        int rc = kv_hash_set(k, c->argv[i].p, c->argv[i].len, c->argv[i + 1].p,
                             c->argv[i + 1].len);
        if (rc < 0) {
            kv_reply_oom(c);
            kv_hash_delete_if_empty(c, k);
            if (created > 0 || i > 2) {
                kv_keyspace_changed(c);
            }
            return;
        }
        created += rc;
    }
    if (hmset) {
        kv_reply_ok(c);
    } else {
        kv_reply_int(c, created);
    }
    kv_keyspace_changed(c);
}

void kv_cmd_hset(kv_client_t *c)
{
    kv_hset_generic(c, 0);
}

void kv_cmd_hmset(kv_client_t *c)
{
    kv_hset_generic(c, 1);
}

/* HSETNX key field value */
void kv_cmd_hsetnx(kv_client_t *c)
{
    const char *v;
    size_t vl;
    kv_key_t *k = kv_hash_lookup_create(c, &c->argv[1]);

    if (k == NULL) {
        return;
    }
    if (kv_hash_get(k, c->argv[2].p, c->argv[2].len, &v, &vl)) {
        kv_reply_int(c, 0);
        return;
    }
    if (kv_hash_try_conversion(k, c->argv, 2, 3) != KV_OK) {
        kv_reply_oom(c);
        kv_hash_delete_if_empty(c, k);
        return;
    }
    if (kv_hash_set(k, c->argv[2].p, c->argv[2].len, c->argv[3].p,
                    c->argv[3].len) < 0) {
        kv_reply_oom(c);
        kv_hash_delete_if_empty(c, k);
        return;
    }
    kv_reply_int(c, 1);
    kv_keyspace_changed(c);
}

/* HGET key field */
void kv_cmd_hget(kv_client_t *c)
{
    const char *v;
    size_t vl;
    kv_key_t *k;

    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL || !kv_hash_get(k, c->argv[2].p, c->argv[2].len, &v, &vl)) {
        kv_reply_null(c);
        return;
    }
    kv_reply_bulk(c, v, vl);
}

/* HMGET key field [field ...] */
void kv_cmd_hmget(kv_client_t *c)
{
    const char *v;
    size_t vl;
    kv_key_t *k;

    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    kv_reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        if (k != NULL &&
            kv_hash_get(k, c->argv[i].p, c->argv[i].len, &v, &vl)) {
            kv_reply_bulk(c, v, vl);
        } else {
            kv_reply_null(c);
        }
    }
}

/* HDEL key field [field ...] */
void kv_cmd_hdel(kv_client_t *c)
{
    long long deleted = 0;
    kv_key_t *k;

    if (kv_hash_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    for (int i = 2; i < c->argc; i++) {
        if (kv_hash_del(k, c->argv[i].p, c->argv[i].len)) {
            deleted++;
            if (kv_hash_len(k) == 0) {
                kv_db_delete_key(c->db, k);
                break;
            }
        }
    }
    if (deleted > 0) {
        kv_keyspace_changed(c);
    }
    kv_reply_int(c, deleted);
}

/* HEXISTS key field */
void kv_cmd_hexists(kv_client_t *c)
{
    const char *v;
    size_t vl;
    kv_key_t *k;

    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    kv_reply_int(c, k != NULL &&
                        kv_hash_get(k, c->argv[2].p, c->argv[2].len, &v, &vl));
}

/* HLEN key */
void kv_cmd_hlen(kv_client_t *c)
{
    kv_key_t *k;

    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    kv_reply_int(c, k != NULL ? (long long) kv_hash_len(k) : 0);
}

/* HSTRLEN key field */
void kv_cmd_hstrlen(kv_client_t *c)
{
    const char *v;
    size_t vl = 0;
    kv_key_t *k;

    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL || !kv_hash_get(k, c->argv[2].p, c->argv[2].len, &v, &vl)) {
        vl = 0;
    }
    kv_reply_int(c, (long long) vl);
}

enum { KV_HASH_KEYS = 1, KV_HASH_VALS = 2 };

/* HKEYS, HVALS, HGETALL: genericHgetallCommand(). */
static void kv_hgetall_generic(kv_client_t *c, int what)
{
    kv_hash_iter_t it;
    const char *f, *v;
    size_t fl, vl;
    kv_key_t *k;
    int per = (what & KV_HASH_KEYS ? 1 : 0) + (what & KV_HASH_VALS ? 1 : 0);

    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_array(c, 0);
        return;
    }
    kv_reply_array(c, (long long) kv_hash_len(k) * per);
    kv_hash_iter_init(&it, k);
    while (kv_hash_iter_next(&it, &f, &fl, &v, &vl)) {
        if (what & KV_HASH_KEYS) {
            kv_reply_bulk(c, f, fl);
        }
        if (what & KV_HASH_VALS) {
            kv_reply_bulk(c, v, vl);
        }
    }
    kv_hash_iter_done(&it);
}

void kv_cmd_hkeys(kv_client_t *c)
{
    kv_hgetall_generic(c, KV_HASH_KEYS);
}

void kv_cmd_hvals(kv_client_t *c)
{
    kv_hgetall_generic(c, KV_HASH_VALS);
}

void kv_cmd_hgetall(kv_client_t *c)
{
    kv_hgetall_generic(c, KV_HASH_KEYS | KV_HASH_VALS);
}

/* HINCRBY key field increment */
void kv_cmd_hincrby(kv_client_t *c)
{
    long long incr, value = 0;
    char buf[32];
    const char *v;
    size_t vl, n;
    kv_key_t *k;

    if (kv_get_ll_or_reply(c, &c->argv[3], &incr, NULL) != KV_OK) {
        return;
    }
    k = kv_hash_lookup_create(c, &c->argv[1]);
    if (k == NULL) {
        return;
    }
    if (kv_hash_get(k, c->argv[2].p, c->argv[2].len, &v, &vl) &&
        !kv_string2ll(v, vl, &value)) {
        kv_reply_error(c, "hash value is not an integer");
        return;
    }
    if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
        (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
        kv_reply_error(c, "increment or decrement would overflow");
        kv_hash_delete_if_empty(c, k);
        return;
    }
    value += incr;
    n = kv_ll2str(buf, value);
    if (kv_hash_set(k, c->argv[2].p, c->argv[2].len, buf, n) < 0) {
        kv_reply_oom(c);
        kv_hash_delete_if_empty(c, k);
        return;
    }
    kv_reply_int(c, value);
    kv_keyspace_changed(c);
}

/* HINCRBYFLOAT key field increment */
void kv_cmd_hincrbyfloat(kv_client_t *c)
{
    long double incr, value = 0;
    char buf[KV_LD_STR_MAX];
    const char *v;
    size_t vl, n;
    kv_key_t *k;

    if (!kv_string2ld(c->argv[3].p, c->argv[3].len, &incr)) {
        kv_reply_error(c, "value is not a valid float");
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        kv_reply_error(c, "value is NaN or Infinity");
        return;
    }
    k = kv_hash_lookup_create(c, &c->argv[1]);
    if (k == NULL) {
        return;
    }
    if (kv_hash_get(k, c->argv[2].p, c->argv[2].len, &v, &vl) &&
        !kv_string2ld(v, vl, &value)) {
        kv_reply_error(c, "hash value is not a float");
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        kv_reply_error(c, "increment would produce NaN or Infinity");
        kv_hash_delete_if_empty(c, k);
        return;
    }
    n = kv_ld2str(buf, sizeof(buf), value);
    if (kv_hash_set(k, c->argv[2].p, c->argv[2].len, buf, n) < 0) {
        kv_reply_oom(c);
        kv_hash_delete_if_empty(c, k);
        return;
    }
    kv_reply_bulk(c, buf, n);
    kv_keyspace_changed(c);
}

/* ---- HRANDFIELD -------------------------------------------------------- */

/* A field (and its value) picked for HRANDFIELD. */
typedef struct {
    const char *f, *v;
    size_t fl, vl;
} kv_hash_pick_t;

/* Every field of k, in iteration order, into a new array (NULL: OOM). */
static kv_hash_pick_t *kv_hash_all(const kv_key_t *k, unsigned long *n)
{
    kv_hash_pick_t *a = kv_malloc(sizeof(*a) * (kv_hash_len(k) + 1));
    kv_hash_iter_t it;
    unsigned long i = 0;

    if (a == NULL) {
        return NULL;
    }
    kv_hash_iter_init(&it, k);
    while (kv_hash_iter_next(&it, &a[i].f, &a[i].fl, &a[i].v, &a[i].vl)) {
        i++;
    }
    kv_hash_iter_done(&it);
    *n = i;
    return a;
}

static void kv_hash_reply_pick(kv_client_t *c, const void *e, int withvalues)
{
    const kv_hash_pick_t *p = e;

    kv_reply_bulk(c, p->f, p->fl);
    if (withvalues) {
        kv_reply_bulk(c, p->v, p->vl);
    }
}

/* One field at random (the hash is not empty). */
static void kv_hash_random(const kv_key_t *k, kv_hash_pick_t *p)
{
    if (k->enc == KV_HASH_LISTPACK) {
        const kv_lp_t *lp = k->v.ptr;
        size_t off =
            kv_lp_index(lp, (long) (kv_random64() % kv_hash_len(k)) * 2);
        p->f = kv_lp_get(lp, off, &p->fl);
        p->v = kv_lp_get(lp, kv_lp_next(lp, off), &p->vl);
    } else {
        kv_hash_entry_t *e =
            (kv_hash_entry_t *) kv_dict_random(kv_hash_dict(k), kv_random64);
        p->f = e->data;
        p->fl = e->flen;
        p->v = e->data + e->flen;
        p->vl = e->vlen;
    }
}

/*
 * hrandfieldWithCountCommand(): a negative count may repeat fields, a
 * positive one returns distinct fields, the whole hash (in its order)
 * when it asks for at least as many as there are.
 */
static void kv_hrandfield_count(kv_client_t *c, long long l, int withvalues)
{
    unsigned long long count;
    unsigned long n;
    kv_hash_pick_t *all, p;
    kv_key_t *k;

    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL || l == 0) {
        kv_reply_array(c, 0);
        return;
    }
    count = l >= 0 ? (unsigned long long) l : (unsigned long long) -l;
    if ((l < 0 || count == 1) && k->enc != KV_HASH_LISTPACK) {
        /* Picks from the table itself: no copy of a big hash. (A
         * listpack is copied: walking it for each pick is quadratic.) */
        size_t mark = kv_reply_deferred_len(c);
        kv_reply_array(c, (long long) count * (withvalues ? 2 : 1));
        while (count-- > 0) {
            if ((count & 255) == 0 && kv_reply_too_large(c, mark)) {
                return;
            }
            kv_hash_random(k, &p);
            kv_hash_reply_pick(c, &p, withvalues);
        }
        return;
    }
    all = kv_hash_all(k, &n);
    if (all == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_reply_random_picks(c, l, withvalues, all, n, sizeof(*all), 0,
                          kv_hash_reply_pick);
    kv_free(all);
}

/* HRANDFIELD key [count [WITHVALUES]] */
void kv_cmd_hrandfield(kv_client_t *c)
{
    kv_hash_pick_t p;
    long long l;
    kv_key_t *k;

    if (c->argc >= 3) {
        int with;
        if (kv_get_randcount_or_reply(c, "withvalues", &l, &with) == KV_OK) {
            kv_hrandfield_count(c, l, with);
        }
        return;
    }
    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_null(c);
        return;
    }
    kv_hash_random(k, &p);
    kv_reply_bulk(c, p.f, p.fl);
}

/* ---- HSCAN ------------------------------------------------------------- */

int kv_scan_value_cursor(kv_client_t *c, const kv_str_t *a,
                         unsigned long long *cursor)
{
    if (!kv_parse_cursor(a->p, a->len, cursor)) {
        kv_reply_error(c, "invalid cursor");
        return KV_ERROR;
    }
    return KV_OK;
}

int kv_scan_value_parse(kv_client_t *c, int first, const kv_str_t **match,
                        long long *count)
{
    return kv_scan_parse(c, first, match, count, NULL);
}

int kv_scan_value_match(const kv_str_t *match, const char *p, size_t len)
{
    return match == NULL || kv_glob_match(match->p, match->len, p, len, 0);
}

void kv_scan_value_reply_head(kv_client_t *c, unsigned long long cursor,
                              long long n)
{
    char buf[32];
    size_t len = (size_t) snprintf(buf, sizeof(buf), "%llu", cursor);

    kv_reply_array(c, 2);
    kv_reply_bulk(c, buf, len);
    kv_reply_array(c, n);
}

typedef struct {
    kv_hash_entry_t **v;
    long long n, cap;
    int oom;
} kv_hash_scan_t;

static void kv_hash_scan_collect(kv_dict_entry_t *e, void *arg)
{
    kv_hash_scan_t *s = arg;

    if (s->n == s->cap) {
        long long ncap = s->cap ? s->cap * 2 : 16;
        kv_hash_entry_t **nv = kv_realloc(s->v, sizeof(*nv) * (size_t) ncap);
        if (nv == NULL) {
            s->oom = 1;
            return;
        }
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n++] = (kv_hash_entry_t *) e;
}

/* HSCAN key cursor [MATCH pattern] [COUNT count] */
void kv_cmd_hscan(kv_client_t *c)
{
    unsigned long long cursor;
    const kv_str_t *match;
    long long count, n = 0;
    kv_key_t *k;

    if (kv_scan_value_cursor(c, &c->argv[2], &cursor) != KV_OK) {
        return;
    }
    if (kv_hash_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_scan_value_reply_head(c, 0, 0);
        return;
    }
    if (kv_scan_value_parse(c, 3, &match, &count) != KV_OK) {
        return;
    }
    if (k->enc == KV_HASH_LISTPACK) {
        /* Small: everything at once, cursor 0. */
        kv_hash_iter_t it;
        const char *f, *v;
        size_t fl, vl, mark;

        kv_reply_array(c, 2);
        kv_reply_bulk(c, "0", 1);
        mark = kv_reply_deferred_len(c);
        kv_hash_iter_init(&it, k);
        while (kv_hash_iter_next(&it, &f, &fl, &v, &vl)) {
            if (kv_scan_value_match(match, f, fl)) {
                kv_reply_bulk(c, f, fl);
                kv_reply_bulk(c, v, vl);
                n += 2;
            }
        }
        kv_hash_iter_done(&it);
        kv_reply_set_deferred_len(c, mark, '*', n);
        return;
    } else {
        kv_hash_scan_t s = { NULL, 0, 0, 0 };
        long long maxiter = count * 10;
        size_t mark;
        char buf[32];
        size_t bl;

        /* Redis counts fields and values against COUNT. */
        do {
            cursor =
                kv_dict_scan(kv_hash_dict(k), cursor, kv_hash_scan_collect, &s);
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
            kv_hash_entry_t *e = s.v[i];
            if (kv_scan_value_match(match, e->data, e->flen)) {
                kv_reply_bulk(c, e->data, e->flen);
                kv_reply_bulk(c, e->data + e->flen, e->vlen);
                n += 2;
            }
        }
        kv_reply_set_deferred_len(c, mark, '*', n);
        kv_free(s.v);
    }
}
