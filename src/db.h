/*
 * db.h: the keyspace of one shard: `databases` numbered databases, each a
 * dict of keys with their values, plus the index of keys that have a TTL.
 *
 * A key and its value live in one allocation, a kv_key_t:
 *
 *   offset  0  kv_dict_entry_t   next in bucket, cached 64-bit hash   16
 *          16  keylen            uint32                                4
 *          20  type, enc, flags, spare                                 4
 *          24  lru               access clock (seconds, 32 bits)       4
 *          28  vlen              length of a string value              4
 *          32  v                 int64, or pointer to the value        8
 *          40  [expire]          only when KV_KEY_VOLATILE: int64 ms  16
 *              [vidx]            and the slot in db->vol (uint32)
 *          ..  key bytes (keylen)
 *          ..  value bytes       only for KV_ENC_EMBSTR (vlen)
 *
 * So a 16-byte key with a 16-byte value is one 72-byte allocation.
 * Adding or removing a TTL, or changing an embedded value, reallocates the
 * entry (but a SET of an int over an int, or of an embedded value over
 * one as long, rewrites it in place); kv_dict_relink() and db->vol are
 * then updated, and callers always use the kv_key_t * returned to them,
 * never an older one.
 *
 * Strings: KV_ENC_INT (v.i, like Redis's "int" encoding), KV_ENC_EMBSTR
 * (bytes after the key, up to KV_EMBSTR_MAX, "embstr"), KV_ENC_RAW (v.ptr
 * to a separate buffer of vlen bytes, "raw"; its capacity is the
 * allocator's usable size, so APPEND grows in place).
 *
 * Expiry: lazy (every lookup of an expired key deletes it) plus active
 * (kv_db_active_expire() samples db->vol, Redis's adaptive cycle).
 */
#ifndef KV_DB_H
#define KV_DB_H

#include "dict.h"

enum {
    KV_TYPE_STRING = 0,
    KV_TYPE_LIST,
    KV_TYPE_SET,
    KV_TYPE_ZSET,
    KV_TYPE_HASH,
    KV_TYPE_STREAM
};

enum { KV_ENC_INT = 0, KV_ENC_EMBSTR, KV_ENC_RAW };

#define KV_KEY_VOLATILE 0x01

/* Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: "embstr" up to 44 bytes. */
#define KV_EMBSTR_MAX 44
/* Largest string value: proto-max-bulk-len caps it further. */
#define KV_STRING_MAX (512LL * 1024 * 1024)

typedef struct {
    kv_dict_entry_t de;
    uint32_t keylen;
    uint8_t type;
    uint8_t enc;
    uint8_t flags;
    uint8_t spare;
    uint32_t lru;
    uint32_t vlen;
    union {
        int64_t i;
        void *ptr;
    } v;
} kv_key_t;

typedef struct {
    int64_t expire;
    uint32_t vidx;
    uint32_t spare;
} kv_key_ttl_t;

struct kv_buf_s;

/*
 * What db.c needs to know about a value type other than strings. Each
 * type file (t_hash.c, t_list.c ...) defines one of these and registers
 * it in kv_types[] (db.c). A non-string value is always a pointer, v.ptr,
 * and the entry's enc byte is the type's own encoding number.
 *
 *   free      release the value
 *   dup       a deep copy (COPY), NULL when out of memory
 *   encoding  the name OBJECT ENCODING prints for enc ("listpack" ...)
 *   dump      append a self-contained serialization of the value to out,
 *             for moving it between shards ("@dump"); KV_ERROR on OOM
 *   restore   rebuild a value from dump's bytes; sets *enc; NULL if the
 *             bytes are bad or memory is short
 */
typedef struct kv_type_ops_s {
    const char *name;
    void (*free)(void *ptr);
    void *(*dup)(const void *ptr, uint8_t enc);
    const char *(*encoding)(uint8_t enc);
    int (*dump)(const void *ptr, uint8_t enc, struct kv_buf_s *out);
    void *(*restore)(const char *p, size_t len, uint8_t *enc);
} kv_type_ops_t;

/* Indexed by KV_TYPE_*; NULL for types not built in yet. */
extern const kv_type_ops_t *const kv_types[];

/* The types (each in its t_*.c). */
extern const kv_type_ops_t kv_list_type;
extern const kv_type_ops_t kv_set_type;
extern const kv_type_ops_t kv_hash_type;
extern const kv_type_ops_t kv_zset_type;

typedef struct {
    kv_dict_t dict;
    kv_key_t **vol; /* keys with a TTL, for active expiry */
    uint32_t nvol, capvol;
    long long avg_ttl; /* estimated, ms, as INFO keyspace shows it */
    int id;
} kv_db_t;

/* Create the databases of this shard. */
int kv_db_init(int ndbs);

/*
 * A private database no client can SELECT: cross-shard commands gather
 * copies of their keys here, run the ordinary implementation, and write
 * the results back (xshard.c). Always empty between commands.
 */
kv_db_t *kv_db_scratch(void);
void kv_db_free_all(void);
int kv_db_count(void);
kv_db_t *kv_db_get(int id);

static inline kv_key_ttl_t *kv_key_ttl(kv_key_t *k)
{
    return (kv_key_ttl_t *) (k + 1);
}

static inline char *kv_key_name(kv_key_t *k)
{
    return (char *) (k + 1) +
           ((k->flags & KV_KEY_VOLATILE) ? sizeof(kv_key_ttl_t) : 0);
}

static inline int64_t kv_key_expire(kv_key_t *k)
{
    return (k->flags & KV_KEY_VOLATILE) ? kv_key_ttl(k)->expire : -1;
}

/* The value of a string key as bytes; ints are formatted into buf. */
const char *kv_key_str(kv_key_t *k, char buf[32], size_t *len);

/*
 * The current time for expiry decisions, cached like Redis's mstime so one
 * command sees one instant. Reading the clock is not free (a vDSO call; on
 * some virtual machines a good share of a pipelined GET), so commands run
 * in one loop turn share it: kv_db_clock_turn() at the start of a turn
 * marks it stale, and kv_db_clock_command() before each command reads the
 * clock again when it is stale or KV_CLOCK_COMMANDS commands used it.
 * kv_db_update_clock() reads it now.
 */
#define KV_CLOCK_COMMANDS 16
extern int kv_clock_uses;
int64_t kv_db_now(void);
void kv_db_update_clock(void);

static inline void kv_db_clock_turn(void)
{
    kv_clock_uses = KV_CLOCK_COMMANDS;
}

static inline void kv_db_clock_command(void)
{
    if (++kv_clock_uses > KV_CLOCK_COMMANDS) {
        kv_db_update_clock();
    }
}

/*
 * Look a key up; an expired key is deleted and reported absent. The read
 * variant also updates the access clock (OBJECT IDLETIME).
 */
kv_key_t *kv_db_lookup(kv_db_t *db, const char *key, size_t len);
kv_key_t *kv_db_lookup_read(kv_db_t *db, const char *key, size_t len);

/* Delete a key; returns 1 when it existed. */
int kv_db_delete(kv_db_t *db, const char *key, size_t len);
/* Delete an entry already looked up. */
void kv_db_delete_key(kv_db_t *db, kv_key_t *k);

/*
 * Store a string value for key, replacing any value (and type). keep_ttl
 * keeps an existing TTL, otherwise it is removed. Numbers that look like
 * canonical integers are stored as KV_ENC_INT, as Redis does. Returns the
 * entry, or NULL when out of memory.
 */
kv_key_t *kv_db_set_string(kv_db_t *db, const char *key, size_t len,
                           const char *val, size_t vlen, int keep_ttl);
kv_key_t *kv_db_set_int(kv_db_t *db, const char *key, size_t len, int64_t v,
                        int keep_ttl);
/* Replace the value of an existing string key in place (returns the entry,
 * which may have moved). */
kv_key_t *kv_db_update_string(kv_db_t *db, kv_key_t *k, const char *val,
                              size_t vlen);
/* Make a string key KV_ENC_RAW with room for cap bytes, for APPEND and
 * SETRANGE. Returns the entry (may move) or NULL when out of memory. */
kv_key_t *kv_db_make_raw(kv_db_t *db, kv_key_t *k, size_t cap);

/* Set (when >= 0) or remove (-1) a TTL. Returns the entry (may move). */
kv_key_t *kv_db_set_expire(kv_db_t *db, kv_key_t *k, int64_t when_ms);

/* Move an entry to another database (MOVE, SWAPDB helpers). */
void kv_db_unlink_key(kv_db_t *db, kv_key_t *k);
void kv_db_link_key(kv_db_t *db, kv_key_t *k);

/* Give k a new name in the same database (RENAME): the value moves, the
 * TTL stays. The destination must not exist. Returns the new entry. */
kv_key_t *kv_db_rename_key(kv_db_t *db, kv_key_t *k, const char *name,
                           size_t len);

/* The length of a string value in bytes (digits for ints). */
size_t kv_key_strlen(kv_key_t *k);

/*
 * Store a non-string value (ownership of ptr passes to the keyspace),
 * replacing any value; the TTL is removed. NULL when out of memory (ptr
 * is then freed).
 */
kv_key_t *kv_db_set_value(kv_db_t *db, const char *key, size_t len,
                          uint8_t type, uint8_t enc, void *ptr);

/* The OBJECT ENCODING name of any key. */
const char *kv_key_encoding(const kv_key_t *k);

/* A deep copy of k under a new name (COPY). */
kv_key_t *kv_db_dup_key(kv_key_t *k, const char *name, size_t len);

void kv_db_flush(kv_db_t *db);
void kv_db_swap(kv_db_t *a, kv_db_t *b);

/* Active expiry: spend about budget_us; returns keys expired. */
unsigned long kv_db_active_expire(int64_t budget_us);
/* Incremental rehash for about ms per database, from the cron. */
void kv_db_cron_rehash(int ms);

/* Free a value (not the entry). */
void kv_key_free_value(kv_key_t *k);
void kv_key_free(kv_key_t *k);

/* Stats for INFO. */
extern unsigned long long kv_stat_expired_keys;
extern unsigned long long kv_stat_keyspace_hits;
extern unsigned long long kv_stat_keyspace_misses;

/* Redis's LRU clock in seconds (24 bits in Redis; we keep 32). */
uint32_t kv_lru_clock(void);

/* The shard PRNG (xorshift64*), for sampling and RANDOMKEY. */
uint64_t kv_random64(void);

#endif /* KV_DB_H */
