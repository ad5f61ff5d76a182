/*
 * dict.c: chained hash table with power-of-two sizes and incremental
 * rehash (see dict.h for the contract).
 *
 * The table never allocates entries: they are the caller's, with a
 * kv_dict_entry_t (next pointer, cached hash) at their start. The only
 * allocations are bucket arrays, made when the table is created, grows or
 * shrinks. A lookup compares the cached 64-bit hash before it asks the
 * caller for the key bytes, so a chain walk touches one cache line per
 * entry and calls memcmp() practically only for the entry it returns.
 */
#include "kevyd.h"

#include "alloc.h"
#include "dict.h"

/*
 * Growth and shrink rules. A table grows when it holds as many entries as
 * buckets, and shrinks when it is used for less than 1/8: the gap between
 * the two keeps a workload that adds and deletes around one size from
 * resizing back and forth.
 */
#define KV_DICT_SHRINK_RATIO 8
/* A rehash step may skip this many empty buckets per bucket it moves. */
#define KV_DICT_EMPTY_VISITS 10
/* kv_dict_rehash_ms() checks the clock after this many bucket moves. */
#define KV_DICT_MS_BATCH 100

/* ------------------------------------------------------------------ hash */

/*
 * kv_dict_hash: a multiply-mix hash over 64-bit little-endian words.
 *
 * The core is kv_mix(): the full 128-bit product of two 64-bit words,
 * folded by XORing its high half into its low half. Every output bit then
 * depends on every input bit (the high half carries the carries of all
 * partial products), so one multiply mixes two words at once.
 *
 *   short keys (0..16 bytes, almost every Redis key): two words a and b
 *   are read, overlapping when the key is shorter than 16 bytes; since the
 *   length is mixed into the state, the pair (a, b) identifies the key.
 *   long keys: each 16-byte block is folded into the state with one
 *   kv_mix(), then the last 16 bytes (overlapping the previous block) are
 *   the final a and b.
 *
 * Then one kv_mix(a ^ secret, b ^ state) absorbs the last words and a
 * last kv_mix() with a constant finishes the avalanche, so that the low
 * bits (which pick the bucket) depend on every key bit.
 *
 * The seed is expanded into two secrets (kv_hash_s0 starts the state,
 * kv_hash_s1 is XORed into every block) so that an attacker who does not
 * know the seed cannot predict which keys collide. Reads never go past
 * the end of the key: lengths below 8 use 4-byte or single-byte loads.
 */

/* Random odd constants with 32 bits set; no other structure. */
#define KV_HASH_K0 0xaed09b824ca87fc3ULL
#define KV_HASH_K1 0xbf416c30f1f0742bULL
#define KV_HASH_K2 0xdd63d2a5d1764461ULL
#define KV_HASH_K3 0xd17737815438a5b5ULL
#define KV_HASH_K4 0xea394aba6a42ed19ULL

/* Fixed secrets until kv_dict_set_seed() is called (tests, tools). */
static uint64_t kv_hash_s0 = KV_HASH_K2;
static uint64_t kv_hash_s1 = KV_HASH_K4;

static inline uint64_t kv_mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t) a * b;

    return (uint64_t) r ^ (uint64_t) (r >> 64);
}

static inline uint64_t kv_read64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t kv_read32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

void kv_dict_set_seed(const uint8_t seed[16])
{
    /*
     * Run the seed through kv_mix() with constants so that every seed,
     * even all zeros, gives secrets with about half their bits set.
     */
    kv_hash_s0 = kv_mix(kv_read64(seed) ^ KV_HASH_K2, KV_HASH_K3);
    kv_hash_s1 = kv_mix(kv_read64(seed + 8) ^ KV_HASH_K4, KV_HASH_K3);
}

uint64_t kv_dict_hash(const void *key, size_t len)
{
    const uint8_t *p = key;
    uint64_t h, a, b;

    h = kv_hash_s0 ^ (len * KV_HASH_K0);

    if (KV_LIKELY(len <= 16)) {
        if (len >= 8) {
            a = kv_read64(p);
            b = kv_read64(p + len - 8);
        } else if (len >= 4) {
            a = kv_read32(p);
            b = kv_read32(p + len - 4);
        } else if (len > 0) {
            /* First, middle and last byte: distinct for lengths 1..3. */
            a = ((uint64_t) p[0] << 16) | ((uint64_t) p[len >> 1] << 8) |
                p[len - 1];
            b = 0;
        } else {
            a = 0;
            b = 0;
        }
    } else {
        size_t n = len;

        do {
            h = kv_mix(kv_read64(p) ^ kv_hash_s1, kv_read64(p + 8) ^ h);
            p += 16;
            n -= 16;
        } while (n > 16);
        /* The last 16 bytes, overlapping the last block when n < 16. */
        a = kv_read64(p + n - 16);
        b = kv_read64(p + n - 8);
    }

    h = kv_mix(a ^ kv_hash_s1, b ^ h);
    return kv_mix(h ^ KV_HASH_K1, KV_HASH_K3);
}

/* ----------------------------------------------------------------- table */

static inline int kv_dict_is_rehashing(const kv_dict_t *d)
{
    return d->rehash_idx != -1;
}

static void kv_dict_ht_reset(kv_dict_ht_t *ht)
{
    ht->table = NULL;
    ht->size = 0;
    ht->mask = 0;
    ht->used = 0;
}

void kv_dict_init(kv_dict_t *d, kv_dict_key_pt key_of)
{
    kv_dict_ht_reset(&d->ht[0]);
    kv_dict_ht_reset(&d->ht[1]);
    d->rehash_idx = -1;
    d->pause_rehash = 0;
    d->key_of = key_of;
}

void kv_dict_free(kv_dict_t *d)
{
    kv_free(d->ht[0].table);
    kv_free(d->ht[1].table);
    kv_dict_ht_reset(&d->ht[0]);
    kv_dict_ht_reset(&d->ht[1]);
    d->rehash_idx = -1;
}

void kv_dict_clear(kv_dict_t *d, void (*fn)(kv_dict_entry_t *e, void *arg),
                   void *arg)
{
    if (fn != NULL) {
        for (int t = 0; t < 2; t++) {
            kv_dict_ht_t *ht = &d->ht[t];

            for (uint64_t i = 0; i < ht->size && ht->used > 0; i++) {
                kv_dict_entry_t *e = ht->table[i], *next;

                for (; e != NULL; e = next) {
                    /* Read next first: fn may free e. */
                    next = e->next;
                    ht->used--;
                    fn(e, arg);
                }
            }
        }
    }
    kv_dict_free(d);
}

/* The smallest power of two >= n, at least KV_DICT_MIN. */
static uint64_t kv_dict_size_for(uint64_t n)
{
    if (n <= KV_DICT_MIN) {
        return KV_DICT_MIN;
    }
    if (n > (UINT64_C(1) << 63)) {
        return UINT64_C(1) << 63;
    }
    return UINT64_C(1) << (64 - __builtin_clzll(n - 1));
}

/*
 * Make a table of size_for(n) buckets: the only table when the dict has
 * none yet, else the rehash target ht[1]. Called only when not rehashing.
 */
static int kv_dict_resize(kv_dict_t *d, uint64_t n)
{
    uint64_t size = kv_dict_size_for(n);
    kv_dict_entry_t **table;
    kv_dict_ht_t *ht;

    if (size == d->ht[0].size) {
        return KV_OK;
    }
    if (size > SIZE_MAX / sizeof(*table)) {
        return KV_ERROR;
    }
    table = kv_calloc(size, sizeof(*table));
    if (table == NULL) {
        return KV_ERROR;
    }

    ht = d->ht[0].table == NULL ? &d->ht[0] : &d->ht[1];
    ht->table = table;
    ht->size = size;
    ht->mask = size - 1;
    ht->used = 0;
    if (ht == &d->ht[1]) {
        d->rehash_idx = 0;
    }
    return KV_OK;
}

static inline int kv_dict_needs_grow(const kv_dict_t *d)
{
    return d->ht[0].used >= d->ht[0].size;
}

static inline int kv_dict_needs_shrink(const kv_dict_t *d)
{
    return d->ht[0].size > KV_DICT_MIN &&
           d->ht[0].used < d->ht[0].size / KV_DICT_SHRINK_RATIO;
}

void kv_dict_resize_if_needed(kv_dict_t *d)
{
    if (kv_dict_is_rehashing(d) || d->ht[0].table == NULL) {
        return;
    }
    if (kv_dict_needs_grow(d)) {
        kv_dict_resize(d, d->ht[0].used + 1);
    } else if (kv_dict_needs_shrink(d)) {
        kv_dict_resize(d, d->ht[0].used);
    }
}

/*
 * Move up to n non-empty buckets of ht[0] into ht[1], giving up after
 * KV_DICT_EMPTY_VISITS * n empty ones so that one step stays cheap on a
 * sparse table. Entries carry their hash, so moving one is three stores.
 */
int kv_dict_rehash(kv_dict_t *d, int n)
{
    kv_dict_ht_t *t0 = &d->ht[0], *t1 = &d->ht[1];
    int64_t empty_visits = (int64_t) n * KV_DICT_EMPTY_VISITS;

    if (!kv_dict_is_rehashing(d)) {
        return 0;
    }
    if (d->pause_rehash > 0) {
        return 1;
    }

    while (n-- > 0 && t0->used != 0) {
        kv_dict_entry_t *e, *next;

        /* used != 0 means a non-empty bucket lies ahead: no bound check. */
        while (t0->table[d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_visits == 0) {
                return 1;
            }
        }

        for (e = t0->table[d->rehash_idx]; e != NULL; e = next) {
            uint64_t idx = e->hash & t1->mask;

            next = e->next;
            e->next = t1->table[idx];
            t1->table[idx] = e;
            t0->used--;
            t1->used++;
        }
        t0->table[d->rehash_idx] = NULL;
        d->rehash_idx++;
    }

    if (t0->used != 0) {
        return 1;
    }

    kv_free(t0->table);
    *t0 = *t1;
    kv_dict_ht_reset(t1);
    d->rehash_idx = -1;
    return 0;
}

int kv_dict_rehash_ms(kv_dict_t *d, int ms)
{
    int64_t start;

    if (!kv_dict_is_rehashing(d)) {
        return 0;
    }
    if (d->pause_rehash > 0) {
        return 1;
    }
    start = kv_mono_ms();
    while (kv_dict_rehash(d, KV_DICT_MS_BATCH)) {
        if (kv_mono_ms() - start >= ms) {
            return 1;
        }
    }
    return 0;
}

/* The one bucket move every lookup, insert and delete pays while
 * rehashing. */
static inline void kv_dict_rehash_step(kv_dict_t *d)
{
    if (KV_UNLIKELY(kv_dict_is_rehashing(d)) && d->pause_rehash == 0) {
        kv_dict_rehash(d, 1);
    }
}

/* The cached hash first: the key bytes only for an entry that is almost
 * certainly the one. */
static inline int kv_dict_match(const kv_dict_t *d, const kv_dict_entry_t *e,
                                const void *key, size_t len, uint64_t hash)
{
    const char *k;
    size_t klen;

    if (e->hash != hash) {
        return 0;
    }
    k = d->key_of(e, &klen);
    return klen == len && memcmp(k, key, len) == 0;
}

/*
 * The address of the link (bucket head or a next field) that points at
 * the entry with this key, or NULL. While rehashing, ht[0] buckets below
 * rehash_idx are empty (already moved), so only ht[1] is searched for
 * them.
 */
static kv_dict_entry_t **kv_dict_find_link(kv_dict_t *d, const void *key,
                                           size_t len, uint64_t hash,
                                           kv_dict_ht_t **where)
{
    for (int t = 0; t < 2; t++) {
        kv_dict_ht_t *ht = &d->ht[t];
        uint64_t idx = hash & ht->mask;

        if (t == 0 && (int64_t) idx < d->rehash_idx) {
            continue;
        }
        for (kv_dict_entry_t **pe = &ht->table[idx]; *pe != NULL;
             pe = &(*pe)->next) {
            if (kv_dict_match(d, *pe, key, len, hash)) {
                *where = ht;
                return pe;
            }
        }
        if (!kv_dict_is_rehashing(d)) {
            break;
        }
    }
    return NULL;
}

kv_dict_entry_t *kv_dict_find(kv_dict_t *d, const void *key, size_t len,
                              uint64_t hash)
{
    kv_dict_entry_t **pe;
    kv_dict_ht_t *ht;

    if (kv_dict_size(d) == 0) {
        return NULL;
    }
    /* The GET path: one table, one chain. */
    if (KV_LIKELY(!kv_dict_is_rehashing(d))) {
        kv_dict_entry_t *e = d->ht[0].table[hash & d->ht[0].mask];

        for (; e != NULL; e = e->next) {
            if (kv_dict_match(d, e, key, len, hash)) {
                return e;
            }
        }
        return NULL;
    }
    kv_dict_rehash_step(d);
    pe = kv_dict_find_link(d, key, len, hash, &ht);
    return pe != NULL ? *pe : NULL;
}

int kv_dict_add(kv_dict_t *d, kv_dict_entry_t *e)
{
    kv_dict_ht_t *ht;
    uint64_t idx;
    int rc = KV_OK;

    kv_dict_rehash_step(d);
    if (!kv_dict_is_rehashing(d) && kv_dict_needs_grow(d)) {
        rc = kv_dict_resize(d, d->ht[0].used + 1);
        if (rc != KV_OK && d->ht[0].table == NULL) {
            return KV_ERROR;
        }
    }

    /* Head insertion; while rehashing, only ht[1] takes new entries. */
    ht = kv_dict_is_rehashing(d) ? &d->ht[1] : &d->ht[0];
    idx = e->hash & ht->mask;
    e->next = ht->table[idx];
    ht->table[idx] = e;
    ht->used++;
    return rc;
}

kv_dict_entry_t *kv_dict_unlink(kv_dict_t *d, const void *key, size_t len,
                                uint64_t hash)
{
    kv_dict_entry_t **pe, *e;
    kv_dict_ht_t *ht;

    if (kv_dict_size(d) == 0) {
        return NULL;
    }
    kv_dict_rehash_step(d);
    pe = kv_dict_find_link(d, key, len, hash, &ht);
    if (pe == NULL) {
        return NULL;
    }
    e = *pe;
    *pe = e->next;
    e->next = NULL;
    ht->used--;

    if (!kv_dict_is_rehashing(d) && kv_dict_needs_shrink(d)) {
        kv_dict_resize(d, d->ht[0].used);
    }
    return e;
}

/*
 * No rehash step here: until the link is fixed, the chain points at freed
 * memory, and only pointers are compared (old is never dereferenced).
 */
void kv_dict_relink(kv_dict_t *d, const kv_dict_entry_t *old,
                    kv_dict_entry_t *nw)
{
    if (old == nw) {
        return;
    }
    for (int t = 0; t < 2; t++) {
        kv_dict_ht_t *ht = &d->ht[t];
        uint64_t idx = nw->hash & ht->mask;

        if (ht->table == NULL || (t == 0 && (int64_t) idx < d->rehash_idx)) {
            continue;
        }
        for (kv_dict_entry_t **pe = &ht->table[idx]; *pe != NULL;
             pe = &(*pe)->next) {
            if (*pe == old) {
                *pe = nw;
                return;
            }
        }
    }
}

/*
 * Redis's dictGetRandomKey: draw buckets until a non-empty one comes up
 * (while rehashing, from the unmoved part of ht[0] and all of ht[1]), then
 * an entry of its chain. Entries in long chains are a little less likely,
 * which the contract accepts.
 */
kv_dict_entry_t *kv_dict_random(kv_dict_t *d, uint64_t (*rnd)(void))
{
    kv_dict_entry_t *e, *head;
    uint64_t len;

    if (kv_dict_size(d) == 0) {
        return NULL;
    }
    kv_dict_rehash_step(d);

    if (kv_dict_is_rehashing(d)) {
        uint64_t s0 = d->ht[0].size, idx0 = (uint64_t) d->rehash_idx;
        uint64_t span = s0 - idx0 + d->ht[1].size;

        do {
            uint64_t h = idx0 + rnd() % span;

            head = h >= s0 ? d->ht[1].table[h - s0] : d->ht[0].table[h];
        } while (head == NULL);
    } else {
        do {
            head = d->ht[0].table[rnd() & d->ht[0].mask];
        } while (head == NULL);
    }

    len = 0;
    for (e = head; e != NULL; e = e->next) {
        len++;
    }
    e = head;
    for (uint64_t i = len > 1 ? rnd() % len : 0; i > 0; i--) {
        e = e->next;
    }
    return e;
}

/* ------------------------------------------------------------------ scan */

static inline uint64_t kv_rev64(uint64_t v)
{
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
}

/*
 * Increment the cursor's bits that index a table of this mask, counting
 * from the high bit down: set the bits above the mask, reverse, add one,
 * reverse back.
 */
static inline uint64_t kv_dict_cursor_next(uint64_t v, uint64_t mask)
{
    v |= ~mask;
    v = kv_rev64(v);
    v++;
    return kv_rev64(v);
}

static void kv_dict_scan_bucket(kv_dict_entry_t *e,
                                void (*fn)(kv_dict_entry_t *e, void *arg),
                                void *arg)
{
    kv_dict_entry_t *next;

    for (; e != NULL; e = next) {
        next = e->next;
        fn(e, arg);
    }
}

/*
 * Redis's dictScan. The cursor is a bucket index whose bits are counted
 * from the high end, so the buckets that one bucket of a small table
 * expands into (same low bits, more high bits) come right after it in
 * cursor order, and the buckets of a big table that fold into one of a
 * small table are consecutive too. A scan that started on a table of one
 * size and continues on another therefore neither skips a bucket's worth
 * of keys nor restarts: it may only return some twice.
 *
 * While rehashing, the call visits the cursor's bucket in the smaller
 * table, then every bucket of the larger table that expands from it (the
 * cursor values that differ only in the bits the larger mask adds), and
 * returns the cursor following all of them.
 */
uint64_t kv_dict_scan(kv_dict_t *d, uint64_t cursor,
                      void (*fn)(kv_dict_entry_t *e, void *arg), void *arg)
{
    const kv_dict_ht_t *small, *large;
    uint64_t v = cursor;

    if (kv_dict_size(d) == 0) {
        return 0;
    }

    if (!kv_dict_is_rehashing(d)) {
        small = &d->ht[0];
        kv_dict_scan_bucket(small->table[v & small->mask], fn, arg);
        return kv_dict_cursor_next(v, small->mask);
    }

    small = &d->ht[0];
    large = &d->ht[1];
    if (small->size > large->size) {
        small = &d->ht[1];
        large = &d->ht[0];
    }

    kv_dict_scan_bucket(small->table[v & small->mask], fn, arg);
    do {
        kv_dict_scan_bucket(large->table[v & large->mask], fn, arg);
        v = kv_dict_cursor_next(v, large->mask);
    } while (v & (small->mask ^ large->mask));

    return v;
}

/* -------------------------------------------------------------- iterator */

void kv_dict_iter_init(kv_dict_iter_t *it, kv_dict_t *d)
{
    it->d = d;
    it->table = 0;
    it->index = 0;
    it->entry = NULL;
    it->next = NULL;
    d->pause_rehash++;
}

/*
 * Rehash steps are paused, so no entry moves between tables while the
 * iterator runs; entries added meanwhile may or may not be returned. A
 * resize that starts meanwhile (by an add or unlink) leaves ht[0] as it is
 * and puts new entries in ht[1], which is walked after ht[0].
 */
kv_dict_entry_t *kv_dict_iter_next(kv_dict_iter_t *it)
{
    kv_dict_t *d = it->d;

    while (it->next == NULL) {
        kv_dict_ht_t *ht = &d->ht[it->table];

        if (it->index >= ht->size) {
            if (it->table == 0 && kv_dict_is_rehashing(d)) {
                it->table = 1;
                it->index = 0;
                continue;
            }
            it->entry = NULL;
            return NULL;
        }
        it->next = ht->table[it->index++];
    }

    it->entry = it->next;
    it->next = it->entry->next;
    return it->entry;
}

void kv_dict_iter_done(kv_dict_iter_t *it)
{
    it->d->pause_rehash--;
    it->d = NULL;
}

size_t kv_dict_overhead(const kv_dict_t *d)
{
    return (size_t) (d->ht[0].size + d->ht[1].size) * sizeof(void *);
}
