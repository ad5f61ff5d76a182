/*
 * check_args.c: the kevyd command line, nginx's way.
 *
 *   kevyd [-?hvVtTq] [-s signal] [-c file]
 */
#include "args.h"

#include <check.h>
#include "ck_run.h"

/* snprintf that fails the test rather than truncate. */
#define xsnprintf(buf, len, ...)                                               \
    ck_assert_int_lt(snprintf(buf, len, __VA_ARGS__), (int) (len))

static kv_args_t args;
static char err[256];

/* Parse "kevyd" followed by the given words (NULL terminated). */
static int parse(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;

    argv[argc++] = (char *) "kevyd";
    va_start(ap, first);
    for (const char *a = first; a != NULL; a = va_arg(ap, const char *)) {
        ck_assert_int_lt(argc, 31);
        argv[argc++] = (char *) a;
    }
    va_end(ap);
    argv[argc] = NULL;
    strcpy(err, "(untouched)");
    return kv_args_parse(&args, argc, argv, err, sizeof(err));
}

#define ck_parse_ok(...)                                                       \
    ck_assert_msg(parse(__VA_ARGS__, NULL) == KV_OK, "error: %s", err)

#define ck_parse_err(msg, ...)                                                 \
    do {                                                                       \
        ck_assert_int_eq(parse(__VA_ARGS__, NULL), KV_ERROR);                  \
        ck_assert_str_eq(err, msg);                                            \
    } while (0)

START_TEST(test_no_args)
{
    char *argv[] = { (char *) "kevyd", NULL };

    memset(&args, 0xff, sizeof(args));
    ck_assert_int_eq(kv_args_parse(&args, 1, argv, err, sizeof(err)), KV_OK);
    ck_assert_int_eq(args.action, KV_ACT_RUN);
    ck_assert_int_eq(args.signal, KV_SIG_NONE);
    ck_assert_str_eq(args.conf_file, KV_CONF_PATH);
    ck_assert_int_eq(args.quiet, 0);
}
END_TEST

START_TEST(test_conf_file)
{
    ck_parse_ok("-c", "/etc/k.conf");
    ck_assert_int_eq(args.action, KV_ACT_RUN);
    ck_assert_str_eq(args.conf_file, "/etc/k.conf");

    ck_parse_ok("-c/etc/k.conf");
    ck_assert_int_eq(args.action, KV_ACT_RUN);
    ck_assert_str_eq(args.conf_file, "/etc/k.conf");

    ck_parse_ok("-c", "relative.conf");
    ck_assert_str_eq(args.conf_file, "relative.conf");

    /* The last -c wins. */
    ck_parse_ok("-c", "a.conf", "-c", "b.conf");
    ck_assert_str_eq(args.conf_file, "b.conf");

    /* A value that looks like an option is still the value. */
    ck_parse_ok("-c", "-t");
    ck_assert_int_eq(args.action, KV_ACT_RUN);
    ck_assert_str_eq(args.conf_file, "-t");
}
END_TEST

START_TEST(test_test_and_dump)
{
    ck_parse_ok("-t");
    ck_assert_int_eq(args.action, KV_ACT_TEST);
    ck_assert_int_eq(args.quiet, 0);
    ck_assert_str_eq(args.conf_file, KV_CONF_PATH);

    ck_parse_ok("-T");
    ck_assert_int_eq(args.action, KV_ACT_DUMP);

    ck_parse_ok("-tq");
    ck_assert_int_eq(args.action, KV_ACT_TEST);
    ck_assert_int_eq(args.quiet, 1);

    ck_parse_ok("-q", "-t");
    ck_assert_int_eq(args.action, KV_ACT_TEST);
    ck_assert_int_eq(args.quiet, 1);

    ck_parse_ok("-q");
    ck_assert_int_eq(args.action, KV_ACT_RUN);
    ck_assert_int_eq(args.quiet, 1);

    /* -T includes -t, in either order. */
    ck_parse_ok("-T", "-t");
    ck_assert_int_eq(args.action, KV_ACT_DUMP);
    ck_parse_ok("-t", "-T");
    ck_assert_int_eq(args.action, KV_ACT_DUMP);
    ck_parse_ok("-tT");
    ck_assert_int_eq(args.action, KV_ACT_DUMP);

    ck_parse_ok("-tqc", "/x.conf");
    ck_assert_int_eq(args.action, KV_ACT_TEST);
    ck_assert_int_eq(args.quiet, 1);
    ck_assert_str_eq(args.conf_file, "/x.conf");

    ck_parse_ok("-tc/x.conf");
    ck_assert_int_eq(args.action, KV_ACT_TEST);
    ck_assert_str_eq(args.conf_file, "/x.conf");
}
END_TEST

START_TEST(test_version_and_help)
{
    ck_parse_ok("-v");
    ck_assert_int_eq(args.action, KV_ACT_VERSION);
    ck_parse_ok("-V");
    ck_assert_int_eq(args.action, KV_ACT_VERSION_FULL);
    ck_parse_ok("-v", "-V");
    ck_assert_int_eq(args.action, KV_ACT_VERSION_FULL);
    ck_parse_ok("-V", "-v");
    ck_assert_int_eq(args.action, KV_ACT_VERSION_FULL);

    ck_parse_ok("-h");
    ck_assert_int_eq(args.action, KV_ACT_HELP);
    ck_parse_ok("-?");
    ck_assert_int_eq(args.action, KV_ACT_HELP);
    /* Help wins over anything else, before or after it. */
    ck_parse_ok("-h", "-t");
    ck_assert_int_eq(args.action, KV_ACT_HELP);
    ck_parse_ok("-t", "-h");
    ck_assert_int_eq(args.action, KV_ACT_HELP);
    ck_parse_ok("-s", "stop", "-?");
    ck_assert_int_eq(args.action, KV_ACT_HELP);
}
END_TEST

START_TEST(test_signals)
{
    static const struct {
        const char *name;
        kv_signal_t sig;
    } sigs[] = { { "reload", KV_SIG_RELOAD },
                 { "stop", KV_SIG_STOP },
                 { "quit", KV_SIG_QUIT },
                 { "reopen", KV_SIG_REOPEN } };
    char attached[32];

    for (size_t i = 0; i < KV_ARRAY_LEN(sigs); i++) {
        ck_parse_ok("-s", sigs[i].name);
        ck_assert_int_eq(args.action, KV_ACT_SIGNAL);
        ck_assert_int_eq(args.signal, sigs[i].sig);
        ck_assert_str_eq(args.conf_file, KV_CONF_PATH);

        xsnprintf(attached, sizeof(attached), "-s%s", sigs[i].name);
        ck_parse_ok(attached);
        ck_assert_int_eq(args.action, KV_ACT_SIGNAL);
        ck_assert_int_eq(args.signal, sigs[i].sig);
    }
    ck_assert_int_ne(KV_SIG_RELOAD, KV_SIG_NONE);

    ck_parse_ok("-sreload", "-c", "/k.conf");
    ck_assert_int_eq(args.signal, KV_SIG_RELOAD);
    ck_assert_str_eq(args.conf_file, "/k.conf");

    ck_parse_ok("-c", "/k.conf", "-s", "stop");
    ck_assert_int_eq(args.action, KV_ACT_SIGNAL);
    ck_assert_int_eq(args.signal, KV_SIG_STOP);
    ck_assert_str_eq(args.conf_file, "/k.conf");

    ck_parse_ok("-qs", "quit");
    ck_assert_int_eq(args.signal, KV_SIG_QUIT);
    ck_assert_int_eq(args.quiet, 1);
}
END_TEST

START_TEST(test_errors)
{
    ck_parse_err("option \"-s\" requires parameter", "-s");
    ck_parse_err("option \"-s\" requires parameter", "-t", "-s");
    ck_parse_err("option \"-c\" requires file name", "-c");
    ck_parse_err("option \"-c\" requires file name", "-tc");
    ck_parse_err("option \"-c\" requires file name", "-c", "");
    ck_parse_err("invalid option: \"-s foo\"", "-s", "foo");
    ck_parse_err("invalid option: \"-s foo\"", "-sfoo");
    ck_parse_err("invalid option: \"-s STOP\"", "-s", "STOP");
    ck_parse_err("invalid option: \"-x\"", "-x");
    ck_parse_err("invalid option: \"-tx\"", "-tx");
    ck_parse_err("invalid option: \"foo\"", "foo");
    ck_parse_err("invalid option: \"foo\"", "-t", "foo");
    ck_parse_err("invalid option: \"-\"", "-");
    ck_parse_err("invalid option: \"--help\"", "--help");
    ck_parse_err("invalid option: \"\"", "");
}
END_TEST

START_TEST(test_conflicts)
{
    ck_parse_err("conflicting options", "-t", "-s", "stop");
    ck_parse_err("conflicting options", "-s", "stop", "-t");
    ck_parse_err("conflicting options", "-T", "-s", "reload");
    ck_parse_err("conflicting options", "-v", "-t");
    ck_parse_err("conflicting options", "-t", "-V");
    ck_parse_err("conflicting options", "-ts", "stop");

    /* The same signal twice is no conflict; the last one is sent. */
    ck_parse_ok("-s", "reload", "-s", "stop");
    ck_assert_int_eq(args.action, KV_ACT_SIGNAL);
    ck_assert_int_eq(args.signal, KV_SIG_STOP);
}
END_TEST

START_TEST(test_signal_names)
{
    static const char *const names[] = { "reload", "stop", "quit", "reopen" };
    static const kv_signal_t sigs[] = { KV_SIG_RELOAD, KV_SIG_STOP, KV_SIG_QUIT,
                                        KV_SIG_REOPEN };

    for (size_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        ck_assert_int_eq(kv_args_signal(names[i]), sigs[i]);
        ck_assert_str_eq(kv_args_signal_name(sigs[i]), names[i]);
        ck_assert_int_eq(kv_args_signal(kv_args_signal_name(sigs[i])), sigs[i]);
    }
    ck_assert_int_eq(kv_args_signal("foo"), KV_SIG_NONE);
    ck_assert_int_eq(kv_args_signal(""), KV_SIG_NONE);
    ck_assert_int_eq(kv_args_signal("STOP"), KV_SIG_NONE);
    ck_assert_int_eq(kv_args_signal("stop "), KV_SIG_NONE);
    ck_assert_int_eq(kv_args_signal("sto"), KV_SIG_NONE);
    ck_assert_str_eq(kv_args_signal_name(KV_SIG_NONE), "");
    ck_assert_str_eq(kv_args_signal_name((kv_signal_t) 99), "");
}
END_TEST

START_TEST(test_usage)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    kv_args_usage(f);
    ck_assert_int_eq(fclose(f), 0);

    ck_assert_msg(strncmp(text,
                          "Usage: kevyd [-?hvVtTq] [-s signal] [-c filename]\n",
                          50) == 0,
                  "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\n  -s signal "));
    ck_assert_ptr_nonnull(strstr(text, "stop, quit, reopen, reload\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n  -?,-h "));
    ck_assert_ptr_nonnull(strstr(text, "\n  -v "));
    ck_assert_ptr_nonnull(strstr(text, "\n  -V "));
    ck_assert_ptr_nonnull(strstr(text, "\n  -t "));
    ck_assert_ptr_nonnull(strstr(text, "\n  -T "));
    ck_assert_ptr_nonnull(strstr(text, "\n  -q "));
    ck_assert_ptr_nonnull(strstr(text, "\n  -c filename "));
    ck_assert_ptr_nonnull(strstr(text, "(default: " KV_CONF_PATH ")\n"));
    ck_assert_int_eq(text[len - 1], '\n');
    free(text);
}
END_TEST

static Suite *args_suite(void)
{
    Suite *s = suite_create("args");
    TCase *tc = tcase_create("args");

    tcase_add_test(tc, test_no_args);
    tcase_add_test(tc, test_conf_file);
    tcase_add_test(tc, test_test_and_dump);
    tcase_add_test(tc, test_version_and_help);
    tcase_add_test(tc, test_signals);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_conflicts);
    tcase_add_test(tc, test_signal_names);
    tcase_add_test(tc, test_usage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kv_ck_run(args_suite()) == 0 ? 0 : 1;
}
