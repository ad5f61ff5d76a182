/*
 * check_quicklist.c: the list value (src/quicklist.c).
 *
 * A model (an array of byte strings) goes through the same random
 * operations as a kv_list_t, under every kind of fill; after each step
 * kv_list_check() must find the structure sound and the list must read
 * the same as the model, from both ends.
 */
#include "kevyd.h"

#include "alloc.h"
#include "buf.h"
#include "quicklist.h"

#include <check.h>
#include "ck_fast.h"
#include "ck_run.h"

/* check reports every passing assertion; the loops below assert often. */

typedef struct {
    char *p;
    size_t len;
} elem_t;

typedef struct {
    elem_t *e;
    size_t n, cap;
} model_t;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t rnd_below(size_t n)
{
    return n == 0 ? 0 : (size_t) (rnd() % n);
}

/* Mostly short elements, some around the 1- and 2-byte length limits,
 * a few that need the 9-byte length or a node of their own. */
static elem_t make_elem(void)
{
    static const size_t edges[] = { 0, 1, 126, 127, 128, 129, 16383, 16384 };
    size_t r = rnd_below(100), len;
    elem_t e;

    if (r < 70) {
        len = rnd_below(12);
    } else if (r < 90) {
        len = 20 + rnd_below(200);
    } else if (r < 98) {
        len = edges[rnd_below(KV_ARRAY_LEN(edges))];
    } else {
        len = 9000 + rnd_below(70000);
    }
    e.p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(e.p);
    for (size_t i = 0; i < len; i++) {
        /* few distinct bytes, so equal elements happen (LREM-like) */
        e.p[i] = (char) (i < 2 ? rnd_below(3) : rnd());
    }
    e.len = len;
    return e;
}

static void model_insert(model_t *m, size_t at, elem_t e)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->e = realloc(m->e, m->cap * sizeof(elem_t));
        ck_assert_ptr_nonnull(m->e);
    }
    memmove(m->e + at + 1, m->e + at, (m->n - at) * sizeof(elem_t));
    m->e[at] = e;
    m->n++;
}

static void model_delete(model_t *m, size_t at, size_t count)
{
    for (size_t i = at; i < at + count; i++) {
        free(m->e[i].p);
    }
    memmove(m->e + at, m->e + at + count, (m->n - at - count) * sizeof(elem_t));
    m->n -= count;
}

static void model_free(model_t *m)
{
    model_delete(m, 0, m->n);
    free(m->e);
    memset(m, 0, sizeof(*m));
}

static int same(const char *s, size_t len, const elem_t *e)
{
    return len == e->len && memcmp(s, e->p, len) == 0;
}

static void compare(kv_list_t **lp, const model_t *m, int fill)
{
    const char *err = kv_list_check(*lp, fill);
    kv_list_iter_t it;
    const char *s;
    size_t len, i;

    ck_assert_msg(err == NULL, "kv_list_check: %s", err);
    ck_fast(kv_list_len(*lp) == m->n);
    kv_list_iter_init(&it, lp, 0, KV_LIST_TAIL);
    for (i = 0; kv_list_next(&it, &s, &len); i++) {
        ck_fast(i < m->n && same(s, len, &m->e[i]));
    }
    ck_fast(i == m->n);
    if (m->n == 0) {
        return;
    }
    kv_list_iter_init(&it, lp, m->n - 1, KV_LIST_HEAD);
    for (i = m->n; kv_list_next(&it, &s, &len); i--) {
        ck_fast(i > 0 && same(s, len, &m->e[i - 1]));
    }
    ck_fast(i == 0);
}

/* One random step on both. */
static void step(kv_list_t **lp, model_t *m, int fill)
{
    size_t r = rnd_below(100), at, n;
    kv_list_iter_t it;
    const char *s;
    size_t len;
    elem_t e;

    if (r < 30 || m->n == 0) {
        /* a burst of pushes at one end */
        int head = rnd_below(2) == 0;
        for (n = 1 + rnd_below(20); n > 0; n--) {
            e = make_elem();
            ck_fast(kv_list_push(lp, e.p, e.len,
                                 head ? KV_LIST_HEAD : KV_LIST_TAIL,
                                 fill) == KV_OK);
            model_insert(m, head ? 0 : m->n, e);
        }
    } else if (r < 45) {
        /* pops and trims: a few at either end or inside, now and then
         * any range */
        at = rnd_below(m->n);
        n = rnd_below(m->n - at + 1);
        if (rnd_below(40) != 0) {
            n = n > 3 ? 3 : n;
            at = rnd_below(4) == 0 ? 0 : rnd_below(4) == 0 ? m->n - n : at;
        }
        kv_list_del_range(lp, at, n, fill);
        model_delete(m, at, n);
    } else if (r < 55) {
        at = rnd_below(m->n);
        e = make_elem();
        ck_fast(kv_list_replace(lp, at, e.p, e.len, fill) == KV_OK);
        free(m->e[at].p);
        m->e[at] = e;
    } else if (r < 75) {
        /* LINSERT: walk to an element, insert before or after it */
        int after = rnd_below(2) == 0;
        at = rnd_below(m->n);
        kv_list_iter_init(&it, lp, at, KV_LIST_TAIL);
        ck_fast(kv_list_next(&it, &s, &len));
        ck_fast(same(s, len, &m->e[at]));
        e = make_elem();
        ck_fast(kv_list_iter_insert(&it, e.p, e.len, after, fill) == KV_OK);
        model_insert(m, at + (after ? 1 : 0), e);
    } else if (r < 85) {
        /* LREM: delete elements starting with byte b, up to limit, from
         * either end */
        char b = (char) rnd_below(3);
        size_t limit = rnd_below(4), removed = 0;
        int back = rnd_below(2) == 0;
        kv_list_iter_init(&it, lp, back ? m->n - 1 : 0,
                          back ? KV_LIST_HEAD : KV_LIST_TAIL);
        size_t i = back ? m->n : 0;
        while (kv_list_next(&it, &s, &len)) {
            size_t mi = back ? --i : i++;
            ck_fast(same(s, len, &m->e[mi]));
            if (len > 0 && s[0] == b) {
                kv_list_iter_delete(&it);
                model_delete(m, mi, 1);
                if (!back) {
                    i--;
                }
                if (++removed == limit) {
                    break;
                }
            }
        }
        kv_list_tidy(lp, fill);
    } else if (r < 92) {
        long long idx =
            (long long) rnd_below(m->n * 2 + 2) - (long long) m->n - 1;
        int found = kv_list_index(*lp, idx, &s, &len);
        long long i = idx < 0 ? idx + (long long) m->n : idx;
        ck_fast(found == (i >= 0 && i < (long long) m->n));
        if (found) {
            ck_fast(same(s, len, &m->e[i]));
        }
    } else if (r < 96) {
        kv_list_t *d = kv_list_dup(*lp);
        ck_assert_ptr_nonnull(d);
        kv_list_free(*lp);
        *lp = d;
    } else {
        kv_buf_t b = { 0 };
        kv_list_t *d;
        ck_fast(kv_list_dump(*lp, &b) == KV_OK);
        d = kv_list_restore(b.data, b.len, fill);
        ck_assert_ptr_nonnull(d);
        kv_buf_free(&b);
        kv_list_free(*lp);
        *lp = d;
    }
}

static void run_model(int fill, int steps, uint64_t seed)
{
    kv_list_t *l = kv_list_new();
    model_t m = { 0 };

    rng_state = seed;
    ck_assert_ptr_nonnull(l);
    for (int i = 0; i < steps; i++) {
        step(&l, &m, fill);
        compare(&l, &m, fill);
    }
    kv_list_free(l);
    model_free(&m);
}

static const int fills[] = { -5, -4, -3, -2, -1, 0, 1, 2, 3, 7, 128, 32767 };

START_TEST(test_model)
{
    int fill = fills[_i];

    run_model(fill, 3000, 0x9e3779b97f4a7c15ULL + (uint64_t) _i);
}
END_TEST

/* A growing list leaves the small shape for a node list, and comes back
 * once it is small again. */
START_TEST(test_shapes)
{
    kv_list_t *l = kv_list_new();
    char buf[16];

    for (int i = 0; i < 2000; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        ck_assert_int_eq(kv_list_push(&l, buf, strlen(buf), KV_LIST_TAIL, -2),
                         KV_OK);
    }
    ck_assert_uint_gt(kv_list_nodes(l), 1);
    ck_assert_ptr_null(kv_list_check(l, -2));
    kv_list_del_range(&l, 10, 1990, -2);
    ck_assert_uint_eq(kv_list_len(l), 10);
    ck_assert_uint_eq(kv_list_nodes(l), 1);
    ck_assert_ptr_null(kv_list_check(l, -2));
    kv_list_del_range(&l, 0, 10, -2);
    ck_assert_uint_eq(kv_list_len(l), 0);
    ck_assert_ptr_null(kv_list_check(l, -2));
    kv_list_free(l);

    /* fill 3: three to a node */
    l = kv_list_new();
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(kv_list_push(&l, "x", 1, KV_LIST_HEAD, 3), KV_OK);
    }
    ck_assert_uint_eq(kv_list_nodes(l), 4);
    kv_list_free(l);
}
END_TEST

/* Three short elements cost one allocation of the smallest malloc size. */
START_TEST(test_small_is_small)
{
    size_t before = kv_used_memory();
    kv_list_t *l = kv_list_new();

    ck_assert_int_eq(kv_list_push(&l, "e1", 2, KV_LIST_TAIL, -2), KV_OK);
    ck_assert_int_eq(kv_list_push(&l, "e2", 2, KV_LIST_TAIL, -2), KV_OK);
    ck_assert_int_eq(kv_list_push(&l, "e3", 2, KV_LIST_TAIL, -2), KV_OK);
    ck_assert_uint_le(kv_used_memory() - before, 24);
    kv_list_free(l);
    ck_assert_uint_eq(kv_used_memory(), before);
}
END_TEST

/* restore refuses anything that is not exactly a dump. */
START_TEST(test_restore_rejects)
{
    kv_list_t *l = kv_list_new(), *r;
    kv_buf_t b = { 0 };

    ck_assert_int_eq(kv_list_push(&l, "abc", 3, KV_LIST_TAIL, -2), KV_OK);
    ck_assert_int_eq(kv_list_push(&l, "", 0, KV_LIST_TAIL, -2), KV_OK);
    ck_assert_int_eq(kv_list_dump(l, &b), KV_OK);
    r = kv_list_restore(b.data, b.len, -2);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(kv_list_len(r), 2);
    kv_list_free(r);
    /* every truncation */
    for (size_t n = 0; n < b.len; n++) {
        ck_assert_ptr_null(kv_list_restore(b.data, n, -2));
    }
    /* a wrong count, a wrong version, a bad back length */
    b.data[1]++;
    ck_assert_ptr_null(kv_list_restore(b.data, b.len, -2));
    b.data[1]--;
    b.data[0] = 9;
    ck_assert_ptr_null(kv_list_restore(b.data, b.len, -2));
    b.data[0] = 1;
    b.data[9 + 4] = 2;
    ck_assert_ptr_null(kv_list_restore(b.data, b.len, -2));
    /* a non-canonical 2-byte length for "abc" */
    {
        static const char bad[] = "\x01\x01\0\0\0\0\0\0\0\x80\x03"
                                  "abc\x03\x80";
        ck_assert_ptr_null(kv_list_restore(bad, sizeof(bad) - 1, -2));
    }
    kv_buf_free(&b);
    kv_list_free(l);
}
END_TEST

static Suite *quicklist_suite(void)
{
    Suite *s = suite_create("quicklist");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_model, 0, (int) KV_ARRAY_LEN(fills));
    tcase_add_test(tc, test_shapes);
    tcase_add_test(tc, test_small_is_small);
    tcase_add_test(tc, test_restore_rejects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(quicklist_suite()) == 0 ? 0 : 1;
}
