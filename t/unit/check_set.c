/*
 * check_set.c: the set value (src/set.c): encodings and their one-way
 * conversion, iteration, and the kv_type_ops_t that moves a set between
 * shards (dump / restore / dup / free), which must rebuild the encoding
 * it was given.
 */
#include "kevyd.h"

#include "alloc.h"
#include "buf.h"
#include "resp.h"
#include "set.h"
#include "worker.h"

#include <check.h>
#include "ck_run.h"

static size_t mem_before;

static void setup(void)
{
    kv_worker.conf.set_max_intset_entries = 512;
    mem_before = kv_used_memory();
}

static void teardown(void)
{
    ck_assert_uint_eq(kv_used_memory(), mem_before);
}

static int add(kv_set_t *s, const char *m)
{
    return kv_set_add(s, m, strlen(m));
}

static int has(kv_set_t *s, const char *m)
{
    return kv_set_has(s, m, strlen(m));
}

static void add_ints(kv_set_t *s, long long from, long long to)
{
    char buf[32];

    for (long long v = from; v <= to; v++) {
        ck_assert_int_eq(kv_set_add(s, buf, kv_ll2str(buf, v)), 1);
    }
}

/* The members, sorted and joined with ',' (for comparisons). */
static char *listing(kv_set_t *s)
{
    kv_set_iter_t it;
    kv_set_elem_t e;
    char **m = NULL, *out;
    size_t n = 0, total = 1;

    kv_set_iter_init(&it, s);
    while (kv_set_iter_next(&it, &e)) {
        m = realloc(m, sizeof(*m) * (n + 1));
        m[n] = strndup(e.p, e.len);
        total += e.len + 1;
        n++;
    }
    kv_set_iter_done(&it);
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && strcmp(m[j - 1], m[j]) > 0; j--) {
            char *t = m[j];
            m[j] = m[j - 1];
            m[j - 1] = t;
        }
    }
    out = calloc(1, total);
    for (size_t i = 0; i < n; i++) {
        strcat(out, m[i]);
        if (i + 1 < n) {
            strcat(out, ",");
        }
        free(m[i]);
    }
    free(m);
    return out;
}

START_TEST(test_intset_until_not_integer)
{
    kv_set_t s;

    ck_assert_int_eq(kv_set_init_for(&s, "12", 2), KV_OK);
    ck_assert_int_eq(s.enc, KV_SET_ENC_INTSET);
    ck_assert_int_eq(add(&s, "12"), 1);
    ck_assert_int_eq(add(&s, "-3"), 1);
    ck_assert_int_eq(add(&s, "12"), 0);
    ck_assert_int_eq(s.enc, KV_SET_ENC_INTSET);
    ck_assert(has(&s, "-3"));
    ck_assert(!has(&s, "012"));
    ck_assert(!has(&s, "x"));
    ck_assert_int_eq(add(&s, "012"), 1);
    ck_assert_int_eq(s.enc, KV_SET_ENC_HT);
    ck_assert_uint_eq(kv_set_size(&s), 3);
    ck_assert(has(&s, "12") && has(&s, "012") && has(&s, "-3"));
    ck_assert_int_eq(kv_set_remove(&s, "012", 3), 1);
    ck_assert_int_eq(s.enc, KV_SET_ENC_HT); /* one-way */
    kv_set_free(&s);
    ck_assert_ptr_null(s.ptr);

    ck_assert_int_eq(kv_set_init_for(&s, "-0", 2), KV_OK);
    ck_assert_int_eq(s.enc, KV_SET_ENC_HT);
    kv_set_free(&s);
}
END_TEST

START_TEST(test_limit)
{
    kv_set_t s;

    ck_assert_int_eq(kv_set_init(&s, KV_SET_ENC_INTSET), KV_OK);
    add_ints(&s, 1, 512);
    ck_assert_int_eq(s.enc, KV_SET_ENC_INTSET);
    ck_assert_int_eq(add(&s, "7"), 0);
    ck_assert_int_eq(s.enc, KV_SET_ENC_INTSET);
    ck_assert_int_eq(add(&s, "513"), 1);
    ck_assert_int_eq(s.enc, KV_SET_ENC_HT);
    ck_assert_uint_eq(kv_set_size(&s), 513);
    ck_assert(has(&s, "1") && has(&s, "513") && !has(&s, "514"));
    kv_set_free(&s);

    kv_worker.conf.set_max_intset_entries = 0;
    ck_assert_int_eq(kv_set_init_for(&s, "1", 1), KV_OK);
    ck_assert_int_eq(s.enc, KV_SET_ENC_INTSET);
    ck_assert_int_eq(add(&s, "1"), 1);
    ck_assert_int_eq(s.enc, KV_SET_ENC_HT);
    kv_set_free(&s);
}
END_TEST

START_TEST(test_iter_order_and_elems)
{
    kv_set_t s;
    kv_set_iter_t it;
    kv_set_elem_t e;
    static const int64_t want[] = { -9, 0, 5, 70000 };
    int i = 0;

    ck_assert_int_eq(kv_set_init(&s, KV_SET_ENC_INTSET), KV_OK);
    ck_assert_int_eq(add(&s, "5"), 1);
    ck_assert_int_eq(add(&s, "70000"), 1);
    ck_assert_int_eq(add(&s, "-9"), 1);
    ck_assert_int_eq(add(&s, "0"), 1);
    kv_set_iter_init(&it, &s);
    while (kv_set_iter_next(&it, &e)) {
        char buf[32];
        ck_assert(e.is_int);
        ck_assert_int_eq(e.v, want[i]);
        ck_assert_uint_eq(e.len, kv_ll2str(buf, want[i]));
        ck_assert_int_eq(memcmp(e.p, buf, e.len), 0);
        i++;
    }
    kv_set_iter_done(&it);
    ck_assert_int_eq(i, 4);
    kv_set_free(&s);
}
END_TEST

/* A member taken from one set goes into another of either encoding. */
START_TEST(test_add_elem_across)
{
    kv_set_t a, b;
    kv_set_iter_t it;
    kv_set_elem_t e;
    char *l;

    ck_assert_int_eq(kv_set_init(&a, KV_SET_ENC_INTSET), KV_OK);
    ck_assert_int_eq(kv_set_init(&b, KV_SET_ENC_HT), KV_OK);
    add_ints(&a, 1, 5);
    ck_assert_int_eq(add(&b, "x"), 1);
    kv_set_iter_init(&it, &a);
    while (kv_set_iter_next(&it, &e)) {
        ck_assert_int_eq(kv_set_add_elem(&b, &e), 1);
        ck_assert(kv_set_has_elem(&b, &e));
    }
    kv_set_iter_done(&it);
    l = listing(&b);
    ck_assert_str_eq(l, "1,2,3,4,5,x");
    free(l);
    kv_set_iter_init(&it, &b);
    while (kv_set_iter_next(&it, &e)) {
        ck_assert_int_eq(kv_set_has_elem(&a, &e), e.p[0] != 'x');
    }
    kv_set_iter_done(&it);
    kv_set_free(&a);
    kv_set_free(&b);
}
END_TEST

START_TEST(test_random_and_remove_elem)
{
    kv_set_t s;
    kv_set_elem_t e;

    for (int enc = 0; enc < 2; enc++) {
        ck_assert_int_eq(kv_set_init(&s, enc), KV_OK);
        add_ints(&s, 100, 199);
        ck_assert_int_eq(s.enc, enc);
        for (int i = 0; i < 100; i++) {
            kv_set_random(&s, &e);
            ck_assert(kv_set_has_elem(&s, &e));
            kv_set_remove_elem(&s, &e);
            ck_assert_uint_eq(kv_set_size(&s), (uint64_t) (99 - i));
        }
        kv_set_free(&s);
    }
}
END_TEST

static void mark_scanned(const kv_set_elem_t *e, void *arg)
{
    long long v;

    ck_assert(kv_string2ll(e->p, e->len, &v) && v >= 1 && v <= 1000);
    ((char *) arg)[v] = 1;
}

START_TEST(test_scan_hashtable)
{
    kv_set_t s;
    uint64_t cur = 0;
    char seen[1001] = { 0 };
    int calls = 0;

    ck_assert_int_eq(kv_set_init(&s, KV_SET_ENC_HT), KV_OK);
    add_ints(&s, 1, 1000);
    do {
        cur = kv_set_scan(&s, cur, mark_scanned, seen);
        calls++;
    } while (cur != 0);
    for (int v = 1; v <= 1000; v++) {
        ck_assert_msg(seen[v], "%d never scanned", v);
    }
    ck_assert_int_gt(calls, 1);
    kv_set_free(&s);
}
END_TEST

/* dump -> restore gives the same encoding and members; dup too. */
static void ck_round_trip(kv_set_t *s)
{
    const kv_type_ops_t *ops = &kv_set_type;
    kv_buf_t b = { 0 };
    uint8_t enc = 99;
    kv_set_t r, d;
    char *l1, *l2, *l3;

    ck_assert_int_eq(ops->dump(s->ptr, s->enc, &b), KV_OK);
    r.ptr = ops->restore(b.data, b.len, &enc);
    ck_assert_ptr_nonnull(r.ptr);
    r.enc = enc;
    ck_assert_int_eq(r.enc, s->enc);
    d.enc = s->enc;
    d.ptr = ops->dup(s->ptr, s->enc);
    ck_assert_ptr_nonnull(d.ptr);
    l1 = listing(s);
    l2 = listing(&r);
    l3 = listing(&d);
    ck_assert_str_eq(l1, l2);
    ck_assert_str_eq(l1, l3);
    free(l1);
    free(l2);
    free(l3);
    /* free() is given the pointer alone and must tell the encodings. */
    ops->free(r.ptr);
    ops->free(d.ptr);
    kv_buf_free(&b);
}

START_TEST(test_dump_restore)
{
    kv_set_t s;
    static const char *const odd[] = { "", "a\0b", "\r\n", "x" };

    ck_assert_str_eq(kv_set_type.encoding(KV_SET_ENC_INTSET), "intset");
    ck_assert_str_eq(kv_set_type.encoding(KV_SET_ENC_HT), "hashtable");

    ck_assert_int_eq(kv_set_init(&s, KV_SET_ENC_INTSET), KV_OK);
    ck_assert_int_eq(add(&s, "7"), 1);
    ck_round_trip(&s);
    ck_assert_int_eq(add(&s, "-9223372036854775808"), 1);
    ck_assert_int_eq(add(&s, "9223372036854775807"), 1);
    ck_round_trip(&s);
    kv_set_free(&s);

    /* A hashtable of integers stays a hashtable. */
    ck_assert_int_eq(kv_set_init(&s, KV_SET_ENC_HT), KV_OK);
    add_ints(&s, 1, 3);
    ck_round_trip(&s);
    kv_set_free(&s);

    ck_assert_int_eq(kv_set_init(&s, KV_SET_ENC_HT), KV_OK);
    for (size_t i = 0; i < KV_ARRAY_LEN(odd); i++) {
        size_t len = i == 1 ? 3 : strlen(odd[i]);
        ck_assert_int_eq(kv_set_add(&s, odd[i], len), 1);
    }
    ck_round_trip(&s);
    add_ints(&s, 1, 2000);
    ck_round_trip(&s);
    kv_set_free(&s);
}
END_TEST

/* Bad bytes are refused, whole, without leaking. */
START_TEST(test_restore_rejects)
{
    static const struct {
        const char *p;
        size_t len;
    } bad[] = {
        { "", 0 },
        { "z", 1 },
        { "i", 1 },
        { "i\x02\x01\x00\x00\x00", 6 },                  /* short */
        { "i\x02\x00\x00\x00\x00", 6 },                  /* empty */
        { "i\x03\x01\x00\x00\x00\x01\x00\x00", 9 },      /* width */
        { "i\x02\x02\x00\x00\x00\x02\x00\x01\x00", 10 }, /* unsorted */
        { "i\x02\x02\x00\x00\x00\x01\x00\x01\x00", 10 }, /* duplicate */
        { "h", 1 },
        { "h\x00\x00\x00\x00", 5 }, /* empty */
        { "h\x01\x00\x00\x00", 5 }, /* short */
        { "h\x01\x00\x00\x00\x05\x00\x00\x00"
          "ab",
          11 }, /* short member */
        { "h\x02\x00\x00\x00\x01\x00\x00\x00"
          "a"
          "\x01\x00\x00\x00"
          "a",
          15 }, /* duplicate */
        { "h\x01\x00\x00\x00\x01\x00\x00\x00"
          "ab",
          11 }, /* trailing */
    };
    uint8_t enc;

    for (size_t i = 0; i < KV_ARRAY_LEN(bad); i++) {
        ck_assert_msg(kv_set_type.restore(bad[i].p, bad[i].len, &enc) == NULL,
                      "bad payload %zu accepted", i);
    }
    /* And good ones of the same shapes are taken. */
    {
        void *v = kv_set_type.restore("i\x02\x02\x00\x00\x00\x01\x00\x02\x00",
                                      10, &enc);
        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(enc, KV_SET_ENC_INTSET);
        kv_set_type.free(v);
        v = kv_set_type.restore("h\x01\x00\x00\x00\x01\x00\x00\x00"
                                "a",
                                10, &enc);
        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(enc, KV_SET_ENC_HT);
        kv_set_type.free(v);
    }
}
END_TEST

static Suite *set_suite(void)
{
    Suite *s = suite_create("set");
    TCase *tc = tcase_create("set");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_intset_until_not_integer);
    tcase_add_test(tc, test_limit);
    tcase_add_test(tc, test_iter_order_and_elems);
    tcase_add_test(tc, test_add_elem_across);
    tcase_add_test(tc, test_random_and_remove_elem);
    tcase_add_test(tc, test_scan_hashtable);
    tcase_add_test(tc, test_dump_restore);
    tcase_add_test(tc, test_restore_rejects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(set_suite()) == 0 ? 0 : 1;
}
