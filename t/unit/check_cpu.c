/*
 * check_cpu.c: how many CPUs kevyd may use, which is what
 * worker-processes = "auto" starts: the affinity mask, capped by the
 * cgroup v2 cpu.max quota.
 */
#include "conf.h"

#include <check.h>
#include <sched.h>
#include "ck_run.h"

START_TEST(test_parse_cpu_max)
{
    static const struct {
        const char *line;
        int cpus;
    } cases[] = {
        { "max 100000", 0 },
        { "max 100000\n", 0 },
        { "200000 100000", 2 },
        { "200000 100000\n", 2 },
        { "150000 100000", 2 },
        { "50000 100000", 1 },
        { "100000 100000", 1 },
        { "100001 100000", 2 },
        { "1 1000000", 1 },
        { "350000 100000", 4 },
        { "6400000 100000", 64 },
        { "garbage", -1 },
        { "", -1 },
        { "max", -1 },
        { "100000", -1 },
        { "0 100000", -1 },
        { "-5 100000", -1 },
        { "100000 0", -1 },
        { "100000 -1", -1 },
        { "abc 100000", -1 },
        { "max abc", -1 },
    };

    for (size_t i = 0; i < KV_ARRAY_LEN(cases); i++) {
        ck_assert_msg(kv_conf_parse_cpu_max(cases[i].line) == cases[i].cpus,
                      "[%s] = %d, want %d", cases[i].line,
                      kv_conf_parse_cpu_max(cases[i].line), cases[i].cpus);
    }
}
END_TEST

/*
 * A quota far beyond any machine is still a (useless) limit, not "max" and
 * not an error; the arithmetic must neither overflow nor wrap.
 */
START_TEST(test_parse_cpu_max_huge)
{
    ck_assert_int_gt(kv_conf_parse_cpu_max("4294967296000 1000"), 0);
    ck_assert_int_gt(kv_conf_parse_cpu_max("17592186044415 1000"), 0);
    ck_assert_int_gt(kv_conf_parse_cpu_max("9223372036854775807 100000"), 0);
    ck_assert_int_gt(kv_conf_parse_cpu_max("9223372036854775807 1"), 0);
}
END_TEST

START_TEST(test_cpu_count)
{
    cpu_set_t set;
    int n = kv_conf_cpu_count();

    ck_assert_int_ge(n, 1);
    ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
    ck_assert_int_le(n, CPU_COUNT(&set));
    /* Stable: the workers started for "auto" do not vary call to call. */
    ck_assert_int_eq(kv_conf_cpu_count(), n);
}
END_TEST

/* Pin the process to k of its CPUs; returns k actually pinned. */
static int pin(const cpu_set_t *all, int k)
{
    cpu_set_t set;
    int got = 0;

    CPU_ZERO(&set);
    for (int c = 0; c < CPU_SETSIZE && got < k; c++) {
        if (CPU_ISSET(c, all)) {
            CPU_SET(c, &set);
            got++;
        }
    }
    ck_assert_int_eq(sched_setaffinity(0, sizeof(set), &set), 0);
    return got;
}

/* taskset(1) and container runtimes restrict the mask; "auto" follows. */
START_TEST(test_cpu_count_follows_affinity)
{
    cpu_set_t all;
    int full = kv_conf_cpu_count(), k;
    kv_conf_t conf;
    char err[KV_CONF_ERR_MAX];

    ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);

    k = pin(&all, 1);
    ck_assert_int_eq(k, 1);
    ck_assert_int_eq(kv_conf_cpu_count(), 1);
    ck_assert_msg(kv_conf_load_string(&conf, "worker-processes = \"auto\";",
                                      "test.conf", err, sizeof(err)) == KV_OK,
                  "%s", err);
    ck_assert_int_eq(conf.worker_processes, 1);
    ck_assert_int_eq(conf.worker_processes_auto, 1);

    /* With k CPUs the count is k, unless a cgroup quota is lower still. */
    k = pin(&all, 2);
    ck_assert_int_eq(kv_conf_cpu_count(), k < full ? k : full);

    ck_assert_int_eq(sched_setaffinity(0, sizeof(all), &all), 0);
    ck_assert_int_eq(kv_conf_cpu_count(), full);
}
END_TEST

static Suite *cpu_suite(void)
{
    Suite *s = suite_create("cpu");
    TCase *tc = tcase_create("cpu");

    tcase_add_test(tc, test_parse_cpu_max);
    tcase_add_test(tc, test_parse_cpu_max_huge);
    tcase_add_test(tc, test_cpu_count);
    tcase_add_test(tc, test_cpu_count_follows_affinity);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(cpu_suite()) == 0 ? 0 : 1;
}
