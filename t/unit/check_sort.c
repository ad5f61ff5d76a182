/*
 * check_sort.c: SORT's option parser and pattern rules (t_sort.c), which
 * the router and the cross-shard path rely on as much as the command:
 * options compared as C strings, the last ASC/DESC, BY and STORE winning,
 * a BY without '*' switching sorting off for good, which patterns read
 * keys, and the {tag}s that pin a pattern's keys to one slot.
 */
#include "cmd.h"
#include "crc16.h"

#include <check.h>
#include "ck_run.h"

static kv_str_t argv[32];
static int argc;
static kv_sort_args_t a;
static const char *err;

/* Parse "SORT key" and the given words (NULL terminated); reparse() gives
 * a word holding a NUL byte its whole length. */
static int parse(int readonly, const char *first, ...)
{
    va_list ap;

    argc = 0;
    argv[argc].p = "SORT";
    argv[argc++].len = 4;
    argv[argc].p = "key";
    argv[argc++].len = 3;
    va_start(ap, first);
    for (const char *w = first; w != NULL; w = va_arg(ap, const char *)) {
        ck_assert_int_lt(argc, 32);
        argv[argc].p = w;
        argv[argc++].len = strlen(w);
    }
    va_end(ap);
    kv_sort_args_free(&a);
    err = NULL;
    return kv_sort_parse(argv, argc, readonly, &a, &err);
}

/* Give argument i an explicit length (to include NUL bytes), re-parse. */
static int reparse(int readonly, int i, size_t len)
{
    argv[i].len = len;
    kv_sort_args_free(&a);
    err = NULL;
    return kv_sort_parse(argv, argc, readonly, &a, &err);
}

static kv_str_t str(const char *p, size_t len)
{
    kv_str_t s = { p, len };
    return s;
}

START_TEST(test_defaults)
{
    ck_assert_int_eq(parse(0, NULL), KV_OK);
    ck_assert_int_eq(a.desc, 0);
    ck_assert_int_eq(a.alpha, 0);
    ck_assert_int_eq(a.dontsort, 0);
    ck_assert_int_eq(a.limit_start, 0);
    ck_assert_int_eq(a.limit_count, -1);
    ck_assert_ptr_null(a.by);
    ck_assert_ptr_null(a.store);
    ck_assert_int_eq(a.ngets, 0);
}
END_TEST

START_TEST(test_options)
{
    ck_assert_int_eq(parse(0, "desc", "Alpha", "LIMIT", "-3", "9", NULL),
                     KV_OK);
    ck_assert_int_eq(a.desc, 1);
    ck_assert_int_eq(a.alpha, 1);
    ck_assert_int_eq(a.limit_start, -3);
    ck_assert_int_eq(a.limit_count, 9);
    /* the last of ASC and DESC, of BY, of STORE wins; GETs pile up */
    ck_assert_int_eq(parse(0, "DESC", "ASC", "BY", "w_*", "BY", "v_*", "GET",
                           "#", "STORE", "a", "GET", "o_*", "STORE", "b", NULL),
                     KV_OK);
    ck_assert_int_eq(a.desc, 0);
    ck_assert_int_eq(a.by->p[0], 'v');
    ck_assert_int_eq(a.store->p[0], 'b');
    ck_assert_int_eq(a.ngets, 2);
    ck_assert_str_eq(a.gets[0]->p, "#");
    ck_assert_str_eq(a.gets[1]->p, "o_*");
    ck_assert_int_eq(a.dontsort, 0);
    /* a BY without '*' turns sorting off, whatever BY follows */
    ck_assert_int_eq(parse(0, "BY", "nosort", "BY", "w_*", NULL), KV_OK);
    ck_assert_int_eq(a.dontsort, 1);
    ck_assert_str_eq(a.by->p, "w_*");
}
END_TEST

/* Redis compares options with strcasecmp(): up to a NUL byte. */
START_TEST(test_c_strings)
{
    ck_assert_int_eq(parse(0, "DESC", NULL), KV_OK);
    argv[2] = str("desc\0junk", 9);
    ck_assert_int_eq(reparse(0, 2, 9), KV_OK);
    ck_assert_int_eq(a.desc, 1);
    ck_assert_int_eq(parse(0, "DESC ", NULL), KV_ERROR);
    ck_assert_str_eq(err, "syntax error");
    /* a '*' after a NUL byte is no '*': BY "w_\0*" does not sort */
    ck_assert_int_eq(parse(0, "BY", "w_*", NULL), KV_OK);
    argv[3] = str("w_\0*", 4);
    ck_assert_int_eq(reparse(0, 3, 4), KV_OK);
    ck_assert_int_eq(a.dontsort, 1);
}
END_TEST

START_TEST(test_errors)
{
    static const char *const syntax[][4] = {
        { "FOO" }, { "LIMIT" }, { "LIMIT", "0" },        { "BY" },
        { "GET" }, { "STORE" }, { "ASC", "ALPHA", "X" },
    };

    for (size_t i = 0; i < KV_ARRAY_LEN(syntax); i++) {
        ck_assert_int_eq(parse(0, syntax[i][0], syntax[i][1], syntax[i][2],
                               syntax[i][3], NULL),
                         KV_ERROR);
        ck_assert_str_eq(err, "syntax error");
        ck_assert_ptr_null(a.gets);
    }
    /* LIMIT's numbers are strict integers, checked where they stand */
    ck_assert_int_eq(parse(0, "LIMIT", "1.5", "1", NULL), KV_ERROR);
    ck_assert_str_eq(err, "value is not an integer or out of range");
    ck_assert_int_eq(parse(0, "LIMIT", "0", "9223372036854775808", NULL),
                     KV_ERROR);
    ck_assert_str_eq(err, "value is not an integer or out of range");
    ck_assert_int_eq(parse(0, "LIMIT", " 1", "1", NULL), KV_ERROR);
    ck_assert_int_eq(parse(0, "GET", "#", "LIMIT", "x", "1", "FOO", NULL),
                     KV_ERROR);
    ck_assert_str_eq(err, "value is not an integer or out of range");
    ck_assert_ptr_null(a.gets);
    ck_assert_int_eq(parse(0, "FOO", "LIMIT", "x", "1", NULL), KV_ERROR);
    ck_assert_str_eq(err, "syntax error");
    /* SORT_RO has no STORE */
    ck_assert_int_eq(parse(1, "STORE", "d", NULL), KV_ERROR);
    ck_assert_str_eq(err, "syntax error");
    ck_assert_int_eq(parse(1, "GET", "STORE", NULL), KV_OK);
}
END_TEST

/* The patterns through which SORT reads keys. */
START_TEST(test_reads_keys)
{
    const kv_str_t *pats[8];

    ck_assert_int_eq(parse(0, "BY", "w_*", "GET", "#", "GET", "o_*", "GET",
                           "nokey", "GET", "h_*->f", NULL),
                     KV_OK);
    ck_assert_int_eq(kv_sort_reads_keys(&a, pats), 3);
    ck_assert_str_eq(pats[0]->p, "w_*");
    ck_assert_str_eq(pats[1]->p, "o_*");
    ck_assert_str_eq(pats[2]->p, "h_*->f");
    /* BY nosort reads nothing, "#" and "#\0..." are the element */
    ck_assert_int_eq(parse(0, "BY", "nosort", "GET", "#", "GET", "#x", NULL),
                     KV_OK);
    argv[5] = str("#\0*", 3);
    ck_assert_int_eq(reparse(0, 5, 3), KV_OK);
    ck_assert_int_eq(kv_sort_reads_keys(&a, pats), 0);
    ck_assert_int_eq(parse(0, "GET", "##*", NULL), KV_OK);
    ck_assert_int_eq(kv_sort_reads_keys(&a, pats), 1);
}
END_TEST

/* A pattern's keys share a slot when a {tag} before its '*' says so. */
START_TEST(test_pattern_slot)
{
    kv_str_t p;
    int u = (int) kv_key_slot("u", 1);

    p = str("{u}w_*", 6);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), u);
    p = str("x{u}y*->f", 9);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), u);
    p = str("{u}:{v}*", 8);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), u);
    /* the same slot as a key built from it */
    ck_assert_int_eq(kv_sort_pattern_slot(&p),
                     (int) kv_key_slot("{u}:{v}1", 8));
    p = str("w_*", 3);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), -1);
    p = str("{}w_*", 5);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), -1);
    p = str("{u*}", 4);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), -1);
    p = str("w_*{u}", 6);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), -1);
    p = str("#", 1);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), -1);
    p = str("{u}nokey", 8);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), -1);
    p = str("{u}\0*", 5);
    ck_assert_int_eq(kv_sort_pattern_slot(&p), -1);
}
END_TEST

static Suite *sort_suite(void)
{
    Suite *s = suite_create("sort");
    TCase *tc = tcase_create("args");

    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_c_strings);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_reads_keys);
    tcase_add_test(tc, test_pattern_slot);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed = kv_ck_run(sort_suite());

    kv_sort_args_free(&a);
    return failed == 0 ? 0 : 1;
}
