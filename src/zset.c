/*
 * zset.c: the sorted set value (see zset.h): the skip list with spans
 * after William Pugh's paper as Redis extends it (repeated scores ordered
 * by member, a backward pointer on level 0, the rank kept in spans), the
 * sorted listpack, and the conversions between them.
 */
#include "zset.h"

#include <math.h>

#include "alloc.h"
#include "buf.h"
#include "resp.h"
#include "worker.h"

size_t kv_zset_max_entries(void)
{
    return (size_t) kv_worker.conf.zset_max_listpack_entries;
}

size_t kv_zset_max_value(void)
{
    return (size_t) kv_worker.conf.zset_max_listpack_value;
}

/* ---- scores as text ---------------------------------------------------- */

/* Redis's double2ll(): an integral value in +-LLONG_MAX / 2, as a long
 * long (so -0 is 0). */
static int kv_zset_double2ll(double d, long long *out)
{
    long long ll;

    if (d < (double) (-LLONG_MAX / 2) || d > (double) (LLONG_MAX / 2)) {
        return 0;
    }
    ll = (long long) d;
    if ((double) ll != d) {
        return 0;
    }
    *out = ll;
    return 1;
}

size_t kv_zset_d2str(char *buf, size_t len, double v)
{
    long long ll;
    int n;

    /* zzlInsertAt(): integral scores as integers (-0 becomes 0), the rest
     * as d2string() writes them. */
    if (isinf(v)) {
        n = snprintf(buf, len, "%s", v < 0 ? "-inf" : "inf");
    } else if (kv_zset_double2ll(v, &ll)) {
        n = (int) kv_ll2str(buf, ll);
    } else {
        n = snprintf(buf, len, "%.17g", v);
    }
    return n > 0 && (size_t) n < len ? (size_t) n : 0;
}

size_t kv_zset_d2string(char *buf, size_t len, double v)
{
    long long ll;
    int n;

    /* d2string() itself, for ZSCAN of a skip list: -0 stays "-0". */
    if (isnan(v)) {
        n = snprintf(buf, len, "nan");
    } else if (isinf(v)) {
        n = snprintf(buf, len, "%s", v < 0 ? "-inf" : "inf");
    } else if (v == 0) {
        n = snprintf(buf, len, "%s", signbit(v) ? "-0" : "0");
    } else if (kv_zset_double2ll(v, &ll)) {
        n = (int) kv_ll2str(buf, ll);
    } else {
        n = snprintf(buf, len, "%.17g", v);
    }
    return n > 0 && (size_t) n < len ? (size_t) n : 0;
}

double kv_zset_lp_score(const char *p, size_t len)
{
    char buf[KV_ZSET_SCORE_MAX + 1];
    long long ll;

    if (kv_string2ll(p, len, &ll)) {
        return (double) ll;
    }
    if (len > KV_ZSET_SCORE_MAX) {
        len = KV_ZSET_SCORE_MAX;
    }
    memcpy(buf, p, len);
    buf[len] = '\0';
    return strtod(buf, NULL);
}

/* ---- intervals --------------------------------------------------------- */

int kv_zset_score_gte_min(double v, const kv_zrange_t *r)
{
    return r->minex ? v > r->min : v >= r->min;
}

int kv_zset_score_lte_max(double v, const kv_zrange_t *r)
{
    return r->maxex ? v < r->max : v <= r->max;
}

int kv_zrange_empty(const kv_zrange_t *r)
{
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

/* sdscmp(): bytes, then length. */
static int kv_zset_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);

    if (c != 0 || al == bl) {
        return c;
    }
    return al < bl ? -1 : 1;
}

/* sdscmplex(): a member against a bound that may be "-" or "+". */
static int kv_zlex_cmp(const char *m, size_t ml, int kind, const char *b,
                       size_t bl)
{
    if (kind < 0) {
        return 1;
    }
    if (kind > 0) {
        return -1;
    }
    return kv_zset_cmp(m, ml, b, bl);
}

int kv_zset_lex_gte_min(const char *m, size_t len, const kv_zlex_t *r)
{
    int c = kv_zlex_cmp(m, len, r->minkind, r->min, r->minlen);

    return r->minex ? c > 0 : c >= 0;
}

int kv_zset_lex_lte_max(const char *m, size_t len, const kv_zlex_t *r)
{
    int c = kv_zlex_cmp(m, len, r->maxkind, r->max, r->maxlen);

    return r->maxex ? c < 0 : c <= 0;
}

int kv_zlex_empty(const kv_zlex_t *r)
{
    int c;

    if (r->minkind != 0 && r->minkind == r->maxkind) {
        c = 0;
    } else if (r->minkind < 0 || r->maxkind > 0) {
        c = -1;
    } else if (r->minkind > 0 || r->maxkind < 0) {
        c = 1;
    } else {
        c = kv_zset_cmp(r->min, r->minlen, r->max, r->maxlen);
    }
    return c > 0 || (c == 0 && (r->minex || r->maxex));
}

/* ---- the skip list ----------------------------------------------------- */

static const char *kv_zsl_dict_key(const kv_dict_entry_t *e, size_t *len)
{
    const kv_zsl_node_t *n = (const kv_zsl_node_t *) e;

    *len = n->mlen;
    return kv_zsl_member(n);
}

static kv_zsl_node_t *kv_zsl_node_new(int height, double score, const char *m,
                                      size_t mlen)
{
    kv_zsl_node_t *n;

    if (mlen > UINT32_MAX) {
        return NULL;
    }
    n = kv_malloc(sizeof(*n) + sizeof(kv_zsl_level_t) * (size_t) height + mlen);
    if (n == NULL) {
        return NULL;
    }
    n->de.next = NULL;
    n->de.hash = 0;
    n->score = score;
    n->backward = NULL;
    n->mlen = (uint32_t) mlen;
    n->height = (uint8_t) height;
    if (mlen > 0) {
        memcpy((char *) kv_zsl_member(n), m, mlen);
    }
    return n;
}

kv_zset_t *kv_zset_sl_new(void)
{
    kv_zset_t *zs = kv_malloc(sizeof(*zs));

    if (zs == NULL) {
        return NULL;
    }
    zs->header = kv_zsl_node_new(KV_ZSL_MAXLEVEL, 0, NULL, 0);
    if (zs->header == NULL) {
        kv_free(zs);
        return NULL;
    }
    for (int i = 0; i < KV_ZSL_MAXLEVEL; i++) {
        zs->header->level[i].forward = NULL;
        zs->header->level[i].span = 0;
    }
    zs->tag = 0;
    zs->level = 1;
    zs->length = 0;
    zs->tail = NULL;
    kv_dict_init(&zs->dict, kv_zsl_dict_key);
    return zs;
}

void kv_zset_sl_free(kv_zset_t *zs)
{
    kv_zsl_node_t *n = zs->header->level[0].forward, *next;

    while (n != NULL) {
        next = n->level[0].forward;
        kv_free(n);
        n = next;
    }
    kv_free(zs->header);
    kv_dict_free(&zs->dict);
    kv_free(zs);
}

static int kv_zsl_random_level(void)
{
    int level = 1;

    while ((kv_random64() & 0xFFFF) < (uint64_t) (KV_ZSL_P * 0xFFFF)) {
        level++;
    }
    return level < KV_ZSL_MAXLEVEL ? level : KV_ZSL_MAXLEVEL;
}

/* Whether node x sorts before (score, m). */
static int kv_zsl_before(const kv_zsl_node_t *x, double score, const char *m,
                         size_t ml)
{
    return x->score < score ||
           (x->score == score &&
            kv_zset_cmp(kv_zsl_member(x), x->mlen, m, ml) < 0);
}

/* Link node x (its score and member set, not in the list) in order. */
static void kv_zsl_link(kv_zset_t *zs, kv_zsl_node_t *x)
{
    kv_zsl_node_t *update[KV_ZSL_MAXLEVEL], *p = zs->header;
    unsigned long rank[KV_ZSL_MAXLEVEL];
    int level = x->height;
    const char *m = kv_zsl_member(x);

    for (int i = zs->level - 1; i >= 0; i--) {
        rank[i] = i == zs->level - 1 ? 0 : rank[i + 1];
        while (p->level[i].forward != NULL &&
               kv_zsl_before(p->level[i].forward, x->score, m, x->mlen)) {
            rank[i] += p->level[i].span;
            p = p->level[i].forward;
        }
        update[i] = p;
    }
    if (level > zs->level) {
        for (int i = zs->level; i < level; i++) {
            rank[i] = 0;
            update[i] = zs->header;
            update[i]->level[i].span = zs->length;
        }
        zs->level = level;
    }
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < zs->level; i++) {
        update[i]->level[i].span++;
    }
    x->backward = update[0] == zs->header ? NULL : update[0];
    if (x->level[0].forward != NULL) {
        x->level[0].forward->backward = x;
    } else {
        zs->tail = x;
    }
    zs->length++;
}

/* zslInsert(): a new node, in the list and in the dict. NULL when out of
 * memory. The member must not be present. */
static kv_zsl_node_t *kv_zsl_insert(kv_zset_t *zs, double score, const char *m,
                                    size_t mlen, uint64_t hash)
{
    kv_zsl_node_t *x = kv_zsl_node_new(kv_zsl_random_level(), score, m, mlen);

    if (x == NULL) {
        return NULL;
    }
    x->de.hash = hash;
    if (kv_dict_add(&zs->dict, &x->de) != KV_OK &&
        kv_dict_overhead(&zs->dict) == 0) {
        kv_free(x);
        return NULL;
    }
    kv_zsl_link(zs, x);
    return x;
}

static void kv_zsl_unlink_node(kv_zset_t *zs, kv_zsl_node_t *x,
                               kv_zsl_node_t **update)
{
    for (int i = 0; i < zs->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward != NULL) {
        x->level[0].forward->backward = x->backward;
    } else {
        zs->tail = x->backward;
    }
    while (zs->level > 1 && zs->header->level[zs->level - 1].forward == NULL) {
        zs->level--;
    }
    zs->length--;
}

/* The update[] path to node x (which is in the list). */
static void kv_zsl_path(kv_zset_t *zs, const kv_zsl_node_t *x,
                        kv_zsl_node_t **update)
{
    kv_zsl_node_t *p = zs->header;
    const char *m = kv_zsl_member(x);

    for (int i = zs->level - 1; i >= 0; i--) {
        while (p->level[i].forward != NULL &&
               kv_zsl_before(p->level[i].forward, x->score, m, x->mlen)) {
            p = p->level[i].forward;
        }
        update[i] = p;
    }
}

/* Take node x out of the list and the dict, and free it. */
static void kv_zsl_delete(kv_zset_t *zs, kv_zsl_node_t *x)
{
    kv_zsl_node_t *update[KV_ZSL_MAXLEVEL];

    kv_zsl_path(zs, x, update);
    kv_zsl_unlink_node(zs, x, update);
    (void) kv_dict_unlink(&zs->dict, kv_zsl_member(x), x->mlen, x->de.hash);
    kv_free(x);
}

/* zslUpdateScore(): the node keeps its member, its dict entry and its
 * height; it moves only when its neighbours say it must. */
static void kv_zsl_update_score(kv_zset_t *zs, kv_zsl_node_t *x,
                                double newscore)
{
    kv_zsl_node_t *update[KV_ZSL_MAXLEVEL];

    if ((x->backward == NULL || x->backward->score < newscore) &&
        (x->level[0].forward == NULL ||
         x->level[0].forward->score > newscore)) {
        x->score = newscore;
        return;
    }
    kv_zsl_path(zs, x, update);
    kv_zsl_unlink_node(zs, x, update);
    x->score = newscore;
    kv_zsl_link(zs, x);
}

static kv_zsl_node_t *kv_zsl_find(const kv_zset_t *zs, const char *m,
                                  size_t mlen)
{
    return (kv_zsl_node_t *) kv_dict_find((kv_dict_t *) &zs->dict, m, mlen,
                                          kv_dict_hash(m, mlen));
}

/* zslGetRank(): 1-based rank of node x. */
static unsigned long kv_zsl_rank(const kv_zset_t *zs, const kv_zsl_node_t *x)
{
    const kv_zsl_node_t *p = zs->header;
    const char *m = kv_zsl_member(x);
    unsigned long rank = 0;

    for (int i = zs->level - 1; i >= 0; i--) {
        while (p->level[i].forward != NULL &&
               (p->level[i].forward->score < x->score ||
                (p->level[i].forward->score == x->score &&
                 kv_zset_cmp(kv_zsl_member(p->level[i].forward),
                             p->level[i].forward->mlen, m, x->mlen) <= 0))) {
            rank += p->level[i].span;
            p = p->level[i].forward;
        }
        if (p == x) {
            return rank;
        }
    }
    return 0;
}

/* zslGetElementByRank(): rank is 1-based. */
static kv_zsl_node_t *kv_zsl_by_rank(const kv_zset_t *zs, unsigned long rank)
{
    kv_zsl_node_t *p = zs->header;
    unsigned long traversed = 0;

    for (int i = zs->level - 1; i >= 0; i--) {
        while (p->level[i].forward != NULL &&
               traversed + p->level[i].span <= rank) {
            traversed += p->level[i].span;
            p = p->level[i].forward;
        }
        if (traversed == rank) {
            return p == zs->header ? NULL : p;
        }
    }
    return NULL;
}

static int kv_zsl_in_range(const kv_zset_t *zs, const kv_zrange_t *r)
{
    if (kv_zrange_empty(r)) {
        return 0;
    }
    if (zs->tail == NULL || !kv_zset_score_gte_min(zs->tail->score, r)) {
        return 0;
    }
    return kv_zset_score_lte_max(zs->header->level[0].forward->score, r);
}

static kv_zsl_node_t *kv_zsl_first_in_range(const kv_zset_t *zs,
                                            const kv_zrange_t *r)
{
    kv_zsl_node_t *p = zs->header;

    if (!kv_zsl_in_range(zs, r)) {
        return NULL;
    }
    for (int i = zs->level - 1; i >= 0; i--) {
        while (p->level[i].forward != NULL &&
               !kv_zset_score_gte_min(p->level[i].forward->score, r)) {
            p = p->level[i].forward;
        }
    }
    p = p->level[0].forward;
    return p != NULL && kv_zset_score_lte_max(p->score, r) ? p : NULL;
}

static kv_zsl_node_t *kv_zsl_last_in_range(const kv_zset_t *zs,
                                           const kv_zrange_t *r)
{
    kv_zsl_node_t *p = zs->header;

    if (!kv_zsl_in_range(zs, r)) {
        return NULL;
    }
    for (int i = zs->level - 1; i >= 0; i--) {
        while (p->level[i].forward != NULL &&
               kv_zset_score_lte_max(p->level[i].forward->score, r)) {
            p = p->level[i].forward;
        }
    }
    return p != zs->header && kv_zset_score_gte_min(p->score, r) ? p : NULL;
}

static int kv_zsl_in_lex(const kv_zset_t *zs, const kv_zlex_t *r)
{
    const kv_zsl_node_t *first;

    if (kv_zlex_empty(r) || zs->tail == NULL) {
        return 0;
    }
    if (!kv_zset_lex_gte_min(kv_zsl_member(zs->tail), zs->tail->mlen, r)) {
        return 0;
    }
    first = zs->header->level[0].forward;
    return kv_zset_lex_lte_max(kv_zsl_member(first), first->mlen, r);
}

static kv_zsl_node_t *kv_zsl_first_in_lex(const kv_zset_t *zs,
                                          const kv_zlex_t *r)
{
    kv_zsl_node_t *p = zs->header;

    if (!kv_zsl_in_lex(zs, r)) {
        return NULL;
    }
    for (int i = zs->level - 1; i >= 0; i--) {
        while (p->level[i].forward != NULL &&
               !kv_zset_lex_gte_min(kv_zsl_member(p->level[i].forward),
                                    p->level[i].forward->mlen, r)) {
            p = p->level[i].forward;
        }
    }
    p = p->level[0].forward;
    return p != NULL && kv_zset_lex_lte_max(kv_zsl_member(p), p->mlen, r)
               ? p
               : NULL;
}

static kv_zsl_node_t *kv_zsl_last_in_lex(const kv_zset_t *zs,
                                         const kv_zlex_t *r)
{
    kv_zsl_node_t *p = zs->header;

    if (!kv_zsl_in_lex(zs, r)) {
        return NULL;
    }
    for (int i = zs->level - 1; i >= 0; i--) {
        while (p->level[i].forward != NULL &&
               kv_zset_lex_lte_max(kv_zsl_member(p->level[i].forward),
                                   p->level[i].forward->mlen, r)) {
            p = p->level[i].forward;
        }
    }
    return p != zs->header && kv_zset_lex_gte_min(kv_zsl_member(p), p->mlen, r)
               ? p
               : NULL;
}

/* Unlink and free from node x on while keep(x): the update path must lead
 * to x. */
static unsigned long
kv_zsl_delete_run(kv_zset_t *zs, kv_zsl_node_t *x, kv_zsl_node_t **update,
                  int (*keep)(const kv_zsl_node_t *, const void *),
                  const void *arg, unsigned long max)
{
    unsigned long removed = 0;

    while (x != NULL && removed < max && keep(x, arg)) {
        kv_zsl_node_t *next = x->level[0].forward;
        kv_zsl_unlink_node(zs, x, update);
        (void) kv_dict_unlink(&zs->dict, kv_zsl_member(x), x->mlen, x->de.hash);
        kv_free(x);
        removed++;
        x = next;
    }
    kv_dict_resize_if_needed(&zs->dict);
    return removed;
}

static int kv_zsl_keep_all(const kv_zsl_node_t *x, const void *arg)
{
    return 1;
}

static int kv_zsl_keep_score(const kv_zsl_node_t *x, const void *arg)
{
    return kv_zset_score_lte_max(x->score, arg);
}

static int kv_zsl_keep_lex(const kv_zsl_node_t *x, const void *arg)
{
    return kv_zset_lex_lte_max(kv_zsl_member(x), x->mlen, arg);
}

/* ---- the listpack form ------------------------------------------------- */

kv_lp_t *kv_zset_lp_new(void)
{
    return kv_lp_new();
}

/* The member's offset (its score follows), 0 when absent. */
static size_t kv_zzl_find(const kv_lp_t *lp, const char *m, size_t mlen,
                          double *score)
{
    size_t off = kv_lp_find(lp, kv_lp_first(lp), m, mlen, 2);

    if (off != 0 && score != NULL) {
        size_t sl;
        const char *s = kv_lp_get(lp, kv_lp_next(lp, off), &sl);
        *score = kv_zset_lp_score(s, sl);
    }
    return off;
}

/* zzlInsert(): in order. NULL when out of memory (lp unchanged). */
static kv_lp_t *kv_zzl_insert(kv_lp_t *lp, const char *m, size_t mlen,
                              double score)
{
    char sbuf[KV_ZSET_SCORE_MAX];
    size_t sl = kv_zset_d2str(sbuf, sizeof(sbuf), score);
    size_t off = kv_lp_first(lp);

    while (off != 0) {
        size_t soff = kv_lp_next(lp, off), el, tl;
        const char *e = kv_lp_get(lp, off, &el);
        const char *t = kv_lp_get(lp, soff, &tl);
        double s = kv_zset_lp_score(t, tl);

        if (s > score || (s == score && kv_zset_cmp(e, el, m, mlen) > 0)) {
            break;
        }
        off = kv_lp_next(lp, soff);
    }
    return kv_lp_insert2(lp, off, m, mlen, sbuf, sl);
}

/* ---- the value, whatever its encoding ---------------------------------- */

unsigned long kv_zset_len(const kv_key_t *k)
{
    if (k->enc == KV_ZSET_LISTPACK) {
        return kv_lp_count(k->v.ptr) / 2;
    }
    return ((const kv_zset_t *) k->v.ptr)->length;
}

void *kv_zset_create(size_t size_hint, size_t len, uint8_t *enc)
{
    if (kv_zset_max_entries() == 0 || size_hint > kv_zset_max_entries() ||
        len > kv_zset_max_value()) {
        *enc = KV_ZSET_SKIPLIST;
        return kv_zset_sl_new();
    }
    *enc = KV_ZSET_LISTPACK;
    return kv_zset_lp_new();
}

/* A listpack's elements as a skip list. */
static kv_zset_t *kv_zset_from_lp(const kv_lp_t *lp)
{
    kv_zset_t *zs = kv_zset_sl_new();

    if (zs == NULL) {
        return NULL;
    }
    for (size_t off = kv_lp_first(lp); off != 0;) {
        size_t ml, sl, soff = kv_lp_next(lp, off);
        const char *m = kv_lp_get(lp, off, &ml);
        const char *s = kv_lp_get(lp, soff, &sl);
        if (kv_zsl_insert(zs, kv_zset_lp_score(s, sl), m, ml,
                          kv_dict_hash(m, ml)) == NULL) {
            kv_zset_sl_free(zs);
            return NULL;
        }
        off = kv_lp_next(lp, soff);
    }
    return zs;
}

/* A skip list's elements as a listpack. */
static kv_lp_t *kv_zset_to_lp(const kv_zset_t *zs)
{
    kv_lp_t *lp = kv_lp_new();
    char sbuf[KV_ZSET_SCORE_MAX];

    for (kv_zsl_node_t *x = zs->header->level[0].forward;
         x != NULL && lp != NULL; x = x->level[0].forward) {
        size_t sl = kv_zset_d2str(sbuf, sizeof(sbuf), x->score);
        kv_lp_t *n = kv_lp_insert2(lp, 0, kv_zsl_member(x), x->mlen, sbuf, sl);
        if (n == NULL) {
            kv_lp_free(lp);
            return NULL;
        }
        lp = n;
    }
    return lp;
}

int kv_zset_convert(kv_key_t *k, uint8_t enc)
{
    void *nv;

    if (k->enc == enc) {
        return KV_OK;
    }
    if (enc == KV_ZSET_SKIPLIST) {
        nv = kv_zset_from_lp(k->v.ptr);
        if (nv == NULL) {
            return KV_ERROR;
        }
        kv_lp_free(k->v.ptr);
    } else {
        nv = kv_zset_to_lp(k->v.ptr);
        if (nv == NULL) {
            return KV_ERROR;
        }
        kv_zset_sl_free(k->v.ptr);
    }
    k->v.ptr = nv;
    k->enc = enc;
    return KV_OK;
}

void kv_zset_convert_if_small(kv_key_t *k, size_t maxlen, size_t total)
{
    if (k->enc == KV_ZSET_SKIPLIST &&
        ((kv_zset_t *) k->v.ptr)->length <= kv_zset_max_entries() &&
        maxlen <= kv_zset_max_value() && kv_lp_safe_to_add(NULL, total)) {
        (void) kv_zset_convert(k, KV_ZSET_LISTPACK);
    }
}

int kv_zset_score(const kv_key_t *k, const char *m, size_t mlen, double *s)
{
    if (k->enc == KV_ZSET_LISTPACK) {
        return kv_zzl_find(k->v.ptr, m, mlen, s) != 0;
    } else {
        kv_zsl_node_t *x = kv_zsl_find(k->v.ptr, m, mlen);
        if (x == NULL) {
            return 0;
        }
        *s = x->score;
        return 1;
    }
}

int kv_zset_add(kv_key_t *k, double score, const char *m, size_t mlen,
                int in_flags, int *out_flags, double *newscore)
{
    int incr = (in_flags & KV_ZADD_IN_INCR) != 0;
    int nx = (in_flags & KV_ZADD_IN_NX) != 0;
    int xx = (in_flags & KV_ZADD_IN_XX) != 0;
    int gt = (in_flags & KV_ZADD_IN_GT) != 0;
    int lt = (in_flags & KV_ZADD_IN_LT) != 0;
    double cur;

    *out_flags = 0;
    if (isnan(score)) {
        *out_flags = KV_ZADD_OUT_NAN;
        return 0;
    }
    if (k->enc == KV_ZSET_LISTPACK) {
        kv_lp_t *lp = k->v.ptr;
        size_t off = kv_zzl_find(lp, m, mlen, &cur);

        if (off != 0) {
            if (nx) {
                *out_flags |= KV_ZADD_OUT_NOP;
                return 1;
            }
            if (incr) {
                score += cur;
                if (isnan(score)) {
                    *out_flags |= KV_ZADD_OUT_NAN;
                    return 0;
                }
            }
            if ((lt && score >= cur) || (gt && score <= cur)) {
                *out_flags |= KV_ZADD_OUT_NOP;
                return 1;
            }
            if (newscore != NULL) {
                *newscore = score;
            }
            if (score != cur) {
                /* Delete and insert again: the insert can only fail for
                 * memory after the delete shrank the block, so copy the
                 * pair back on failure. */
                kv_lp_t *n;
                lp = kv_lp_delete(lp, off, 2);
                n = kv_zzl_insert(lp, m, mlen, score);
                if (n == NULL) {
                    n = kv_zzl_insert(lp, m, mlen, cur);
                    k->v.ptr = n != NULL ? n : lp;
                    return -1;
                }
                k->v.ptr = n;
                *out_flags |= KV_ZADD_OUT_UPDATED;
            }
            return 1;
        }
        if (xx) {
            *out_flags |= KV_ZADD_OUT_NOP;
            return 1;
        }
        if (kv_lp_count(lp) / 2 + 1 > kv_zset_max_entries() ||
            mlen > kv_zset_max_value() || !kv_lp_safe_to_add(lp, mlen)) {
            if (kv_zset_convert(k, KV_ZSET_SKIPLIST) != KV_OK) {
                return -1;
            }
        } else {
            kv_lp_t *n = kv_zzl_insert(lp, m, mlen, score);
            if (n == NULL) {
                return -1;
            }
            k->v.ptr = n;
            if (newscore != NULL) {
                *newscore = score;
            }
            *out_flags |= KV_ZADD_OUT_ADDED;
            return 1;
        }
    }
    {
        kv_zset_t *zs = k->v.ptr;
        uint64_t h = kv_dict_hash(m, mlen);
        kv_zsl_node_t *x =
            (kv_zsl_node_t *) kv_dict_find(&zs->dict, m, mlen, h);

        if (x != NULL) {
            if (nx) {
                *out_flags |= KV_ZADD_OUT_NOP;
                return 1;
            }
            cur = x->score;
            if (incr) {
                score += cur;
                if (isnan(score)) {
                    *out_flags |= KV_ZADD_OUT_NAN;
                    return 0;
                }
            }
            if ((lt && score >= cur) || (gt && score <= cur)) {
                *out_flags |= KV_ZADD_OUT_NOP;
                return 1;
            }
            if (newscore != NULL) {
                *newscore = score;
            }
            if (score != cur) {
                kv_zsl_update_score(zs, x, score);
                *out_flags |= KV_ZADD_OUT_UPDATED;
            }
            return 1;
        }
        if (xx) {
            *out_flags |= KV_ZADD_OUT_NOP;
            return 1;
        }
        if (kv_zsl_insert(zs, score, m, mlen, h) == NULL) {
            return -1;
        }
        *out_flags |= KV_ZADD_OUT_ADDED;
        if (newscore != NULL) {
            *newscore = score;
        }
        return 1;
    }
}

int kv_zset_del(kv_key_t *k, const char *m, size_t mlen)
{
    if (k->enc == KV_ZSET_LISTPACK) {
        size_t off = kv_zzl_find(k->v.ptr, m, mlen, NULL);
        if (off == 0) {
            return 0;
        }
        k->v.ptr = kv_lp_delete(k->v.ptr, off, 2);
        return 1;
    } else {
        kv_zset_t *zs = k->v.ptr;
        kv_zsl_node_t *x = kv_zsl_find(zs, m, mlen);
        if (x == NULL) {
            return 0;
        }
        kv_zsl_delete(zs, x);
        kv_dict_resize_if_needed(&zs->dict);
        return 1;
    }
}

long kv_zset_rank(const kv_key_t *k, const char *m, size_t mlen, int reverse)
{
    unsigned long len = kv_zset_len(k), rank;

    if (k->enc == KV_ZSET_LISTPACK) {
        const kv_lp_t *lp = k->v.ptr;
        size_t off = kv_lp_find(lp, kv_lp_first(lp), m, mlen, 2);
        if (off == 0) {
            return -1;
        }
        rank = 0;
        for (size_t o = kv_lp_first(lp); o != off;
             o = kv_lp_next(lp, kv_lp_next(lp, o))) {
            rank++;
        }
    } else {
        kv_zsl_node_t *x = kv_zsl_find(k->v.ptr, m, mlen);
        if (x == NULL) {
            return -1;
        }
        rank = kv_zsl_rank(k->v.ptr, x) - 1;
    }
    return (long) (reverse ? len - 1 - rank : rank);
}

unsigned long kv_zset_del_rank(kv_key_t *k, unsigned long start,
                               unsigned long end)
{
    unsigned long n = end - start + 1;

    if (k->enc == KV_ZSET_LISTPACK) {
        kv_lp_t *lp = k->v.ptr;
        k->v.ptr = kv_lp_delete(lp, kv_lp_index(lp, (long) start * 2),
                                (uint32_t) (n * 2));
        return n;
    } else {
        kv_zset_t *zs = k->v.ptr;
        kv_zsl_node_t *update[KV_ZSL_MAXLEVEL], *p = zs->header;
        unsigned long traversed = 0;

        /* start + 1 is the 1-based rank of the first to go. */
        for (int i = zs->level - 1; i >= 0; i--) {
            while (p->level[i].forward != NULL &&
                   traversed + p->level[i].span < start + 1) {
                traversed += p->level[i].span;
                p = p->level[i].forward;
            }
            update[i] = p;
        }
        return kv_zsl_delete_run(zs, p->level[0].forward, update,
                                 kv_zsl_keep_all, NULL, n);
    }
}

/*
 * zzlDeleteRangeByScore() / ByLex(): from the first element in the
 * interval, the run of elements up to its maximum; the rank interval
 * [*a, *b], 0 when there is none.
 */
static int kv_zset_lp_span(const kv_key_t *k, const kv_zrange_t *sr,
                           const kv_zlex_t *lr, unsigned long *a,
                           unsigned long *b)
{
    kv_zcur_t cur;
    int found;

    if (kv_zcur_init(&cur, k) != KV_OK) {
        return 0;
    }
    found = sr != NULL ? kv_zcur_first_in_range(&cur, sr)
                       : kv_zcur_first_in_lex(&cur, lr);
    if (found) {
        *a = *b = kv_zcur_rank(&cur);
        for (kv_zcur_next(&cur); kv_zcur_valid(&cur); kv_zcur_next(&cur)) {
            const kv_zelem_t *e = &cur.v[cur.i];
            if (sr != NULL ? !kv_zset_score_lte_max(e->score, sr)
                           : !kv_zset_lex_lte_max(e->m, e->mlen, lr)) {
                break;
            }
            *b = kv_zcur_rank(&cur);
        }
    }
    kv_zcur_done(&cur);
    return found;
}

unsigned long kv_zset_del_score(kv_key_t *k, const kv_zrange_t *r)
{
    if (k->enc == KV_ZSET_LISTPACK) {
        unsigned long a, b;
        if (!kv_zset_lp_span(k, r, NULL, &a, &b)) {
            return 0;
        }
        return kv_zset_del_rank(k, a, b);
    } else {
        kv_zset_t *zs = k->v.ptr;
        kv_zsl_node_t *update[KV_ZSL_MAXLEVEL], *p = zs->header;

        for (int i = zs->level - 1; i >= 0; i--) {
            while (p->level[i].forward != NULL &&
                   (r->minex ? p->level[i].forward->score <= r->min
                             : p->level[i].forward->score < r->min)) {
                p = p->level[i].forward;
            }
            update[i] = p;
        }
        return kv_zsl_delete_run(zs, p->level[0].forward, update,
                                 kv_zsl_keep_score, r, ULONG_MAX);
    }
}

unsigned long kv_zset_del_lex(kv_key_t *k, const kv_zlex_t *r)
{
    if (k->enc == KV_ZSET_LISTPACK) {
        unsigned long a, b;
        if (!kv_zset_lp_span(k, NULL, r, &a, &b)) {
            return 0;
        }
        return kv_zset_del_rank(k, a, b);
    } else {
        kv_zset_t *zs = k->v.ptr;
        kv_zsl_node_t *update[KV_ZSL_MAXLEVEL], *p = zs->header;

        for (int i = zs->level - 1; i >= 0; i--) {
            while (p->level[i].forward != NULL &&
                   !kv_zset_lex_gte_min(kv_zsl_member(p->level[i].forward),
                                        p->level[i].forward->mlen, r)) {
                p = p->level[i].forward;
            }
            update[i] = p;
        }
        return kv_zsl_delete_run(zs, p->level[0].forward, update,
                                 kv_zsl_keep_lex, r, ULONG_MAX);
    }
}

/* ---- the read cursor --------------------------------------------------- */

int kv_zcur_init(kv_zcur_t *cur, const kv_key_t *k)
{
    cur->k = k;
    cur->v = NULL;
    cur->n = 0;
    cur->i = 0;
    cur->x = NULL;
    if (k->enc == KV_ZSET_LISTPACK) {
        const kv_lp_t *lp = k->v.ptr;
        unsigned long n = kv_lp_count(lp) / 2;

        cur->v = kv_malloc(sizeof(kv_zelem_t) * (n ? n : 1));
        if (cur->v == NULL) {
            return KV_ERROR;
        }
        for (size_t off = kv_lp_first(lp); off != 0;) {
            size_t sl, soff = kv_lp_next(lp, off);
            kv_zelem_t *e = &cur->v[cur->n++];
            const char *s;
            e->m = kv_lp_get(lp, off, &e->mlen);
            s = kv_lp_get(lp, soff, &sl);
            e->score = kv_zset_lp_score(s, sl);
            off = kv_lp_next(lp, soff);
        }
    } else {
        cur->x = ((const kv_zset_t *) k->v.ptr)->header->level[0].forward;
    }
    return KV_OK;
}

void kv_zcur_done(kv_zcur_t *cur)
{
    kv_free(cur->v);
    cur->v = NULL;
}

int kv_zcur_valid(const kv_zcur_t *cur)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        return cur->i >= 0 && (unsigned long) cur->i < cur->n;
    }
    return cur->x != NULL;
}

void kv_zcur_get(const kv_zcur_t *cur, kv_zelem_t *e)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        *e = cur->v[cur->i];
    } else {
        e->m = kv_zsl_member(cur->x);
        e->mlen = cur->x->mlen;
        e->score = cur->x->score;
    }
}

void kv_zcur_next(kv_zcur_t *cur)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        cur->i++;
    } else {
        cur->x = cur->x->level[0].forward;
    }
}

void kv_zcur_prev(kv_zcur_t *cur)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        cur->i--;
    } else {
        cur->x = cur->x->backward;
    }
}

void kv_zcur_seek_rank(kv_zcur_t *cur, unsigned long rank)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        cur->i = (long) rank;
    } else {
        cur->x = kv_zsl_by_rank(cur->k->v.ptr, rank + 1);
    }
}

unsigned long kv_zcur_rank(const kv_zcur_t *cur)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        return (unsigned long) cur->i;
    }
    return kv_zsl_rank(cur->k->v.ptr, cur->x) - 1;
}

/* zzlIsInRange() and zzlIsInLexRange(): the last element is past the
 * minimum and the first before the maximum. */
static int kv_zcur_lp_in_range(const kv_zcur_t *cur, const kv_zrange_t *r)
{
    return !kv_zrange_empty(r) && cur->n > 0 &&
           kv_zset_score_gte_min(cur->v[cur->n - 1].score, r) &&
           kv_zset_score_lte_max(cur->v[0].score, r);
}

static int kv_zcur_lp_in_lex(const kv_zcur_t *cur, const kv_zlex_t *r)
{
    return !kv_zlex_empty(r) && cur->n > 0 &&
           kv_zset_lex_gte_min(cur->v[cur->n - 1].m, cur->v[cur->n - 1].mlen,
                               r) &&
           kv_zset_lex_lte_max(cur->v[0].m, cur->v[0].mlen, r);
}

int kv_zcur_first_in_range(kv_zcur_t *cur, const kv_zrange_t *r)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        if (!kv_zcur_lp_in_range(cur, r)) {
            return 0;
        }
        for (cur->i = 0; (unsigned long) cur->i < cur->n; cur->i++) {
            double s = cur->v[cur->i].score;
            if (kv_zset_score_gte_min(s, r)) {
                return kv_zset_score_lte_max(s, r);
            }
        }
        return 0;
    }
    cur->x = kv_zsl_first_in_range(cur->k->v.ptr, r);
    return cur->x != NULL;
}

int kv_zcur_last_in_range(kv_zcur_t *cur, const kv_zrange_t *r)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        if (!kv_zcur_lp_in_range(cur, r)) {
            return 0;
        }
        for (cur->i = (long) cur->n - 1; cur->i >= 0; cur->i--) {
            double s = cur->v[cur->i].score;
            if (kv_zset_score_lte_max(s, r)) {
                return kv_zset_score_gte_min(s, r);
            }
        }
        return 0;
    }
    cur->x = kv_zsl_last_in_range(cur->k->v.ptr, r);
    return cur->x != NULL;
}

int kv_zcur_first_in_lex(kv_zcur_t *cur, const kv_zlex_t *r)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        if (!kv_zcur_lp_in_lex(cur, r)) {
            return 0;
        }
        for (cur->i = 0; (unsigned long) cur->i < cur->n; cur->i++) {
            const kv_zelem_t *e = &cur->v[cur->i];
            if (kv_zset_lex_gte_min(e->m, e->mlen, r)) {
                return kv_zset_lex_lte_max(e->m, e->mlen, r);
            }
        }
        return 0;
    }
    cur->x = kv_zsl_first_in_lex(cur->k->v.ptr, r);
    return cur->x != NULL;
}

int kv_zcur_last_in_lex(kv_zcur_t *cur, const kv_zlex_t *r)
{
    if (cur->k->enc == KV_ZSET_LISTPACK) {
        if (!kv_zcur_lp_in_lex(cur, r)) {
            return 0;
        }
        for (cur->i = (long) cur->n - 1; cur->i >= 0; cur->i--) {
            const kv_zelem_t *e = &cur->v[cur->i];
            if (kv_zset_lex_lte_max(e->m, e->mlen, r)) {
                return kv_zset_lex_gte_min(e->m, e->mlen, r);
            }
        }
        return 0;
    }
    cur->x = kv_zsl_last_in_lex(cur->k->v.ptr, r);
    return cur->x != NULL;
}

/* ---- building results -------------------------------------------------- */

int kv_zset_sl_insert(kv_zset_t *zs, double score, const char *m, size_t mlen)
{
    return kv_zsl_insert(zs, score, m, mlen, kv_dict_hash(m, mlen)) != NULL
               ? KV_OK
               : KV_ERROR;
}

kv_zsl_node_t *kv_zset_acc_find(kv_zset_t *zs, const char *m, size_t mlen,
                                uint64_t hash)
{
    return (kv_zsl_node_t *) kv_dict_find(&zs->dict, m, mlen, hash);
}

kv_zsl_node_t *kv_zset_acc_add(kv_zset_t *zs, double score, const char *m,
                               size_t mlen, uint64_t hash)
{
    kv_zsl_node_t *x = kv_zsl_node_new(kv_zsl_random_level(), score, m, mlen);

    if (x == NULL) {
        return NULL;
    }
    x->de.hash = hash;
    if (kv_dict_add(&zs->dict, &x->de) != KV_OK &&
        kv_dict_overhead(&zs->dict) == 0) {
        kv_free(x);
        return NULL;
    }
    return x;
}

void kv_zset_acc_link(kv_zset_t *zs)
{
    kv_dict_iter_t it;
    kv_dict_entry_t *e;

    kv_dict_iter_init(&it, &zs->dict);
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        kv_zsl_link(zs, (kv_zsl_node_t *) e);
    }
    kv_dict_iter_done(&it);
}

/* ---- the type's hooks (db.h) ------------------------------------------- */

static void kv_zset_free(void *ptr)
{
    uint32_t tag;

    memcpy(&tag, ptr, sizeof(tag));
    if (tag == 0) {
        kv_zset_sl_free(ptr);
    } else {
        kv_lp_free(ptr);
    }
}

static const char *kv_zset_encoding(uint8_t enc)
{
    return enc == KV_ZSET_LISTPACK ? "listpack" : "skiplist";
}

static void *kv_zset_dup(const void *ptr, uint8_t enc)
{
    const kv_zset_t *src = ptr;
    kv_zset_t *zs;

    if (enc == KV_ZSET_LISTPACK) {
        return kv_lp_dup(ptr);
    }
    zs = kv_zset_sl_new();
    if (zs == NULL) {
        return NULL;
    }
    for (kv_zsl_node_t *x = src->header->level[0].forward; x != NULL;
         x = x->level[0].forward) {
        if (kv_zsl_insert(zs, x->score, kv_zsl_member(x), x->mlen,
                          x->de.hash) == NULL) {
            kv_zset_sl_free(zs);
            return NULL;
        }
    }
    return zs;
}

/*
 * dump: one byte of encoding, then a listpack's bytes as they are, or a
 * skip list's count (8 bytes) and, in order, each member as a 4-byte
 * length and its bytes followed by its score (8 bytes, the double as it
 * is). restore rebuilds the same encoding.
 */
static int kv_zset_dump(const void *ptr, uint8_t enc, kv_buf_t *out)
{
    const kv_zset_t *zs = ptr;
    uint8_t e = enc;
    uint64_t n;

    if (kv_buf_append(out, &e, 1) != KV_OK) {
        return KV_ERROR;
    }
    if (enc == KV_ZSET_LISTPACK) {
        return kv_buf_append(out, ptr, kv_lp_bytes(ptr));
    }
    n = zs->length;
    if (kv_buf_append(out, &n, sizeof(n)) != KV_OK) {
        return KV_ERROR;
    }
    for (kv_zsl_node_t *x = zs->header->level[0].forward; x != NULL;
         x = x->level[0].forward) {
        if (kv_buf_append(out, &x->mlen, 4) != KV_OK ||
            kv_buf_append(out, kv_zsl_member(x), x->mlen) != KV_OK ||
            kv_buf_append(out, &x->score, sizeof(double)) != KV_OK) {
            return KV_ERROR;
        }
    }
    return KV_OK;
}

static void *kv_zset_restore(const char *p, size_t len, uint8_t *enc)
{
    kv_zset_t *zs;
    uint64_t n;
    size_t pos = 1 + sizeof(n);

    if (len < 1) {
        return NULL;
    }
    if (p[0] == KV_ZSET_LISTPACK) {
        kv_lp_t *lp = kv_lp_restore(p + 1, len - 1, 2);
        if (lp != NULL) {
            *enc = KV_ZSET_LISTPACK;
        }
        return lp;
    }
    if (p[0] != KV_ZSET_SKIPLIST || len < pos) {
        return NULL;
    }
    memcpy(&n, p + 1, sizeof(n));
    zs = kv_zset_sl_new();
    if (zs == NULL) {
        return NULL;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint32_t ml;
        double score;
        const char *m;
        uint64_t h;

        if (len - pos < 4) {
            goto bad;
        }
        memcpy(&ml, p + pos, 4);
        pos += 4;
        if (len - pos < (size_t) ml + sizeof(double)) {
            goto bad;
        }
        m = p + pos;
        pos += ml;
        memcpy(&score, p + pos, sizeof(double));
        pos += sizeof(double);
        if (isnan(score)) {
            goto bad;
        }
        h = kv_dict_hash(m, ml);
        if (kv_dict_find(&zs->dict, m, ml, h) != NULL) {
            continue;
        }
        if (kv_zsl_insert(zs, score, m, ml, h) == NULL) {
            goto bad;
        }
    }
    *enc = KV_ZSET_SKIPLIST;
    return zs;
bad:
    kv_zset_sl_free(zs);
    return NULL;
}

const kv_type_ops_t kv_zset_type = {
    "zset",           kv_zset_free, kv_zset_dup,
    kv_zset_encoding, kv_zset_dump, kv_zset_restore,
};
