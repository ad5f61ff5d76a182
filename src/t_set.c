/*
 * t_set.c: the set commands, after Redis 7.0's t_set.c: the same order of
 * argument checks, key lookups and type checks, the same error texts and
 * the same encodings (set.h), including a result's.
 *
 * Commands that build a new set (SINTERSTORE, SUNION, SDIFF, the
 * whole-set SPOP, SPOP's "keep the rest" strategy) start from an intset
 * and add members one by one exactly as Redis does, so the result's
 * encoding, and for an intset result the order of the reply, are Redis's.
 *
 * A set never stays empty: the command that removes its last member
 * deletes the key.
 */
#include "cmd.h"

#include <ctype.h>

#include "alloc.h"
#include "db.h"
#include "set.h"

/* Algorithms of Redis's SPOP / SRANDMEMBER: the same ratios decide, since
 * they decide the encoding SPOP leaves behind. */
#define KV_SPOP_MOVE_STRATEGY_MUL 5
#define KV_SRANDMEMBER_SUB_STRATEGY_MUL 3

enum { KV_SET_OP_UNION, KV_SET_OP_DIFF };

/* A member kept aside by reference: its bytes, or for an intset's member
 * (p NULL) its value. */
typedef struct {
    const char *p;
    size_t len;
    int64_t v;
} kv_set_ref_t;

/* ---- helpers ------------------------------------------------------------ */

static void kv_set_reply_elem(kv_client_t *c, const kv_set_elem_t *e)
{
    kv_reply_bulk(c, e->p, e->len);
}

/* Every member, as an array. */
static void kv_set_reply_all(kv_client_t *c, kv_set_t *s)
{
    kv_set_iter_t it;
    kv_set_elem_t e;

    kv_reply_array(c, (long long) kv_set_size(s));
    kv_set_iter_init(&it, s);
    while (kv_set_iter_next(&it, &e)) {
        kv_set_reply_elem(c, &e);
    }
    kv_set_iter_done(&it);
}

/*
 * The key's value when it is a set (NULL when the key does not exist);
 * KV_ERROR, with the WRONGTYPE reply sent, when it is something else.
 * read: a read command's lookup (access time, hit/miss statistics).
 */
static int kv_set_lookup(kv_client_t *c, const kv_str_t *key, int read,
                         kv_key_t **out)
{
    kv_key_t *k = read ? kv_db_lookup_read(c->db, key->p, key->len)
                       : kv_db_lookup(c->db, key->p, key->len);

    *out = k;
    if (k != NULL && k->type != KV_TYPE_SET) {
        kv_reply_wrongtype(c);
        return KV_ERROR;
    }
    return KV_OK;
}

/* Store s at key (replacing any value, dropping any TTL) and reply its
 * size, or delete key and reply 0 when s is empty: the end of every
 * *STORE command. */
static void kv_set_store_result(kv_client_t *c, const kv_str_t *key,
                                kv_set_t *s)
{
    uint64_t n = kv_set_size(s);

    if (n > 0) {
        if (kv_db_set_value(c->db, key->p, key->len, KV_TYPE_SET, s->enc,
                            s->ptr) == NULL) {
            kv_reply_oom(c); /* s was freed */
            return;
        }
        kv_reply_int(c, (long long) n);
    } else {
        kv_set_free(s);
        (void) kv_db_delete(c->db, key->p, key->len);
        kv_reply_int(c, 0);
    }
    kv_keyspace_changed(c);
}

/* ---- SADD SREM SCARD SISMEMBER SMISMEMBER ------------------------------ */

void kv_cmd_sadd(kv_client_t *c)
{
    const kv_str_t *key = &c->argv[1];
    kv_key_t *k;
    kv_set_t s;
    long long added = 0;
    int oom = 0;

    if (kv_set_lookup(c, key, 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        if (kv_set_init_for(&s, c->argv[2].p, c->argv[2].len) != KV_OK) {
            kv_reply_oom(c);
            return;
        }
    } else {
        kv_set_load(&s, k);
    }
    for (int j = 2; j < c->argc; j++) {
        int rc = kv_set_add(&s, c->argv[j].p, c->argv[j].len);
        if (rc < 0) {
            oom = 1;
            break;
        }
        added += rc;
    }
    if (k != NULL) {
        kv_set_store(k, &s);
    } else if (added == 0) {
        kv_set_free(&s);
    } else if (kv_db_set_value(c->db, key->p, key->len, KV_TYPE_SET, s.enc,
                               s.ptr) == NULL) {
        kv_reply_oom(c);
        return;
    }
    if (added > 0) {
        kv_keyspace_changed(c);
    }
    if (oom) {
        kv_reply_oom(c);
    } else {
        kv_reply_int(c, added);
    }
}

void kv_cmd_srem(kv_client_t *c)
{
    kv_key_t *k;
    kv_set_t s;
    long long deleted = 0;

    if (kv_set_lookup(c, &c->argv[1], 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    kv_set_load(&s, k);
    for (int j = 2; j < c->argc; j++) {
        if (kv_set_remove(&s, c->argv[j].p, c->argv[j].len)) {
            deleted++;
            kv_set_store(k, &s);
            if (kv_set_size(&s) == 0) {
                kv_db_delete_key(c->db, k);
                k = NULL;
                break;
            }
        }
    }
    if (k != NULL) {
        kv_set_store(k, &s);
    }
    if (deleted > 0) {
        kv_keyspace_changed(c);
    }
    kv_reply_int(c, deleted);
}

void kv_cmd_scard(kv_client_t *c)
{
    kv_key_t *k;
    kv_set_t s;

    if (kv_set_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    kv_set_load(&s, k);
    kv_reply_int(c, (long long) kv_set_size(&s));
}

void kv_cmd_sismember(kv_client_t *c)
{
    kv_key_t *k;
    kv_set_t s;

    if (kv_set_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    kv_set_load(&s, k);
    kv_reply_int(c, kv_set_has(&s, c->argv[2].p, c->argv[2].len));
}

/* A missing key is an empty set: all zeros. */
void kv_cmd_smismember(kv_client_t *c)
{
    kv_key_t *k;
    kv_set_t s;

    if (kv_set_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k != NULL) {
        kv_set_load(&s, k);
    }
    kv_reply_array(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        kv_reply_int(c,
                     k != NULL && kv_set_has(&s, c->argv[j].p, c->argv[j].len));
    }
}

/* ---- SMOVE ------------------------------------------------------------- */

void kv_cmd_smove(kv_client_t *c)
{
    const kv_str_t *ele = &c->argv[3];
    kv_key_t *src, *dst;
    kv_set_t s, d;
    int rc;

    src = kv_db_lookup(c->db, c->argv[1].p, c->argv[1].len);
    dst = kv_db_lookup(c->db, c->argv[2].p, c->argv[2].len);
    if (src == NULL) {
        kv_reply_int(c, 0);
        return;
    }
    if (src->type != KV_TYPE_SET || (dst != NULL && dst->type != KV_TYPE_SET)) {
        kv_reply_wrongtype(c);
        return;
    }
    kv_set_load(&s, src);
    if (src == dst) {
        kv_reply_int(c, kv_set_has(&s, ele->p, ele->len));
        return;
    }
    if (!kv_set_remove(&s, ele->p, ele->len)) {
        kv_reply_int(c, 0);
        return;
    }
    kv_set_store(src, &s);
    if (kv_set_size(&s) == 0) {
        kv_db_delete_key(c->db, src);
    }
    kv_keyspace_changed(c);
    if (dst == NULL) {
        if (kv_set_init_for(&d, ele->p, ele->len) != KV_OK ||
            kv_set_add(&d, ele->p, ele->len) < 0) {
            kv_set_free(&d);
            kv_reply_oom(c);
            return;
        }
        if (kv_db_set_value(c->db, c->argv[2].p, c->argv[2].len, KV_TYPE_SET,
                            d.enc, d.ptr) == NULL) {
            kv_reply_oom(c);
            return;
        }
    } else {
        kv_set_load(&d, dst);
        rc = kv_set_add(&d, ele->p, ele->len);
        kv_set_store(dst, &d);
        if (rc < 0) {
            kv_reply_oom(c);
            return;
        }
    }
    kv_reply_int(c, 1);
}

/* ---- SINTER SINTERCARD SINTERSTORE SMEMBERS ----------------------------- */

/* Redis sorts the sets by size with qsort(), which for a handful of sets
 * keeps equal sizes in order: a stable insertion sort does the same. */
static void kv_set_sort_by_size(kv_set_t *sets, long n)
{
    for (long i = 1; i < n; i++) {
        kv_set_t cur = sets[i];
        uint64_t sz = kv_set_size(&cur);
        long j = i;

        while (j > 0 && kv_set_size(&sets[j - 1]) > sz) {
            sets[j] = sets[j - 1];
            j--;
        }
        sets[j] = cur;
    }
}

/*
 * sinterGenericCommand(): the intersection of the sets at keys[0 .. n),
 * replied, counted (card_only, up to limit when limit > 0) or stored at
 * dst. A missing key makes the result empty, but every key is still
 * type-checked first.
 */
static void kv_sinter_generic(kv_client_t *c, const kv_str_t *keys, long n,
                              const kv_str_t *dst, long long limit,
                              int card_only)
{
    kv_set_t *sets = kv_malloc(sizeof(kv_set_t) * (size_t) n), result;
    long long card = 0;
    kv_set_iter_t it;
    kv_set_elem_t e;
    size_t mark = 0;
    int empty = 0, oom = 0;

    if (sets == NULL) {
        kv_reply_oom(c);
        return;
    }
    for (long j = 0; j < n; j++) {
        kv_key_t *k;

        if (kv_set_lookup(c, &keys[j], dst == NULL, &k) != KV_OK) {
            kv_free(sets);
            return;
        }
        if (k == NULL) {
            empty++;
            sets[j].ptr = NULL;
            continue;
        }
        kv_set_load(&sets[j], k);
    }
    if (empty > 0) {
        kv_free(sets);
        if (dst != NULL) {
            if (kv_db_delete(c->db, dst->p, dst->len)) {
                kv_keyspace_changed(c);
            }
            kv_reply_int(c, 0);
        } else if (card_only) {
            kv_reply_int(c, 0);
        } else {
            kv_reply_array(c, 0);
        }
        return;
    }
    kv_set_sort_by_size(sets, n);
    if (dst != NULL) {
        if (kv_set_init(&result, KV_SET_ENC_INTSET) != KV_OK) {
            kv_free(sets);
            kv_reply_oom(c);
            return;
        }
    } else if (!card_only) {
        mark = kv_reply_deferred_len(c);
    }
    /* Each member of the smallest set, tested against the others. */
    kv_set_iter_init(&it, &sets[0]);
    while (kv_set_iter_next(&it, &e)) {
        long j;

        for (j = 1; j < n; j++) {
            if (sets[j].ptr == sets[0].ptr) {
                continue;
            }
            if (!kv_set_has_elem(&sets[j], &e)) {
                break;
            }
        }
        if (j < n) {
            continue;
        }
        if (card_only) {
            card++;
            if (limit > 0 && card >= limit) {
                break;
            }
        } else if (dst == NULL) {
            kv_set_reply_elem(c, &e);
            card++;
        } else if (kv_set_add_elem(&result, &e) < 0) {
            oom = 1;
            break;
        }
    }
    kv_set_iter_done(&it);
    kv_free(sets);

    if (card_only) {
        kv_reply_int(c, card);
    } else if (dst != NULL) {
        if (oom) {
            kv_set_free(&result);
            kv_reply_oom(c);
            return;
        }
        kv_set_store_result(c, dst, &result);
    } else {
        kv_reply_set_deferred_len(c, mark, '*', card);
    }
}

void kv_cmd_smembers(kv_client_t *c)
{
    kv_sinter_generic(c, &c->argv[1], 1, NULL, 0, 0);
}

void kv_cmd_sinter(kv_client_t *c)
{
    kv_sinter_generic(c, &c->argv[1], c->argc - 1, NULL, 0, 0);
}

void kv_cmd_sinterstore(kv_client_t *c)
{
    kv_sinter_generic(c, &c->argv[2], c->argc - 2, &c->argv[1], 0, 0);
}

/* SINTERCARD numkeys key [key ...] [LIMIT limit] */
void kv_cmd_sintercard(kv_client_t *c)
{
    long long numkeys, limit = 0;

    if (!kv_string2ll(c->argv[1].p, c->argv[1].len, &numkeys) || numkeys < 1) {
        kv_reply_error(c, "numkeys should be greater than 0");
        return;
    }
    if (numkeys > c->argc - 2) {
        kv_reply_error(c, "Number of keys can't be greater than number of "
                          "args");
        return;
    }
    for (long long j = 2 + numkeys; j < c->argc; j++) {
        int moreargs = c->argc - 1 - (int) j;

        if (kv_arg_is(&c->argv[j], "limit") && moreargs > 0) {
            j++;
            if (!kv_string2ll(c->argv[j].p, c->argv[j].len, &limit) ||
                limit < 0) {
                kv_reply_error(c, "LIMIT can't be negative");
                return;
            }
        } else {
            kv_reply_error(c, "syntax error");
            return;
        }
    }
    kv_sinter_generic(c, &c->argv[2], (long) numkeys, NULL, limit, 1);
}

/* ---- SUNION SUNIONSTORE SDIFF SDIFFSTORE -------------------------------- */

/*
 * sunionDiffGenericCommand(): missing keys are empty sets. The result is
 * built in a new set (starting as an intset, like Redis's), then replied
 * or stored at dst. SDIFF picks Redis's algorithm by the same estimate:
 * it decides whether the result ever held all of the first set, so its
 * encoding.
 */
static void kv_sunion_diff_generic(kv_client_t *c, const kv_str_t *keys, long n,
                                   const kv_str_t *dst, int op)
{
    kv_set_t *sets = kv_malloc(sizeof(kv_set_t) * (size_t) n), result;
    long long card = 0;
    kv_set_iter_t it;
    kv_set_elem_t e;
    int algo = 1, oom = 0;

    if (sets == NULL) {
        kv_reply_oom(c);
        return;
    }
    for (long j = 0; j < n; j++) {
        kv_key_t *k;

        if (kv_set_lookup(c, &keys[j], dst == NULL, &k) != KV_OK) {
            kv_free(sets);
            return;
        }
        if (k == NULL) {
            sets[j].ptr = NULL;
        } else {
            kv_set_load(&sets[j], k);
        }
    }
    if (op == KV_SET_OP_DIFF && sets[0].ptr != NULL) {
        long long one = 0, two = 0;

        for (long j = 0; j < n; j++) {
            if (sets[j].ptr != NULL) {
                one += (long long) kv_set_size(&sets[0]);
                two += (long long) kv_set_size(&sets[j]);
            }
        }
        /* Algorithm 1 has better constants: Redis halves its cost. */
        one /= 2;
        algo = one <= two ? 1 : 2;
    }
    if (kv_set_init(&result, KV_SET_ENC_INTSET) != KV_OK) {
        kv_free(sets);
        kv_reply_oom(c);
        return;
    }
    if (op == KV_SET_OP_UNION) {
        for (long j = 0; j < n && !oom; j++) {
            if (sets[j].ptr == NULL) {
                continue;
            }
            kv_set_iter_init(&it, &sets[j]);
            while (kv_set_iter_next(&it, &e)) {
                int rc = kv_set_add_elem(&result, &e);
                if (rc < 0) {
                    oom = 1;
                    break;
                }
                card += rc;
            }
            kv_set_iter_done(&it);
        }
    } else if (sets[0].ptr != NULL && algo == 1) {
        /* Each member of the first set not in any other. */
        kv_set_iter_init(&it, &sets[0]);
        while (kv_set_iter_next(&it, &e)) {
            long j;

            for (j = 1; j < n; j++) {
                if (sets[j].ptr == NULL) {
                    continue;
                }
                if (sets[j].ptr == sets[0].ptr ||
                    kv_set_has_elem(&sets[j], &e)) {
                    break;
                }
            }
            if (j == n) {
                if (kv_set_add_elem(&result, &e) < 0) {
                    oom = 1;
                    break;
                }
                card++;
            }
        }
        kv_set_iter_done(&it);
    } else if (sets[0].ptr != NULL) {
        /* The first set, minus every member of the others. */
        for (long j = 0; j < n && !oom; j++) {
            if (sets[j].ptr == NULL) {
                continue;
            }
            kv_set_iter_init(&it, &sets[j]);
            while (kv_set_iter_next(&it, &e)) {
                if (j == 0) {
                    int rc = kv_set_add_elem(&result, &e);
                    if (rc < 0) {
                        oom = 1;
                        break;
                    }
                    card += rc;
                } else {
                    card -= kv_set_remove(&result, e.p, e.len);
                }
            }
            kv_set_iter_done(&it);
            if (card == 0) {
                break;
            }
        }
    }
    kv_free(sets);
    if (oom) {
        kv_set_free(&result);
        kv_reply_oom(c);
        return;
    }
    if (dst == NULL) {
        kv_set_reply_all(c, &result);
        kv_set_free(&result);
    } else {
        kv_set_store_result(c, dst, &result);
    }
}

void kv_cmd_sunion(kv_client_t *c)
{
    kv_sunion_diff_generic(c, &c->argv[1], c->argc - 1, NULL, KV_SET_OP_UNION);
}

void kv_cmd_sunionstore(kv_client_t *c)
{
    kv_sunion_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1],
                           KV_SET_OP_UNION);
}

void kv_cmd_sdiff(kv_client_t *c)
{
    kv_sunion_diff_generic(c, &c->argv[1], c->argc - 1, NULL, KV_SET_OP_DIFF);
}

void kv_cmd_sdiffstore(kv_client_t *c)
{
    kv_sunion_diff_generic(c, &c->argv[2], c->argc - 2, &c->argv[1],
                           KV_SET_OP_DIFF);
}

/* ---- SPOP SRANDMEMBER ---------------------------------------------------- */

/* SPOP key count: count >= 0 (getPositiveLongFromObjectOrReply). */
static void kv_spop_count(kv_client_t *c)
{
    const kv_str_t *key = &c->argv[1];
    unsigned long long count, size, remaining;
    long long l;
    kv_key_t *k;
    kv_set_t s, keep;
    kv_set_elem_t e;

    if (!kv_string2ll(c->argv[2].p, c->argv[2].len, &l) || l < 0) {
        kv_reply_error(c, "value is out of range, must be positive");
        return;
    }
    count = (unsigned long long) l;
    if (kv_set_lookup(c, key, 0, &k) != KV_OK) {
        return;
    }
    if (k == NULL || count == 0) {
        kv_reply_array(c, 0);
        return;
    }
    kv_set_load(&s, k);
    size = kv_set_size(&s);
    kv_keyspace_changed(c);

    /* The whole set: reply it as SUNION would, and delete the key. */
    if (count >= size) {
        kv_sunion_diff_generic(c, key, 1, NULL, KV_SET_OP_UNION);
        kv_db_delete_key(c->db, k);
        return;
    }
    remaining = size - count;

    /* Few to pop: pop them one by one. */
    if (remaining * KV_SPOP_MOVE_STRATEGY_MUL > count) {
        kv_reply_array(c, (long long) count);
        while (count-- > 0) {
            kv_set_random(&s, &e);
            kv_set_reply_elem(c, &e);
            kv_set_remove_elem(&s, &e);
        }
        kv_set_store(k, &s);
        return;
    }

    /* Most of the set: move the few that stay into a new set (which gets
     * the encoding Redis's would), reply what is left of the old one. */
    keep.ptr = NULL;
    for (; remaining > 0; remaining--) {
        kv_set_random(&s, &e);
        if ((keep.ptr == NULL && kv_set_init_for(&keep, e.p, e.len) != KV_OK) ||
            kv_set_add_elem(&keep, &e) < 0) {
            break;
        }
        kv_set_remove_elem(&s, &e);
    }
    if (remaining > 0) {
        /* Out of memory: put back what moved, pop nothing. */
        kv_set_iter_t it;

        if (keep.ptr != NULL) {
            kv_set_iter_init(&it, &keep);
            while (kv_set_iter_next(&it, &e)) {
                (void) kv_set_add_elem(&s, &e);
            }
            kv_set_iter_done(&it);
            kv_set_free(&keep);
        }
        kv_set_store(k, &s);
        kv_reply_oom(c);
        return;
    }
    kv_set_reply_all(c, &s);
    kv_set_free(&s);
    kv_set_store(k, &keep);
}

/*
 * SPOP key and SRANDMEMBER key (no count): reply with one random member
 * (null when there is no key); 1 when there was one, loaded in *s, *e
 * (*k the key). With a count, or a syntax error, the reply is made here
 * too and 0 returned.
 */
static int kv_set_pick_one(kv_client_t *c, int read,
                           void (*with_count)(kv_client_t *c), kv_key_t **k,
                           kv_set_t *s, kv_set_elem_t *e)
{
    if (c->argc == 3) {
        with_count(c);
        return 0;
    }
    if (c->argc > 3) {
        kv_reply_error(c, "syntax error");
        return 0;
    }
    if (kv_set_lookup(c, &c->argv[1], read, k) != KV_OK) {
        return 0;
    }
    if (*k == NULL) {
        kv_reply_null(c);
        return 0;
    }
    kv_set_load(s, *k);
    kv_set_random(s, e);
    kv_set_reply_elem(c, e);
    return 1;
}

void kv_cmd_spop(kv_client_t *c)
{
    kv_key_t *k;
    kv_set_t s;
    kv_set_elem_t e;

    if (!kv_set_pick_one(c, 0, kv_spop_count, &k, &s, &e)) {
        return;
    }
    kv_set_remove_elem(&s, &e);
    kv_set_store(k, &s);
    if (kv_set_size(&s) == 0) {
        kv_db_delete_key(c->db, k);
    }
    kv_keyspace_changed(c);
}

/* A random sample of count distinct members, count < size: as Redis, by
 * dropping random members from a copy when count is close to size, by
 * drawing until count distinct ones came up otherwise. */
static void kv_srandmember_distinct(kv_client_t *c, kv_set_t *s,
                                    unsigned long long count)
{
    unsigned long long size = kv_set_size(s);
    kv_set_t pick;
    kv_set_elem_t e;

    if (count * KV_SRANDMEMBER_SUB_STRATEGY_MUL > size) {
        /* A partial shuffle of references to the members. */
        kv_set_ref_t *refs = kv_malloc(sizeof(*refs) * size), t;
        unsigned long long i = 0;
        kv_set_iter_t it;

        if (refs == NULL) {
            kv_reply_oom(c);
            return;
        }
        kv_set_iter_init(&it, s);
        while (kv_set_iter_next(&it, &e)) {
            refs[i].p = e.is_int ? NULL : e.p;
            refs[i].len = e.len;
            refs[i++].v = e.v;
        }
        kv_set_iter_done(&it);
        kv_reply_array(c, (long long) count);
        for (i = 0; i < count; i++) {
            unsigned long long r = i + kv_random64() % (size - i);

            t = refs[r];
            refs[r] = refs[i];
            refs[i] = t;
            if (t.p != NULL) {
                kv_reply_bulk(c, t.p, t.len);
            } else {
                char buf[KV_SET_INT_BUF];
                kv_reply_bulk(c, buf, kv_ll2str(buf, t.v));
            }
        }
        kv_free(refs);
        return;
    }
    if (kv_set_init(&pick, KV_SET_ENC_HT) != KV_OK) {
        kv_reply_oom(c);
        return;
    }
    for (unsigned long long added = 0; added < count;) {
        int rc;

        kv_set_random(s, &e);
        rc = kv_set_add(&pick, e.p, e.len);
        if (rc < 0) {
            kv_set_free(&pick);
            kv_reply_oom(c);
            return;
        }
        added += (unsigned long long) rc;
    }
    kv_set_reply_all(c, &pick);
    kv_set_free(&pick);
}

/* SRANDMEMBER key count: distinct members for count >= 0, -count members
 * with repetitions for a negative count. */
static void kv_srandmember_count(kv_client_t *c)
{
    unsigned long long count, size;
    int uniq = 1;
    long long l;
    kv_key_t *k;
    kv_set_t s;
    kv_set_elem_t e;

    if (kv_get_long_or_reply(c, &c->argv[2], &l, NULL) != KV_OK) {
        return;
    }
    if (l < -LLONG_MAX) {
        kv_reply_errorf(c,
                        "value is out of range, value must between %lld "
                        "and %lld",
                        -LLONG_MAX, LLONG_MAX);
        return;
    }
    if (l >= 0) {
        count = (unsigned long long) l;
    } else {
        count = (unsigned long long) -l;
        uniq = 0;
    }
    if (kv_set_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k == NULL || count == 0) {
        kv_reply_array(c, 0);
        return;
    }
    kv_set_load(&s, k);
    size = kv_set_size(&s);
    if (!uniq || count == 1) {
        size_t mark = kv_reply_deferred_len(c);
        kv_reply_array(c, (long long) count);
        while (count-- > 0) {
            if ((count & 255) == 0 && kv_reply_too_large(c, mark)) {
                return;
            }
            kv_set_random(&s, &e);
            kv_set_reply_elem(c, &e);
        }
        return;
    }
    /* The whole set (in its own order: unlike SPOP, not via SUNION). */
    if (count >= size) {
        kv_set_reply_all(c, &s);
        return;
    }
    kv_srandmember_distinct(c, &s, count);
}

void kv_cmd_srandmember(kv_client_t *c)
{
    kv_key_t *k;
    kv_set_t s;
    kv_set_elem_t e;

    (void) kv_set_pick_one(c, 1, kv_srandmember_count, &k, &s, &e);
}

/* ---- SSCAN -------------------------------------------------------------- */

/*
 * parseScanCursorOrReply(): strtoul() semantics, which are looser than
 * string2ll's: a sign ("-1" wraps around), leading zeros, and the empty
 * string (0) are accepted; a leading space, other trailing bytes and
 * overflow are not. The argument ends at a NUL byte, as a C string.
 */
static int kv_sscan_cursor(const kv_str_t *a, uint64_t *out)
{
    const char *s = a->p, *nul = memchr(a->p, '\0', a->len);
    size_t len = nul != NULL ? (size_t) (nul - s) : a->len, i = 0;
    uint64_t v = 0;
    int neg = 0, digits = 0, range = 0;

    if (len > 0 && isspace((unsigned char) s[0])) {
        return KV_ERROR;
    }
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        unsigned d = (unsigned) (s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            range = 1;
        }
        v = v * 10 + d;
    }
    if (digits == 0) {
        /* strtoul() consumed nothing: the whole string is left over. */
        return len == 0 ? (*out = 0, KV_OK) : KV_ERROR;
    }
    if (i < len || range) {
        return KV_ERROR;
    }
    *out = neg ? (uint64_t) 0 - v : v;
    return KV_OK;
}

typedef struct {
    kv_set_ref_t *m;
    size_t n, cap;
    int oom;
} kv_sscan_acc_t;

static void kv_sscan_collect(const kv_set_elem_t *e, void *arg)
{
    kv_sscan_acc_t *acc = arg;

    if (acc->n == acc->cap) {
        size_t ncap = acc->cap ? acc->cap * 2 : 16;
        kv_set_ref_t *nm = kv_realloc(acc->m, sizeof(*nm) * ncap);
        if (nm == NULL) {
            acc->oom = 1;
            return;
        }
        acc->m = nm;
        acc->cap = ncap;
    }
    acc->m[acc->n].p = e->p;
    acc->m[acc->n++].len = e->len;
}

/* SSCAN key cursor [MATCH pattern] [COUNT count]: scanGenericCommand().
 * An intset is returned whole, with cursor 0, as Redis does. */
void kv_cmd_sscan(kv_client_t *c)
{
    const kv_str_t *pat = NULL;
    long long count = 10;
    uint64_t cursor;
    kv_sscan_acc_t acc = { NULL, 0, 0, 0 };
    char buf[KV_SET_INT_BUF];
    long long n = 0;
    size_t mark;
    kv_key_t *k;
    kv_set_t s;

    if (kv_sscan_cursor(&c->argv[2], &cursor) != KV_OK) {
        kv_reply_error(c, "invalid cursor");
        return;
    }
    if (kv_set_lookup(c, &c->argv[1], 1, &k) != KV_OK) {
        return;
    }
    if (k == NULL) {
        kv_scan_value_reply_head(c, 0, 0);
        return;
    }
    if (kv_scan_value_parse(c, 3, &pat, &count) != KV_OK) {
        return;
    }
    kv_set_load(&s, k);

    if (s.enc == KV_SET_ENC_INTSET) {
        kv_set_iter_t it;
        kv_set_elem_t e;

        kv_reply_array(c, 2);
        kv_reply_bulk(c, "0", 1);
        mark = kv_reply_deferred_len(c);
        kv_set_iter_init(&it, &s);
        while (kv_set_iter_next(&it, &e)) {
            if (kv_scan_value_match(pat, e.p, e.len)) {
                kv_set_reply_elem(c, &e);
                n++;
            }
        }
        kv_set_iter_done(&it);
        kv_reply_set_deferred_len(c, mark, '*', n);
        return;
    }
    {
        /* Redis's "long maxiterations = count * 10" wraps for huge counts
         * and its loop only stops when it reaches 0 exactly: the same. */
        uint64_t maxiter = (uint64_t) count * 10;

        do {
            cursor = kv_set_scan(&s, cursor, kv_sscan_collect, &acc);
        } while (cursor != 0 && maxiter-- != 0 && acc.n < (size_t) count &&
                 !acc.oom);
    }
    if (acc.oom) {
        kv_free(acc.m);
        kv_reply_oom(c);
        return;
    }
    kv_reply_array(c, 2);
    kv_reply_bulk(c, buf,
                  (size_t) snprintf(buf, sizeof(buf), "%llu",
                                    (unsigned long long) cursor));
    mark = kv_reply_deferred_len(c);
    for (size_t i = 0; i < acc.n; i++) {
        const kv_set_ref_t *m = &acc.m[i];
        if (kv_scan_value_match(pat, m->p, m->len)) {
            kv_reply_bulk(c, m->p, m->len);
            n++;
        }
    }
    kv_reply_set_deferred_len(c, mark, '*', n);
    kv_free(acc.m);
}
