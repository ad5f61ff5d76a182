/*
 * check_conf.c: kevy.conf, through kv_conf_load_string() and, where the
 * file itself matters (names in messages, relative paths, the re-read of
 * the source text), kv_conf_load() on files in a temporary directory.
 *
 * Every error is asserted with its exact text: that text is what an
 * operator sees from "kevyd -t".
 */
#include "conf.h"

#include <check.h>
#include <ctype.h>
#include <ftw.h>
#include <sys/stat.h>

#include "log.h"
#include "ck_run.h"

/* snprintf that fails the test rather than truncate. */
#define xsnprintf(buf, len, ...)                                               \
    ck_assert_int_lt(snprintf(buf, len, __VA_ARGS__), (int) (len))

#ifndef KV_SRCDIR
#error "build with -DKV_SRCDIR=\"<repository root>\""
#endif

#define MiB (1024LL * 1024)
#define GiB (1024LL * 1024 * 1024)

static kv_conf_t conf;
static char err[KV_CONF_ERR_MAX];

/* One temporary directory for the whole run (made absolute and real). */
static char tmpdir[PATH_MAX];

static int load(const char *text)
{
    err[0] = '\0';
    return kv_conf_load_string(&conf, text, "test.conf", err, sizeof(err));
}

#define ck_load_ok(text)                                                       \
    do {                                                                       \
        const char *text_ = (text);                                            \
        ck_assert_msg(load(text_) == KV_OK, "[%s] failed: %s", text_, err);    \
    } while (0)

#define ck_load_err(text, msg)                                                 \
    do {                                                                       \
        const char *text_ = (text);                                            \
        ck_assert_msg(load(text_) == KV_ERROR, "[%s] loaded", text_);          \
        ck_assert_str_eq(err, msg);                                            \
    } while (0)

/* Write text to tmpdir/name, making the directories on the way. */
static const char *write_file(const char *name, const char *text)
{
    static char path[PATH_MAX * 2];
    char *slash;
    FILE *f;

    xsnprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    for (slash = strchr(path + strlen(tmpdir) + 1, '/'); slash != NULL;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            ck_abort_msg("mkdir(%s): %s", path, strerror(errno));
        }
        *slash = '/';
    }
    f = fopen(path, "w");
    ck_assert_msg(f != NULL, "fopen(%s): %s", path, strerror(errno));
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static int load_file(const char *name, const char *text, char *path, size_t len)
{
    xsnprintf(path, len, "%s", write_file(name, text));
    err[0] = '\0';
    return kv_conf_load(&conf, path, err, sizeof(err));
}

/* The expected message for an error at line of path. */
static const char *at(const char *msg, const char *path, int line)
{
    static char buf[KV_CONF_ERR_MAX];

    xsnprintf(buf, sizeof(buf), "%s in %s:%d", msg, path, line);
    return buf;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void fmt(const kv_conf_t *c, const char *name, char *buf, size_t len)
{
    const kv_conf_setting_t *s = kv_conf_find(name);

    ck_assert_msg(s != NULL, "no setting %s", name);
    ck_assert_int_eq(kv_conf_format_value(c, s, buf, len), KV_OK);
}

static int expected_auto_workers(void)
{
    int n = kv_conf_cpu_count();

    return n > KV_MAX_WORKERS ? KV_MAX_WORKERS : n;
}

/* ---------------------------------------------------------------- table */

START_TEST(test_defaults_values)
{
    kv_conf_defaults(&conf);
    ck_assert_int_eq(conf.port, 6379);
    ck_assert_str_eq(conf.bind, "127.0.0.1");
    ck_assert_str_eq(conf.unixsocket, "");
    ck_assert_int_eq(conf.unixsocketperm, 0);
    ck_assert_int_eq(conf.tcp_backlog, 511);
    ck_assert_int_eq(conf.maxclients, 10000);
    ck_assert_int_eq(conf.timeout, 0);
    ck_assert_int_eq(conf.tcp_keepalive, 300);
    ck_assert_int_eq(conf.proto_max_bulk_len, 512 * MiB);
    ck_assert_int_eq(conf.client_query_buffer_limit, 1LL << 30);
    ck_assert_int_eq(conf.worker_processes_auto, 1);
    ck_assert_str_eq(conf.worker_cpu_affinity, "off");
    ck_assert_int_eq(conf.shutdown_timeout, 10);
    ck_assert_int_eq(conf.io_backend, KV_BACKEND_AUTO);
    ck_assert_int_eq(conf.hz, 10);
    ck_assert_int_eq(conf.daemonize, 0);
    ck_assert_str_eq(conf.pidfile, "/run/kevyd.pid");
    ck_assert_int_eq(conf.loglevel, KV_LOG_NOTICE);
    ck_assert_str_eq(conf.logfile, "");
    ck_assert_str_eq(conf.dir, ".");
    ck_assert_int_eq(conf.appendonly, 0);
    ck_assert_int_eq(conf.appendfsync, KV_FSYNC_EVERYSEC);
    ck_assert_str_eq(conf.conf_file, "");
}
END_TEST

START_TEST(test_table_sane)
{
    ck_assert_uint_ge(kv_conf_nsettings, 22);
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];

        ck_assert_msg(s->name != NULL && s->name[0] != '\0', "entry %zu", i);
        ck_assert_msg(s->doc != NULL && s->doc[0] != '\0', "%s: no doc",
                      s->name);
        ck_assert_msg(s->def != NULL, "%s: no default", s->name);
        ck_assert_msg(kv_conf_find(s->name) == s, "%s: not unique", s->name);
        ck_assert_msg(s->offset < offsetof(kv_conf_t, conf_file), "%s",
                      s->name);
        if (s->type == KV_CT_INT || s->type == KV_CT_SIZE ||
            s->type == KV_CT_WORKERS || s->type == KV_CT_MODE) {
            ck_assert_msg(s->min <= s->max, "%s: min > max", s->name);
        }
        if (s->type == KV_CT_INT || s->type == KV_CT_WORKERS ||
            s->type == KV_CT_MODE) {
            ck_assert_msg(s->min >= INT_MIN && s->max <= INT_MAX, "%s",
                          s->name);
        }
        if (s->type == KV_CT_ENUM) {
            ck_assert_msg(s->words != NULL && s->values != NULL &&
                              s->words[0] != NULL,
                          "%s: no words", s->name);
        }
        if (s->type == KV_CT_STRING || s->type == KV_CT_PATH) {
            ck_assert_msg(s->size > 1, "%s: no size", s->name);
        }
    }
}
END_TEST

/* The default as it would be written in kevy.conf. */
static void default_text(const kv_conf_setting_t *s, char *buf, size_t len)
{
    if (s->type == KV_CT_INT || s->type == KV_CT_BOOL) {
        xsnprintf(buf, len, "%s = %s;\n", s->name, s->def);
    } else {
        xsnprintf(buf, len, "%s = \"%s\";\n", s->name, s->def);
    }
}

START_TEST(test_every_default_parses)
{
    static kv_conf_t empty;
    char text[8192] = "", line[1024], a[KV_CONF_PATH_MAX + 8],
         b[KV_CONF_PATH_MAX + 8];

    ck_load_ok("");
    empty = conf;
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];

        default_text(s, line, sizeof(line));
        ck_load_ok(line);
        ck_assert_int_eq(kv_conf_format_value(&conf, s, a, sizeof(a)), KV_OK);
        ck_assert_int_eq(kv_conf_format_value(&empty, s, b, sizeof(b)), KV_OK);
        ck_assert_msg(strcmp(a, b) == 0, "%s: %s != %s", s->name, a, b);
        strcat(text, line);
    }
    /* All of them at once, as a commented-out kevy.conf would say. */
    ck_load_ok(text);
    ck_assert_ptr_null(kv_conf_fixed_change(&empty, &conf));
}
END_TEST

START_TEST(test_empty_config)
{
    char cwd[PATH_MAX], path[PATH_MAX + 32], real[PATH_MAX];

    ck_load_ok("");
    ck_assert_int_eq(conf.port, 6379);
    ck_assert_int_eq(conf.worker_processes_auto, 1);
    ck_assert_int_eq(conf.worker_processes, expected_auto_workers());
    ck_assert_int_ge(conf.worker_processes, 1);
    /* A name without a directory is relative to the working directory. */
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    xsnprintf(path, sizeof(path), "%s/test.conf", cwd);
    ck_assert_str_eq(conf.conf_file, path);
    ck_assert_int_eq(conf.dir[0], '/');
    ck_assert_ptr_nonnull(realpath(conf.dir, real));
    ck_assert_str_eq(real, cwd);
    ck_assert_str_eq(conf.pidfile, "/run/kevyd.pid");
    ck_assert_str_eq(conf.logfile, "");

    ck_load_ok("# only a comment\n\n// and another\n/* and a block */\n");
    ck_assert_int_eq(conf.port, 6379);
}
END_TEST

START_TEST(test_find)
{
    const kv_conf_setting_t *s = kv_conf_find("port");

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "port");
    ck_assert_int_eq(s->type, KV_CT_INT);
    ck_assert_uint_eq(s->offset, offsetof(kv_conf_t, port));
    s = kv_conf_find("proto-max-bulk-len");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->type, KV_CT_SIZE);
    ck_assert_ptr_null(kv_conf_find("prot"));
    ck_assert_ptr_null(kv_conf_find("ports"));
    ck_assert_ptr_null(kv_conf_find(""));
    ck_assert_ptr_null(kv_conf_find("proto_max_bulk_len"));
}
END_TEST

/* ------------------------------------------------------------ integers */

START_TEST(test_int_values)
{
    ck_load_ok("port = 7000;");
    ck_assert_int_eq(conf.port, 7000);
    ck_load_ok("port = 7000; timeout = 5;");
    ck_assert_int_eq(conf.port, 7000);
    ck_assert_int_eq(conf.timeout, 5);
    ck_load_ok("port : 7001;");
    ck_assert_int_eq(conf.port, 7001);
    ck_load_ok("timeout = 2147483647;");
    ck_assert_int_eq(conf.timeout, INT_MAX);
    ck_load_ok("tcp-backlog = 128; maxclients = 1; hz = 500;");
    ck_assert_int_eq(conf.tcp_backlog, 128);
    ck_assert_int_eq(conf.maxclients, 1);
    ck_assert_int_eq(conf.hz, 500);
    /* "timeout" is also the end of "shutdown-timeout". */
    ck_load_ok("shutdown-timeout = 5; timeout = 7;");
    ck_assert_int_eq(conf.shutdown_timeout, 5);
    ck_assert_int_eq(conf.timeout, 7);
    ck_load_ok("timeout = 7; shutdown-timeout = 5;");
    ck_assert_int_eq(conf.shutdown_timeout, 5);
    ck_assert_int_eq(conf.timeout, 7);
}
END_TEST

/* min and max load, min - 1 and max + 1 fail, for every INT setting. */
START_TEST(test_int_ranges)
{
    char text[256], msg[256];

    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];
        long long tries[4];

        if (s->type != KV_CT_INT) {
            continue;
        }
        /* INT ranges lie within int, so min - 1 and max + 1 fit. */
        tries[0] = s->min;
        tries[1] = s->max;
        tries[2] = s->min - 1;
        tries[3] = s->max + 1;
        for (size_t t = 0; t < 4; t++) {
            long long v = tries[t];
            /* L keeps libconfig from reading a large literal as 32 bits. */
            const char *suffix = v > INT_MAX || v < INT_MIN ? "L" : "";

            xsnprintf(text, sizeof(text),
                      "unixsocket = \"/tmp/k.sock\"; %s = %lld%s;", s->name, v,
                      suffix);
            if (t < 2) {
                ck_load_ok(text);
                ck_assert_int_eq(*(int *) ((char *) &conf + s->offset), v);
            } else {
                xsnprintf(msg, sizeof(msg),
                          "\"%s\" must be between %lld and %lld in test.conf:1",
                          s->name, s->min, s->max);
                ck_load_err(text, msg);
            }
        }
    }
}
END_TEST

START_TEST(test_int_bounds_exact)
{
    ck_load_err("port = -1;",
                "\"port\" must be between 0 and 65535 in test.conf:1");
    ck_load_err("port = 65536;",
                "\"port\" must be between 0 and 65535 in test.conf:1");
    ck_load_ok("port = 65535;");
    ck_assert_int_eq(conf.port, 65535);
    ck_load_err("maxclients = 1000001;",
                "\"maxclients\" must be between 1 and 1000000 in test.conf:1");
    ck_load_err("shutdown-timeout = 0;",
                "\"shutdown-timeout\" must be between 1 and 3600 in "
                "test.conf:1");
    ck_load_err("timeout = -1;",
                "\"timeout\" must be between 0 and 2147483647 in test.conf:1");
}
END_TEST

START_TEST(test_int_wrong_type)
{
    ck_load_err("port = \"6379\";",
                "\"port\" must be an integer (without quotes) in test.conf:1");
    ck_load_err("port = true;",
                "\"port\" must not be a boolean in test.conf:1");
    ck_load_err("port = 1.5;",
                "\"port\" must be a single value, not a float in test.conf:1");
    ck_load_err("port = 1e3;",
                "\"port\" must be a single value, not a float in test.conf:1");
    ck_load_err("port = [1];", "\"port\" must be a single value, not a group, "
                               "array or list in test.conf:1");
    ck_load_err("port = (1);", "\"port\" must be a single value, not a group, "
                               "array or list in test.conf:1");
    ck_load_err("port = { a = 1; };",
                "\"port\" must be a single value, not a group, array or list "
                "in test.conf:1");
}
END_TEST

/* --------------------------------------------------------------- bools */

START_TEST(test_bool)
{
    ck_load_ok("daemonize = true;");
    ck_assert_int_eq(conf.daemonize, 1);
    ck_load_ok("daemonize = false;");
    ck_assert_int_eq(conf.daemonize, 0);
    ck_load_ok("daemonize = TRUE;");
    ck_assert_int_eq(conf.daemonize, 1);
    ck_load_ok("daemonize = \"yes\";");
    ck_assert_int_eq(conf.daemonize, 1);
    ck_load_ok("daemonize = \"no\";");
    ck_assert_int_eq(conf.daemonize, 0);
    ck_load_ok("daemonize = \"YES\";");
    ck_assert_int_eq(conf.daemonize, 1);
    ck_load_ok("daemonize = \"true\";");
    ck_assert_int_eq(conf.daemonize, 1);
    ck_load_ok("daemonize = \"false\";");
    ck_assert_int_eq(conf.daemonize, 0);

    ck_load_err("daemonize = \"maybe\";",
                "\"daemonize\" must be true or false in test.conf:1");
    ck_load_err("daemonize = \"\";",
                "\"daemonize\" must be true or false in test.conf:1");
    ck_load_err("daemonize = 1;",
                "\"daemonize\" must be true or false in test.conf:1");
    ck_load_err("daemonize = 0;",
                "\"daemonize\" must be true or false in test.conf:1");
    ck_load_err("daemonize = 1.0;", "\"daemonize\" must be a single value, "
                                    "not a float in test.conf:1");
    ck_load_err("daemonize = [true];",
                "\"daemonize\" must be a single value, not a group, array or "
                "list in test.conf:1");
}
END_TEST

/* ------------------------------------------------------ strings, enums */

START_TEST(test_string)
{
    char text[1024], big[600];

    ck_load_ok("bind = \"0.0.0.0 ::1\";");
    ck_assert_str_eq(conf.bind, "0.0.0.0 ::1");
    ck_load_ok("pidfile = \"/tmp/a\\\"b\\\\c.pid\";");
    ck_assert_str_eq(conf.pidfile, "/tmp/a\"b\\c.pid");
    ck_load_err("bind = 1;",
                "\"bind\" must be a string in double quotes in test.conf:1");
    ck_load_err("bind = true;",
                "\"bind\" must not be a boolean in test.conf:1");
    ck_load_err("pidfile = 1;",
                "\"pidfile\" must be a string in double quotes in "
                "test.conf:1");

    /* 511 bytes fit into bind[512], 512 do not. */
    memset(big, 'a', 511);
    big[511] = '\0';
    xsnprintf(text, sizeof(text), "bind = \"%s\";", big);
    ck_load_ok(text);
    ck_assert_uint_eq(strlen(conf.bind), 511);
    strcat(big, "a");
    xsnprintf(text, sizeof(text), "bind = \"%s\";", big);
    ck_load_err(text, "\"bind\" is too long (at most 511 bytes) in "
                      "test.conf:1");
}
END_TEST

START_TEST(test_enum)
{
    static const struct {
        const char *word;
        int level;
    } levels[] = { { "debug", KV_LOG_DEBUG },
                   { "verbose", KV_LOG_INFO },
                   { "notice", KV_LOG_NOTICE },
                   { "warning", KV_LOG_WARN },
                   { "nothing", KV_LOG_NOTHING } };
    char text[128];

    for (size_t i = 0; i < KV_ARRAY_LEN(levels); i++) {
        xsnprintf(text, sizeof(text), "loglevel = \"%s\";", levels[i].word);
        ck_load_ok(text);
        ck_assert_int_eq(conf.loglevel, levels[i].level);
    }
    ck_load_ok("appendfsync = \"always\";");
    ck_assert_int_eq(conf.appendfsync, KV_FSYNC_ALWAYS);
    ck_load_ok("appendfsync = \"no\";");
    ck_assert_int_eq(conf.appendfsync, KV_FSYNC_NO);
    ck_load_ok("io-backend = \"epoll\";");
    ck_assert_int_eq(conf.io_backend, KV_BACKEND_EPOLL);
    ck_load_ok("io-backend = \"auto\";");
    ck_assert_int_eq(conf.io_backend, KV_BACKEND_AUTO);

    ck_load_err("loglevel = \"loud\";",
                "\"loglevel\" must be one of \"debug\", \"verbose\", "
                "\"notice\", \"warning\", \"nothing\" in test.conf:1");
    ck_load_err("appendfsync = \"sometimes\";",
                "\"appendfsync\" must be one of \"always\", \"everysec\", "
                "\"no\" in test.conf:1");
    ck_load_err("io-backend = \"kqueue\";",
                "\"io-backend\" must be one of \"auto\", \"io_uring\", "
                "\"epoll\" in test.conf:1");
    ck_load_err("loglevel = 3;",
                "\"loglevel\" must be a string in double quotes in "
                "test.conf:1");
    ck_load_err("loglevel = false;",
                "\"loglevel\" must not be a boolean in test.conf:1");
}
END_TEST

START_TEST(test_affinity)
{
    static const char *const good[] = { "off",   "auto",  "",
                                        "1",     "01 10", "0001 0010 0100 1000",
                                        "11  11" };
    static const char *const bad[] = { "on",      "012", "0x3",
                                       "auto 01", "1,2", "ff" };
    char text[128], msg[256];

    for (size_t i = 0; i < KV_ARRAY_LEN(good); i++) {
        xsnprintf(text, sizeof(text), "worker-cpu-affinity = \"%s\";", good[i]);
        ck_load_ok(text);
        ck_assert_str_eq(conf.worker_cpu_affinity, good[i]);
    }
    for (size_t i = 0; i < KV_ARRAY_LEN(bad); i++) {
        xsnprintf(text, sizeof(text), "\nworker-cpu-affinity = \"%s\";",
                  bad[i]);
        xsnprintf(msg, sizeof(msg),
                  "\"worker-cpu-affinity\" must be \"off\", \"auto\" or bit "
                  "masks such as \"01 10\" in test.conf:2");
        ck_load_err(text, msg);
    }
}
END_TEST

/* --------------------------------------------------------------- sizes */

START_TEST(test_size_setting)
{
    ck_load_ok("proto-max-bulk-len = \"64mb\";");
    ck_assert_int_eq(conf.proto_max_bulk_len, 64 * MiB);
    ck_load_ok("proto-max-bulk-len = \"1gb\";");
    ck_assert_int_eq(conf.proto_max_bulk_len, GiB);
    ck_load_ok("proto-max-bulk-len = \"1GB\";");
    ck_assert_int_eq(conf.proto_max_bulk_len, GiB);
    ck_load_ok("proto-max-bulk-len = \"2m\";");
    ck_assert_int_eq(conf.proto_max_bulk_len, 2000000);
    ck_load_ok("proto-max-bulk-len = \"1048576\";");
    ck_assert_int_eq(conf.proto_max_bulk_len, MiB);
    ck_load_ok("proto-max-bulk-len = 1048576;");
    ck_assert_int_eq(conf.proto_max_bulk_len, MiB);
    ck_load_ok("proto-max-bulk-len = 8589934592L;");
    ck_assert_int_eq(conf.proto_max_bulk_len, 8 * GiB);
    ck_load_ok("proto-max-bulk-len = \"9223372036854775807\";");
    ck_assert_int_eq(conf.proto_max_bulk_len, LLONG_MAX);
    ck_load_ok("client-query-buffer-limit = \"1024gb\";");
    ck_assert_int_eq(conf.client_query_buffer_limit, 1024 * GiB);

    ck_load_err("client-query-buffer-limit = \"1025gb\";",
                "\"client-query-buffer-limit\" must be between 1048576 and "
                "1099511627776 in test.conf:1");
    ck_load_err("proto-max-bulk-len = \"100b\";",
                "\"proto-max-bulk-len\" must be between 1048576 and "
                "9223372036854775807 in test.conf:1");
    ck_load_err("proto-max-bulk-len = \"1048575\";",
                "\"proto-max-bulk-len\" must be between 1048576 and "
                "9223372036854775807 in test.conf:1");
    ck_load_err("proto-max-bulk-len = 1048575;",
                "\"proto-max-bulk-len\" must be between 1048576 and "
                "9223372036854775807 in test.conf:1");

#define BAD_SIZE                                                               \
    "\"proto-max-bulk-len\" must be a size such as \"64mb\" (units: b k kb "   \
    "m mb g gb) in test.conf:1"
    ck_load_err("proto-max-bulk-len = \"5xb\";", BAD_SIZE);
    ck_load_err("proto-max-bulk-len = \"\";", BAD_SIZE);
    ck_load_err("proto-max-bulk-len = \"-1mb\";", BAD_SIZE);
    ck_load_err("proto-max-bulk-len = \"mb\";", BAD_SIZE);
    ck_load_err("proto-max-bulk-len = \"1.5gb\";", BAD_SIZE);
    ck_load_err("proto-max-bulk-len = \"99999999999999999999gb\";", BAD_SIZE);
    ck_load_err("proto-max-bulk-len = \"8589934592gb\";", BAD_SIZE);
#undef BAD_SIZE
    ck_load_err("proto-max-bulk-len = true;",
                "\"proto-max-bulk-len\" must not be a boolean in test.conf:1");
    ck_load_err("proto-max-bulk-len = 1.5;",
                "\"proto-max-bulk-len\" must be a single value, not a float "
                "in test.conf:1");
}
END_TEST

START_TEST(test_parse_size)
{
    static const struct {
        const char *s;
        long long v;
    } good[] = {
        { "0", 0 },
        { "100", 100 },
        { "100b", 100 },
        { "100B", 100 },
        { "512k", 512000 },
        { "512K", 512000 },
        { "10kb", 10240 },
        { "10KB", 10240 },
        { "10Kb", 10240 },
        { "3m", 3000000 },
        { "64mb", 64 * MiB },
        { "64MB", 64 * MiB },
        { "2g", 2000000000 },
        { "1gb", GiB },
        { "1GB", GiB },
        { "9223372036854775807", LLONG_MAX },
        { "8589934591gb", 8589934591LL * GiB },
    };
    static const char *const bad[] = {
        "",
        "5xb",
        "-1mb",
        "+1mb",
        "mb",
        "1.5mb",
        "5 mb",
        "5mbb",
        "5tb",
        "0x10",
        "1e6",
        "5m b",
        "99999999999999999999gb",
        /* 2^63: one past LLONG_MAX, by digits and by unit */
        "9223372036854775808",
        "8589934592gb",
        "9007199254740992kb",
    };
    long long v;

    for (size_t i = 0; i < KV_ARRAY_LEN(good); i++) {
        v = -42;
        ck_assert_msg(kv_conf_parse_size(good[i].s, &v) == KV_OK, "[%s]",
                      good[i].s);
        ck_assert_msg(v == good[i].v, "[%s] = %lld, want %lld", good[i].s, v,
                      good[i].v);
    }
    for (size_t i = 0; i < KV_ARRAY_LEN(bad); i++) {
        v = -42;
        ck_assert_msg(kv_conf_parse_size(bad[i], &v) == KV_ERROR,
                      "[%s] parsed as %lld", bad[i], v);
        ck_assert_msg(v == -42, "[%s] wrote %lld on error", bad[i], v);
    }
}
END_TEST

/* --------------------------------------------------------------- modes */

START_TEST(test_mode)
{
    ck_load_ok("unixsocketperm = 770;");
    ck_assert_int_eq(conf.unixsocketperm, 0770);
    ck_load_ok("unixsocketperm = \"0700\";");
    ck_assert_int_eq(conf.unixsocketperm, 0700);
    ck_load_ok("unixsocketperm = \"770\";");
    ck_assert_int_eq(conf.unixsocketperm, 0770);
    ck_load_ok("unixsocketperm = 777;");
    ck_assert_int_eq(conf.unixsocketperm, 0777);
    ck_load_ok("unixsocketperm = 0;");
    ck_assert_int_eq(conf.unixsocketperm, 0);
    ck_load_ok("unixsocketperm = \"0\";");
    ck_assert_int_eq(conf.unixsocketperm, 0);

#define NOT_OCTAL                                                              \
    "\"unixsocketperm\" must be an octal mode such as 770 in test.conf:1"
#define TOO_BIG                                                                \
    "\"unixsocketperm\" must be an octal mode up to 0777 in test.conf:1"
    ck_load_err("unixsocketperm = 800;", NOT_OCTAL);
    ck_load_err("unixsocketperm = 778;", NOT_OCTAL);
    ck_load_err("unixsocketperm = \"800\";", NOT_OCTAL);
    ck_load_err("unixsocketperm = \"rwx\";", NOT_OCTAL);
    ck_load_err("unixsocketperm = \"\";", NOT_OCTAL);
    ck_load_err("unixsocketperm = 1000;", TOO_BIG);
    ck_load_err("unixsocketperm = \"1777\";", TOO_BIG);
    ck_load_err("unixsocketperm = -1;", TOO_BIG);
#undef NOT_OCTAL
#undef TOO_BIG
    ck_load_err("unixsocketperm = true;",
                "\"unixsocketperm\" must not be a boolean in test.conf:1");
}
END_TEST

/*
 * kevy.conf(5) asks for 770 or "0770", never a bare 0770: libconfig reads
 * that literal as decimal 770 while C would read it as octal. Whatever
 * kevyd does with it, it must not load a mode other than 0770.
 */
START_TEST(test_mode_leading_zero)
{
    if (load("unixsocketperm = 0770;") == KV_OK) {
        ck_assert_int_eq(conf.unixsocketperm, 0770);
    } else {
        ck_assert_msg(starts_with(err, "\"unixsocketperm\" "), "%s", err);
        ck_assert_msg(ends_with(err, " in test.conf:1"), "%s", err);
    }
}
END_TEST

/* ------------------------------------------------------------- workers */

START_TEST(test_workers)
{
    ck_load_ok("worker-processes = \"auto\";");
    ck_assert_int_eq(conf.worker_processes_auto, 1);
    ck_assert_int_eq(conf.worker_processes, expected_auto_workers());
    ck_load_ok("worker-processes = 4;");
    ck_assert_int_eq(conf.worker_processes_auto, 0);
    ck_assert_int_eq(conf.worker_processes, 4);
    ck_load_ok("worker-processes = \"4\";");
    ck_assert_int_eq(conf.worker_processes_auto, 0);
    ck_assert_int_eq(conf.worker_processes, 4);
    ck_load_ok("worker-processes = 1;");
    ck_assert_int_eq(conf.worker_processes, 1);
    ck_load_ok("worker-processes = 64;");
    ck_assert_int_eq(conf.worker_processes, 64);

#define RANGE "\"worker-processes\" must be between 1 and 64 in test.conf:1"
    ck_load_err("worker-processes = 0;", RANGE);
    ck_load_err("worker-processes = 65;", RANGE);
    ck_load_err("worker-processes = -1;", RANGE);
    ck_load_err("worker-processes = \"0\";", RANGE);
    ck_load_err("worker-processes = \"65\";", RANGE);
#undef RANGE
#define WORD "\"worker-processes\" must be a number or \"auto\" in test.conf:1"
    ck_load_err("worker-processes = \"three\";", WORD);
    ck_load_err("worker-processes = \"\";", WORD);
    ck_load_err("worker-processes = \"4x\";", WORD);
#undef WORD
    ck_load_err("worker-processes = true;",
                "\"worker-processes\" must not be a boolean in test.conf:1");
    ck_load_err("worker-processes = 1.0;",
                "\"worker-processes\" must be a single value, not a float in "
                "test.conf:1");
}
END_TEST

/* -------------------------------------------------------------- errors */

START_TEST(test_unknown_setting)
{
    ck_load_err("port = 7000;\nprot = 1;\n",
                "unknown setting \"prot\" in test.conf:2");
    ck_load_err("# a comment\n"
                "\n"
                "// another\n"
                "/* a block\n"
                "   comment */\n"
                "port = 7000;\n"
                "prot = 1;\n",
                "unknown setting \"prot\" in test.conf:7");
    ck_load_err("port = 7000; Port = 1;",
                "unknown setting \"Port\" in test.conf:1");
    ck_load_err("worker_processes = 2;",
                "unknown setting \"worker_processes\" in test.conf:1");
    ck_load_err("foo = { port = 1; };",
                "unknown setting \"foo\" in test.conf:1");
    /* The first error wins. */
    ck_load_err("a = 1;\nport = \"x\";\n",
                "unknown setting \"a\" in test.conf:1");
    ck_load_err("port = \"x\";\na = 1;\n",
                "\"port\" must be an integer (without quotes) in test.conf:1");
}
END_TEST

START_TEST(test_syntax_error)
{
    ck_assert_int_eq(load("port = 7000;\n\n# x\nbind = ;\n"), KV_ERROR);
    ck_assert_msg(ends_with(err, " in test.conf:4"), "%s", err);
    ck_assert_msg(strlen(err) > strlen(" in test.conf:4"), "%s", err);

    ck_assert_int_eq(load("port = 7000;\nbind = \"x\";\nhz = 1 2;\n"),
                     KV_ERROR);
    ck_assert_msg(ends_with(err, " in test.conf:3"), "%s", err);

    ck_assert_int_eq(load("port = 7000;\nhz = 1;}\n"), KV_ERROR);
    ck_assert_msg(ends_with(err, " in test.conf:2"), "%s", err);

    ck_assert_int_eq(load("port = 7000;\n\nport = 7001;\n"), KV_ERROR);
    ck_assert_msg(ends_with(err, " in test.conf:3"), "%s", err);

    ck_assert_int_eq(load("= 1;"), KV_ERROR);
    ck_assert_msg(ends_with(err, " in test.conf:1"), "%s", err);

    ck_assert_int_eq(load("bind = \"unterminated;\n"), KV_ERROR);
    ck_assert_msg(strstr(err, " in test.conf:") != NULL, "%s", err);
}
END_TEST

START_TEST(test_error_buffer_small)
{
    char small[16];

    memset(small, 'X', sizeof(small));
    ck_assert_int_eq(kv_conf_load_string(&conf, "prot = 1;", "test.conf", small,
                                         sizeof(small)),
                     KV_ERROR);
    ck_assert_str_eq(small, "unknown setting");

    memset(small, 'X', sizeof(small));
    ck_assert_int_eq(kv_conf_load_string(&conf, "port = 0;", "test.conf", small,
                                         sizeof(small)),
                     KV_ERROR);
    ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

/* ---------------------------------------------------------- cross checks */

/*
 * Checks of the final values name the line that set the value, or only the
 * file when the value is the default.
 */
START_TEST(test_cross_checks)
{
    ck_load_err("# tcp off\nport = 0;",
                "\"port\" is 0 and no \"unixsocket\" is set: nothing to "
                "listen on in test.conf:2");
    ck_load_ok("port = 0; unixsocket = \"/tmp/kevyd.sock\";");
    ck_assert_int_eq(conf.port, 0);
    ck_assert_str_eq(conf.unixsocket, "/tmp/kevyd.sock");

    ck_load_err("\n\nappendonly = true;",
                "\"appendonly\" is not available in this version of kevyd: "
                "set it to false in test.conf:3");
    ck_load_err("appendonly = \"yes\";",
                "\"appendonly\" is not available in this version of kevyd: "
                "set it to false in test.conf:1");
    ck_load_ok("appendonly = false;");
    ck_assert_int_eq(conf.appendonly, 0);

#if KV_HAVE_LIBURING
    ck_load_ok("port = 7000;\nio-backend = \"io_uring\";");
    ck_assert_int_eq(conf.io_backend, KV_BACKEND_IO_URING);
#else
    ck_assert_int_eq(load("port = 7000;\nio-backend = \"io_uring\";"),
                     KV_ERROR);
    ck_assert_msg(starts_with(err, "\"io-backend\" "), "%s", err);
    ck_assert_msg(strstr(err, "\"io_uring\"") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "without liburing") != NULL, "%s", err);
    ck_assert_msg(ends_with(err, " in test.conf:2"), "%s", err);
#endif

    ck_load_err("bind = \"\";",
                "\"bind\" is empty: name at least one address in "
                "test.conf:1");
    ck_load_err("port = 7000;\nbind = \"\";",
                "\"bind\" is empty: name at least one address in "
                "test.conf:2");
    /* Without TCP, bind does not matter. */
    ck_load_ok("bind = \"\"; port = 0; unixsocket = \"/tmp/kevyd.sock\";");
}
END_TEST

/* ------------------------------------------------- the truncation trap */

/*
 * libconfig 1.5 reads an integer literal above INT_MAX without the L
 * suffix as its low 32 bits: 4294967297 would load as port 1.
 */
START_TEST(test_trap_file)
{
    char path[PATH_MAX * 2];

    ck_assert_int_eq(
        load_file("trap.conf", "port = 4294967297;\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_str_eq(err, at("\"port\" is out of range", path, 1));

    ck_assert_int_eq(load_file("trap.conf", "# c\nport = 4294967297L;\n", path,
                               sizeof(path)),
                     KV_ERROR);
    ck_assert_str_eq(err, at("\"port\" must be between 0 and 65535", path, 2));

    ck_assert_int_eq(
        load_file("trap.conf", "timeout = 2147483648;\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_str_eq(err, at("\"timeout\" is out of range", path, 1));

    ck_assert_int_eq(
        load_file("trap.conf", "timeout = -2147483649;\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_str_eq(err, at("\"timeout\" is out of range", path, 1));

    ck_assert_int_eq(
        load_file("trap.conf", "timeout = 2147483648L;\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_str_eq(
        err, at("\"timeout\" must be between 0 and 2147483647", path, 1));

    ck_assert_int_eq(
        load_file("trap.conf", "port = 0x100001F90;\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_str_eq(err, at("\"port\" is out of range", path, 1));

    /* The second setting on a line is checked too. */
    ck_assert_int_eq(load_file("trap.conf",
                               "port = 7000; timeout = 4294967301;\n", path,
                               sizeof(path)),
                     KV_ERROR);
    ck_assert_str_eq(err, at("\"timeout\" is out of range", path, 1));

    /* The value on the line after the name. */
    ck_assert_int_eq(
        load_file("trap.conf", "port =\n  4294967297;\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_msg(starts_with(err, "\"port\" is out of range in "), "%s", err);

    /* Good values through the same path. */
    ck_assert_int_eq(
        load_file("trap.conf", "port = 0x1F90;\n", path, sizeof(path)), KV_OK);
    ck_assert_int_eq(conf.port, 8080);
    ck_assert_int_eq(
        load_file("trap.conf", "port = 0x1F90L;\n", path, sizeof(path)), KV_OK);
    ck_assert_int_eq(conf.port, 8080);
    ck_assert_int_eq(load_file("trap.conf", "port = 7000; timeout = 5;\n", path,
                               sizeof(path)),
                     KV_OK);
    ck_assert_int_eq(conf.port, 7000);
    ck_assert_int_eq(conf.timeout, 5);
    ck_assert_int_eq(
        load_file("trap.conf", "port = +70;\n", path, sizeof(path)), KV_OK);
    ck_assert_int_eq(conf.port, 70);
    ck_assert_int_eq(load_file("trap.conf",
                               "proto-max-bulk-len = 4294967296L;\n", path,
                               sizeof(path)),
                     KV_OK);
    ck_assert_int_eq(conf.proto_max_bulk_len, 4 * GiB);
}
END_TEST

START_TEST(test_trap_string)
{
    ck_load_err("port = 4294967297;",
                "\"port\" is out of range in test.conf:1");
    ck_load_err("\n\nworker-processes = 4294967298;",
                "\"worker-processes\" is out of range in test.conf:3");
    ck_load_err("proto-max-bulk-len = 4294967296;",
                "\"proto-max-bulk-len\" is out of range in test.conf:1");
}
END_TEST

/*
 * A leading zero is outside the documented syntax. libconfig reads such a
 * literal as decimal: refused or loaded as decimal, never as octal.
 */
START_TEST(test_trap_leading_zero)
{
    if (load("port = 010;") == KV_OK) {
        ck_assert_int_eq(conf.port, 10);
    } else {
        ck_assert_msg(starts_with(err, "\"port\" "), "%s", err);
    }
    if (load("port = 08080;") == KV_OK) {
        ck_assert_int_eq(conf.port, 8080);
    } else {
        ck_assert_msg(starts_with(err, "\"port\" "), "%s", err);
    }
}
END_TEST

/* The re-read must find the setting, not a string or comment naming it. */
START_TEST(test_trap_lookalikes)
{
    ck_load_ok("bind = \"port = 1\"; port = 7000;");
    ck_assert_int_eq(conf.port, 7000);
    ck_assert_str_eq(conf.bind, "port = 1");
    ck_load_ok("/* port = 1 */ port = 7000;");
    ck_assert_int_eq(conf.port, 7000);
    ck_load_ok("bind = \"x\n port = 1\"; port = 7000;");
    ck_assert_int_eq(conf.port, 7000);
    ck_load_ok("# port = 1\nport = 7000; // port = 2\n");
    ck_assert_int_eq(conf.port, 7000);
}
END_TEST

/* Nothing libconfig allows between the name and the digits hides them. */
START_TEST(test_trap_hidden)
{
    ck_assert_int_eq(load("port\n= 4294967297;"), KV_ERROR);
    ck_assert_msg(starts_with(err, "\"port\" is out of range in test.conf:"),
                  "%s", err);
    ck_assert_int_eq(load("port = /* c */ 4294967297;"), KV_ERROR);
    ck_assert_str_eq(err, "\"port\" is out of range in test.conf:1");
    ck_assert_int_eq(load("port = # c\n4294967297;"), KV_ERROR);
    ck_assert_msg(starts_with(err, "\"port\" is out of range in test.conf:"),
                  "%s", err);
    ck_assert_int_eq(load("bind = \"a\nb\"; port = 4294967297;"), KV_ERROR);
    ck_assert_str_eq(err, "\"port\" is out of range in test.conf:2");
}
END_TEST

/* ----------------------------------------------------------- includes */

START_TEST(test_include)
{
    char path[PATH_MAX * 2];

    write_file("inc/sub/t.conf", "timeout = 9;\n");
    ck_assert_int_eq(load_file("inc/a.conf",
                               "@include \"sub/t.conf\"\nport = 7002;\n", path,
                               sizeof(path)),
                     KV_OK);
    ck_assert_int_eq(conf.timeout, 9);
    ck_assert_int_eq(conf.port, 7002);

    /* Errors name the included file and its line. */
    write_file("inc/bad.conf", "timeout = 9;\nbogus = 1;\n");
    ck_assert_int_eq(load_file("inc/c.conf",
                               "port = 1;\n@include "
                               "\"bad.conf\"\n",
                               path, sizeof(path)),
                     KV_ERROR);
    ck_assert_msg(starts_with(err, "unknown setting \"bogus\" in "), "%s", err);
    ck_assert_msg(ends_with(err, "bad.conf:2"), "%s", err);

    /* Lines after an include are still counted in the including file. */
    ck_assert_int_eq(load_file("inc/d.conf",
                               "@include \"sub/t.conf\"\nbogus = 2;\n", path,
                               sizeof(path)),
                     KV_ERROR);
    ck_assert_str_eq(err, at("unknown setting \"bogus\"", path, 2));
}
END_TEST

/*
 * The trap applies to the settings of an included file too, whatever the
 * working directory (here: not the configuration's).
 */
START_TEST(test_include_trap)
{
    char path[PATH_MAX * 2];

    write_file("inc/trap.conf", "port = 4294967297;\n");
    ck_assert_int_eq(
        load_file("inc/f.conf", "@include \"trap.conf\"\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_msg(starts_with(err, "\"port\" is out of range in "),
                  "%s (port %d)", err, conf.port);
    ck_assert_msg(ends_with(err, "trap.conf:1"), "%s", err);
}
END_TEST

/* -------------------------------------------------------------- files */

START_TEST(test_file_open_failure)
{
    char path[PATH_MAX + 32], msg[PATH_MAX + 128];

    xsnprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
    ck_assert_int_eq(kv_conf_load(&conf, path, err, sizeof(err)), KV_ERROR);
    xsnprintf(msg, sizeof(msg),
              "open() \"%s\" failed (2: No such file or directory)", path);
    ck_assert_str_eq(err, msg);
}
END_TEST

START_TEST(test_file_is_directory)
{
    char msg[PATH_MAX + 128];

    ck_assert_int_eq(kv_conf_load(&conf, tmpdir, err, sizeof(err)), KV_ERROR);
    xsnprintf(msg, sizeof(msg), "\"%s\" failed (21: Is a directory)", tmpdir);
    ck_assert_msg(strstr(err, msg) != NULL, "%s", err);
}
END_TEST

START_TEST(test_file_names_in_messages)
{
    char path[PATH_MAX * 2];

    ck_assert_int_eq(
        load_file("msg.conf", "port = 7000;\nprot = 1;\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_str_eq(err, at("unknown setting \"prot\"", path, 2));

    ck_assert_int_eq(
        load_file("msg.conf", "\n\n\nport = \"x\";\n", path, sizeof(path)),
        KV_ERROR);
    ck_assert_str_eq(
        err, at("\"port\" must be an integer (without quotes)", path, 4));

    ck_assert_int_eq(
        load_file("msg.conf", "port = 7000;\nport = ;\n", path, sizeof(path)),
        KV_ERROR);
    /* libconfig's text, then the file and line. */
    ck_assert_msg(ends_with(err, at("", path, 2)) &&
                      strlen(err) > strlen(at("", path, 2)),
                  "%s", err);

    ck_assert_int_eq(load_file("msg.conf", "\nport = 0;\n", path, sizeof(path)),
                     KV_ERROR);
    ck_assert_str_eq(err, at("\"port\" is 0 and no \"unixsocket\" is set: "
                             "nothing to listen on",
                             path, 2));
}
END_TEST

START_TEST(test_relative_paths)
{
    char path[PATH_MAX * 2], want[PATH_MAX * 2];

    ck_assert_int_eq(load_file("rel/kevy.conf",
                               "pidfile = \"run/k.pid\"; dir = \"data\";\n"
                               "logfile = \"\"; unixsocket = \"k.sock\";\n",
                               path, sizeof(path)),
                     KV_OK);
    xsnprintf(want, sizeof(want), "%s/rel/run/k.pid", tmpdir);
    ck_assert_str_eq(conf.pidfile, want);
    xsnprintf(want, sizeof(want), "%s/rel/data", tmpdir);
    ck_assert_str_eq(conf.dir, want);
    xsnprintf(want, sizeof(want), "%s/rel/k.sock", tmpdir);
    ck_assert_str_eq(conf.unixsocket, want);
    ck_assert_str_eq(conf.logfile, "");
    ck_assert_str_eq(conf.conf_file, path);

    ck_assert_int_eq(load_file("rel/kevy.conf",
                               "pidfile = \"/var/run/k.pid\";\n"
                               "dir = \"/var/lib/kevyd\";\n"
                               "logfile = \"/var/log/kevyd.log\";\n"
                               "unixsocket = \"/run/kevyd.sock\";\n",
                               path, sizeof(path)),
                     KV_OK);
    ck_assert_str_eq(conf.pidfile, "/var/run/k.pid");
    ck_assert_str_eq(conf.dir, "/var/lib/kevyd");
    ck_assert_str_eq(conf.logfile, "/var/log/kevyd.log");
    ck_assert_str_eq(conf.unixsocket, "/run/kevyd.sock");

    /* logfile relative; the default dir "." is the config's directory. */
    ck_assert_int_eq(load_file("rel/kevy.conf", "logfile = \"kevyd.log\";\n",
                               path, sizeof(path)),
                     KV_OK);
    xsnprintf(want, sizeof(want), "%s/rel/kevyd.log", tmpdir);
    ck_assert_str_eq(conf.logfile, want);
    {
        char real[PATH_MAX];
        xsnprintf(want, sizeof(want), "%s/rel", tmpdir);
        ck_assert_ptr_nonnull(realpath(conf.dir, real));
        ck_assert_str_eq(real, want);
    }
}
END_TEST

/* A relative -c is resolved against the working directory at load time. */
START_TEST(test_relative_config_name)
{
    char cwd[PATH_MAX], want[PATH_MAX * 2];
    int rc;

    write_file("rel2/sub/kevy.conf", "dir = \"data\";\n");
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    xsnprintf(want, sizeof(want), "%s/rel2", tmpdir);
    ck_assert_int_eq(chdir(want), 0);

    rc = kv_conf_load(&conf, "sub/kevy.conf", err, sizeof(err));
    ck_assert_msg(rc == KV_OK, "%s", err);
    xsnprintf(want, sizeof(want), "%s/rel2/sub/data", tmpdir);
    ck_assert_str_eq(conf.dir, want);
    xsnprintf(want, sizeof(want), "%s/rel2/sub/kevy.conf", tmpdir);
    ck_assert_str_eq(conf.conf_file, want);

    xsnprintf(want, sizeof(want), "%s/rel2/sub", tmpdir);
    ck_assert_int_eq(chdir(want), 0);
    rc = kv_conf_load(&conf, "kevy.conf", err, sizeof(err));
    ck_assert_msg(rc == KV_OK, "%s", err);
    xsnprintf(want, sizeof(want), "%s/rel2/sub/data", tmpdir);
    ck_assert_str_eq(conf.dir, want);
    xsnprintf(want, sizeof(want), "%s/rel2/sub/kevy.conf", tmpdir);
    ck_assert_str_eq(conf.conf_file, want);

    ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_path_too_long)
{
    char text[KV_CONF_PATH_MAX + 64], path[PATH_MAX * 2], msg[PATH_MAX * 3];
    char name[KV_CONF_PATH_MAX];

    /* Fits dir[] as written, not once the directory is put in front. */
    memset(name, 'd', KV_CONF_PATH_MAX - 10);
    name[KV_CONF_PATH_MAX - 10] = '\0';
    xsnprintf(text, sizeof(text), "dir = \"%s\";\n", name);
    ck_assert_int_eq(load_file("long.conf", text, path, sizeof(path)),
                     KV_ERROR);
    xsnprintf(msg, sizeof(msg), "\"dir\" is too long once made absolute in %s",
              path);
    ck_assert_str_eq(err, msg);
}
END_TEST

/* --------------------------------------------------------- formatting */

START_TEST(test_format_value)
{
    char buf[KV_CONF_PATH_MAX + 8];

    ck_load_ok("port = 7000; unixsocketperm = 750; daemonize = true;"
               "proto-max-bulk-len = \"512mb\";"
               "client-query-buffer-limit = \"1536kb\";"
               "worker-processes = 3; loglevel = \"warning\";"
               "pidfile = \"/a\\\"b\\\\c\";");
    fmt(&conf, "port", buf, sizeof(buf));
    ck_assert_str_eq(buf, "7000");
    fmt(&conf, "unixsocketperm", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"0750\"");
    fmt(&conf, "daemonize", buf, sizeof(buf));
    ck_assert_str_eq(buf, "true");
    fmt(&conf, "appendonly", buf, sizeof(buf));
    ck_assert_str_eq(buf, "false");
    fmt(&conf, "proto-max-bulk-len", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"512mb\"");
    fmt(&conf, "client-query-buffer-limit", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"1536kb\"");
    fmt(&conf, "worker-processes", buf, sizeof(buf));
    ck_assert_str_eq(buf, "3");
    fmt(&conf, "loglevel", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"warning\"");
    fmt(&conf, "pidfile", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"/a\\\"b\\\\c\"");
    fmt(&conf, "bind", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"127.0.0.1\"");

    ck_load_ok("proto-max-bulk-len = \"1gb\"; client-query-buffer-limit = "
               "1048577; worker-processes = \"auto\"; loglevel = "
               "\"nothing\";");
    fmt(&conf, "proto-max-bulk-len", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"1gb\"");
    fmt(&conf, "client-query-buffer-limit", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"1048577\"");
    fmt(&conf, "worker-processes", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"auto\"");
    fmt(&conf, "loglevel", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"nothing\"");
    fmt(&conf, "unixsocketperm", buf, sizeof(buf));
    ck_assert_str_eq(buf, "\"0000\"");

    /* A string needs room for its quotes. */
    ck_assert_int_eq(kv_conf_format_value(&conf, kv_conf_find("bind"), buf, 2),
                     KV_ERROR);
}
END_TEST

/* ------------------------------------------------------------- dumping */

static const char *const nondefault =
    "port = 7001;\n"
    "bind = \"10.0.0.1 ::1\";\n"
    "unixsocket = \"/tmp/kevyd-check.sock\";\n"
    "unixsocketperm = 750;\n"
    "tcp-backlog = 128;\n"
    "maxclients = 55;\n"
    "timeout = 30;\n"
    "tcp-keepalive = 0;\n"
    "proto-max-bulk-len = \"64mb\";\n"
    "client-query-buffer-limit = 2147483648L;\n"
    "worker-processes = 3;\n"
    "worker-cpu-affinity = \"01 10\";\n"
    "worker-spin = false;\n"
    "shutdown-timeout = 20;\n"
    "io-backend = \"epoll\";\n"
    "hz = 100;\n"
    "databases = 4;\n"
    "shard-ring-size = \"1mb\";\n"
    "daemonize = true;\n"
    "pidfile = \"/tmp/kevyd \\\"check\\\\.pid\";\n"
    "loglevel = \"debug\";\n"
    "logfile = \"/tmp/kevyd-check.log\";\n"
    "dir = \"/tmp\";\n"
    "appendonly = false;\n"
    "appendfsync = \"always\";\n"
    "hash-max-listpack-entries = 1024;\n"
    "hash-max-listpack-value = 32;\n"
    "zset-max-listpack-entries = 0;\n"
    "zset-max-listpack-value = 100;\n"
    "list-max-listpack-size = -5;\n"
    "set-max-intset-entries = 64;\n";

static char *dump(const kv_conf_t *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    kv_conf_dump(c, f);
    ck_assert_int_eq(fclose(f), 0);
    return text;
}

static void ck_same(const kv_conf_t *a, const kv_conf_t *b)
{
    char va[KV_CONF_PATH_MAX + 8], vb[KV_CONF_PATH_MAX + 8];

    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];

        ck_assert_int_eq(kv_conf_format_value(a, s, va, sizeof(va)), KV_OK);
        ck_assert_int_eq(kv_conf_format_value(b, s, vb, sizeof(vb)), KV_OK);
        ck_assert_msg(strcmp(va, vb) == 0, "%s: %s became %s", s->name, va, vb);
    }
}

START_TEST(test_dump_round_trip)
{
    static kv_conf_t first, defaults;
    char va[KV_CONF_PATH_MAX + 8], vb[KV_CONF_PATH_MAX + 8];
    char *text;

    ck_load_ok("");
    defaults = conf;
    ck_load_ok(nondefault);
    first = conf;

    /* The test is only as good as its coverage: everything but appendonly
     * (which must stay false) differs from the default. */
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];

        kv_conf_format_value(&first, s, va, sizeof(va));
        kv_conf_format_value(&defaults, s, vb, sizeof(vb));
        if (strcmp(s->name, "appendonly") != 0) {
            ck_assert_msg(strcmp(va, vb) != 0, "%s is the default %s", s->name,
                          va);
        }
    }

    text = dump(&first);
    ck_assert_msg(strncmp(text, "# configuration file ", 21) == 0, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\nport = 7001;\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nunixsocketperm = \"0750\";\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nproto-max-bulk-len = \"64mb\";\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nclient-query-buffer-limit = \"2gb\";\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nworker-processes = 3;\n"));
    ck_assert_ptr_nonnull(strstr(text, "\ndaemonize = true;\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nloglevel = \"debug\";\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nworker-cpu-affinity = \"01 10\";\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\npidfile = \"/tmp/kevyd \\\"check\\\\.pid\";\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nappendfsync = \"always\";\n"));

    err[0] = '\0';
    ck_assert_msg(kv_conf_load_string(&conf, text, "dump.conf", err,
                                      sizeof(err)) == KV_OK,
                  "%s\n%s", err, text);
    ck_same(&first, &conf);
    ck_assert_ptr_null(kv_conf_fixed_change(&first, &conf));
    free(text);
}
END_TEST

START_TEST(test_dump_defaults_round_trip)
{
    static kv_conf_t first;
    char line[64];
    char *text;
    int n;

    ck_load_ok("");
    first = conf;
    text = dump(&first);
    /* One line per setting plus the header. */
    n = 0;
    for (const char *p = text; *p; p++) {
        n += *p == '\n';
    }
    ck_assert_int_eq(n, (int) kv_conf_nsettings + 1);
    xsnprintf(line, sizeof(line), "\nworker-processes = \"auto\"; # %d\n",
              first.worker_processes);
    ck_assert_msg(strstr(text, line) != NULL, "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "\nproto-max-bulk-len = \"512mb\";\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nclient-query-buffer-limit = \"1gb\";\n"));

    ck_load_ok(text);
    ck_same(&first, &conf);
    ck_assert_int_eq(conf.worker_processes_auto, 1);
    free(text);
}
END_TEST

/* kevyd -T output is itself a configuration file. */
START_TEST(test_dump_to_file)
{
    static kv_conf_t first;
    char path[PATH_MAX * 2];
    FILE *f;

    ck_assert_int_eq(load_file("dump/in.conf", nondefault, path, sizeof(path)),
                     KV_OK);
    first = conf;
    xsnprintf(path, sizeof(path), "%s/dump/out.conf", tmpdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    kv_conf_dump(&first, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_msg(kv_conf_load(&conf, path, err, sizeof(err)) == KV_OK, "%s",
                  err);
    ck_same(&first, &conf);
    ck_assert_str_eq(conf.conf_file, path);
}
END_TEST

/* -------------------------------------------------------------- reload */

START_TEST(test_fixed_change)
{
    static kv_conf_t old;
    const kv_conf_setting_t *s;

    ck_load_ok("worker-processes = 2;");
    old = conf;
    ck_load_ok("worker-processes = 2;");
    ck_assert_ptr_null(kv_conf_fixed_change(&old, &conf));

    ck_load_ok("worker-processes = 2; loglevel = \"debug\"; timeout = 60; "
               "maxclients = 5;");
    ck_assert_ptr_null(kv_conf_fixed_change(&old, &conf));

    ck_load_ok("worker-processes = 2; port = 7000;");
    s = kv_conf_fixed_change(&old, &conf);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "port");

    ck_load_ok("worker-processes = 2; bind = \"0.0.0.0\";");
    s = kv_conf_fixed_change(&old, &conf);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "bind");

    ck_load_ok("worker-processes = 3;");
    s = kv_conf_fixed_change(&old, &conf);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "worker-processes");

    /* A reloadable change does not hide a fixed one. */
    ck_load_ok("worker-processes = 2; loglevel = \"debug\"; dir = \"/\";");
    s = kv_conf_fixed_change(&old, &conf);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "dir");
}
END_TEST

START_TEST(test_fixed_change_auto)
{
    static kv_conf_t old;
    char text[64];

    /* "auto" that resolves to the count already running is no change. */
    ck_load_ok("worker-processes = \"auto\";");
    old = conf;
    xsnprintf(text, sizeof(text), "worker-processes = %d;",
              old.worker_processes);
    ck_load_ok(text);
    ck_assert_ptr_null(kv_conf_fixed_change(&old, &conf));
}
END_TEST

/* Change each setting alone: only the non-reloadable ones are reported. */
START_TEST(test_fixed_change_every_setting)
{
    static kv_conf_t old, changed;
    static const char *const reloadable[] = { "maxclients",
                                              "timeout",
                                              "tcp-keepalive",
                                              "proto-max-bulk-len",
                                              "client-query-buffer-limit",
                                              "worker-cpu-affinity",
                                              "worker-spin",
                                              "shutdown-timeout",
                                              "hz",
                                              "loglevel",
                                              "logfile",
                                              "appendfsync",
                                              "hash-max-listpack-entries",
                                              "hash-max-listpack-value",
                                              "zset-max-listpack-entries",
                                              "zset-max-listpack-value",
                                              "list-max-listpack-size",
                                              "set-max-intset-entries" };

    ck_load_ok("");
    old = conf;
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];
        char *field;
        int is_reloadable = 0;

        changed = old;
        field = (char *) &changed + s->offset;
        switch (s->type) {
        case KV_CT_STRING:
        case KV_CT_PATH:
            strcat(field, "x");
            break;
        case KV_CT_SIZE:
            *(long long *) field += 1;
            break;
        default:
            *(int *) field += 1;
            break;
        }
        for (size_t r = 0; r < KV_ARRAY_LEN(reloadable); r++) {
            is_reloadable |= strcmp(s->name, reloadable[r]) == 0;
        }
        ck_assert_msg(is_reloadable == !!(s->flags & KV_CONF_RELOADABLE),
                      "%s: reloadable flag", s->name);
        if (is_reloadable) {
            ck_assert_msg(kv_conf_fixed_change(&old, &changed) == NULL,
                          "%s reported as fixed", s->name);
        } else {
            ck_assert_msg(kv_conf_fixed_change(&old, &changed) == s,
                          "%s not reported", s->name);
        }
    }
}
END_TEST

/* ------------------------------------------------------- documentation */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    FILE *out;
    int c;

    ck_assert_msg(f != NULL, "%s: %s (every setting must be documented)", path,
                  strerror(errno));
    out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    while ((c = getc(f)) != EOF) {
        putc(c, out);
    }
    fclose(f);
    fclose(out);
    return text;
}

static int is_name_char(int c)
{
    return isalnum(c) || c == '-' || c == '_';
}

/* "name =" or "# name =" (or ":") at the start of some line. */
static int conf_mentions(const char *text, const char *name)
{
    size_t nlen = strlen(name);

    for (const char *p = text; p != NULL && *p; p = strchr(p, '\n')) {
        if (*p == '\n') {
            p++;
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '#') {
            p++;
            while (*p == ' ' || *p == '\t') {
                p++;
            }
        }
        if (strncmp(p, name, nlen) == 0) {
            const char *q = p + nlen;
            while (*q == ' ' || *q == '\t') {
                q++;
            }
            if (*q == '=' || *q == ':') {
                return 1;
            }
        }
    }
    return 0;
}

/* One troff line without font escapes, with "\-" as "-". */
static void man_plain(const char *line, size_t len, char *out, size_t outlen)
{
    size_t n = 0;

    for (size_t i = 0; i < len && n + 1 < outlen; i++) {
        if (line[i] == '\\' && i + 1 < len) {
            if (line[i + 1] == '-') {
                out[n++] = '-';
                i++;
                continue;
            }
            if (line[i + 1] == 'f' && i + 2 < len) {
                i += 2;
                if (line[i] == '(' && i + 2 < len) {
                    i += 2;
                }
                continue;
            }
            if (line[i + 1] == '&') {
                i++;
                continue;
            }
        }
        out[n++] = line[i];
    }
    out[n] = '\0';
}

static int has_word(const char *s, const char *word)
{
    size_t wlen = strlen(word);

    for (const char *p = strstr(s, word); p != NULL; p = strstr(p + 1, word)) {
        if ((p == s || !is_name_char((unsigned char) p[-1])) &&
            !is_name_char((unsigned char) p[wlen])) {
            return 1;
        }
    }
    return 0;
}

/* A ".B name" line, or the tag line after ".TP", naming the setting. */
static int man_mentions(const char *text, const char *name)
{
    char line[1024];
    int after_tp = 0;

    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t) (e - p) : strlen(p);

        man_plain(p, len, line, sizeof(line));
        if (after_tp && has_word(line, name)) {
            return 1;
        }
        if (strncmp(line, ".B", 2) == 0 && has_word(line + 2, name)) {
            return 1;
        }
        after_tp = strncmp(line, ".TP", 3) == 0;
        p += len + (e != NULL);
    }
    return 0;
}

START_TEST(test_doc_conf_file)
{
    char *text = slurp(KV_SRCDIR "/conf/kevy.conf");

    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        ck_assert_msg(conf_mentions(text, kv_conf_settings[i].name),
                      "%s is not in conf/kevy.conf", kv_conf_settings[i].name);
    }
    free(text);
}
END_TEST

START_TEST(test_doc_conf_file_loads)
{
    int rc = kv_conf_load(&conf, KV_SRCDIR "/conf/kevy.conf", err, sizeof(err));

    ck_assert_msg(rc == KV_OK, "conf/kevy.conf: %s", err);
}
END_TEST

START_TEST(test_doc_man_page)
{
    char *text = slurp(KV_SRCDIR "/man/kevy.conf.5");

    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        ck_assert_msg(man_mentions(text, kv_conf_settings[i].name),
                      "%s is not in man/kevy.conf.5", kv_conf_settings[i].name);
    }
    free(text);
}
END_TEST

/* The matchers themselves, so a documentation failure means the docs. */
START_TEST(test_doc_matchers)
{
    ck_assert(conf_mentions("port = 6379;\n", "port"));
    ck_assert(conf_mentions("x\n# port = 6379;\n", "port"));
    ck_assert(conf_mentions("x\n#port=6379;\n", "port"));
    ck_assert(!conf_mentions("# the port = 6379\n", "port"));
    ck_assert(!conf_mentions("# shutdown-timeout = 1;\n", "timeout"));
    ck_assert(!conf_mentions("# timeouts = 1;\n", "timeout"));
    ck_assert(!conf_mentions("", "port"));

    ck_assert(man_mentions(".TH X\n.TP\n.B port\n", "port"));
    ck_assert(man_mentions(".B shutdown\\-timeout\n", "shutdown-timeout"));
    ck_assert(man_mentions(".TP\n\\fBhz\\fR = \\fIn\\fR\n", "hz"));
    ck_assert(!man_mentions(".B shutdown\\-timeout\n", "timeout"));
    ck_assert(!man_mentions("the port is 6379\n", "port"));
    ck_assert(!man_mentions(".TP\n.B x\nport\n", "port"));
}
END_TEST

/* ------------------------------------------------------------- harness */

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove(path);
}

static Suite *conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc;

    tc = tcase_create("table");
    tcase_add_test(tc, test_defaults_values);
    tcase_add_test(tc, test_table_sane);
    tcase_add_test(tc, test_every_default_parses);
    tcase_add_test(tc, test_empty_config);
    tcase_add_test(tc, test_find);
    suite_add_tcase(s, tc);

    tc = tcase_create("types");
    tcase_add_test(tc, test_int_values);
    tcase_add_test(tc, test_int_ranges);
    tcase_add_test(tc, test_int_bounds_exact);
    tcase_add_test(tc, test_int_wrong_type);
    tcase_add_test(tc, test_bool);
    tcase_add_test(tc, test_string);
    tcase_add_test(tc, test_enum);
    tcase_add_test(tc, test_affinity);
    tcase_add_test(tc, test_size_setting);
    tcase_add_test(tc, test_parse_size);
    tcase_add_test(tc, test_mode);
    tcase_add_test(tc, test_mode_leading_zero);
    tcase_add_test(tc, test_workers);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_unknown_setting);
    tcase_add_test(tc, test_syntax_error);
    tcase_add_test(tc, test_error_buffer_small);
    tcase_add_test(tc, test_cross_checks);
    suite_add_tcase(s, tc);

    tc = tcase_create("trap");
    tcase_add_test(tc, test_trap_file);
    tcase_add_test(tc, test_trap_string);
    tcase_add_test(tc, test_trap_leading_zero);
    tcase_add_test(tc, test_trap_lookalikes);
    tcase_add_test(tc, test_trap_hidden);
    tcase_add_test(tc, test_include);
    tcase_add_test(tc, test_include_trap);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, test_file_open_failure);
    tcase_add_test(tc, test_file_is_directory);
    tcase_add_test(tc, test_file_names_in_messages);
    tcase_add_test(tc, test_relative_paths);
    tcase_add_test(tc, test_relative_config_name);
    tcase_add_test(tc, test_path_too_long);
    suite_add_tcase(s, tc);

    tc = tcase_create("dump");
    tcase_add_test(tc, test_format_value);
    tcase_add_test(tc, test_dump_round_trip);
    tcase_add_test(tc, test_dump_defaults_round_trip);
    tcase_add_test(tc, test_dump_to_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("reload");
    tcase_add_test(tc, test_fixed_change);
    tcase_add_test(tc, test_fixed_change_auto);
    tcase_add_test(tc, test_fixed_change_every_setting);
    suite_add_tcase(s, tc);

    tc = tcase_create("docs");
    tcase_add_test(tc, test_doc_matchers);
    tcase_add_test(tc, test_doc_conf_file);
    tcase_add_test(tc, test_doc_conf_file_loads);
    tcase_add_test(tc, test_doc_man_page);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    char tmpl[] = "/tmp/check_conf.XXXXXX";
    int failed;

    if (mkdtemp(tmpl) == NULL || realpath(tmpl, tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    /* Messages go to stderr while no log is open; keep them quiet. */
    kv_log_set_level(KV_LOG_NOTHING);

    failed = kv_ck_run(conf_suite());

    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? 0 : 1;
}
