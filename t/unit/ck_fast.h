/*
 * ck_fast.h: a cheap assertion for the unit suites' hot loops.
 *
 * check's ck_assert_* report every passing assertion to the runner (a
 * write(2) each); loops that assert millions of times test first and call
 * into check only on failure.
 */
#ifndef KV_CK_FAST_H
#define KV_CK_FAST_H

#include <check.h>

#define ck_fast(c)                                                             \
    do {                                                                       \
        if (!(c)) {                                                            \
            ck_abort_msg("Assertion '%s' failed", #c);                         \
        }                                                                      \
    } while (0)

#endif /* KV_CK_FAST_H */
