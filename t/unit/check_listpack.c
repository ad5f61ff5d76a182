/*
 * check_listpack.c: the compact string array (src/listpack.c).
 *
 * Besides the cases written out, a randomized test drives a listpack and a
 * plain array of strings (the model) with the same inserts, replaces and
 * deletes, and compares every entry after each step: entries of every
 * length class (empty, one-byte, two- and three-byte varints), binary
 * bytes included.
 */
#include "kevyd.h"

#include "alloc.h"
#include "listpack.h"

#include <check.h>
#include "ck_fast.h"
#include "ck_run.h"


static const char *entry(const kv_lp_t *lp, size_t off, size_t *len)
{
    ck_fast(off != 0);
    return kv_lp_get(lp, off, len);
}

static int entry_is(const kv_lp_t *lp, size_t off, const char *s)
{
    size_t len;
    const char *p;

    if (off == 0) {
        return 0;
    }
    p = kv_lp_get(lp, off, &len);
    return len == strlen(s) && memcmp(p, s, len) == 0;
}

START_TEST(test_new_empty)
{
    kv_lp_t *lp = kv_lp_new();

    ck_assert_ptr_nonnull(lp);
    ck_assert_uint_eq(kv_lp_count(lp), 0);
    ck_assert_uint_eq(kv_lp_bytes(lp), KV_LP_HDR);
    ck_assert_uint_eq(kv_lp_first(lp), 0);
    ck_assert_uint_eq(kv_lp_index(lp, 0), 0);
    ck_assert_uint_eq(kv_lp_index(lp, -1), 0);
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_first(lp), "a", 1, 1), 0);
    kv_lp_free(lp);
}
END_TEST

START_TEST(test_append_walk)
{
    kv_lp_t *lp = kv_lp_new();
    const char *words[] = { "a", "", "hello", "field", "value" };
    size_t off;
    int i = 0;

    for (size_t j = 0; j < KV_ARRAY_LEN(words); j++) {
        lp = kv_lp_append(lp, words[j], strlen(words[j]));
        ck_assert_ptr_nonnull(lp);
    }
    ck_assert_uint_eq(kv_lp_count(lp), 5);
    /* 8 header bytes, then one length byte per entry */
    ck_assert_uint_eq(kv_lp_bytes(lp), 8 + 5 + 1 + 0 + 5 + 5 + 5);
    for (off = kv_lp_first(lp); off; off = kv_lp_next(lp, off)) {
        ck_assert(entry_is(lp, off, words[i]));
        i++;
    }
    ck_assert_int_eq(i, 5);
    ck_assert(entry_is(lp, kv_lp_index(lp, 0), "a"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 1), ""));
    ck_assert(entry_is(lp, kv_lp_index(lp, 4), "value"));
    ck_assert(entry_is(lp, kv_lp_index(lp, -1), "value"));
    ck_assert(entry_is(lp, kv_lp_index(lp, -5), "a"));
    ck_assert_uint_eq(kv_lp_index(lp, 5), 0);
    ck_assert_uint_eq(kv_lp_index(lp, -6), 0);
    kv_lp_free(lp);
}
END_TEST

START_TEST(test_insert_positions)
{
    kv_lp_t *lp = kv_lp_new();

    lp = kv_lp_append(lp, "b", 1);
    lp = kv_lp_insert(lp, kv_lp_first(lp), "a", 1); /* before the first */
    lp = kv_lp_insert(lp, 0, "d", 1);               /* append */
    lp = kv_lp_insert(lp, kv_lp_index(lp, 2), "c", 1);
    ck_assert_uint_eq(kv_lp_count(lp), 4);
    ck_assert(entry_is(lp, kv_lp_index(lp, 0), "a"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 1), "b"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 2), "c"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 3), "d"));
    lp = kv_lp_insert2(lp, kv_lp_index(lp, 2), "x", 1, "yy", 2);
    lp = kv_lp_insert2(lp, 0, "", 0, "z", 1);
    ck_assert_uint_eq(kv_lp_count(lp), 8);
    ck_assert(entry_is(lp, kv_lp_index(lp, 2), "x"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 3), "yy"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 4), "c"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 6), ""));
    ck_assert(entry_is(lp, kv_lp_index(lp, 7), "z"));
    kv_lp_free(lp);
}
END_TEST

START_TEST(test_varint_lengths)
{
    /* Lengths on both sides of each varint size change. */
    size_t lens[] = { 0, 1, 127, 128, 129, 16383, 16384, 70000 };
    kv_lp_t *lp = kv_lp_new();
    char *buf = malloc(70000);
    size_t off, expect = KV_LP_HDR;
    int i = 0;

    for (size_t j = 0; j < 70000; j++) {
        buf[j] = (char) (j * 7 + 3);
    }
    for (size_t j = 0; j < KV_ARRAY_LEN(lens); j++) {
        lp = kv_lp_append(lp, buf, lens[j]);
        ck_assert_ptr_nonnull(lp);
        expect += lens[j] + (lens[j] < 128 ? 1 : lens[j] < 16384 ? 2 : 3);
    }
    ck_assert_uint_eq(kv_lp_bytes(lp), expect);
    for (off = kv_lp_first(lp); off; off = kv_lp_next(lp, off)) {
        size_t len;
        const char *p = entry(lp, off, &len);
        ck_assert_uint_eq(len, lens[i]);
        ck_assert(memcmp(p, buf, len) == 0);
        i++;
    }
    ck_assert_int_eq(i, (int) KV_ARRAY_LEN(lens));
    /* Grow and shrink an entry across the size classes in place. */
    off = kv_lp_index(lp, 1);
    lp = kv_lp_replace(lp, off, buf, 20000);
    ck_assert(entry_is(lp, kv_lp_index(lp, 0), ""));
    {
        size_t len;
        const char *p = entry(lp, kv_lp_index(lp, 1), &len);
        ck_assert_uint_eq(len, 20000);
        ck_assert(memcmp(p, buf, len) == 0);
        p = entry(lp, kv_lp_index(lp, 2), &len);
        ck_assert_uint_eq(len, 127);
    }
    lp = kv_lp_replace(lp, kv_lp_index(lp, 1), "q", 1);
    ck_assert_uint_eq(kv_lp_bytes(lp), expect);
    ck_assert(entry_is(lp, kv_lp_index(lp, 1), "q"));
    free(buf);
    kv_lp_free(lp);
}
END_TEST

START_TEST(test_replace)
{
    kv_lp_t *lp = kv_lp_new();

    lp = kv_lp_append(lp, "f1", 2);
    lp = kv_lp_append(lp, "v1", 2);
    lp = kv_lp_append(lp, "f2", 2);
    lp = kv_lp_append(lp, "v2", 2);
    lp = kv_lp_replace(lp, kv_lp_index(lp, 1), "longer value", 12);
    lp = kv_lp_replace(lp, kv_lp_index(lp, 3), "", 0);
    ck_assert_uint_eq(kv_lp_count(lp), 4);
    ck_assert(entry_is(lp, kv_lp_index(lp, 0), "f1"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 1), "longer value"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 2), "f2"));
    ck_assert(entry_is(lp, kv_lp_index(lp, 3), ""));
    ck_assert_uint_eq(kv_lp_bytes(lp), 8 + 3 + 13 + 3 + 1);
    kv_lp_free(lp);
}
END_TEST

START_TEST(test_delete)
{
    kv_lp_t *lp = kv_lp_new();
    char s[4];

    for (int i = 0; i < 10; i++) {
        snprintf(s, sizeof(s), "%d", i);
        lp = kv_lp_append(lp, s, strlen(s));
    }
    lp = kv_lp_delete(lp, kv_lp_index(lp, 2), 2); /* 2 3 */
    ck_assert_uint_eq(kv_lp_count(lp), 8);
    ck_assert(entry_is(lp, kv_lp_index(lp, 2), "4"));
    lp = kv_lp_delete(lp, kv_lp_first(lp), 1); /* 0 */
    ck_assert(entry_is(lp, kv_lp_first(lp), "1"));
    lp = kv_lp_delete(lp, kv_lp_index(lp, -1), 5); /* 9, past the end */
    ck_assert_uint_eq(kv_lp_count(lp), 6);
    ck_assert(entry_is(lp, kv_lp_index(lp, -1), "8"));
    lp = kv_lp_delete(lp, 0, 3); /* no entry: nothing */
    ck_assert_uint_eq(kv_lp_count(lp), 6);
    lp = kv_lp_delete(lp, kv_lp_first(lp), 100);
    ck_assert_uint_eq(kv_lp_count(lp), 0);
    ck_assert_uint_eq(kv_lp_bytes(lp), KV_LP_HDR);
    ck_assert_uint_eq(kv_lp_first(lp), 0);
    kv_lp_free(lp);
}
END_TEST

START_TEST(test_find_skip)
{
    kv_lp_t *lp = kv_lp_new();
    const char *kv[] = { "a", "b", "b", "a", "c", "", "", "c" };

    for (size_t j = 0; j < KV_ARRAY_LEN(kv); j++) {
        lp = kv_lp_append(lp, kv[j], strlen(kv[j]));
    }
    /* skip 2: fields only */
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_first(lp), "a", 1, 2),
                      kv_lp_index(lp, 0));
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_first(lp), "b", 1, 2),
                      kv_lp_index(lp, 2));
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_first(lp), "c", 1, 2),
                      kv_lp_index(lp, 4));
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_first(lp), "", 0, 2),
                      kv_lp_index(lp, 6));
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_first(lp), "d", 1, 2), 0);
    /* skip 1: every entry; from the second */
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_index(lp, 1), "a", 1, 1),
                      kv_lp_index(lp, 3));
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_first(lp), "", 0, 1),
                      kv_lp_index(lp, 5));
    /* the values, starting at the first value */
    ck_assert_uint_eq(kv_lp_find(lp, kv_lp_index(lp, 1), "c", 1, 2),
                      kv_lp_index(lp, 7));
    ck_assert_uint_eq(kv_lp_find(lp, 0, "a", 1, 2), 0);
    kv_lp_free(lp);
}
END_TEST

START_TEST(test_dup_binary)
{
    kv_lp_t *lp = kv_lp_new(), *c;
    const char bin[] = "a\0b\r\n\xff";

    lp = kv_lp_append(lp, bin, sizeof(bin) - 1);
    c = kv_lp_dup(lp);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_ne(c, lp);
    ck_assert_uint_eq(kv_lp_bytes(c), kv_lp_bytes(lp));
    ck_assert(memcmp(c, lp, kv_lp_bytes(lp)) == 0);
    {
        size_t len;
        const char *p = kv_lp_get(c, kv_lp_first(c), &len);
        ck_assert_uint_eq(len, sizeof(bin) - 1);
        ck_assert(memcmp(p, bin, len) == 0);
    }
    ck_assert_uint_eq(kv_lp_find(c, kv_lp_first(c), bin, 1, 1), 0);
    ck_assert_uint_ne(kv_lp_find(c, kv_lp_first(c), bin, sizeof(bin) - 1, 1),
                      0);
    kv_lp_free(lp);
    kv_lp_free(c);
}
END_TEST

START_TEST(test_memory_counted)
{
    size_t before = kv_used_memory();
    kv_lp_t *lp = kv_lp_new();

    for (int i = 0; i < 100; i++) {
        lp = kv_lp_append(lp, "0123456789", 10);
    }
    ck_assert_uint_ge(kv_used_memory() - before, kv_lp_bytes(lp));
    lp = kv_lp_delete(lp, kv_lp_first(lp), 100);
    kv_lp_free(lp);
    ck_assert_uint_eq(kv_used_memory(), before);
}
END_TEST

START_TEST(test_safe_to_add)
{
    kv_lp_t *lp = kv_lp_new();

    ck_assert(kv_lp_safe_to_add(NULL, 100));
    ck_assert(kv_lp_safe_to_add(lp, KV_LP_SAFETY_SIZE - KV_LP_HDR));
    ck_assert(!kv_lp_safe_to_add(lp, KV_LP_SAFETY_SIZE - KV_LP_HDR + 1));
    kv_lp_free(lp);
}
END_TEST

/* ---- the randomized model test --------------------------------------- */

#define MODEL_MAX 300

typedef struct {
    char *p[MODEL_MAX];
    size_t len[MODEL_MAX];
    int n;
} model_t;

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t random_len(void)
{
    switch (rng() % 6) {
    case 0:
        return 0;
    case 1:
        return 1 + rng() % 10;
    case 2:
        return 120 + rng() % 20; /* around the 1/2-byte varint edge */
    case 3:
        return 16380 + rng() % 8; /* around the 2/3-byte edge */
    default:
        return rng() % 64;
    }
}

static void random_bytes(char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (rng() % 4 == 0) {
            p[i] = "\0\r\n\xff"[rng() % 4];
        } else {
            p[i] = (char) ('a' + rng() % 26);
        }
    }
}

static void model_check(const model_t *m, const kv_lp_t *lp)
{
    size_t off = kv_lp_first(lp), bytes = KV_LP_HDR;

    ck_fast(kv_lp_count(lp) == (uint32_t) m->n);
    for (int i = 0; i < m->n; i++) {
        size_t len;
        const char *p;
        ck_fast(off != 0);
        p = kv_lp_get(lp, off, &len);
        ck_fast(len == m->len[i]);
        ck_fast(len == 0 || memcmp(p, m->p[i], len) == 0);
        bytes += len + (len < 128 ? 1 : len < 16384 ? 2 : 3);
        off = kv_lp_next(lp, off);
    }
    ck_fast(off == 0);
    ck_fast(kv_lp_bytes(lp) == bytes);
}

START_TEST(test_random_model)
{
    model_t m = { .n = 0 };
    kv_lp_t *lp = kv_lp_new();
    char *buf = malloc(20000);

    rng_state = 0x9e3779b97f4a7c15ULL + (uint64_t) _i;
    for (int step = 0; step < 4000; step++) {
        int op = (int) (rng() % 10);
        size_t len = random_len();
        int at;

        random_bytes(buf, len);
        if (op < 4 && m.n < MODEL_MAX) {
            /* insert at a random place (m.n: append) */
            at = (int) (rng() % (uint64_t) (m.n + 1));
            lp =
                kv_lp_insert(lp, at == m.n ? 0 : kv_lp_index(lp, at), buf, len);
            ck_fast(lp != NULL);
            memmove(&m.p[at + 1], &m.p[at],
                    sizeof(char *) * (size_t) (m.n - at));
            memmove(&m.len[at + 1], &m.len[at],
                    sizeof(size_t) * (size_t) (m.n - at));
            m.p[at] = malloc(len + 1);
            memcpy(m.p[at], buf, len);
            m.len[at] = len;
            m.n++;
        } else if (op < 6 && m.n > 0) {
            at = (int) (rng() % (uint64_t) m.n);
            lp = kv_lp_replace(lp, kv_lp_index(lp, at), buf, len);
            ck_fast(lp != NULL);
            free(m.p[at]);
            m.p[at] = malloc(len + 1);
            memcpy(m.p[at], buf, len);
            m.len[at] = len;
        } else if (op < 9 && m.n > 0) {
            int cnt = 1 + (int) (rng() % 3);
            at = (int) (rng() % (uint64_t) m.n);
            lp = kv_lp_delete(lp, kv_lp_index(lp, at), (uint32_t) cnt);
            if (cnt > m.n - at) {
                cnt = m.n - at;
            }
            for (int i = at; i < at + cnt; i++) {
                free(m.p[i]);
            }
            memmove(&m.p[at], &m.p[at + cnt],
                    sizeof(char *) * (size_t) (m.n - at - cnt));
            memmove(&m.len[at], &m.len[at + cnt],
                    sizeof(size_t) * (size_t) (m.n - at - cnt));
            m.n -= cnt;
        } else if (m.n > 0) {
            /* find an existing entry: the first equal one */
            at = (int) (rng() % (uint64_t) m.n);
            int first = 0;
            while (m.len[first] != m.len[at] ||
                   (m.len[at] > 0 &&
                    memcmp(m.p[first], m.p[at], m.len[at]) != 0)) {
                first++;
            }
            ck_fast(kv_lp_find(lp, kv_lp_first(lp), m.p[at], m.len[at], 1) ==
                    kv_lp_index(lp, first));
        }
        model_check(&m, lp);
    }
    for (int i = 0; i < m.n; i++) {
        free(m.p[i]);
    }
    free(buf);
    kv_lp_free(lp);
}
END_TEST

static Suite *listpack_suite(void)
{
    Suite *s = suite_create("listpack");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_new_empty);
    tcase_add_test(tc, test_append_walk);
    tcase_add_test(tc, test_insert_positions);
    tcase_add_test(tc, test_varint_lengths);
    tcase_add_test(tc, test_replace);
    tcase_add_test(tc, test_delete);
    tcase_add_test(tc, test_find_skip);
    tcase_add_test(tc, test_dup_binary);
    tcase_add_test(tc, test_memory_counted);
    tcase_add_test(tc, test_safe_to_add);
    tcase_add_loop_test(tc, test_random_model, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(listpack_suite()) == 0 ? 0 : 1;
}
