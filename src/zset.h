/*
 * zset.h: the sorted set value, in its two encodings, for t_zset.c.
 *
 *   KV_ZSET_LISTPACK   v.ptr is a listpack of member, score, member,
 *                      score ... ordered by score, then member; a score is
 *                      kept as the text Redis's listpack holds: an integral
 *                      score within +-2^62 as an integer (so -0 reads back
 *                      as 0, as in Redis), others as d2string() writes
 *                      them ("1.5", "0.10000000000000001", "inf")
 *                      ("listpack").
 *   KV_ZSET_SKIPLIST   v.ptr is a kv_zset_t: a skip list with spans (rank
 *                      in O(log n)) whose nodes are also the entries of a
 *                      member -> node dict; one allocation a member
 *                      ("skiplist").
 *
 * A node:
 *
 *   kv_dict_entry_t de     next in the dict's bucket, cached hash
 *   double score
 *   backward               the previous node (level 0), NULL at the head
 *   mlen, height
 *   level[height]          forward pointer and span on each level
 *   member bytes
 *
 * A sorted set is created as a listpack (unless zset-max-listpack-entries
 * is 0 or its first member is too long) and converted for good to a skip
 * list when an insert would make it longer than zset-max-listpack-entries
 * or the member is longer than zset-max-listpack-value. Only the results
 * of ZUNIONSTORE and friends are built as skip lists and converted to a
 * listpack when small, as Redis 7.0 does.
 */
#ifndef KV_ZSET_H
#define KV_ZSET_H

#include "db.h"
#include "listpack.h"

enum { KV_ZSET_LISTPACK = 0, KV_ZSET_SKIPLIST = 1 };

/* Redis's ZSKIPLIST_MAXLEVEL and ZSKIPLIST_P. */
#define KV_ZSL_MAXLEVEL 32
#define KV_ZSL_P 0.25

/* Room for any score d2string() or "%.17g" writes. */
#define KV_ZSET_SCORE_MAX 64

typedef struct kv_zsl_node_s kv_zsl_node_t;

typedef struct {
    kv_zsl_node_t *forward;
    unsigned long span;
} kv_zsl_level_t;

struct kv_zsl_node_s {
    kv_dict_entry_t de;
    double score;
    kv_zsl_node_t *backward;
    uint32_t mlen;
    uint8_t height;
    kv_zsl_level_t level[];
};

/*
 * db.c frees a value knowing only its pointer: a listpack's first word is
 * its byte count (at least 8), tag is 0.
 */
typedef struct {
    uint32_t tag;
    int level;
    unsigned long length;
    kv_zsl_node_t *header, *tail;
    kv_dict_t dict;
} kv_zset_t;

static inline const char *kv_zsl_member(const kv_zsl_node_t *n)
{
    return (const char *) (n->level + n->height);
}

/* ZADD's options in (Redis's ZADD_IN_*) and what it did (ZADD_OUT_*). */
#define KV_ZADD_IN_INCR 0x01
#define KV_ZADD_IN_NX 0x02
#define KV_ZADD_IN_XX 0x04
#define KV_ZADD_IN_GT 0x08
#define KV_ZADD_IN_LT 0x10

#define KV_ZADD_OUT_NOP 0x01
#define KV_ZADD_OUT_NAN 0x02
#define KV_ZADD_OUT_ADDED 0x04
#define KV_ZADD_OUT_UPDATED 0x08

/* A score interval (zrangespec). */
typedef struct {
    double min, max;
    int minex, maxex;
} kv_zrange_t;

/* A member interval (zlexrangespec); a bound of kind -1 is "-", +1 "+". */
typedef struct {
    const char *min, *max;
    size_t minlen, maxlen;
    int minex, maxex;
    int minkind, maxkind;
} kv_zlex_t;

/* One element as the commands see it. */
typedef struct {
    const char *m;
    size_t mlen;
    double score;
} kv_zelem_t;

/* Redis's d2string(): the text of a score in a listpack. */
size_t kv_zset_d2str(char *buf, size_t len, double v);
/* d2string(): -0 as "-0" (ZSCAN of a skip list). */
size_t kv_zset_d2string(char *buf, size_t len, double v);
/* A listpack score back to a double. */
double kv_zset_lp_score(const char *p, size_t len);

int kv_zset_score_gte_min(double v, const kv_zrange_t *r);
int kv_zset_score_lte_max(double v, const kv_zrange_t *r);
int kv_zset_lex_gte_min(const char *m, size_t len, const kv_zlex_t *r);
int kv_zset_lex_lte_max(const char *m, size_t len, const kv_zlex_t *r);
/* Whether the interval can contain anything at all. */
int kv_zrange_empty(const kv_zrange_t *r);
int kv_zlex_empty(const kv_zlex_t *r);

/* The settings. */
size_t kv_zset_max_entries(void);
size_t kv_zset_max_value(void);

/* New empty values; NULL when out of memory. */
kv_lp_t *kv_zset_lp_new(void);
kv_zset_t *kv_zset_sl_new(void);
void kv_zset_sl_free(kv_zset_t *zs);

/* A new empty sorted set for a first member of len bytes (size_hint
 * members expected), as Redis's ZADD and ZRANGESTORE pick the encoding. */
void *kv_zset_create(size_t size_hint, size_t len, uint8_t *enc);

unsigned long kv_zset_len(const kv_key_t *k);
/* zsetConvert(): KV_ERROR (unchanged) when out of memory. */
int kv_zset_convert(kv_key_t *k, uint8_t enc);
/* zsetConvertToListpackIfNeeded(): a skip list that fits the settings
 * becomes a listpack (maxlen: its longest member, total: all members). */
void kv_zset_convert_if_small(kv_key_t *k, size_t maxlen, size_t total);

/* The score of a member: 1 found. */
int kv_zset_score(const kv_key_t *k, const char *m, size_t mlen, double *s);
/*
 * zsetAdd(): 1 done (out_flags say what), 0 the score would be NaN
 * (KV_ZADD_OUT_NAN), -1 out of memory. k->v.ptr and k->enc may change.
 */
int kv_zset_add(kv_key_t *k, double score, const char *m, size_t mlen,
                int in_flags, int *out_flags, double *newscore);
/* Remove a member: 1 removed. */
int kv_zset_del(kv_key_t *k, const char *m, size_t mlen);
/* 0-based rank, -1 when absent. */
long kv_zset_rank(const kv_key_t *k, const char *m, size_t mlen, int reverse);

/* Remove the elements of ranks [start, end] (0-based, inclusive, in
 * range), or in a score or member interval; return how many. */
unsigned long kv_zset_del_rank(kv_key_t *k, unsigned long start,
                               unsigned long end);
unsigned long kv_zset_del_score(kv_key_t *k, const kv_zrange_t *r);
unsigned long kv_zset_del_lex(kv_key_t *k, const kv_zlex_t *r);

/*
 * A read cursor over the elements in order, either direction. For a
 * listpack it holds every element parsed once (listpacks are small), for
 * a skip list a node.
 */
typedef struct {
    const kv_key_t *k;
    kv_zelem_t *v; /* listpack */
    unsigned long n;
    long i;
    kv_zsl_node_t *x; /* skip list */
} kv_zcur_t;

int kv_zcur_init(kv_zcur_t *cur, const kv_key_t *k);
void kv_zcur_done(kv_zcur_t *cur);
int kv_zcur_valid(const kv_zcur_t *cur);
void kv_zcur_get(const kv_zcur_t *cur, kv_zelem_t *e);
void kv_zcur_next(kv_zcur_t *cur);
void kv_zcur_prev(kv_zcur_t *cur);
/* Position on the element of a rank (0-based, < length). */
void kv_zcur_seek_rank(kv_zcur_t *cur, unsigned long rank);
/* Position on the first (last) element in an interval; 0 when none. */
int kv_zcur_first_in_range(kv_zcur_t *cur, const kv_zrange_t *r);
int kv_zcur_last_in_range(kv_zcur_t *cur, const kv_zrange_t *r);
int kv_zcur_first_in_lex(kv_zcur_t *cur, const kv_zlex_t *r);
int kv_zcur_last_in_lex(kv_zcur_t *cur, const kv_zlex_t *r);
/* The 0-based rank of the current element. */
unsigned long kv_zcur_rank(const kv_zcur_t *cur);

/* Building a skip list directly (ZUNIONSTORE and friends): insert a
 * member that is not there yet; KV_ERROR when out of memory. */
int kv_zset_sl_insert(kv_zset_t *zs, double score, const char *m, size_t mlen);
/* ZUNION's accumulator: members go to zs's dict only, their scores are
 * updated in place (kv_zset_acc_find), and kv_zset_acc_link() puts them
 * all in the skip list at the end (call it before freeing zs, too). */
kv_zsl_node_t *kv_zset_acc_find(kv_zset_t *zs, const char *m, size_t mlen,
                                uint64_t hash);
kv_zsl_node_t *kv_zset_acc_add(kv_zset_t *zs, double score, const char *m,
                               size_t mlen, uint64_t hash);
void kv_zset_acc_link(kv_zset_t *zs);

extern const kv_type_ops_t kv_zset_type;

#endif /* KV_ZSET_H */
