/*
 * t_list.c: the list commands, after Redis 7.0's t_list.c: the same order
 * of argument checks, key lookups and type checks, the same error texts,
 * and the same nil / empty array / null array for missing keys. The value
 * itself is a quicklist (quicklist.h). The blocking commands (BLPOP,
 * BLMOVE ...) are not here yet.
 *
 * A list never stays empty: the command that removes its last element
 * deletes the key, as in Redis.
 */
#include "cmd.h"

#include "alloc.h"
#include "buf.h"
#include "db.h"
#include "quicklist.h"
#include "worker.h"

/* Elements up to this size are copied on the stack by LMOVE. */
#define KV_LIST_MOVE_STACK 256

/* What a command replies when its key does not exist. */
typedef enum {
    KV_LIST_MISS_NULL,      /* $-1 */
    KV_LIST_MISS_ZERO,      /* :0 */
    KV_LIST_MISS_EMPTY,     /* *0 */
    KV_LIST_MISS_NULLARRAY, /* *-1 */
    KV_LIST_MISS_OK,        /* +OK */
    KV_LIST_MISS_NOKEY      /* -ERR no such key */
} kv_list_miss_t;

static int kv_list_fill(void)
{
    return kv_worker.conf.list_max_listpack_size;
}

/* ---- the value type ------------------------------------------------------ */

static void kv_list_type_free(void *ptr)
{
    kv_list_free(ptr);
}

static void *kv_list_type_dup(const void *ptr, uint8_t enc)
{
    return kv_list_dup(ptr);
}

/* Redis 7.0 calls every list "quicklist", however small. */
static const char *kv_list_type_encoding(uint8_t enc)
{
    return "quicklist";
}

static int kv_list_type_dump(const void *ptr, uint8_t enc, kv_buf_t *out)
{
    return kv_list_dump(ptr, out);
}

static void *kv_list_type_restore(const char *p, size_t len, uint8_t *enc)
{
    kv_list_t *l = kv_list_restore(p, len, kv_list_fill());

    /* An empty list is not a value: the key would not exist. */
    if (l != NULL && kv_list_len(l) == 0) {
        kv_list_free(l);
        return NULL;
    }
    *enc = 0;
    return l;
}

const kv_type_ops_t kv_list_type = {
    "list",
    kv_list_type_free,
    kv_list_type_dup,
    kv_list_type_encoding,
    kv_list_type_dump,
    kv_list_type_restore,
};

/* ---- helpers ------------------------------------------------------------- */

static void kv_list_reply_missing(kv_client_t *c, kv_list_miss_t miss)
{
    switch (miss) {
    case KV_LIST_MISS_NULL:
        kv_reply_null(c);
        break;
    case KV_LIST_MISS_ZERO:
        kv_reply_int(c, 0);
        break;
    case KV_LIST_MISS_EMPTY:
        kv_reply_array(c, 0);
        break;
    case KV_LIST_MISS_NULLARRAY:
        kv_reply_array(c, -1);
        break;
    case KV_LIST_MISS_OK:
        kv_reply_ok(c);
        break;
    case KV_LIST_MISS_NOKEY:
        kv_reply_error(c, "no such key");
        break;
    }
}

/*
 * Redis's lookupKey{Read,Write}OrReply() + checkType(): the list at key,
 * or NULL once the reply for a missing key or WRONGTYPE is given.
 */
static kv_key_t *kv_list_lookup(kv_client_t *c, const kv_str_t *key, int write,
                                kv_list_miss_t miss)
{
    kv_key_t *k = write ? kv_db_lookup(c->db, key->p, key->len)
                        : kv_db_lookup_read(c->db, key->p, key->len);

    if (k == NULL) {
        kv_list_reply_missing(c, miss);
        return NULL;
    }
    if (k->type != KV_TYPE_LIST) {
        kv_reply_wrongtype(c);
        return NULL;
    }
    return k;
}

/* An element a list cannot hold (its node's byte count is 32 bits). */
static int kv_list_check_elements(kv_client_t *c, int first)
{
    for (int j = first; j < c->argc; j++) {
        if (c->argv[j].len > KV_LIST_ELEMENT_MAX) {
            kv_reply_error(c, "element too large for a list");
            return KV_ERROR;
        }
    }
    return KV_OK;
}

/* Redis's getListPositionFromObjectOrReply(): LEFT or RIGHT. */
static int kv_list_position(kv_client_t *c, const kv_str_t *a, int *where)
{
    if (kv_arg_is(a, "right")) {
        *where = KV_LIST_TAIL;
    } else if (kv_arg_is(a, "left")) {
        *where = KV_LIST_HEAD;
    } else {
        kv_reply_error(c, "syntax error");
        return KV_ERROR;
    }
    return KV_OK;
}

/* A positive (>= 0) integer argument, or msg for anything else. */
static int kv_list_positive(kv_client_t *c, const kv_str_t *a, long long *v,
                            const char *msg)
{
    if (!kv_string2ll(a->p, a->len, v) || *v < 0) {
        kv_reply_error(c, msg);
        return KV_ERROR;
    }
    return KV_OK;
}

/* The key's list after a command removed elements: gone when empty. */
static void kv_list_removed(kv_client_t *c, kv_key_t *k, kv_list_t *l)
{
    k->v.ptr = l;
    if (kv_list_len(l) == 0) {
        kv_db_delete_key(c->db, k);
    }
    kv_keyspace_changed(c);
}

/* addListRangeReply(): n elements from start, towards the tail, or from
 * start + n - 1 towards the head when reverse. */
static void kv_list_reply_range(kv_client_t *c, kv_list_t **lp, uint64_t start,
                                uint64_t n, int reverse)
{
    kv_list_iter_t it;
    const char *s;
    size_t len;

    kv_reply_array(c, (long long) n);
    if (n == 0) {
        return;
    }
    kv_list_iter_init(&it, lp, reverse ? start + n - 1 : start,
                      reverse ? KV_LIST_HEAD : KV_LIST_TAIL);
    while (n-- > 0 && kv_list_next(&it, &s, &len)) {
        kv_reply_bulk(c, s, len);
    }
}

/* Reply with up to count elements from one end and delete them (the
 * list's own key is left to the caller). Returns how many. */
static uint64_t kv_list_pop_range(kv_client_t *c, kv_list_t **lp, int where,
                                  uint64_t count)
{
    uint64_t len = kv_list_len(*lp);
    uint64_t n = count < len ? count : len;
    uint64_t start = where == KV_LIST_HEAD ? 0 : len - n;

    kv_list_reply_range(c, lp, start, n, where == KV_LIST_TAIL);
    kv_list_del_range(lp, start, n, kv_list_fill());
    return n;
}

/* ---- push ---------------------------------------------------------------- */

/* LPUSH / RPUSH key element [element ...], and the X forms (xx: only onto
 * an existing list). */
static void kv_push_generic(kv_client_t *c, int where, int xx)
{
    const kv_str_t *key = &c->argv[1];
    kv_key_t *k = kv_db_lookup(c->db, key->p, key->len);
    kv_list_t *l;
    int created = 0;

    if (k != NULL && k->type != KV_TYPE_LIST) {
        kv_reply_wrongtype(c);
        return;
    }
    if (k == NULL && xx) {
        kv_reply_int(c, 0);
        return;
    }
    if (kv_list_check_elements(c, 2) != KV_OK) {
        return;
    }
    if (k == NULL) {
        l = kv_list_new();
        k = l != NULL
                ? kv_db_set_value(c->db, key->p, key->len, KV_TYPE_LIST, 0, l)
                : NULL;
        if (k == NULL) {
            kv_reply_oom(c);
            return;
        }
        created = 1;
    }
    l = k->v.ptr;
    for (int j = 2; j < c->argc; j++) {
        if (kv_list_push(&l, c->argv[j].p, c->argv[j].len, where,
                         kv_list_fill()) != KV_OK) {
            k->v.ptr = l;
            if (created && kv_list_len(l) == 0) {
                kv_db_delete_key(c->db, k);
            }
            kv_reply_oom(c);
            return;
        }
    }
    k->v.ptr = l;
    kv_reply_int(c, (long long) kv_list_len(l));
    kv_keyspace_changed(c);
}

void kv_cmd_lpush(kv_client_t *c)
{
    kv_push_generic(c, KV_LIST_HEAD, 0);
}

void kv_cmd_rpush(kv_client_t *c)
{
    kv_push_generic(c, KV_LIST_TAIL, 0);
}

void kv_cmd_lpushx(kv_client_t *c)
{
    kv_push_generic(c, KV_LIST_HEAD, 1);
}

void kv_cmd_rpushx(kv_client_t *c)
{
    kv_push_generic(c, KV_LIST_TAIL, 1);
}

/* LINSERT key BEFORE|AFTER pivot element */
void kv_cmd_linsert(kv_client_t *c)
{
    kv_list_iter_t it;
    kv_list_t *l;
    kv_key_t *k;
    const char *s;
    size_t len;
    int after, found = 0;

    if (kv_arg_is(&c->argv[2], "after")) {
        after = 1;
    } else if (kv_arg_is(&c->argv[2], "before")) {
        after = 0;
    } else {
        kv_reply_error(c, "syntax error");
        return;
    }
    k = kv_list_lookup(c, &c->argv[1], 1, KV_LIST_MISS_ZERO);
    if (k == NULL || kv_list_check_elements(c, 4) != KV_OK) {
        return;
    }
    l = k->v.ptr;
    kv_list_iter_init(&it, &l, 0, KV_LIST_TAIL);
    while (kv_list_next(&it, &s, &len)) {
        if (len == c->argv[3].len && memcmp(s, c->argv[3].p, len) == 0) {
            found = 1;
            break;
        }
    }
    if (!found) {
        kv_reply_int(c, -1);
        return;
    }
    if (kv_list_iter_insert(&it, c->argv[4].p, c->argv[4].len, after,
                            kv_list_fill()) != KV_OK) {
        k->v.ptr = l;
        kv_reply_oom(c);
        return;
    }
    k->v.ptr = l;
    kv_keyspace_changed(c);
    kv_reply_int(c, (long long) kv_list_len(l));
}

/* ---- reads --------------------------------------------------------------- */

void kv_cmd_llen(kv_client_t *c)
{
    kv_key_t *k = kv_list_lookup(c, &c->argv[1], 0, KV_LIST_MISS_ZERO);

    if (k != NULL) {
        kv_reply_int(c, (long long) kv_list_len(k->v.ptr));
    }
}

/* LINDEX key index: the key is looked up before the index is parsed. */
void kv_cmd_lindex(kv_client_t *c)
{
    kv_key_t *k = kv_list_lookup(c, &c->argv[1], 0, KV_LIST_MISS_NULL);
    long long idx;
    const char *s;
    size_t len;

    if (k == NULL ||
        kv_get_long_or_reply(c, &c->argv[2], &idx, NULL) != KV_OK) {
        return;
    }
    if (kv_list_index(k->v.ptr, idx, &s, &len)) {
        kv_reply_bulk(c, s, len);
    } else {
        kv_reply_null(c);
    }
}

/*
 * Redis's index arithmetic of LRANGE and LTRIM: negative indexes count
 * from the tail, start is clamped at 0, end at the last element. Returns
 * 0 when the range is empty.
 */
static int kv_list_range(long long llen, long long *start, long long *end)
{
    if (*start < 0) {
        *start += llen;
    }
    if (*end < 0) {
        *end += llen;
    }
    if (*start < 0) {
        *start = 0;
    }
    if (*start > *end || *start >= llen) {
        return 0;
    }
    if (*end >= llen) {
        *end = llen - 1;
    }
    return 1;
}

/* LRANGE key start stop: the indexes are parsed before the lookup. */
void kv_cmd_lrange(kv_client_t *c)
{
    long long start, end;
    kv_list_t *l;
    kv_key_t *k;

    if (kv_get_long_or_reply(c, &c->argv[2], &start, NULL) != KV_OK ||
        kv_get_long_or_reply(c, &c->argv[3], &end, NULL) != KV_OK) {
        return;
    }
    k = kv_list_lookup(c, &c->argv[1], 0, KV_LIST_MISS_EMPTY);
    if (k == NULL) {
        return;
    }
    l = k->v.ptr;
    if (!kv_list_range((long long) kv_list_len(l), &start, &end)) {
        kv_reply_array(c, 0);
        return;
    }
    kv_list_reply_range(c, &l, (uint64_t) start, (uint64_t) (end - start + 1),
                        0);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void kv_cmd_lpos(kv_client_t *c)
{
    const kv_str_t *ele = &c->argv[2];
    long long rank = 1, count = -1, maxlen = 0;
    long long index = 0, matches = 0, matchindex = -1, arraylen = 0, llen;
    int dir = KV_LIST_TAIL;
    size_t mark = 0, len;
    kv_list_iter_t it;
    kv_list_t *l;
    kv_key_t *k;
    const char *s;

    for (int j = 3; j < c->argc; j++) {
        const kv_str_t *opt = &c->argv[j];
        int moreargs = (c->argc - 1) - j;

        if (kv_arg_is(opt, "rank") && moreargs) {
            j++;
            if (kv_get_long_or_reply(c, &c->argv[j], &rank, NULL) != KV_OK) {
                return;
            }
            if (rank == 0) {
                kv_reply_error(c, "RANK can't be zero: use 1 to start from "
                                  "the first match, 2 from the second ... or "
                                  "use negative to start from the end of the "
                                  "list");
                return;
            }
        } else if (kv_arg_is(opt, "count") && moreargs) {
            j++;
            if (kv_list_positive(c, &c->argv[j], &count,
                                 "COUNT can't be negative") != KV_OK) {
                return;
            }
        } else if (kv_arg_is(opt, "maxlen") && moreargs) {
            j++;
            if (kv_list_positive(c, &c->argv[j], &maxlen,
                                 "MAXLEN can't be negative") != KV_OK) {
                return;
            }
        } else {
            kv_reply_error(c, "syntax error");
            return;
        }
    }
    /*
     * A negative rank searches from the tail. Redis 7.0 negates it in a
     * long: LLONG_MIN stays negative, so every match counts as reached
     * and, with COUNT, the stop test never passes (all matches are
     * returned). Unsigned arithmetic below gives the same results
     * without the overflow.
     */
    if (rank < 0) {
        rank = (long long) (0ULL - (unsigned long long) rank);
        dir = KV_LIST_HEAD;
    }
    k = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);
    if (k == NULL) {
        if (count != -1) {
            kv_reply_array(c, 0);
        } else {
            kv_reply_null(c);
        }
        return;
    }
    if (k->type != KV_TYPE_LIST) {
        kv_reply_wrongtype(c);
        return;
    }
    l = k->v.ptr;
    llen = (long long) kv_list_len(l);
    if (count != -1) {
        mark = kv_reply_deferred_len(c);
    }
    kv_list_iter_init(&it, &l, dir == KV_LIST_HEAD ? (uint64_t) llen - 1 : 0,
                      dir);
    while ((maxlen == 0 || index < maxlen) && kv_list_next(&it, &s, &len)) {
        if (len == ele->len && memcmp(s, ele->p, len) == 0) {
            matches++;
            matchindex = dir == KV_LIST_TAIL ? index : llen - index - 1;
            if (matches >= rank) {
                if (count == -1) {
                    break;
                }
                arraylen++;
                kv_reply_int(c, matchindex);
                if (count != 0 &&
                    (long long) ((unsigned long long) matches -
                                 (unsigned long long) rank + 1) >= count) {
                    break;
                }
            }
        }
        index++;
        matchindex = -1; /* no match when the loop ends here */
    }
    if (count != -1) {
        kv_reply_set_deferred_len(c, mark, '*', arraylen);
    } else if (matchindex != -1) {
        kv_reply_int(c, matchindex);
    } else {
        kv_reply_null(c);
    }
}

/* ---- pops ---------------------------------------------------------------- */

/* LPOP / RPOP key [count]: without count a bulk (nil when missing), with
 * it an array (a null array when missing, empty for count 0). */
static void kv_pop_generic(kv_client_t *c, int where)
{
    int hascount = c->argc == 3;
    long long count = 0;
    kv_list_t *l;
    kv_key_t *k;

    if (c->argc > 3) {
        kv_reply_arity_error(c);
        return;
    }
    if (hascount && kv_list_positive(c, &c->argv[2], &count,
                                     "value is out of range, must be "
                                     "positive") != KV_OK) {
        return;
    }
    k = kv_list_lookup(c, &c->argv[1], 1,
                       hascount ? KV_LIST_MISS_NULLARRAY : KV_LIST_MISS_NULL);
    if (k == NULL) {
        return;
    }
    if (hascount && count == 0) {
        kv_reply_array(c, 0);
        return;
    }
    l = k->v.ptr;
    if (!hascount) {
        const char *s;
        size_t len;
        (void) kv_list_index(l, where == KV_LIST_HEAD ? 0 : -1, &s, &len);
        kv_reply_bulk(c, s, len);
        kv_list_del_range(&l, where == KV_LIST_HEAD ? 0 : kv_list_len(l) - 1, 1,
                          kv_list_fill());
    } else {
        (void) kv_list_pop_range(c, &l, where, (uint64_t) count);
    }
    kv_list_removed(c, k, l);
}

void kv_cmd_lpop(kv_client_t *c)
{
    kv_pop_generic(c, KV_LIST_HEAD);
}

void kv_cmd_rpop(kv_client_t *c)
{
    kv_pop_generic(c, KV_LIST_TAIL);
}

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: the first
 * non-empty list, as [key, [elements]]; a null array when there is none. */
void kv_cmd_lmpop(kv_client_t *c)
{
    long long numkeys, count;
    int where, where_idx;

    if (kv_get_mpop_args_or_reply(c, "left", "right", &numkeys, &where,
                                  &count) != KV_OK) {
        return;
    }
    where = where == 0 ? KV_LIST_HEAD : KV_LIST_TAIL;
    where_idx = 2 + (int) numkeys;
    for (int j = 2; j < where_idx; j++) {
        kv_key_t *k = kv_db_lookup(c->db, c->argv[j].p, c->argv[j].len);
        kv_list_t *l;

        if (k == NULL) {
            continue;
        }
        if (k->type != KV_TYPE_LIST) {
            kv_reply_wrongtype(c);
            return;
        }
        l = k->v.ptr;
        if (kv_list_len(l) == 0) {
            continue;
        }
        kv_reply_array(c, 2);
        kv_reply_bulk(c, c->argv[j].p, c->argv[j].len);
        (void) kv_list_pop_range(c, &l, where, (uint64_t) count);
        kv_list_removed(c, k, l);
        return;
    }
    kv_reply_array(c, -1);
}

/* ---- writes in place ----------------------------------------------------- */

/* LSET key index element: the key first ("no such key"), then the index. */
void kv_cmd_lset(kv_client_t *c)
{
    kv_key_t *k = kv_list_lookup(c, &c->argv[1], 1, KV_LIST_MISS_NOKEY);
    long long idx;
    uint64_t len, i;
    kv_list_t *l;

    if (k == NULL ||
        kv_get_long_or_reply(c, &c->argv[2], &idx, NULL) != KV_OK ||
        kv_list_check_elements(c, 3) != KV_OK) {
        return;
    }
    l = k->v.ptr;
    len = kv_list_len(l);
    if (idx < 0) {
        uint64_t back = (uint64_t) ~idx; /* -(idx + 1) */
        if (back >= len) {
            kv_reply_error(c, "index out of range");
            return;
        }
        i = len - 1 - back;
    } else if ((uint64_t) idx >= len) {
        kv_reply_error(c, "index out of range");
        return;
    } else {
        i = (uint64_t) idx;
    }
    if (kv_list_replace(&l, i, c->argv[3].p, c->argv[3].len, kv_list_fill()) !=
        KV_OK) {
        k->v.ptr = l;
        kv_reply_oom(c);
        return;
    }
    k->v.ptr = l;
    kv_keyspace_changed(c);
    kv_reply_ok(c);
}

/* LTRIM key start stop */
void kv_cmd_ltrim(kv_client_t *c)
{
    long long start, end, llen, ltrim, rtrim;
    kv_list_t *l;
    kv_key_t *k;

    if (kv_get_long_or_reply(c, &c->argv[2], &start, NULL) != KV_OK ||
        kv_get_long_or_reply(c, &c->argv[3], &end, NULL) != KV_OK) {
        return;
    }
    k = kv_list_lookup(c, &c->argv[1], 1, KV_LIST_MISS_OK);
    if (k == NULL) {
        return;
    }
    l = k->v.ptr;
    llen = (long long) kv_list_len(l);
    if (!kv_list_range(llen, &start, &end)) {
        ltrim = llen; /* everything goes */
        rtrim = 0;
    } else {
        ltrim = start;
        rtrim = llen - end - 1;
    }
    kv_list_del_range(&l, 0, (uint64_t) ltrim, kv_list_fill());
    kv_list_del_range(&l, (uint64_t) (llen - ltrim - rtrim), (uint64_t) rtrim,
                      kv_list_fill());
    kv_list_removed(c, k, l);
    kv_reply_ok(c);
}

/* LREM key count element: count > 0 from the head, < 0 from the tail, 0
 * all. The count is parsed before the lookup. */
void kv_cmd_lrem(kv_client_t *c)
{
    const kv_str_t *ele = &c->argv[3];
    unsigned long long toremove, removed = 0;
    long long count;
    kv_list_iter_t it;
    kv_list_t *l;
    kv_key_t *k;
    const char *s;
    size_t len;

    if (kv_get_long_or_reply(c, &c->argv[2], &count, NULL) != KV_OK) {
        return;
    }
    k = kv_list_lookup(c, &c->argv[1], 1, KV_LIST_MISS_ZERO);
    if (k == NULL) {
        return;
    }
    l = k->v.ptr;
    /* 0 (and LLONG_MIN, whose negation Redis leaves negative): all. */
    toremove = count < 0 ? 0ULL - (unsigned long long) count
                         : (unsigned long long) count;
    if (count == LLONG_MIN) {
        toremove = 0;
    }
    if (count < 0) {
        kv_list_iter_init(&it, &l, kv_list_len(l) - 1, KV_LIST_HEAD);
    } else {
        kv_list_iter_init(&it, &l, 0, KV_LIST_TAIL);
    }
    while (kv_list_next(&it, &s, &len)) {
        if (len == ele->len && memcmp(s, ele->p, len) == 0) {
            kv_list_iter_delete(&it);
            removed++;
            if (toremove != 0 && removed == toremove) {
                break;
            }
        }
    }
    kv_list_tidy(&l, kv_list_fill());
    k->v.ptr = l;
    if (removed > 0) {
        kv_list_removed(c, k, l);
    }
    kv_reply_int(c, (long long) removed);
}

/* ---- moves --------------------------------------------------------------- */

/*
 * LMOVE / RPOPLPUSH: pop from one end of source, push onto one end of
 * destination (created when missing), reply with the element. Source and
 * destination may be the same list (a rotation). The destination's type
 * is checked before anything changes.
 */
static void kv_lmove_generic(kv_client_t *c, int wherefrom, int whereto)
{
    const kv_str_t *dkey = &c->argv[2];
    char stack[KV_LIST_MOVE_STACK], *copy = stack;
    kv_key_t *src, *dst;
    kv_list_t *sl, *dl;
    const char *s;
    size_t len;
    int rc;

    src = kv_list_lookup(c, &c->argv[1], 1, KV_LIST_MISS_NULL);
    if (src == NULL) {
        return;
    }
    sl = src->v.ptr;
    if (kv_list_len(sl) == 0) {
        kv_reply_null(c);
        return;
    }
    dst = kv_db_lookup(c->db, dkey->p, dkey->len);
    if (dst != NULL && dst->type != KV_TYPE_LIST) {
        kv_reply_wrongtype(c);
        return;
    }
    /* The element is copied out: pushing may move the bytes it is in. */
    (void) kv_list_index(sl, wherefrom == KV_LIST_HEAD ? 0 : -1, &s, &len);
    if (len > sizeof(stack)) {
        copy = kv_malloc(len);
        if (copy == NULL) {
            kv_reply_oom(c);
            return;
        }
    }
    memcpy(copy, s, len);
    if (dst == NULL) {
        dl = kv_list_new();
        dst = dl != NULL ? kv_db_set_value(c->db, dkey->p, dkey->len,
                                           KV_TYPE_LIST, 0, dl)
                         : NULL;
        if (dst == NULL) {
            goto oom;
        }
    }
    dl = dst->v.ptr;
    rc = kv_list_push(&dl, copy, len, whereto, kv_list_fill());
    dst->v.ptr = dl;
    if (rc != KV_OK) {
        if (kv_list_len(dl) == 0) {
            kv_db_delete_key(c->db, dst);
        }
        goto oom;
    }
    /* The source after the push: the same list when src == dst. */
    sl = src->v.ptr;
    kv_list_del_range(&sl, wherefrom == KV_LIST_HEAD ? 0 : kv_list_len(sl) - 1,
                      1, kv_list_fill());
    kv_reply_bulk(c, copy, len);
    kv_list_removed(c, src, sl);
    if (copy != stack) {
        kv_free(copy);
    }
    return;
oom:
    if (copy != stack) {
        kv_free(copy);
    }
    kv_reply_oom(c);
}

/* LMOVE source destination LEFT|RIGHT LEFT|RIGHT */
void kv_cmd_lmove(kv_client_t *c)
{
    int wherefrom, whereto;

    if (kv_list_position(c, &c->argv[3], &wherefrom) != KV_OK ||
        kv_list_position(c, &c->argv[4], &whereto) != KV_OK) {
        return;
    }
    kv_lmove_generic(c, wherefrom, whereto);
}

void kv_cmd_rpoplpush(kv_client_t *c)
{
    kv_lmove_generic(c, KV_LIST_TAIL, KV_LIST_HEAD);
}
