/*
 * ck_run.h: the main() of every unit suite: run the suite, exit 0 when
 * every test passed, 1 otherwise.
 */
#ifndef KV_CK_RUN_H
#define KV_CK_RUN_H

#include <check.h>

/* Run suite s (then free it); the number of failed tests. */
static inline int kv_ck_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

#endif /* KV_CK_RUN_H */
