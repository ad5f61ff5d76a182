/*
 * check_intset.c: sorted integer arrays (src/intset.c).
 *
 * The model the randomized tests compare with is a plain bitmap-free
 * reference: a sorted, duplicate-free int64_t array kept with qsort.
 */
#include "kevyd.h"

#include "alloc.h"
#include "intset.h"

#include <check.h>
#include "ck_fast.h"
#include "ck_run.h"


static kv_intset_t *is;

static void setup(void)
{
    is = kv_intset_new();
    ck_assert_ptr_nonnull(is);
}

static void teardown(void)
{
    kv_intset_free(is);
    is = NULL;
}

static void ck_contents(const int64_t *want, uint32_t n)
{
    int64_t v;

    ck_assert_uint_eq(kv_intset_len(is), n);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert(kv_intset_get(is, i, &v));
        ck_assert_msg(v == want[i], "element %u: %lld, want %lld", i,
                      (long long) v, (long long) want[i]);
    }
    ck_assert(!kv_intset_get(is, n, &v));
}

START_TEST(test_empty)
{
    int64_t v;

    ck_assert_uint_eq(kv_intset_len(is), 0);
    ck_assert_uint_eq(is->width, 2);
    ck_assert(!kv_intset_find(is, 0));
    ck_assert(!kv_intset_get(is, 0, &v));
    ck_assert_int_eq(kv_intset_remove(&is, 0), 0);
    ck_assert_uint_eq(kv_intset_blob_len(is), sizeof(kv_intset_t));
}
END_TEST

START_TEST(test_add_sorted_unique)
{
    static const int64_t want[] = { -7, 0, 1, 3, 5, 42 };

    ck_assert_int_eq(kv_intset_add(&is, 5), 1);
    ck_assert_int_eq(kv_intset_add(&is, 1), 1);
    ck_assert_int_eq(kv_intset_add(&is, 42), 1);
    ck_assert_int_eq(kv_intset_add(&is, 3), 1);
    ck_assert_int_eq(kv_intset_add(&is, -7), 1);
    ck_assert_int_eq(kv_intset_add(&is, 0), 1);
    ck_assert_int_eq(kv_intset_add(&is, 5), 0);
    ck_assert_int_eq(kv_intset_add(&is, -7), 0);
    ck_assert_int_eq(kv_intset_add(&is, 42), 0);
    ck_contents(want, 6);
    ck_assert_uint_eq(is->width, 2);
    for (size_t i = 0; i < KV_ARRAY_LEN(want); i++) {
        ck_assert(kv_intset_find(is, want[i]));
    }
    ck_assert(!kv_intset_find(is, 2));
    ck_assert(!kv_intset_find(is, -8));
    ck_assert(!kv_intset_find(is, 43));
    ck_assert(!kv_intset_find(is, 1LL << 40));
}
END_TEST

/* The smallest width that fits, at each boundary. */
START_TEST(test_widths)
{
    static const struct {
        int64_t v;
        uint32_t width;
    } cases[] = {
        { 0, 2 },
        { INT16_MAX, 2 },
        { INT16_MIN, 2 },
        { INT16_MAX + 1, 4 },
        { INT16_MIN - 1, 4 },
        { INT32_MAX, 4 },
        { INT32_MIN, 4 },
        { (int64_t) INT32_MAX + 1, 8 },
        { (int64_t) INT32_MIN - 1, 8 },
        { INT64_MAX, 8 },
        { INT64_MIN, 8 },
    };

    for (size_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        kv_intset_t *one = kv_intset_new();

        ck_assert_int_eq(kv_intset_add(&one, cases[i].v), 1);
        ck_assert_msg(one->width == cases[i].width, "%lld: width %u",
                      (long long) cases[i].v, one->width);
        ck_assert(kv_intset_find(one, cases[i].v));
        ck_assert_uint_eq(kv_intset_blob_len(one),
                          sizeof(kv_intset_t) + cases[i].width);
        kv_intset_free(one);
    }
}
END_TEST

/* An upgrade keeps every element and puts the new one at the right end. */
START_TEST(test_upgrade_keeps_elements)
{
    static const int64_t after32[] = { -3, -2, -1, 0, 1, 2, 3, 70000 };
    static const int64_t after64[] = { -5000000000LL, -3, -2, -1, 0, 1, 2, 3,
                                       70000 };

    for (int64_t v = -3; v <= 3; v++) {
        ck_assert_int_eq(kv_intset_add(&is, v), 1);
    }
    ck_assert_int_eq(kv_intset_add(&is, 70000), 1);
    ck_assert_uint_eq(is->width, 4);
    ck_contents(after32, 8);
    ck_assert_int_eq(kv_intset_add(&is, -5000000000LL), 1);
    ck_assert_uint_eq(is->width, 8);
    ck_contents(after64, 9);
    /* Removing the wide values never narrows the array again. */
    ck_assert_int_eq(kv_intset_remove(&is, -5000000000LL), 1);
    ck_assert_int_eq(kv_intset_remove(&is, 70000), 1);
    ck_assert_uint_eq(is->width, 8);
    ck_contents(after32, 7);
    /* A small value still adds in place at width 8. */
    ck_assert_int_eq(kv_intset_add(&is, 10), 1);
    ck_assert(kv_intset_find(is, 10));
    ck_assert_uint_eq(is->width, 8);
}
END_TEST

/* Values too wide for the array are never found (and not misread). */
START_TEST(test_find_wider_than_array)
{
    ck_assert_int_eq(kv_intset_add(&is, 1), 1);
    ck_assert(!kv_intset_find(is, 65537));
    ck_assert(!kv_intset_find(is, 1 + (1LL << 32)));
    ck_assert(!kv_intset_find(is, 1 + (1LL << 16)));
    ck_assert_int_eq(kv_intset_remove(&is, 1 + (1LL << 16)), 0);
    ck_assert_uint_eq(kv_intset_len(is), 1);
}
END_TEST

START_TEST(test_remove)
{
    static const int64_t want[] = { 2, 4 };

    for (int64_t v = 1; v <= 5; v++) {
        ck_assert_int_eq(kv_intset_add(&is, v), 1);
    }
    ck_assert_int_eq(kv_intset_remove(&is, 1), 1);
    ck_assert_int_eq(kv_intset_remove(&is, 5), 1);
    ck_assert_int_eq(kv_intset_remove(&is, 3), 1);
    ck_assert_int_eq(kv_intset_remove(&is, 3), 0);
    ck_assert_int_eq(kv_intset_remove(&is, 6), 0);
    ck_contents(want, 2);
    ck_assert_int_eq(kv_intset_remove(&is, 2), 1);
    ck_assert_int_eq(kv_intset_remove(&is, 4), 1);
    ck_contents(NULL, 0);
    ck_assert_uint_eq(kv_intset_blob_len(is), sizeof(kv_intset_t));
}
END_TEST

START_TEST(test_extremes)
{
    static const int64_t want[] = { INT64_MIN, INT64_MIN + 1, -1,
                                    0,         INT64_MAX - 1, INT64_MAX };

    ck_assert_int_eq(kv_intset_add(&is, 0), 1);
    ck_assert_int_eq(kv_intset_add(&is, INT64_MAX), 1);
    ck_assert_int_eq(kv_intset_add(&is, INT64_MIN), 1);
    ck_assert_int_eq(kv_intset_add(&is, -1), 1);
    ck_assert_int_eq(kv_intset_add(&is, INT64_MAX - 1), 1);
    ck_assert_int_eq(kv_intset_add(&is, INT64_MIN + 1), 1);
    ck_assert_int_eq(kv_intset_add(&is, INT64_MIN), 0);
    ck_contents(want, 6);
}
END_TEST

START_TEST(test_dup)
{
    kv_intset_t *copy;

    for (int64_t v = 0; v < 100; v += 3) {
        ck_assert_int_eq(kv_intset_add(&is, v * 1000), 1);
    }
    copy = kv_intset_dup(is);
    ck_assert_ptr_nonnull(copy);
    ck_assert_uint_eq(kv_intset_blob_len(copy), kv_intset_blob_len(is));
    ck_assert_int_eq(memcmp(copy, is, kv_intset_blob_len(is)), 0);
    ck_assert_int_eq(kv_intset_add(&copy, 1), 1);
    ck_assert(!kv_intset_find(is, 1));
    kv_intset_free(copy);
}
END_TEST

/* to_le / from_le round trip at every width, and the checks of from_le. */
START_TEST(test_le_round_trip)
{
    static const int64_t vals[] = { -40000, -2, 7, 300, 1LL << 33 };
    char buf[8 * 16];

    for (size_t n = 1; n <= KV_ARRAY_LEN(vals); n++) {
        kv_intset_t *a = kv_intset_new(), *b;

        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(kv_intset_add(&a, vals[i]), 1);
        }
        kv_intset_to_le(a, buf);
        b = kv_intset_from_le(a->width, a->length, buf,
                              (size_t) a->width * a->length);
        ck_assert_ptr_nonnull(b);
        ck_assert_int_eq(memcmp(a, b, kv_intset_blob_len(a)), 0);
        kv_intset_free(a);
        kv_intset_free(b);
    }
    /* Little-endian on the wire: 2-byte elements 1 and 258. */
    {
        static const char le[] = { 1, 0, 2, 1 };
        kv_intset_t *c = kv_intset_from_le(2, 2, le, 4);
        int64_t v;

        ck_assert_ptr_nonnull(c);
        ck_assert(kv_intset_get(c, 0, &v) && v == 1);
        ck_assert(kv_intset_get(c, 1, &v) && v == 258);
        kv_intset_free(c);
    }
    /* Sign extension of a narrow negative value. */
    {
        static const char le[] = { (char) 0xff, (char) 0xff };
        kv_intset_t *c = kv_intset_from_le(2, 1, le, 2);
        int64_t v;

        ck_assert_ptr_nonnull(c);
        ck_assert(kv_intset_get(c, 0, &v) && v == -1);
        kv_intset_free(c);
    }
    /* Rejected: bad width, wrong length, unsorted, duplicates. */
    {
        static const char two[] = { 2, 0, 1, 0 };
        static const char dup[] = { 1, 0, 1, 0 };

        ck_assert_ptr_null(kv_intset_from_le(3, 1, two, 3));
        ck_assert_ptr_null(kv_intset_from_le(0, 0, two, 0));
        ck_assert_ptr_null(kv_intset_from_le(2, 2, two, 3));
        ck_assert_ptr_null(kv_intset_from_le(2, 1, two, 4));
        ck_assert_ptr_null(kv_intset_from_le(2, 2, two, 4));
        ck_assert_ptr_null(kv_intset_from_le(2, 2, dup, 4));
    }
    /* An empty intset is valid. */
    {
        kv_intset_t *c = kv_intset_from_le(8, 0, "", 0);

        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(kv_intset_len(c), 0);
        kv_intset_free(c);
    }
}
END_TEST

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

    return x < y ? -1 : x > y;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

/* A value of a random width, from a small pool so that duplicates and
 * removals of present values are frequent. */
static int64_t rand_value(void)
{
    int64_t base = (int64_t) (next_rand() % 300) - 150;

    switch (next_rand() % 4) {
    case 0:
        return base;
    case 1:
        return base * 1000;
    case 2:
        return base * 100000000LL;
    default:
        return base < 0 ? INT64_MIN + (base + 150) : INT64_MAX - base;
    }
}

/* Random adds and removes against a sorted reference array. */
START_TEST(test_random_model)
{
    enum { POOL = 4000, STEPS = 200000 };
    int64_t *model = malloc(sizeof(int64_t) * POOL);
    size_t n = 0;
    uint32_t maxw = 2;

    ck_assert_ptr_nonnull(model);
    for (int step = 0; step < STEPS; step++) {
        int64_t v = rand_value();
        int64_t *at = bsearch(&v, model, n, sizeof(int64_t), cmp64);
        int rc;

        if (next_rand() % 3 != 0) {
            rc = kv_intset_add(&is, v);
            ck_fast(rc == (at == NULL));
            if (at == NULL) {
                ck_fast(n < POOL);
                model[n++] = v;
                qsort(model, n, sizeof(int64_t), cmp64);
            }
        } else {
            rc = kv_intset_remove(&is, v);
            ck_fast(rc == (at != NULL));
            if (at != NULL) {
                memmove(at, at + 1,
                        (size_t) (model + n - at - 1) * sizeof(int64_t));
                n--;
            }
        }
        ck_fast(kv_intset_find(is, v) ==
                (bsearch(&v, model, n, sizeof(int64_t), cmp64) != NULL));
        ck_fast(is->width >= maxw);
        maxw = is->width;
        if (step % 997 == 0) {
            int64_t got;

            ck_fast(kv_intset_len(is) == n);
            for (size_t i = 0; i < n; i++) {
                ck_fast(kv_intset_get(is, (uint32_t) i, &got));
                ck_fast(got == model[i]);
            }
        }
    }
    ck_assert_uint_eq(kv_intset_len(is), n);
    free(model);
}
END_TEST

/* The allocator's count goes back to where it was. */
START_TEST(test_no_leak)
{
    size_t before = kv_used_memory();
    kv_intset_t *a = kv_intset_new(), *b;

    for (int64_t v = 0; v < 1000; v++) {
        ck_fast(kv_intset_add(&a, v * 7919 % 1000 * (v % 2 ? 1 : 100000)) >= 0);
    }
    b = kv_intset_dup(a);
    for (int64_t v = 0; v < 1000; v++) {
        (void) kv_intset_remove(&a, v);
    }
    kv_intset_free(a);
    kv_intset_free(b);
    ck_assert_uint_eq(kv_used_memory(), before);
}
END_TEST

static Suite *intset_suite(void)
{
    Suite *s = suite_create("intset");
    TCase *tc = tcase_create("intset");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_add_sorted_unique);
    tcase_add_test(tc, test_widths);
    tcase_add_test(tc, test_upgrade_keeps_elements);
    tcase_add_test(tc, test_find_wider_than_array);
    tcase_add_test(tc, test_remove);
    tcase_add_test(tc, test_extremes);
    tcase_add_test(tc, test_dup);
    tcase_add_test(tc, test_le_round_trip);
    tcase_add_test(tc, test_random_model);
    tcase_add_test(tc, test_no_leak);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(intset_suite()) == 0 ? 0 : 1;
}
