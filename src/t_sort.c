/*
 * t_sort.c: SORT and SORT_RO, after Redis 7.0's sort.c: the same option
 * parsing, the same order of checks, the same orderings and the same
 * quirks, which clients can see:
 *
 *   - Options are compared as C strings ("ASC\0x" is ASC), and so are the
 *     searches in a pattern: its '*' and "->" are found before its first
 *     NUL byte, while the key it names is built from all of its bytes.
 *   - BY with a pattern that has no '*' ("nosort") skips sorting: a list
 *     or sorted set keeps its order (DESC reverses it, LIMIT takes a range
 *     of it directly), a set its iteration order; but a set being STOREd
 *     is sorted ALPHA, so that the stored list is deterministic.
 *   - A sorted set is converted to a skip list first, for good, even by
 *     SORT_RO.
 *   - Numbers are read with strtod(): leading blanks, hex, "inf" and an
 *     empty string (0) are accepted; trailing bytes, NaN and out-of-range
 *     values make the reply "One or more scores can't be converted into
 *     double" once everything is sorted. Equal scores are ordered by the
 *     elements' bytes, so numeric sorts are deterministic.
 *   - ALPHA compares with strcoll() (up to a NUL byte, in the LC_COLLATE
 *     locale main() sets, as Redis does), or byte by byte when the result
 *     is STOREd; a missing BY value sorts first.
 *   - A full sort is glibc's qsort(), a stable merge sort, so ties keep
 *     the order the elements were read in; with BY and a LIMIT that does
 *     not cover everything it is Redis 7.0's partial quicksort (pqsort.c,
 *     Bentley and McIlroy's), which orders ties its own way: both are
 *     reproduced (any stable sort gives the merge sort's order; the
 *     quicksort is redone pivot for pivot).
 *   - LIMIT is clamped to the number of elements, so no LIMIT or GET can
 *     make SORT allocate beyond the data it sorts.
 *
 * One deviation: Redis reads a sorted set's members in hash-table order
 * before sorting them, so where two members compare equal (ALPHA with a
 * BY value they share) their order is arbitrary in Redis; here they keep
 * their score order. Likewise a set's iteration order is kevyd's own.
 *
 * Across shards (more than one worker) the router sends SORT to the
 * source key's shard when nothing else is involved, and otherwise to
 * xshard.c, which gathers the source key and every key its BY and GET
 * patterns name into the scratch database, runs this same handler there
 * under a pause of every shard, and writes the STORE destination back.
 * kv_sort_parse(), kv_sort_pattern_slot() and kv_sort_keys() are the
 * pieces of this file it uses, so that SORT's rules live here only.
 */
#include "cmd.h"

#include <math.h>

#include "alloc.h"
#include "buf.h"
#include "crc16.h"
#include "db.h"
#include "quicklist.h"
#include "set.h"
#include "worker.h"
#include "zset.h"

/* Redis's pqsort(): fewer elements than this are insertion sorted ... */
#define KV_SORT_SMALL 7
/* ... and more than this take the median of three medians as pivot. */
#define KV_SORT_NINTHER 40

/* One element to sort. Its bytes (and for ALPHA BY the bytes it is sorted
 * by) live in the arena, each followed by a NUL for strtod()/strcoll(). */
typedef struct {
    size_t ele, len;
    size_t by, bylen;
    double score;
    int has_by;
} kv_sort_item_t;

/* How two items compare: Redis's sortCompare(). */
typedef struct {
    const char *arena;
    int desc, alpha, by, store;
} kv_sort_ctx_t;

/* A BY or GET pattern taken apart as lookupKeyByPattern() sees it. */
typedef struct {
    int self;          /* "#": the element itself */
    int none;          /* no '*': names no key */
    size_t star;       /* the '*' */
    size_t keyend;     /* the key is [0, keyend) with '*' substituted */
    const char *field; /* "->field", or NULL */
    size_t flen;
} kv_sort_pat_t;

/* ---- arguments ----------------------------------------------------------- */

/* Redis compares SORT's options with strcasecmp(): up to a NUL byte. */
static int kv_sort_opt_is(const kv_str_t *a, const char *opt)
{
    size_t n = (size_t) kv_arg_cstrlen(a, INT_MAX);

    return n == strlen(opt) && strncasecmp(a->p, opt, n) == 0;
}

/* strchr(p, '*'): the first '*' before a NUL byte, or NULL. */
static const char *kv_sort_star(const kv_str_t *p)
{
    return memchr(p->p, '*', (size_t) kv_arg_cstrlen(p, INT_MAX));
}

int kv_sort_parse(const kv_str_t *argv, int argc, int readonly,
                  kv_sort_args_t *a, const char **err)
{
    memset(a, 0, sizeof(*a));
    a->limit_count = -1;
    for (int j = 2; j < argc; j++) {
        const kv_str_t *o = &argv[j];
        int left = argc - j - 1;

        if (kv_sort_opt_is(o, "asc")) {
            a->desc = 0;
        } else if (kv_sort_opt_is(o, "desc")) {
            a->desc = 1;
        } else if (kv_sort_opt_is(o, "alpha")) {
            a->alpha = 1;
        } else if (kv_sort_opt_is(o, "limit") && left >= 2) {
            if (!kv_string2ll(argv[j + 1].p, argv[j + 1].len,
                              &a->limit_start) ||
                !kv_string2ll(argv[j + 2].p, argv[j + 2].len,
                              &a->limit_count)) {
                *err = "value is not an integer or out of range";
                goto fail;
            }
            j += 2;
        } else if (!readonly && kv_sort_opt_is(o, "store") && left >= 1) {
            a->store = &argv[++j];
        } else if (kv_sort_opt_is(o, "by") && left >= 1) {
            a->by = &argv[++j];
            /* A BY pattern without '*' is constant: nothing to sort by,
             * and that sticks even if another BY follows. */
            if (kv_sort_star(a->by) == NULL) {
                a->dontsort = 1;
            }
        } else if (kv_sort_opt_is(o, "get") && left >= 1) {
            if (a->gets == NULL) {
                a->gets = kv_malloc(sizeof(*a->gets) * (size_t) argc);
                if (a->gets == NULL) {
                    *err = "-OOM command not allowed when used memory > "
                           "'maxmemory'.";
                    goto fail;
                }
            }
            a->gets[a->ngets++] = &argv[++j];
        } else {
            *err = "syntax error";
            goto fail;
        }
    }
    return KV_OK;

fail:
    kv_sort_args_free(a);
    return KV_ERROR;
}

void kv_sort_args_free(kv_sort_args_t *a)
{
    kv_free(a->gets);
    a->gets = NULL;
    a->ngets = 0;
}

/* ---- patterns ------------------------------------------------------------ */

static void kv_sort_pattern(const kv_str_t *p, kv_sort_pat_t *pp)
{
    size_t clen = (size_t) kv_arg_cstrlen(p, INT_MAX);
    const char *star;

    memset(pp, 0, sizeof(*pp));
    /* spat[0] == '#' && spat[1] == '\0': "#", or "#" and a NUL byte */
    if (p->len >= 1 && p->p[0] == '#' && (p->len == 1 || p->p[1] == '\0')) {
        pp->self = 1;
        return;
    }
    star = memchr(p->p, '*', clen);
    if (star == NULL) {
        pp->none = 1;
        return;
    }
    pp->star = (size_t) (star - p->p);
    pp->keyend = p->len;
    /* The first "->" after the '*' with something after it (before the
     * NUL) makes the rest, all of it, a hash field. */
    for (size_t i = pp->star + 1; i + 1 < clen; i++) {
        if (p->p[i] == '-' && p->p[i + 1] == '>') {
            if (i + 2 < clen) {
                pp->keyend = i;
                pp->field = p->p + i + 2;
                pp->flen = p->len - i - 2;
            }
            break;
        }
    }
}

/* Whether SORT reads keys through pattern p: a GET pattern but "#" or one
 * without '*' (which Redis answers nil without a lookup), or BY. */
static int kv_sort_pattern_reads(const kv_str_t *p)
{
    kv_sort_pat_t pp;

    kv_sort_pattern(p, &pp);
    return !pp.self && !pp.none;
}

int kv_sort_reads_keys(const kv_sort_args_t *a, const kv_str_t **pats)
{
    int n = 0;

    if (a->by != NULL && !a->dontsort) {
        pats[n++] = a->by;
    }
    for (int i = 0; i < a->ngets; i++) {
        if (kv_sort_pattern_reads(a->gets[i])) {
            pats[n++] = a->gets[i];
        }
    }
    return n;
}

int kv_sort_pattern_slot(const kv_str_t *p)
{
    kv_sort_pat_t pp;
    const char *open, *close;

    kv_sort_pattern(p, &pp);
    if (pp.self || pp.none) {
        return -1;
    }
    /* Every key the pattern names hashes by a {tag} that lies wholly
     * before the '*': the first '{' and the first '}' after it, with
     * something in between, as kv_key_slot() finds them. */
    open = memchr(p->p, '{', pp.star);
    if (open == NULL) {
        return -1;
    }
    close = memchr(open + 1, '}', pp.star - (size_t) (open + 1 - p->p));
    if (close == NULL || close == open + 1) {
        return -1;
    }
    return (int) kv_key_slot(open, (size_t) (close - open + 1));
}

/* The key pattern pp names for an element, into kb. */
static int kv_sort_key_name(const kv_str_t *p, const kv_sort_pat_t *pp,
                            const char *ele, size_t elen, kv_buf_t *kb)
{
    kb->len = kb->pos = 0;
    /* reserve: an empty name still has a buffer to point at */
    if (kv_buf_reserve(kb, 1) != KV_OK ||
        kv_buf_append(kb, p->p, pp->star) != KV_OK ||
        kv_buf_append(kb, ele, elen) != KV_OK ||
        kv_buf_append(kb, p->p + pp->star + 1, pp->keyend - pp->star - 1) !=
            KV_OK) {
        return KV_ERROR;
    }
    return KV_OK;
}

/*
 * lookupKeyByPattern(): the value pattern p names for an element: the
 * element itself for "#", a string key's value, or a field of a hash key.
 * 1 with *v, *vl set (valid until the next lookup), 0 for none, -1 when
 * out of memory.
 */
static int kv_sort_lookup(kv_client_t *c, const kv_str_t *p,
                          const kv_sort_pat_t *pp, const char *ele, size_t elen,
                          kv_buf_t *kb, char num[32], const char **v,
                          size_t *vl)
{
    kv_key_t *k;

    if (pp->self) {
        *v = ele;
        *vl = elen;
        return 1;
    }
    if (pp->none) {
        return 0;
    }
    if (kv_sort_key_name(p, pp, ele, elen, kb) != KV_OK) {
        return -1;
    }
    k = kv_db_lookup_read(c->db, kb->data, kb->len);
    if (k == NULL) {
        return 0;
    }
    if (pp->field != NULL) {
        return k->type == KV_TYPE_HASH &&
               kv_hash_get(k, pp->field, pp->flen, v, vl);
    }
    if (k->type != KV_TYPE_STRING) {
        return 0;
    }
    *v = kv_key_str(k, num, vl);
    return 1;
}

/* ---- reading the value --------------------------------------------------- */

/* The elements of a list, set or sorted set, from one index, either way
 * (a set only from its start, forwards). */
typedef struct {
    int type;
    kv_list_t *l;
    kv_list_iter_t li;
    kv_set_t s;
    kv_set_iter_t si;
    kv_zcur_t zc;
    int reverse;
    char num[KV_SET_INT_BUF];
} kv_sort_iter_t;

static int kv_sort_iter_init(kv_sort_iter_t *it, kv_key_t *k, uint64_t from,
                             int reverse)
{
    it->type = k->type;
    it->reverse = reverse;
    switch (k->type) {
    case KV_TYPE_LIST:
        it->l = k->v.ptr;
        kv_list_iter_init(&it->li, &it->l, from,
                          reverse ? KV_LIST_HEAD : KV_LIST_TAIL);
        return KV_OK;
    case KV_TYPE_SET:
        kv_set_load(&it->s, k);
        kv_set_iter_init(&it->si, &it->s);
        return KV_OK;
    default:
        if (kv_zcur_init(&it->zc, k) != KV_OK) {
            return KV_ERROR;
        }
        if (from < kv_zset_len(k)) {
            kv_zcur_seek_rank(&it->zc, from);
        }
        return KV_OK;
    }
}

static int kv_sort_iter_next(kv_sort_iter_t *it, const char **p, size_t *len)
{
    switch (it->type) {
    case KV_TYPE_LIST:
        return kv_list_next(&it->li, p, len);
    case KV_TYPE_SET: {
        kv_set_elem_t e;
        if (!kv_set_iter_next(&it->si, &e)) {
            return 0;
        }
        /* an intset member's bytes are in e: keep them */
        if (e.p == e.buf) {
            memcpy(it->num, e.buf, e.len);
            *p = it->num;
        } else {
            *p = e.p;
        }
        *len = e.len;
        return 1;
    }
    default: {
        kv_zelem_t e;
        if (!kv_zcur_valid(&it->zc)) {
            return 0;
        }
        kv_zcur_get(&it->zc, &e);
        *p = e.m;
        *len = e.mlen;
        if (it->reverse) {
            kv_zcur_prev(&it->zc);
        } else {
            kv_zcur_next(&it->zc);
        }
        return 1;
    }
    }
}

static void kv_sort_iter_done(kv_sort_iter_t *it)
{
    if (it->type == KV_TYPE_SET) {
        kv_set_iter_done(&it->si);
    } else if (it->type == KV_TYPE_ZSET) {
        kv_zcur_done(&it->zc);
    }
}

static uint64_t kv_sort_length(kv_key_t *k)
{
    kv_set_t s;

    switch (k->type) {
    case KV_TYPE_LIST:
        return kv_list_len(k->v.ptr);
    case KV_TYPE_SET:
        kv_set_load(&s, k);
        return kv_set_size(&s);
    default:
        return kv_zset_len(k);
    }
}

static int kv_sort_sortable(const kv_key_t *k)
{
    return k->type == KV_TYPE_LIST || k->type == KV_TYPE_SET ||
           k->type == KV_TYPE_ZSET;
}

int kv_sort_keys(kv_db_t *db, const kv_str_t *key, const kv_sort_args_t *a,
                 kv_sort_key_pt emit, void *arg)
{
    kv_key_t *k = kv_db_lookup(db, key->p, key->len);
    const kv_str_t **pats;
    kv_sort_pat_t *pp;
    kv_buf_t kb = { 0 };
    kv_sort_iter_t it;
    const char *p;
    size_t len;
    int npats, rc = KV_OK;

    if (k == NULL || !kv_sort_sortable(k)) {
        return KV_OK;
    }
    pats = kv_malloc(sizeof(*pats) * (size_t) (a->ngets + 1));
    pp = kv_malloc(sizeof(*pp) * (size_t) (a->ngets + 1));
    if (pats == NULL || pp == NULL) {
        rc = KV_ERROR;
        goto done;
    }
    npats = kv_sort_reads_keys(a, pats);
    for (int i = 0; i < npats; i++) {
        kv_sort_pattern(pats[i], &pp[i]);
    }
    if (npats == 0 || kv_sort_iter_init(&it, k, 0, 0) != KV_OK) {
        rc = npats == 0 ? KV_OK : KV_ERROR;
        goto done;
    }
    while (rc == KV_OK && kv_sort_iter_next(&it, &p, &len)) {
        for (int i = 0; i < npats && rc == KV_OK; i++) {
            rc = kv_sort_key_name(pats[i], &pp[i], p, len, &kb);
            if (rc == KV_OK) {
                rc = emit(kb.data, kb.len, arg);
            }
        }
    }
    kv_sort_iter_done(&it);
done:
    kv_free(pats);
    kv_free(pp);
    kv_buf_free(&kb);
    return rc;
}

/* ---- comparing and sorting ----------------------------------------------- */

/* compareStringObjects(): bytes, then length. */
static int kv_sort_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int cmp = memcmp(a, b, alen < blen ? alen : blen);

    if (cmp != 0) {
        return cmp;
    }
    return alen < blen ? -1 : alen > blen;
}

static int kv_sort_cmp(const kv_sort_ctx_t *x, const kv_sort_item_t *a,
                       const kv_sort_item_t *b)
{
    const char *ar = x->arena;
    int cmp;

    if (!x->alpha) {
        if (a->score > b->score) {
            cmp = 1;
        } else if (a->score < b->score) {
            cmp = -1;
        } else {
            cmp = kv_sort_bytes(ar + a->ele, a->len, ar + b->ele, b->len);
        }
    } else if (x->by) {
        if (!a->has_by || !b->has_by) {
            cmp = a->has_by == b->has_by ? 0 : a->has_by ? 1 : -1;
        } else if (x->store) {
            cmp = kv_sort_bytes(ar + a->by, a->bylen, ar + b->by, b->bylen);
        } else {
            cmp = strcoll(ar + a->by, ar + b->by);
        }
    } else if (x->store) {
        cmp = kv_sort_bytes(ar + a->ele, a->len, ar + b->ele, b->len);
    } else {
        cmp = strcoll(ar + a->ele, ar + b->ele);
    }
    cmp = cmp < 0 ? -1 : cmp > 0;
    return x->desc ? -cmp : cmp;
}

/* glibc's qsort() is a merge sort, top down, taking from the left half
 * on ties: stable. Any stable sort gives the same order; this is one. */
static void kv_sort_merge(const kv_sort_ctx_t *x, kv_sort_item_t *v,
                          kv_sort_item_t *tmp, size_t n)
{
    size_t n1 = n / 2, i = 0, j = n1, o = 0;

    if (n < 2) {
        return;
    }
    kv_sort_merge(x, v, tmp, n1);
    kv_sort_merge(x, v + n1, tmp, n - n1);
    while (i < n1 && j < n) {
        tmp[o++] = kv_sort_cmp(x, &v[i], &v[j]) <= 0 ? v[i++] : v[j++];
    }
    while (i < n1) {
        tmp[o++] = v[i++];
    }
    memcpy(v, tmp, o * sizeof(*v));
}

static void kv_sort_swap(kv_sort_item_t *a, kv_sort_item_t *b)
{
    kv_sort_item_t t = *a;

    *a = *b;
    *b = t;
}

static void kv_sort_vecswap(kv_sort_item_t *a, kv_sort_item_t *b, long n)
{
    for (long i = 0; i < n; i++) {
        kv_sort_swap(&a[i], &b[i]);
    }
}

static long kv_sort_med3(const kv_sort_ctx_t *x, kv_sort_item_t *v, long a,
                         long b, long c)
{
    if (kv_sort_cmp(x, &v[a], &v[b]) < 0) {
        if (kv_sort_cmp(x, &v[b], &v[c]) < 0) {
            return b;
        }
        return kv_sort_cmp(x, &v[a], &v[c]) < 0 ? c : a;
    }
    if (kv_sort_cmp(x, &v[b], &v[c]) > 0) {
        return b;
    }
    return kv_sort_cmp(x, &v[a], &v[c]) < 0 ? a : c;
}

static void kv_sort_insertion(const kv_sort_ctx_t *x, kv_sort_item_t *v, long n)
{
    for (long m = 1; m < n; m++) {
        for (long l = m; l > 0 && kv_sort_cmp(x, &v[l - 1], &v[l]) > 0; l--) {
            kv_sort_swap(&v[l], &v[l - 1]);
        }
    }
}

/* Whether [lo, lo + n) holds any of the wanted [start, end]. */
static int kv_sort_wanted(long lo, long n, long start, long end)
{
    long hi = lo + n - 1;

    return !((start < lo && end < lo) || (start > hi && end > hi));
}

/*
 * Redis's pqsort(): Bentley and McIlroy's quicksort ("Engineering a Sort
 * Function", 1993), as in NetBSD's qsort(), that leaves alone the parts
 * holding none of the positions [start, end] of the whole vector base.
 * The same pivots and the same three-way partition, so that equal
 * elements end up exactly where Redis 7.0 puts them. (Later Redis
 * releases switch to an insertion sort when a partition moved nothing,
 * as NetBSD does; 7.0 does not, and neither does this.)
 */
static void kv_sort_partial(const kv_sort_ctx_t *x, kv_sort_item_t *base,
                            long lo, long n, long start, long end)
{
    for (;;) {
        kv_sort_item_t *v = base + lo;
        long pa, pb, pc, pd, m, r;
        int res;

        if (n < KV_SORT_SMALL) {
            kv_sort_insertion(x, v, n);
            return;
        }
        m = n / 2;
        if (n > KV_SORT_SMALL) {
            long l = 0, h = n - 1;
            if (n > KV_SORT_NINTHER) {
                long d = n / 8;
                l = kv_sort_med3(x, v, l, l + d, l + 2 * d);
                m = kv_sort_med3(x, v, m - d, m, m + d);
                h = kv_sort_med3(x, v, h - 2 * d, h - d, h);
            }
            m = kv_sort_med3(x, v, l, m, h);
        }
        kv_sort_swap(&v[0], &v[m]);
        pa = pb = 1;
        pc = pd = n - 1;
        for (;;) {
            while (pb <= pc && (res = kv_sort_cmp(x, &v[pb], &v[0])) <= 0) {
                if (res == 0) {
                    kv_sort_swap(&v[pa++], &v[pb]);
                }
                pb++;
            }
            while (pb <= pc && (res = kv_sort_cmp(x, &v[pc], &v[0])) >= 0) {
                if (res == 0) {
                    kv_sort_swap(&v[pc], &v[pd--]);
                }
                pc--;
            }
            if (pb > pc) {
                break;
            }
            kv_sort_swap(&v[pb++], &v[pc--]);
        }
        /* The elements equal to the pivot, kept at both ends, go to the
         * middle. */
        r = pa < pb - pa ? pa : pb - pa;
        kv_sort_vecswap(v, v + pb - r, r);
        r = pd - pc < n - pd - 1 ? pd - pc : n - pd - 1;
        kv_sort_vecswap(v + pb, v + n - r, r);
        r = pb - pa;
        if (r > 1 && kv_sort_wanted(lo, r, start, end)) {
            kv_sort_partial(x, base, lo, r, start, end);
        }
        r = pd - pc;
        if (r <= 1) {
            return;
        }
        lo += n - r;
        n = r;
        if (!kv_sort_wanted(lo, n, start, end)) {
            return;
        }
    }
}

/* ---- the command --------------------------------------------------------- */

/* Append bytes and a NUL to the arena; their offset in *off. */
static int kv_sort_keep(kv_buf_t *arena, const char *p, size_t len, size_t *off)
{
    *off = arena->len;
    if (kv_buf_append(arena, p, len) != KV_OK ||
        kv_buf_append(arena, "", 1) != KV_OK) {
        return KV_ERROR;
    }
    return KV_OK;
}

/* strtod() as Redis checks it; s is NUL-terminated. Unlike Redis, errno
 * is cleared first: Redis leaves it as it was, so an ERANGE left by an
 * earlier command can fail a later one. */
static int kv_sort_number(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return *end == '\0' && errno != ERANGE && !isnan(*out);
}

typedef struct {
    kv_sort_args_t a;
    kv_sort_item_t *v;
    long n;
    kv_buf_t arena, kb, num;
    kv_sort_pat_t by;
    kv_sort_pat_t *gets;
} kv_sort_state_t;

static void kv_sort_state_free(kv_sort_state_t *s)
{
    kv_free(s->v);
    kv_free(s->gets);
    kv_buf_free(&s->arena);
    kv_buf_free(&s->kb);
    kv_buf_free(&s->num);
    kv_sort_args_free(&s->a);
}

/* Load n elements of k from index from (either way) into s->v. */
static int kv_sort_load(kv_sort_state_t *s, kv_key_t *k, uint64_t from,
                        int reverse, long n)
{
    kv_sort_iter_t it;
    const char *p;
    size_t len;

    if (n == 0) {
        return KV_OK;
    }
    if (kv_sort_iter_init(&it, k, from, reverse) != KV_OK) {
        return KV_ERROR;
    }
    while (s->n < n && kv_sort_iter_next(&it, &p, &len)) {
        kv_sort_item_t *item = &s->v[s->n];
        memset(item, 0, sizeof(*item));
        if (kv_sort_keep(&s->arena, p, len, &item->ele) != KV_OK) {
            kv_sort_iter_done(&it);
            return KV_ERROR;
        }
        item->len = len;
        s->n++;
    }
    kv_sort_iter_done(&it);
    return KV_OK;
}

/* The scores (or ALPHA's BY values) of every item. 1 when one could not
 * be read as a number, -1 when out of memory. */
static int kv_sort_weigh(kv_client_t *c, kv_sort_state_t *s)
{
    int bad = 0;
    char num[32];

    for (long j = 0; j < s->n; j++) {
        kv_sort_item_t *item = &s->v[j];
        const char *ele = s->arena.data + item->ele, *v;
        size_t vl;

        if (s->a.by == NULL) {
            if (!s->a.alpha && !kv_sort_number(ele, &item->score)) {
                bad = 1;
            }
            continue;
        }
        switch (kv_sort_lookup(c, s->a.by, &s->by, ele, item->len, &s->kb, num,
                               &v, &vl)) {
        case 0:
            continue;
        case 1:
            break;
        default:
            return -1;
        }
        if (s->a.alpha) {
            /* v is a key's value, never in the arena: a BY pattern that
             * sorts has a '*', so it is not "#" */
            if (kv_sort_keep(&s->arena, v, vl, &item->by) != KV_OK) {
                return -1;
            }
            item->bylen = vl;
            item->has_by = 1;
        } else {
            s->num.len = s->num.pos = 0;
            if (kv_buf_append(&s->num, v, vl) != KV_OK ||
                kv_buf_append(&s->num, "", 1) != KV_OK) {
                return -1;
            }
            if (!kv_sort_number(s->num.data, &item->score)) {
                bad = 1;
            }
        }
    }
    return bad;
}

/* One element of the result: with GET patterns their values, else the
 * element. For STORE pushed to l (a missing value as ""), else replied. */
static int kv_sort_emit(kv_client_t *c, kv_sort_state_t *s,
                        const kv_sort_item_t *item, kv_list_t **l)
{
    const char *ele = s->arena.data + item->ele, *v;
    int fill = kv_worker.conf.list_max_listpack_size;
    char num[32];
    size_t vl;

    if (s->a.ngets == 0) {
        if (l == NULL) {
            kv_reply_bulk(c, ele, item->len);
            return KV_OK;
        }
        return kv_list_push(l, ele, item->len, KV_LIST_TAIL, fill);
    }
    for (int g = 0; g < s->a.ngets; g++) {
        int rc = kv_sort_lookup(c, s->a.gets[g], &s->gets[g], ele, item->len,
                                &s->kb, num, &v, &vl);
        if (rc < 0) {
            return KV_ERROR;
        }
        if (l == NULL) {
            if (rc == 1) {
                kv_reply_bulk(c, v, vl);
            } else {
                kv_reply_null(c);
            }
        } else if (kv_list_push(l, rc == 1 ? v : "", rc == 1 ? vl : 0,
                                KV_LIST_TAIL, fill) != KV_OK) {
            return KV_ERROR;
        }
    }
    return KV_OK;
}

/* Replace the destination with the result, or delete it when the result
 * is empty; reply the result's length. */
static void kv_sort_store(kv_client_t *c, kv_sort_state_t *s, long start,
                          long end, long long outputlen)
{
    const kv_str_t *dst = s->a.store;
    kv_list_t *l = kv_list_new();

    if (l == NULL) {
        kv_reply_oom(c);
        return;
    }
    for (long j = start; j <= end; j++) {
        if (kv_sort_emit(c, s, &s->v[j], &l) != KV_OK) {
            kv_list_free(l);
            kv_reply_oom(c);
            return;
        }
    }
    if (outputlen > 0) {
        if (kv_db_set_value(c->db, dst->p, dst->len, KV_TYPE_LIST, 0, l) ==
            NULL) {
            kv_reply_oom(c); /* l was freed */
            return;
        }
        kv_keyspace_changed(c);
    } else {
        kv_list_free(l);
        if (kv_db_delete(c->db, dst->p, dst->len)) {
            kv_keyspace_changed(c);
        }
    }
    kv_reply_int(c, outputlen);
}

/*
 * sortCommandGeneric(): parse, look the key up, work out the range LIMIT
 * asks for, load the elements (only that range, in order, when there is
 * nothing to sort a list or sorted set by), weigh and sort them, then
 * reply or store them with their GET values.
 */
static void kv_sort_generic(kv_client_t *c, int readonly)
{
    kv_sort_state_t s;
    kv_sort_ctx_t x;
    const char *err;
    long long len, start, end, count, outputlen;
    long vlen;
    kv_key_t *k;
    int type, bad = 0;

    memset(&s, 0, sizeof(s));
    if (kv_sort_parse(c->argv, c->argc, readonly, &s.a, &err) != KV_OK) {
        kv_reply_error(c, err);
        return;
    }
    k = kv_db_lookup_read(c->db, c->argv[1].p, c->argv[1].len);
    if (k != NULL && !kv_sort_sortable(k)) {
        kv_reply_wrongtype(c);
        goto done;
    }
    type = k != NULL ? k->type : KV_TYPE_LIST;
    /* A set in hash order is no order to store: sort it instead. */
    if (s.a.dontsort && type == KV_TYPE_SET && s.a.store != NULL) {
        s.a.dontsort = 0;
        s.a.alpha = 1;
        s.a.by = NULL;
    }
    if (type == KV_TYPE_ZSET && k->enc != KV_ZSET_SKIPLIST &&
        kv_zset_convert(k, KV_ZSET_SKIPLIST) != KV_OK) {
        kv_reply_oom(c);
        goto done;
    }
    len = k != NULL ? (long long) kv_sort_length(k) : 0;

    /* LIMIT, clamped to the elements there are. */
    start = s.a.limit_start < 0 ? 0 : s.a.limit_start;
    start = start > len ? len : start;
    count = s.a.limit_count < -1 ? -1 : s.a.limit_count;
    count = count > len ? len : count;
    end = count < 0 ? len - 1 : start + count - 1;
    if (start >= len) {
        start = len - 1;
        end = len - 2;
    }
    if (end >= len) {
        end = len - 1;
    }
    vlen = (long) len;
    if (type != KV_TYPE_SET && s.a.dontsort && (start != 0 || end != len - 1)) {
        vlen = (long) (end - start + 1);
    }

    s.v = kv_malloc(sizeof(*s.v) * (size_t) (vlen > 0 ? vlen : 1));
    s.gets = kv_malloc(sizeof(*s.gets) * (size_t) (s.a.ngets + 1));
    if (s.v == NULL || s.gets == NULL) {
        kv_reply_oom(c);
        goto done;
    }
    for (int g = 0; g < s.a.ngets; g++) {
        kv_sort_pattern(s.a.gets[g], &s.gets[g]);
    }
    if (s.a.by != NULL) {
        kv_sort_pattern(s.a.by, &s.by);
    }

    if (k == NULL) {
        /* nothing to load */
    } else if (type != KV_TYPE_SET && s.a.dontsort) {
        /* The range, directly, in the value's own order or reversed
         * (nothing when the range is empty: vlen is 0 then). */
        uint64_t from = (uint64_t) (s.a.desc ? len - start - 1 : start);
        if (kv_sort_load(&s, k, from, s.a.desc, vlen) != KV_OK) {
            kv_reply_oom(c);
            goto done;
        }
        end -= start;
        start = 0;
    } else if (kv_sort_load(&s, k, 0, 0, vlen) != KV_OK) {
        kv_reply_oom(c);
        goto done;
    }

    if (!s.a.dontsort) {
        bad = kv_sort_weigh(c, &s);
        if (bad < 0) {
            kv_reply_oom(c);
            goto done;
        }
        x.arena = s.arena.data;
        x.desc = s.a.desc;
        x.alpha = s.a.alpha;
        x.by = s.a.by != NULL;
        x.store = s.a.store != NULL;
        if (s.a.by != NULL && (start != 0 || end != s.n - 1)) {
            kv_sort_partial(&x, s.v, 0, s.n, (long) start, (long) end);
        } else {
            kv_sort_item_t *tmp = kv_malloc(sizeof(*tmp) * (size_t) s.n + 1);
            if (tmp == NULL) {
                kv_reply_oom(c);
                goto done;
            }
            kv_sort_merge(&x, s.v, tmp, (size_t) s.n);
            kv_free(tmp);
        }
    }

    outputlen = end - start + 1;
    if (s.a.ngets > 0) {
        outputlen *= s.a.ngets;
    }
    if (bad) {
        kv_reply_error(c, "One or more scores can't be converted into double");
    } else if (s.a.store != NULL) {
        kv_sort_store(c, &s, (long) start, (long) end, outputlen);
    } else {
        kv_reply_array(c, outputlen);
        for (long j = (long) start; j <= (long) end; j++) {
            if (kv_sort_emit(c, &s, &s.v[j], NULL) != KV_OK) {
                /* The array is under way: the connection is lost
                 * anyway when memory is this short. */
                kv_reply_null(c);
            }
        }
    }
done:
    kv_sort_state_free(&s);
}

/* SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
 *      [ALPHA] [STORE destination] */
void kv_cmd_sort(kv_client_t *c)
{
    kv_sort_generic(c, 0);
}

/* SORT_RO: the same without STORE (which is then a syntax error). */
void kv_cmd_sort_ro(kv_client_t *c)
{
    kv_sort_generic(c, 1);
}
