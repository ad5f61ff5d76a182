/*
 * check_zset.c: the sorted set value (src/zset.c): the skip list with spans
 * and its dict, the sorted listpack, the conversions between them, and the
 * dump / restore used to move values between shards.
 *
 * A randomized test drives a sorted set (in either encoding) and a plain
 * sorted array of (score, member) (the model) with the same adds, score
 * updates and removals, and after each step compares the order, the ranks
 * both ways, the scores, and the skip list's own invariants (spans add up
 * to ranks, backward pointers mirror forward ones, the dict holds every
 * node).
 */
#include "kevyd.h"

#include <check.h>
#include <math.h>

#include "alloc.h"
#include "buf.h"
#include "worker.h"
#include "zset.h"
#include "ck_fast.h"
#include "ck_run.h"


static void setup(void)
{
    kv_worker.conf.zset_max_listpack_entries = 128;
    kv_worker.conf.zset_max_listpack_value = 64;
}

/* A sorted set held like a key holds it. */
static void holder(kv_key_t *k, int enc)
{
    memset(k, 0, sizeof(*k));
    k->type = KV_TYPE_ZSET;
    k->enc = (uint8_t) enc;
    k->v.ptr = enc == KV_ZSET_LISTPACK ? (void *) kv_zset_lp_new()
                                       : (void *) kv_zset_sl_new();
    ck_assert_ptr_nonnull(k->v.ptr);
}

static void holder_free(kv_key_t *k)
{
    kv_zset_type.free(k->v.ptr);
    k->v.ptr = NULL;
}

static int add(kv_key_t *k, double score, const char *m, int flags)
{
    int out = 0;
    double ns;

    ck_fast(kv_zset_add(k, score, m, strlen(m), flags, &out, &ns) == 1);
    return out;
}

/* The skip list's invariants. */
static void check_skiplist(const kv_zset_t *zs)
{
    const kv_zsl_node_t *prev = NULL, *x;
    unsigned long n = 0;

    for (x = zs->header->level[0].forward; x != NULL; x = x->level[0].forward) {
        ck_fast(x->backward == prev);
        if (prev != NULL) {
            ck_fast(
                prev->score < x->score ||
                (prev->score == x->score &&
                 (memcmp(kv_zsl_member(prev), kv_zsl_member(x),
                         prev->mlen < x->mlen ? prev->mlen : x->mlen) < 0 ||
                  (memcmp(kv_zsl_member(prev), kv_zsl_member(x),
                          prev->mlen < x->mlen ? prev->mlen : x->mlen) == 0 &&
                   prev->mlen < x->mlen))));
        }
        prev = x;
        n++;
    }
    ck_fast(zs->tail == prev);
    ck_fast(zs->length == n);
    ck_fast(kv_dict_size(&zs->dict) == n);
    /* On every level the spans add up to the distance in ranks. */
    for (int i = 0; i < zs->level; i++) {
        unsigned long rank = 0;
        const kv_zsl_node_t *p = zs->header;
        while (p->level[i].forward != NULL) {
            unsigned long r0 = 0;
            const kv_zsl_node_t *q = zs->header->level[0].forward;
            rank += p->level[i].span;
            p = p->level[i].forward;
            while (q != p) {
                q = q->level[0].forward;
                r0++;
            }
            ck_fast(r0 + 1 == rank);
        }
    }
}

START_TEST(test_d2str)
{
    char buf[KV_ZSET_SCORE_MAX];
    static const struct {
        double v;
        const char *lp, *d2s;
    } cases[] = {
        { 0.0, "0", "0" },
        { -0.0, "0", "-0" },
        { 1.0, "1", "1" },
        { -3.0, "-3", "-3" },
        { 1.5, "1.5", "1.5" },
        { 0.1, "0.10000000000000001", "0.10000000000000001" },
        { 1e100, "1e+100", "1e+100" },
        { 123456789012345678.0, "123456789012345680", "123456789012345680" },
        { 4611686018427387904.0, "4611686018427387904", "4611686018427387904" },
        { 9223372036854775808.0, "9.2233720368547758e+18",
          "9.2233720368547758e+18" },
    };

    for (size_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        size_t n = kv_zset_d2str(buf, sizeof(buf), cases[i].v);
        ck_assert_str_eq(buf, cases[i].lp);
        ck_assert_uint_eq(n, strlen(cases[i].lp));
        n = kv_zset_d2string(buf, sizeof(buf), cases[i].v);
        ck_assert_str_eq(buf, cases[i].d2s);
        ck_assert(kv_zset_lp_score(cases[i].lp, strlen(cases[i].lp)) ==
                  cases[i].v);
    }
    (void) kv_zset_d2str(buf, sizeof(buf), INFINITY);
    ck_assert_str_eq(buf, "inf");
    (void) kv_zset_d2str(buf, sizeof(buf), -INFINITY);
    ck_assert_str_eq(buf, "-inf");
    ck_assert(isinf(kv_zset_lp_score("-inf", 4)));
}
END_TEST

START_TEST(test_add_flags)
{
    kv_key_t k;
    double ns = 0;
    int out;

    for (int enc = 0; enc < 2; enc++) {
        holder(&k, enc);
        ck_assert_int_eq(add(&k, 1, "a", 0), KV_ZADD_OUT_ADDED);
        ck_assert_int_eq(add(&k, 1, "a", 0), 0);
        ck_assert_int_eq(add(&k, 2, "a", 0), KV_ZADD_OUT_UPDATED);
        ck_assert_int_eq(add(&k, 3, "a", KV_ZADD_IN_NX), KV_ZADD_OUT_NOP);
        ck_assert_int_eq(add(&k, 3, "b", KV_ZADD_IN_XX), KV_ZADD_OUT_NOP);
        ck_assert_int_eq(add(&k, 1, "a", KV_ZADD_IN_GT), KV_ZADD_OUT_NOP);
        ck_assert_int_eq(add(&k, 5, "a", KV_ZADD_IN_LT), KV_ZADD_OUT_NOP);
        ck_assert_int_eq(add(&k, 5, "a", KV_ZADD_IN_GT), KV_ZADD_OUT_UPDATED);
        ck_assert_int_eq(
            kv_zset_add(&k, 1.5, "a", 1, KV_ZADD_IN_INCR, &out, &ns), 1);
        ck_assert(ns == 6.5);
        ck_assert_int_eq(
            kv_zset_add(&k, INFINITY, "a", 1, KV_ZADD_IN_INCR, &out, &ns), 1);
        ck_assert_int_eq(
            kv_zset_add(&k, -INFINITY, "a", 1, KV_ZADD_IN_INCR, &out, &ns), 0);
        ck_assert_int_eq(out, KV_ZADD_OUT_NAN);
        ck_assert_int_eq(kv_zset_add(&k, NAN, "z", 1, 0, &out, &ns), 0);
        ck_assert_uint_eq(kv_zset_len(&k), 1);
        ck_assert_int_eq(k.enc, enc);
        holder_free(&k);
    }
}
END_TEST

START_TEST(test_conversion_thresholds)
{
    char m[80];
    kv_key_t k;

    holder(&k, KV_ZSET_LISTPACK);
    for (int i = 0; i < 128; i++) {
        snprintf(m, sizeof(m), "m%d", i);
        add(&k, i, m, 0);
    }
    ck_assert_int_eq(k.enc, KV_ZSET_LISTPACK);
    add(&k, 5, "m3", 0); /* an update is not an insert */
    ck_assert_int_eq(k.enc, KV_ZSET_LISTPACK);
    add(&k, 1000, "m128", 0);
    ck_assert_int_eq(k.enc, KV_ZSET_SKIPLIST);
    ck_assert_uint_eq(kv_zset_len(&k), 129);
    check_skiplist(k.v.ptr);
    /* back to a listpack only on request, and only when small */
    kv_zset_convert_if_small(&k, 4, 500);
    ck_assert_int_eq(k.enc, KV_ZSET_SKIPLIST);
    ck_assert_uint_eq(kv_zset_del_rank(&k, 0, 9), 10);
    kv_zset_convert_if_small(&k, 4, 500);
    ck_assert_int_eq(k.enc, KV_ZSET_LISTPACK);
    ck_assert_int_eq(kv_zset_rank(&k, "m3", 2, 0), -1);
    ck_assert_int_eq(kv_zset_rank(&k, "m10", 3, 0), 0);
    ck_assert_int_eq(kv_zset_rank(&k, "m128", 4, 0), 118);
    holder_free(&k);

    holder(&k, KV_ZSET_LISTPACK);
    memset(m, 'x', 65);
    m[65] = '\0';
    add(&k, 1, "a", 0);
    add(&k, 1, m, KV_ZADD_IN_XX);
    ck_assert_int_eq(k.enc, KV_ZSET_LISTPACK);
    add(&k, 1, m, 0);
    ck_assert_int_eq(k.enc, KV_ZSET_SKIPLIST);
    holder_free(&k);
}
END_TEST

START_TEST(test_ranges)
{
    kv_key_t k;
    kv_zrange_t r = { 2, 4, 0, 1 };                /* [2, 4) */
    kv_zlex_t lr = { "b", "d", 1, 1, 0, 1, 0, 0 }; /* [b, d) */
    const char *ms[] = { "a", "b", "c", "d", "e" };

    for (int enc = 0; enc < 2; enc++) {
        kv_zcur_t cur;
        kv_zelem_t e;

        holder(&k, enc);
        for (int i = 0; i < 5; i++) {
            add(&k, i + 1, ms[i], 0);
        }
        ck_assert_int_eq(kv_zcur_init(&cur, &k), KV_OK);
        ck_assert(kv_zcur_first_in_range(&cur, &r));
        kv_zcur_get(&cur, &e);
        ck_assert(e.score == 2 && e.mlen == 1 && e.m[0] == 'b');
        ck_assert(kv_zcur_last_in_range(&cur, &r));
        ck_assert_uint_eq(kv_zcur_rank(&cur), 2);
        kv_zcur_prev(&cur);
        kv_zcur_get(&cur, &e);
        ck_assert(e.m[0] == 'b');
        ck_assert(kv_zcur_first_in_lex(&cur, &lr));
        ck_assert_uint_eq(kv_zcur_rank(&cur), 1);
        ck_assert(kv_zcur_last_in_lex(&cur, &lr));
        ck_assert_uint_eq(kv_zcur_rank(&cur), 2);
        kv_zcur_seek_rank(&cur, 4);
        kv_zcur_get(&cur, &e);
        ck_assert(e.m[0] == 'e');
        kv_zcur_next(&cur);
        ck_assert(!kv_zcur_valid(&cur));
        kv_zcur_done(&cur);

        ck_assert_uint_eq(kv_zset_del_score(&k, &r), 2);
        ck_assert_uint_eq(kv_zset_len(&k), 3);
        lr.maxex = 0;
        ck_assert_uint_eq(kv_zset_del_lex(&k, &lr), 1); /* d */
        ck_assert_int_eq(kv_zset_rank(&k, "e", 1, 0), 1);
        ck_assert_int_eq(kv_zset_rank(&k, "e", 1, 1), 0);
        lr.maxex = 1;
        holder_free(&k);
    }
}
END_TEST

START_TEST(test_dump_restore)
{
    char m[32];
    kv_key_t k, r;

    for (int enc = 0; enc < 2; enc++) {
        kv_buf_t b = { 0 };
        uint8_t renc = 99;

        holder(&k, enc);
        add(&k, -0.0, "neg zero", 0);
        add(&k, INFINITY, "inf", 0);
        add(&k, 0.1, "tenth", 0);
        for (int i = 0; i < 50; i++) {
            snprintf(m, sizeof(m), "m\r\n%d", i);
            add(&k, i / 3.0, m, 0);
        }
        ck_assert_int_eq(kv_zset_type.dump(k.v.ptr, k.enc, &b), KV_OK);
        memset(&r, 0, sizeof(r));
        r.type = KV_TYPE_ZSET;
        r.v.ptr = kv_zset_type.restore(b.data, b.len, &renc);
        ck_assert_ptr_nonnull(r.v.ptr);
        ck_assert_int_eq(renc, enc);
        r.enc = renc;
        ck_assert_uint_eq(kv_zset_len(&r), kv_zset_len(&k));
        for (int i = 0; i < 50; i++) {
            double s1, s2;
            snprintf(m, sizeof(m), "m\r\n%d", i);
            ck_assert(kv_zset_score(&k, m, strlen(m), &s1));
            ck_assert(kv_zset_score(&r, m, strlen(m), &s2));
            ck_assert(s1 == s2);
            ck_assert_int_eq(kv_zset_rank(&r, m, strlen(m), 0),
                             kv_zset_rank(&k, m, strlen(m), 0));
        }
        /* truncated or corrupt bytes are refused */
        for (size_t cut = 0; cut < b.len; cut += 7) {
            uint8_t e2;
            void *v = kv_zset_type.restore(b.data, cut, &e2);
            ck_assert_ptr_null(v);
        }
        holder_free(&r);
        {
            void *d = kv_zset_type.dup(k.v.ptr, k.enc);
            ck_assert_ptr_nonnull(d);
            kv_zset_type.free(d);
        }
        holder_free(&k);
        kv_buf_free(&b);
    }
}
END_TEST

/* ---- the randomized model test --------------------------------------- */

typedef struct {
    double score;
    char m[8];
} mel_t;

static int mel_cmp(const void *a, const void *b)
{
    const mel_t *x = a, *y = b;

    if (x->score != y->score) {
        return x->score < y->score ? -1 : 1;
    }
    return strcmp(x->m, y->m);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

START_TEST(test_random_model)
{
    static mel_t model[600];
    int n = 0, enc = _i % 2;
    size_t mem_before = kv_used_memory();
    kv_key_t k;

    rng_state = 0x2545f4914f6cdd1dULL + (uint64_t) _i;
    holder(&k, enc);
    for (int step = 0; step < 3000; step++) {
        int op = (int) (rng() % 10), at = -1;
        mel_t e;

        snprintf(e.m, sizeof(e.m), "%d", (int) (rng() % 500));
        e.score = (double) (rng() % 40) / 4;
        for (int i = 0; i < n; i++) {
            if (strcmp(model[i].m, e.m) == 0) {
                at = i;
            }
        }
        if (op < 6) {
            add(&k, e.score, e.m, 0);
            if (at >= 0) {
                model[at].score = e.score;
            } else {
                model[n++] = e;
            }
            qsort(model, (size_t) n, sizeof(mel_t), mel_cmp);
        } else if (op < 9) {
            ck_fast(kv_zset_del(&k, e.m, strlen(e.m)) == (at >= 0));
            if (at >= 0) {
                model[at] = model[--n];
                qsort(model, (size_t) n, sizeof(mel_t), mel_cmp);
            }
        } else if (n > 0) {
            unsigned long a = rng() % (unsigned long) n;
            unsigned long b = a + rng() % 3;
            if (b >= (unsigned long) n) {
                b = (unsigned long) n - 1;
            }
            ck_fast(kv_zset_del_rank(&k, a, b) == b - a + 1);
            memmove(&model[a], &model[b + 1],
                    sizeof(mel_t) * ((unsigned long) n - b - 1));
            n -= (int) (b - a + 1);
        }
        ck_fast(kv_zset_len(&k) == (unsigned long) n);
        if (k.enc == KV_ZSET_SKIPLIST && step % 10 == 0) {
            check_skiplist(k.v.ptr);
        }
        if (step % 25 == 0 || step > 2950) {
            kv_zcur_t cur;
            kv_zelem_t z;
            int i = 0;

            ck_fast(kv_zcur_init(&cur, &k) == KV_OK);
            for (; kv_zcur_valid(&cur); kv_zcur_next(&cur), i++) {
                kv_zcur_get(&cur, &z);
                ck_fast(z.score == model[i].score);
                ck_fast(z.mlen == strlen(model[i].m));
                ck_fast(memcmp(z.m, model[i].m, z.mlen) == 0);
                ck_fast(kv_zset_rank(&k, z.m, z.mlen, 0) == i);
                ck_fast(kv_zset_rank(&k, z.m, z.mlen, 1) == n - 1 - i);
            }
            ck_fast(i == n);
            kv_zcur_done(&cur);
        }
    }
    /* past 128 members a listpack becomes a skip list for good */
    ck_assert_int_eq(k.enc, KV_ZSET_SKIPLIST);
    holder_free(&k);
    ck_assert_uint_eq(kv_used_memory(), mem_before);
}
END_TEST

static Suite *zset_suite(void)
{
    Suite *s = suite_create("zset");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_d2str);
    tcase_add_test(tc, test_add_flags);
    tcase_add_test(tc, test_conversion_thresholds);
    tcase_add_test(tc, test_ranges);
    tcase_add_test(tc, test_dump_restore);
    tcase_add_loop_test(tc, test_random_model, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(zset_suite()) == 0 ? 0 : 1;
}
