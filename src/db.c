/*
 * db.c: the keyspace of one shard (see db.h for the entry layout).
 */
#include "db.h"

#include "block.h"

#include <time.h>

#include "alloc.h"
#include "block.h"
#include "resp.h"

/* Active expiry, after Redis's activeExpireCycle(): sample this many
 * volatile keys per database per round, and go on with another round
 * while more than a quarter of a sample had expired. */
#define KV_EXPIRE_SAMPLE 20
#define KV_EXPIRE_REPEAT_PERCENT 25

static kv_db_t *kv_dbs;
static int kv_ndbs;
static kv_db_t kv_scratch;
static int64_t kv_now_ms;
static int kv_expire_next_db;

unsigned long long kv_stat_expired_keys;
unsigned long long kv_stat_keyspace_hits;
unsigned long long kv_stat_keyspace_misses;

static const char *kv_key_dict_key(const kv_dict_entry_t *e, size_t *len)
{
    kv_key_t *k = (kv_key_t *) e;

    *len = k->keylen;
    return kv_key_name(k);
}

int kv_db_init(int ndbs)
{
    kv_dbs = kv_calloc((size_t) ndbs, sizeof(kv_db_t));
    if (kv_dbs == NULL) {
        return KV_ERROR;
    }
    kv_ndbs = ndbs;
    for (int i = 0; i < ndbs; i++) {
        kv_dict_init(&kv_dbs[i].dict, kv_key_dict_key);
        kv_dbs[i].id = i;
    }
    kv_dict_init(&kv_scratch.dict, kv_key_dict_key);
    kv_scratch.id = -1;
    kv_db_update_clock();
    return KV_OK;
}

void kv_db_free_all(void)
{
    for (int i = 0; i < kv_ndbs; i++) {
        kv_db_flush(&kv_dbs[i]);
        kv_dict_free(&kv_dbs[i].dict);
    }
    kv_free(kv_dbs);
    kv_dbs = NULL;
    kv_ndbs = 0;
}

kv_db_t *kv_db_scratch(void)
{
    return &kv_scratch;
}

int kv_db_count(void)
{
    return kv_ndbs;
}

kv_db_t *kv_db_get(int id)
{
    return id >= 0 && id < kv_ndbs ? &kv_dbs[id] : NULL;
}

int64_t kv_db_now(void)
{
    return kv_now_ms;
}

int kv_clock_uses = KV_CLOCK_COMMANDS;

void kv_db_update_clock(void)
{
    kv_now_ms = kv_wall_us() / 1000;
    kv_clock_uses = 1;
}

/* Like Redis's LRU_CLOCK(): the wall clock in seconds, as cached (Redis
 * caches it in its cron; kevyd reads the per-command instant), so that
 * touching a key costs no clock_gettime(). */
uint32_t kv_lru_clock(void)
{
    return (uint32_t) (kv_now_ms / 1000);
}

const char *kv_key_str(kv_key_t *k, char buf[32], size_t *len)
{
    switch (k->enc) {
    case KV_ENC_INT:
        *len = kv_ll2str(buf, k->v.i);
        return buf;
    case KV_ENC_EMBSTR:
        *len = k->vlen;
        return kv_key_name(k) + k->keylen;
    default:
        *len = k->vlen;
        return k->v.ptr;
    }
}

/* ---- the index of volatile keys -------------------------------------- */

static int kv_vol_add(kv_db_t *db, kv_key_t *k)
{
    if (db->nvol == db->capvol) {
        uint32_t ncap = db->capvol ? db->capvol * 2 : 64;
        kv_key_t **nv = kv_realloc(db->vol, ncap * sizeof(*nv));
        if (nv == NULL) {
            return KV_ERROR;
        }
        db->vol = nv;
        db->capvol = ncap;
    }
    kv_key_ttl(k)->vidx = db->nvol;
    db->vol[db->nvol++] = k;
    return KV_OK;
}

static void kv_vol_remove(kv_db_t *db, kv_key_t *k)
{
    uint32_t idx = kv_key_ttl(k)->vidx;
    kv_key_t *last;

    if (idx == UINT32_MAX) {
        return; /* never indexed (out of memory at the time) */
    }
    last = db->vol[--db->nvol];

    db->vol[idx] = last;
    kv_key_ttl(last)->vidx = idx;
}

/* ---- entries --------------------------------------------------------- */

static size_t kv_key_size(int volatile_, size_t keylen, size_t emb)
{
    return sizeof(kv_key_t) + (volatile_ ? sizeof(kv_key_ttl_t) : 0) + keylen +
           emb;
}

/* A new unlinked entry with the given name (whose kv_dict_hash() is hash)
 * and an embedded area of emb bytes (for EMBSTR values), no TTL. */
static kv_key_t *kv_key_new_hashed(const char *name, size_t len, size_t emb,
                                   uint64_t hash)
{
    kv_key_t *k;

    if (len > UINT32_MAX) {
        return NULL;
    }
    k = kv_malloc(kv_key_size(0, len, emb));
    if (k == NULL) {
        return NULL;
    }
    memset(k, 0, sizeof(*k));
    k->keylen = (uint32_t) len;
    k->de.hash = hash;
    k->lru = kv_lru_clock();
    memcpy(kv_key_name(k), name, len);
    return k;
}

static kv_key_t *kv_key_new(const char *name, size_t len, size_t emb)
{
    return kv_key_new_hashed(name, len, emb, kv_dict_hash(name, len));
}

static kv_key_t *kv_db_store(kv_db_t *db, const char *key, size_t len,
                             kv_key_t *nk, int keep_ttl);
static kv_key_t *kv_key_new(const char *name, size_t len, size_t emb);

/* Filled in as the type files land; a NULL slot is a type not built. */
const kv_type_ops_t *const kv_types[KV_TYPE_STREAM + 1] = {
    [KV_TYPE_LIST] = &kv_list_type,
    [KV_TYPE_SET] = &kv_set_type,
    [KV_TYPE_HASH] = &kv_hash_type,
    [KV_TYPE_ZSET] = &kv_zset_type,
};

void kv_key_free_value(kv_key_t *k)
{
    if (k->type == KV_TYPE_STRING) {
        if (k->enc == KV_ENC_RAW) {
            kv_free(k->v.ptr);
        }
    } else if (kv_types[k->type] != NULL && k->v.ptr != NULL) {
        kv_types[k->type]->free(k->v.ptr);
    }
    k->v.ptr = NULL;
}

const char *kv_key_encoding(const kv_key_t *k)
{
    static const char *const str[] = {"int", "embstr", "raw"};

    if (k->type == KV_TYPE_STRING) {
        return k->enc < KV_ARRAY_LEN(str) ? str[k->enc] : "unknown";
    }
    if (kv_types[k->type] != NULL) {
        return kv_types[k->type]->encoding(k->enc);
    }
    return "unknown";
}

kv_key_t *kv_db_set_value(kv_db_t *db, const char *key, size_t len,
                          uint8_t type, uint8_t enc, void *ptr)
{
    kv_key_t *k = kv_key_new(key, len, 0);

    if (k == NULL) {
        kv_types[type]->free(ptr);
        return NULL;
    }
    k->type = type;
    k->enc = enc;
    k->v.ptr = ptr;
    return kv_db_store(db, key, len, k, 0);
}

void kv_key_free(kv_key_t *k)
{
    kv_key_free_value(k);
    kv_free(k);
}

/* Encode a string value into a fresh entry (tryObjectEncoding rules). */
static kv_key_t *kv_key_new_string(const char *name, size_t len, uint64_t hash,
                                   const char *val, size_t vlen)
{
    kv_key_t *k;
    long long ll;

    if (vlen <= 20 && kv_string2ll(val, vlen, &ll)) {
        k = kv_key_new_hashed(name, len, 0, hash);
        if (k != NULL) {
            k->enc = KV_ENC_INT;
            k->v.i = ll;
        }
        return k;
    }
    if (vlen <= KV_EMBSTR_MAX) {
        k = kv_key_new_hashed(name, len, vlen, hash);
        if (k != NULL) {
            k->enc = KV_ENC_EMBSTR;
            k->vlen = (uint32_t) vlen;
            memcpy(kv_key_name(k) + len, val, vlen);
        }
        return k;
    }
    k = kv_key_new_hashed(name, len, 0, hash);
    if (k == NULL) {
        return NULL;
    }
    k->v.ptr = kv_malloc(vlen ? vlen : 1);
    if (k->v.ptr == NULL) {
        kv_free(k);
        return NULL;
    }
    memcpy(k->v.ptr, val, vlen);
    k->enc = KV_ENC_RAW;
    k->vlen = (uint32_t) vlen;
    return k;
}

/* Put nw where old is: in the dict, and in the TTL index. nw takes old's
 * place in its bucket chain, so it inherits old's successor. */
static void kv_db_replace(kv_db_t *db, kv_key_t *old, kv_key_t *nw)
{
    nw->de.next = old->de.next;
    kv_dict_relink(&db->dict, &old->de, &nw->de);
    if ((nw->flags & KV_KEY_VOLATILE) && kv_key_ttl(nw)->vidx != UINT32_MAX) {
        db->vol[kv_key_ttl(nw)->vidx] = nw;
    }
}

/* Give nw the TTL of old (which is about to be freed). */
static kv_key_t *kv_key_take_ttl(kv_key_t *nw, kv_key_t *old)
{
    size_t emb = nw->enc == KV_ENC_EMBSTR ? nw->vlen : 0;
    kv_key_t *r;

    r = kv_realloc(nw, kv_key_size(1, nw->keylen, emb));
    if (r == NULL) {
        return NULL;
    }
    memmove((char *) (r + 1) + sizeof(kv_key_ttl_t), r + 1, r->keylen + emb);
    r->flags |= KV_KEY_VOLATILE;
    *kv_key_ttl(r) = *kv_key_ttl(old);
    return r;
}

/* kv_db_lookup() for a key whose hash is known already. */
static kv_key_t *kv_db_lookup_hashed(kv_db_t *db, const char *key, size_t len,
                                     uint64_t h)
{
    kv_key_t *k = (kv_key_t *) kv_dict_find(&db->dict, key, len, h);

    if (k != NULL && (k->flags & KV_KEY_VOLATILE) &&
        kv_key_ttl(k)->expire <= kv_now_ms) {
        kv_db_delete_key(db, k);
        kv_stat_expired_keys++;
        return NULL;
    }
    return k;
}

kv_key_t *kv_db_lookup(kv_db_t *db, const char *key, size_t len)
{
    return kv_db_lookup_hashed(db, key, len, kv_dict_hash(key, len));
}

kv_key_t *kv_db_lookup_read(kv_db_t *db, const char *key, size_t len)
{
    kv_key_t *k = kv_db_lookup(db, key, len);

    if (k != NULL) {
        k->lru = kv_lru_clock();
        kv_stat_keyspace_hits++;
    } else {
        kv_stat_keyspace_misses++;
    }
    return k;
}

void kv_db_unlink_key(kv_db_t *db, kv_key_t *k)
{
    kv_dict_unlink(&db->dict, kv_key_name(k), k->keylen, k->de.hash);
    if (k->flags & KV_KEY_VOLATILE) {
        kv_vol_remove(db, k);
    }
}

/* A list or sorted set appeared under a key: blocked clients may want it. */
static void kv_db_added(kv_db_t *db, kv_key_t *k)
{
    if ((k->type == KV_TYPE_LIST || k->type == KV_TYPE_ZSET) && db->id >= 0) {
        kv_block_key_added(db, kv_key_name(k), k->keylen);
    }
}

void kv_db_link_key(kv_db_t *db, kv_key_t *k)
{
    (void) kv_dict_add(&db->dict, &k->de);
    kv_db_added(db, k);
    if (k->flags & KV_KEY_VOLATILE) {
        if (kv_vol_add(db, k) != KV_OK) {
            /* Out of memory for the index: keep the key without TTL
             * tracking for active expiry; lazy expiry still applies. */
            kv_key_ttl(k)->vidx = UINT32_MAX;
        }
    }
}

void kv_db_delete_key(kv_db_t *db, kv_key_t *k)
{
    kv_db_unlink_key(db, k);
    kv_key_free(k);
}

int kv_db_delete(kv_db_t *db, const char *key, size_t len)
{
    kv_key_t *k = kv_db_lookup(db, key, len);

    if (k == NULL) {
        return 0;
    }
    kv_db_delete_key(db, k);
    return 1;
}

/* Store nk in place of old (the live entry of the same key, or NULL). */
static kv_key_t *kv_db_put(kv_db_t *db, kv_key_t *nk, kv_key_t *old,
                           int keep_ttl)
{
    if (old == NULL) {
        kv_db_link_key(db, nk);
        return nk;
    }
    if (keep_ttl && (old->flags & KV_KEY_VOLATILE)) {
        kv_key_t *t = kv_key_take_ttl(nk, old);
        if (t == NULL) {
            kv_key_free(nk);
            return NULL;
        }
        nk = t;
        kv_db_replace(db, old, nk);
    } else {
        if (old->flags & KV_KEY_VOLATILE) {
            kv_vol_remove(db, old);
        }
        nk->de.next = old->de.next;
        kv_dict_relink(&db->dict, &old->de, &nk->de);
    }
    nk->lru = kv_lru_clock();
    if (old->type != nk->type) {
        kv_db_added(db, nk);
    }
    kv_key_free(old);
    return nk;
}

static kv_key_t *kv_db_store(kv_db_t *db, const char *key, size_t len,
                             kv_key_t *nk, int keep_ttl)
{
    if (nk == NULL) {
        return NULL;
    }
    return kv_db_put(db, nk, kv_db_lookup_hashed(db, key, len, nk->de.hash),
                     keep_ttl);
}

/*
 * A string value over a string entry of the same encoding and size (an
 * int over an int, an embedded value over one as long) without a TTL to
 * drop: written in place, since a new entry would be the same one byte
 * for byte (and cost a malloc() and a free()). Returns 1 when done.
 */
static int kv_key_overwrite(kv_key_t *k, const char *val, size_t vlen,
                            int keep_ttl)
{
    long long ll;

    if (k->type != KV_TYPE_STRING ||
        ((k->flags & KV_KEY_VOLATILE) && !keep_ttl)) {
        return 0;
    }
    if (vlen <= 20 && kv_string2ll(val, vlen, &ll)) {
        if (k->enc != KV_ENC_INT) {
            return 0;
        }
        k->v.i = ll;
    } else if (vlen <= KV_EMBSTR_MAX && k->enc == KV_ENC_EMBSTR &&
               k->vlen == vlen) {
        memmove(kv_key_name(k) + k->keylen, val, vlen);
    } else {
        return 0;
    }
    k->lru = kv_lru_clock();
    return 1;
}

kv_key_t *kv_db_set_string(kv_db_t *db, const char *key, size_t len,
                           const char *val, size_t vlen, int keep_ttl)
{
    uint64_t hash = kv_dict_hash(key, len);
    kv_key_t *old = kv_db_lookup_hashed(db, key, len, hash), *nk;

    if (old != NULL && kv_key_overwrite(old, val, vlen, keep_ttl)) {
        return old;
    }
    nk = kv_key_new_string(key, len, hash, val, vlen);
    if (nk == NULL) {
        return NULL;
    }
    return kv_db_put(db, nk, old, keep_ttl);
}

kv_key_t *kv_db_set_int(kv_db_t *db, const char *key, size_t len, int64_t v,
                        int keep_ttl)
{
    kv_key_t *k = kv_key_new(key, len, 0);

    if (k != NULL) {
        k->enc = KV_ENC_INT;
        k->v.i = v;
    }
    return kv_db_store(db, key, len, k, keep_ttl);
}

kv_key_t *kv_db_update_string(kv_db_t *db, kv_key_t *k, const char *val,
                              size_t vlen)
{
    return kv_db_set_string(db, kv_key_name(k), k->keylen, val, vlen, 1);
}

kv_key_t *kv_db_make_raw(kv_db_t *db, kv_key_t *k, size_t cap)
{
    char buf[32];
    size_t len;
    const char *s = kv_key_str(k, buf, &len);
    char *p;

    if (cap < len) {
        cap = len;
    }
    if (k->enc == KV_ENC_RAW) {
        p = kv_realloc(k->v.ptr, cap ? cap : 1);
        if (p == NULL) {
            return NULL;
        }
        k->v.ptr = p;
        return k;
    }
    p = kv_malloc(cap ? cap : 1);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, s, len);
    if (k->enc == KV_ENC_EMBSTR) {
        /* Drop the embedded bytes from the entry. */
        kv_key_t *old = k;
        size_t sz = kv_key_size(k->flags & KV_KEY_VOLATILE, k->keylen, 0);
        kv_key_t *nk = kv_malloc(sz);
        if (nk == NULL) {
            kv_free(p);
            return NULL;
        }
        memcpy(nk, old, sz);
        kv_db_replace(db, old, nk);
        kv_free(old);
        k = nk;
    }
    k->enc = KV_ENC_RAW;
    k->v.ptr = p;
    k->vlen = (uint32_t) len;
    return k;
}

kv_key_t *kv_db_set_expire(kv_db_t *db, kv_key_t *k, int64_t when_ms)
{
    size_t emb = k->enc == KV_ENC_EMBSTR ? k->vlen : 0;
    kv_key_t *old = k, *nk;

    if (when_ms >= 0 && (k->flags & KV_KEY_VOLATILE)) {
        kv_key_ttl(k)->expire = when_ms;
        return k;
    }
    if (when_ms < 0 && !(k->flags & KV_KEY_VOLATILE)) {
        return k;
    }
    if (when_ms >= 0) {
        /* Grow the entry by the TTL block and shift the bytes up. */
        nk = kv_malloc(kv_key_size(1, k->keylen, emb));
        if (nk == NULL) {
            return NULL;
        }
        memcpy(nk, old, sizeof(kv_key_t));
        memcpy((char *) (nk + 1) + sizeof(kv_key_ttl_t), old + 1,
               old->keylen + emb);
        nk->flags |= KV_KEY_VOLATILE;
        kv_key_ttl(nk)->expire = when_ms;
        kv_dict_relink(&db->dict, &old->de, &nk->de);
        kv_free(old);
        if (kv_vol_add(db, nk) != KV_OK) {
            kv_key_ttl(nk)->vidx = UINT32_MAX;
        }
        return nk;
    }
    /* Remove the TTL block. */
    kv_vol_remove(db, old);
    nk = kv_malloc(kv_key_size(0, k->keylen, emb));
    if (nk == NULL) {
        /* Keep the entry; mark it persistent by a far expiry instead of
         * failing a PERSIST: never happens in practice. */
        kv_vol_add(db, old);
        return NULL;
    }
    memcpy(nk, old, sizeof(kv_key_t));
    memcpy(nk + 1, (char *) (old + 1) + sizeof(kv_key_ttl_t),
           old->keylen + emb);
    nk->flags &= (uint8_t) ~KV_KEY_VOLATILE;
    kv_dict_relink(&db->dict, &old->de, &nk->de);
    kv_free(old);
    return nk;
}

kv_key_t *kv_db_dup_key(kv_key_t *k, const char *name, size_t len)
{
    char buf[32];
    size_t vlen;
    const char *v;
    kv_key_t *nk;

    switch (k->type) {
    case KV_TYPE_STRING:
        if (k->enc == KV_ENC_INT) {
            nk = kv_key_new(name, len, 0);
            if (nk != NULL) {
                nk->enc = KV_ENC_INT;
                nk->v.i = k->v.i;
            }
        } else {
            v = kv_key_str(k, buf, &vlen);
            nk = kv_key_new(name, len, k->enc == KV_ENC_EMBSTR ? vlen : 0);
            if (nk == NULL) {
                return NULL;
            }
            nk->enc = k->enc;
            nk->vlen = (uint32_t) vlen;
            if (k->enc == KV_ENC_EMBSTR) {
                memcpy(kv_key_name(nk) + len, v, vlen);
            } else {
                nk->v.ptr = kv_malloc(vlen ? vlen : 1);
                if (nk->v.ptr == NULL) {
                    kv_free(nk);
                    return NULL;
                }
                memcpy(nk->v.ptr, v, vlen);
            }
        }
        break;
    default:
        if (kv_types[k->type] == NULL) {
            return NULL;
        }
        nk = kv_key_new(name, len, 0);
        if (nk == NULL) {
            return NULL;
        }
        nk->enc = k->enc;
        nk->v.ptr = kv_types[k->type]->dup(k->v.ptr, k->enc);
        if (nk->v.ptr == NULL) {
            kv_free(nk);
            return NULL;
        }
        break;
    }
    if (nk != NULL) {
        nk->type = k->type;
        nk->lru = kv_lru_clock();
    }
    return nk;
}

kv_key_t *kv_db_rename_key(kv_db_t *db, kv_key_t *k, const char *name,
                           size_t len)
{
    int vol = (k->flags & KV_KEY_VOLATILE) != 0;
    size_t emb =
        k->enc == KV_ENC_EMBSTR && k->type == KV_TYPE_STRING ? k->vlen : 0;
    kv_key_t *nk;

    if (len > UINT32_MAX) {
        return NULL;
    }
    nk = kv_malloc(kv_key_size(vol, len, emb));
    if (nk == NULL) {
        return NULL;
    }
    memcpy(nk, k, sizeof(*k) + (vol ? sizeof(kv_key_ttl_t) : 0));
    nk->keylen = (uint32_t) len;
    nk->de.hash = kv_dict_hash(name, len);
    memcpy(kv_key_name(nk), name, len);
    memcpy(kv_key_name(nk) + len, kv_key_name(k) + k->keylen, emb);
    kv_db_unlink_key(db, k);
    kv_free(k); /* the entry only: its value now belongs to nk */
    kv_db_link_key(db, nk);
    return nk;
}

size_t kv_key_strlen(kv_key_t *k)
{
    char buf[32];
    size_t len;

    (void) kv_key_str(k, buf, &len);
    return len;
}

static void kv_db_free_entry(kv_dict_entry_t *e, void *arg)
{
    kv_key_free((kv_key_t *) e);
}

void kv_db_flush(kv_db_t *db)
{
    kv_dict_clear(&db->dict, kv_db_free_entry, NULL);
    kv_free(db->vol);
    db->vol = NULL;
    db->nvol = db->capvol = 0;
    db->avg_ttl = 0;
}

void kv_db_swap(kv_db_t *a, kv_db_t *b)
{
    kv_db_t tmp = *a;
    int ida = a->id, idb = b->id;

    *a = *b;
    *b = tmp;
    a->id = ida;
    b->id = idb;
}

/* xorshift64*: the shard's PRNG for sampling (not for anything secret). */
static uint64_t kv_db_rand(void)
{
    static uint64_t s;

    if (s == 0) {
        s = (uint64_t) kv_wall_us() ^ ((uint64_t) getpid() << 32) ^
            0x9e3779b97f4a7c15ULL;
    }
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545f4914f6cdd1dULL;
}

uint64_t kv_random64(void)
{
    return kv_db_rand();
}

unsigned long kv_db_active_expire(int64_t budget_us)
{
    int64_t deadline = kv_wall_us() + budget_us;
    unsigned long total = 0;

    kv_db_update_clock();
    for (int n = 0; n < kv_ndbs; n++) {
        kv_db_t *db = &kv_dbs[kv_expire_next_db];
        int expired, sample;

        kv_expire_next_db = (kv_expire_next_db + 1) % kv_ndbs;
        do {
            sample =
                db->nvol < KV_EXPIRE_SAMPLE ? (int) db->nvol : KV_EXPIRE_SAMPLE;
            long long ttl_sum = 0;
            int ttl_n = 0;

            expired = 0;
            if (sample == 0) {
                break;
            }
            for (int i = 0; i < sample && db->nvol > 0; i++) {
                kv_key_t *k = db->vol[kv_db_rand() % db->nvol];
                int64_t left = kv_key_ttl(k)->expire - kv_now_ms;
                if (left <= 0) {
                    kv_db_delete_key(db, k);
                    kv_stat_expired_keys++;
                    expired++;
                } else {
                    ttl_sum += left;
                    ttl_n++;
                }
            }
            if (ttl_n > 0) {
                long long avg = ttl_sum / ttl_n;
                db->avg_ttl =
                    db->avg_ttl == 0 ? avg : (db->avg_ttl / 50) * 49 + avg / 50;
            }
            total += (unsigned long) expired;
        } while (expired * 100 > sample * KV_EXPIRE_REPEAT_PERCENT &&
                 kv_wall_us() < deadline);
        if (kv_wall_us() >= deadline) {
            break;
        }
    }
    return total;
}

void kv_db_cron_rehash(int ms)
{
    for (int i = 0; i < kv_ndbs; i++) {
        if (kv_dbs[i].dict.rehash_idx >= 0) {
            kv_dict_rehash_ms(&kv_dbs[i].dict, ms);
            return; /* one database per call, as Redis does */
        }
    }
}
