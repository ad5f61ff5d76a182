/*
 * dict.h: the hash table under every keyspace (and, later, hashes and
 * sets): chained buckets, power-of-two sizes, incremental rehash.
 *
 * Entries are intrusive: the caller's entry struct starts with a
 * kv_dict_entry_t (next pointer and cached 64-bit hash), and the table
 * never allocates or frees entries; it only links them. The caller
 * supplies, per table, a function that returns an entry's key bytes.
 *
 *   kv_dict_t
 *     ht[0], ht[1]   bucket arrays (ht[1] only while rehashing)
 *     rehash_idx     next bucket of ht[0] to move, -1 when not rehashing
 *
 * Growth: when used >= buckets (load factor 1) the table starts rehashing
 * into twice the size; shrink to fit when used < buckets / 8 (never below
 * KV_DICT_MIN). Both checks run only when no rehash is in progress: the
 * growth check on add, the shrink check on unlink (and both in
 * kv_dict_resize_if_needed()). Every lookup, insert and delete moves one
 * bucket (and kv_dict_rehash_ms() does bounded batches from the worker's
 * cron), so no single call pays for a whole resize. While rehashing,
 * inserts go to ht[1] and lookups look in both.
 *
 * Hash: kv_dict_hash() is a seeded 64-bit hash (seed set once per process
 * with kv_dict_set_seed(), random in production) so clients cannot choose
 * colliding keys without knowing the seed.
 *
 * Scan: kv_dict_scan() has Redis's dictScan guarantee: a full iteration
 * started with cursor 0 and continued until the cursor is 0 again returns
 * every element present during the whole iteration at least once, even if
 * the table is resized between calls (reverse-binary cursor increments).
 */
#ifndef KV_DICT_H
#define KV_DICT_H

#include "kevyd.h"

#define KV_DICT_MIN 4

typedef struct kv_dict_entry_s kv_dict_entry_t;

struct kv_dict_entry_s {
    kv_dict_entry_t *next;
    uint64_t hash;
};

/* Returns the key bytes of an entry and stores their length in *len. */
typedef const char *(*kv_dict_key_pt)(const kv_dict_entry_t *e, size_t *len);

typedef struct {
    kv_dict_entry_t **table;
    uint64_t size; /* buckets, a power of two, or 0 */
    uint64_t mask;
    uint64_t used;
} kv_dict_ht_t;

typedef struct {
    kv_dict_ht_t ht[2];
    int64_t rehash_idx;
    int pause_rehash; /* > 0 while a safe iterator runs */
    kv_dict_key_pt key_of;
} kv_dict_t;

void kv_dict_set_seed(const uint8_t seed[16]);
uint64_t kv_dict_hash(const void *key, size_t len);

void kv_dict_init(kv_dict_t *d, kv_dict_key_pt key_of);
/* Frees the bucket arrays; entries are the caller's (free them first, e.g.
 * with kv_dict_clear's callback). The dict is empty and usable again. */
void kv_dict_free(kv_dict_t *d);
/* Unlink every entry, calling fn (may be NULL) on each; empty afterwards,
 * with its bucket arrays freed. fn may free the entry. */
void kv_dict_clear(kv_dict_t *d, void (*fn)(kv_dict_entry_t *e, void *arg),
                   void *arg);

static inline uint64_t kv_dict_size(const kv_dict_t *d)
{
    return d->ht[0].used + d->ht[1].used;
}

/* Find the entry with this key (hash = kv_dict_hash(key, len)). */
kv_dict_entry_t *kv_dict_find(kv_dict_t *d, const void *key, size_t len,
                              uint64_t hash);

/*
 * Link e (e->hash set by the caller, key not present: check with find
 * first). Returns KV_OK, or KV_ERROR when a bucket array could not be
 * allocated for growth (the entry is still inserted; the table is just
 * fuller than it should be). One exception: a dict without any bucket
 * array (new, cleared or freed) that cannot get its first one returns
 * KV_ERROR with e NOT linked (kv_dict_overhead() is still 0 then).
 */
int kv_dict_add(kv_dict_t *d, kv_dict_entry_t *e);

/* Unlink and return the entry with this key, NULL when absent. */
kv_dict_entry_t *kv_dict_unlink(kv_dict_t *d, const void *key, size_t len,
                                uint64_t hash);

/*
 * Replace entry old (currently linked) with nw (same key, same hash) in
 * place, e.g. after the caller realloc'ed an entry. Must be called before
 * the old memory is touched again; cheap (walks one bucket).
 * Practical form: the caller passes the old address it had; the dict
 * compares pointers only.
 */
void kv_dict_relink(kv_dict_t *d, const kv_dict_entry_t *old,
                    kv_dict_entry_t *nw);

/* A uniformly-ish random entry (Redis's dictGetFairRandomKey quality is
 * enough), NULL when empty. rnd is the caller's PRNG output. */
kv_dict_entry_t *kv_dict_random(kv_dict_t *d, uint64_t (*rnd)(void));

/*
 * Visit the entries of one bucket position (in both tables while
 * rehashing) and return the next cursor; 0 when the scan is complete.
 * fn must not insert or delete (collect keys first if needed).
 */
uint64_t kv_dict_scan(kv_dict_t *d, uint64_t cursor,
                      void (*fn)(kv_dict_entry_t *e, void *arg), void *arg);

/* Do rehash steps for about ms milliseconds (or until done); returns 1 if
 * rehashing is still in progress. Both do nothing while pause_rehash > 0. */
int kv_dict_rehash_ms(kv_dict_t *d, int ms);
/* Do n bucket moves (visiting at most 10 * n empty buckets). Returns 1 if
 * rehashing is still in progress. */
int kv_dict_rehash(kv_dict_t *d, int n);

/* Ask for a shrink/grow check now (after many deletions). */
void kv_dict_resize_if_needed(kv_dict_t *d);

/*
 * Iterator over every entry (safe for deleting the current entry: the next
 * pointer is read before it is returned). Rehash is paused while it runs.
 */
typedef struct {
    kv_dict_t *d;
    int table;
    uint64_t index;
    kv_dict_entry_t *entry, *next;
} kv_dict_iter_t;

void kv_dict_iter_init(kv_dict_iter_t *it, kv_dict_t *d);
kv_dict_entry_t *kv_dict_iter_next(kv_dict_iter_t *it);
void kv_dict_iter_done(kv_dict_iter_t *it);

/* Memory the bucket arrays use, for INFO. */
size_t kv_dict_overhead(const kv_dict_t *d);

#endif /* KV_DICT_H */
