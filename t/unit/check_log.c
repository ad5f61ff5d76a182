/*
 * check_log.c: nginx-style log lines.
 *
 *   2026/11/21 10:00:00 [notice] 1234#w2: hello 7
 *
 * kv_log_format() is pure and checked with a fixed time in UTC; kv_log()
 * and the open/reopen/close cycle write to files in a temporary directory.
 */
#include "log.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>

/* snprintf that fails the test rather than truncate. */
#define xsnprintf(buf, len, ...)                                               \
    ck_assert_int_lt(snprintf(buf, len, __VA_ARGS__), (int) (len))

/* 2026-11-21 10:00:00 UTC */
#define T0 ((time_t) 1795255200)
#define PREFIX "2026/11/21 10:00:00 "

static char tmpdir[PATH_MAX];

static size_t fmt(char *buf, size_t len, int level, int slot, int err,
                  const char *f, ...) KV_PRINTF(6, 7);

static size_t fmt(char *buf, size_t len, int level, int slot, int err,
                  const char *f, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, f);
    n = kv_log_format(buf, len, T0, level, 1234, slot, err, f, ap);
    va_end(ap);
    return n;
}

#define PATH_LEN (PATH_MAX + 64)

static char *tmp_path(char *buf, const char *name)
{
    xsnprintf(buf, PATH_LEN, "%s/%s", tmpdir, name);
    return buf;
}

/* The whole file, or NULL when it does not exist. */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    FILE *out;
    int c;

    if (f == NULL) {
        return NULL;
    }
    out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    while ((c = getc(f)) != EOF) {
        putc(c, out);
    }
    fclose(f);
    fclose(out);
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;

    for (; *text; text++) {
        n += *text == '\n';
    }
    return n;
}

/*
 * Check that line (up to its newline) is "<date> <time> [level] pid#who: msg"
 * with a time within a few seconds of now.
 */
static void ck_line(const char *line, const char *level, const char *who,
                    const char *msg)
{
    char want[512], when[32];
    struct tm tm;
    time_t t;
    const char *rest;
    size_t len = strcspn(line, "\n");

    ck_assert_msg(line[len] == '\n', "no newline: %s", line);
    memset(&tm, 0, sizeof(tm));
    rest = strptime(line, "%Y/%m/%d %H:%M:%S ", &tm);
    ck_assert_msg(rest == line + 20, "bad time in: %.*s", (int) len, line);
    tm.tm_isdst = -1;
    t = mktime(&tm);
    ck_assert_msg(labs((long) (t - time(NULL))) <= 5, "time %.19s", line);
    strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S ", &tm);
    ck_assert_int_eq(strncmp(line, when, 20), 0);

    xsnprintf(want, sizeof(want), "[%s] %d#%s: %s\n", level, (int) getpid(),
              who, msg);
    ck_assert_msg(strncmp(rest, want, strlen(want)) == 0 &&
                      rest + strlen(want) == line + len + 1,
                  "got: %.*s\nwant: %s", (int) len, line, want);
}

/* ------------------------------------------------------------ format */

START_TEST(test_format_worker)
{
    char buf[256];
    size_t n = fmt(buf, sizeof(buf), KV_LOG_NOTICE, 2, 0, "hello %d", 7);

    ck_assert_str_eq(buf, PREFIX "[notice] 1234#w2: hello 7\n");
    ck_assert_uint_eq(n, strlen(buf));

    fmt(buf, sizeof(buf), KV_LOG_NOTICE, 0, 0, "x");
    ck_assert_str_eq(buf, PREFIX "[notice] 1234#w0: x\n");
    fmt(buf, sizeof(buf), KV_LOG_NOTICE, 63, 0, "x");
    ck_assert_str_eq(buf, PREFIX "[notice] 1234#w63: x\n");
}
END_TEST

START_TEST(test_format_master)
{
    char buf[256];
    size_t n = fmt(buf, sizeof(buf), KV_LOG_NOTICE, -1, 0, "hello %d", 7);

    ck_assert_str_eq(buf, PREFIX "[notice] 1234#m: hello 7\n");
    ck_assert_uint_eq(n, strlen(buf));
}
END_TEST

START_TEST(test_format_levels)
{
    static const char *const names[] = { "emerg", "alert",  "crit", "error",
                                         "warn",  "notice", "info", "debug" };
    static const int levels[] = { KV_LOG_EMERG, KV_LOG_ALERT, KV_LOG_CRIT,
                                  KV_LOG_ERR,   KV_LOG_WARN,  KV_LOG_NOTICE,
                                  KV_LOG_INFO,  KV_LOG_DEBUG };
    char buf[256], want[256];

    for (size_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        ck_assert_str_eq(kv_log_level_name(levels[i]), names[i]);
        fmt(buf, sizeof(buf), levels[i], -1, 0, "m");
        xsnprintf(want, sizeof(want), PREFIX "[%s] 1234#m: m\n", names[i]);
        ck_assert_str_eq(buf, want);
    }
    ck_assert_str_eq(kv_log_level_name(KV_LOG_NOTHING), "nothing");
    ck_assert_str_eq(kv_log_level_name(-1), "nothing");
    ck_assert_str_eq(kv_log_level_name(8), "nothing");
}
END_TEST

START_TEST(test_format_errno)
{
    char buf[256];
    size_t n;

    n = fmt(buf, sizeof(buf), KV_LOG_ERR, -1, EACCES, "open() \"%s\" failed",
            "/x");
    ck_assert_str_eq(buf, PREFIX "[error] 1234#m: open() \"/x\" failed "
                                 "(13: Permission denied)\n");
    ck_assert_uint_eq(n, strlen(buf));

    fmt(buf, sizeof(buf), KV_LOG_ALERT, 1, ENOENT, "x");
    ck_assert_str_eq(buf, PREFIX "[alert] 1234#w1: x "
                                 "(2: No such file or directory)\n");
}
END_TEST

START_TEST(test_format_local_time)
{
    char buf[256];

    /* The time is local time, as nginx writes it. */
    setenv("TZ", "UTC-2", 1);
    tzset();
    fmt(buf, sizeof(buf), KV_LOG_NOTICE, -1, 0, "x");
    ck_assert_str_eq(buf, "2026/11/21 12:00:00 [notice] 1234#m: x\n");
    setenv("TZ", "UTC", 1);
    tzset();
}
END_TEST

START_TEST(test_format_truncation)
{
    char full[256], buf[256];
    size_t n, L;

    L = fmt(full, sizeof(full), KV_LOG_NOTICE, 2, 0, "hello %d", 7);

    /* Exactly enough room: nothing is lost. */
    memset(buf, 'Z', sizeof(buf));
    n = fmt(buf, L + 1, KV_LOG_NOTICE, 2, 0, "hello %d", 7);
    ck_assert_uint_eq(n, L);
    ck_assert_str_eq(buf, full);

    /* One byte short: the last character goes, the newline stays. */
    memset(buf, 'Z', sizeof(buf));
    n = fmt(buf, L, KV_LOG_NOTICE, 2, 0, "hello %d", 7);
    ck_assert_uint_eq(n, L - 1);
    ck_assert_str_eq(buf, PREFIX "[notice] 1234#w2: hello \n");
    ck_assert_int_eq(buf[L], 'Z');

    /* A tiny buffer: still a line, still a C string. */
    memset(buf, 'Z', sizeof(buf));
    n = fmt(buf, 10, KV_LOG_NOTICE, 2, 0, "hello %d", 7);
    ck_assert_uint_eq(n, 9);
    ck_assert_str_eq(buf, "2026/11/\n");
    ck_assert_uint_eq(n, strlen(buf));
    ck_assert_int_eq(buf[10], 'Z');

    memset(buf, 'Z', sizeof(buf));
    n = fmt(buf, 2, KV_LOG_NOTICE, 2, 0, "hello %d", 7);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(buf, "\n");
    ck_assert_int_eq(buf[2], 'Z');

    /* No room for a line at all: nothing is written past the buffer. */
    memset(buf, 'Z', sizeof(buf));
    n = fmt(buf, 1, KV_LOG_NOTICE, 2, 0, "hello %d", 7);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(buf[1], 'Z');
    memset(buf, 'Z', sizeof(buf));
    n = fmt(buf, 0, KV_LOG_NOTICE, 2, 0, "hello %d", 7);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(buf[0], 'Z');

    /* The errno suffix is cut like the rest. */
    L = fmt(full, sizeof(full), KV_LOG_ERR, -1, EACCES, "x");
    n = fmt(buf, L - 5, KV_LOG_ERR, -1, EACCES, "x");
    ck_assert_uint_eq(n, L - 6);
    ck_assert_int_eq(buf[n - 1], '\n');
    ck_assert_int_eq(strncmp(buf, full, n - 1), 0);
}
END_TEST

START_TEST(test_format_long_message)
{
    static char msg[3 * KV_LOG_LINE_MAX], buf[KV_LOG_LINE_MAX + 16];
    size_t n;

    memset(msg, 'x', sizeof(msg) - 1);
    memset(buf, 'Z', sizeof(buf));
    n = fmt(buf, KV_LOG_LINE_MAX, KV_LOG_WARN, 5, ENOENT, "%s", msg);
    ck_assert_uint_eq(n, KV_LOG_LINE_MAX - 1);
    ck_assert_uint_eq(strlen(buf), KV_LOG_LINE_MAX - 1);
    ck_assert_int_eq(buf[KV_LOG_LINE_MAX - 2], '\n');
    ck_assert_int_eq(buf[KV_LOG_LINE_MAX - 3], 'x');
    ck_assert_int_eq(buf[KV_LOG_LINE_MAX], 'Z');
    ck_assert_int_eq(strncmp(buf, PREFIX "[warn] 1234#w5: xxx", 39), 0);
}
END_TEST

/* -------------------------------------------------------------- files */

START_TEST(test_level)
{
    ck_assert_int_eq(kv_log_get_level(), KV_LOG_NOTICE);
    kv_log_set_level(KV_LOG_DEBUG);
    ck_assert_int_eq(kv_log_get_level(), KV_LOG_DEBUG);
    kv_log_set_level(KV_LOG_NOTHING);
    ck_assert_int_eq(kv_log_get_level(), KV_LOG_NOTHING);
}
END_TEST

START_TEST(test_log_to_file)
{
    char path[PATH_LEN];
    char *text, *line2;

    unlink(tmp_path(path, "levels.log"));
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    ck_assert_int_ne(kv_log_fd(), STDERR_FILENO);
    kv_log_set_level(KV_LOG_WARN);

    kv_log(KV_LOG_ERR, 0, "disk %s", "full");
    kv_log(KV_LOG_NOTICE, 0, "not written");
    kv_log(KV_LOG_INFO, 0, "not written");
    kv_log_debug("not written %d", 1);
    kv_log_error(KV_LOG_INFO, EIO, "not written");
    kv_log(KV_LOG_WARN, EACCES, "open() \"%s\" failed", "/x");
    kv_log_error(KV_LOG_EMERG, 0, "last");

    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(count_lines(text) == 3, "%s", text);
    ck_assert_ptr_null(strstr(text, "not written"));
    ck_line(text, "error", "m", "disk full");
    line2 = strchr(text, '\n') + 1;
    ck_line(line2, "warn", "m", "open() \"/x\" failed (13: Permission denied)");
    ck_line(strchr(line2, '\n') + 1, "emerg", "m", "last");
    free(text);
    kv_log_close();
}
END_TEST

START_TEST(test_log_worker_role)
{
    char path[PATH_LEN];
    char *text;

    unlink(tmp_path(path, "role.log"));
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    kv_log_set_role(3);
    kv_log(KV_LOG_NOTICE, 0, "worker %d ready", 3);
    kv_log_set_role(-1);
    kv_log(KV_LOG_NOTICE, 0, "master");
    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 2);
    ck_line(text, "notice", "w3", "worker 3 ready");
    ck_line(strchr(text, '\n') + 1, "notice", "m", "master");
    free(text);
    kv_log_close();
}
END_TEST

START_TEST(test_log_nothing)
{
    char path[PATH_LEN];
    char *text;

    unlink(tmp_path(path, "nothing.log"));
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    kv_log_set_level(KV_LOG_NOTHING);
    kv_log(KV_LOG_EMERG, 0, "not even this");
    kv_log_error(KV_LOG_EMERG, 0, "nor this");
    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "");
    free(text);
    kv_log_close();
}
END_TEST

START_TEST(test_log_long_line)
{
    static char msg[2 * KV_LOG_LINE_MAX];
    char path[PATH_LEN];
    char *text;

    unlink(tmp_path(path, "long.log"));
    memset(msg, 'y', sizeof(msg) - 1);
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    kv_log(KV_LOG_NOTICE, 0, "%s", msg);
    kv_log(KV_LOG_NOTICE, 0, "short");
    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 2);
    ck_assert_uint_eq(strcspn(text, "\n"), KV_LOG_LINE_MAX - 2);
    ck_line(text + KV_LOG_LINE_MAX - 1, "notice", "m", "short");
    free(text);
    kv_log_close();
}
END_TEST

START_TEST(test_log_appends)
{
    char path[PATH_LEN];
    FILE *f;
    char *text;

    f = fopen(tmp_path(path, "append.log"), "w");
    ck_assert_ptr_nonnull(f);
    fputs("old line\n", f);
    fclose(f);
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    kv_log(KV_LOG_NOTICE, 0, "new");
    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(strncmp(text, "old line\n", 9), 0);
    ck_line(text + 9, "notice", "m", "new");
    free(text);
    kv_log_close();
}
END_TEST

START_TEST(test_log_file_mode)
{
    char path[PATH_LEN];
    struct stat st;
    mode_t old = umask(022);

    unlink(tmp_path(path, "mode.log"));
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    umask(old);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    /* Not inherited by whatever kevyd execs; appends from every process. */
    ck_assert_int_ne(fcntl(kv_log_fd(), F_GETFD) & FD_CLOEXEC, 0);
    ck_assert_int_ne(fcntl(kv_log_fd(), F_GETFL) & O_APPEND, 0);
    kv_log_close();
}
END_TEST

/* logrotate: rename the file, send USR1, the master calls reopen. */
START_TEST(test_reopen_after_rename)
{
    char path[PATH_LEN], rotated[PATH_LEN + 8];
    char *text;

    tmp_path(path, "rotate.log");
    xsnprintf(rotated, sizeof(rotated), "%s.1", path);
    unlink(path);
    unlink(rotated);

    ck_assert_int_eq(kv_log_open(path), KV_OK);
    kv_log(KV_LOG_NOTICE, 0, "before");
    ck_assert_int_eq(rename(path, rotated), 0);
    kv_log(KV_LOG_NOTICE, 0, "still old");
    ck_assert_int_eq(access(path, F_OK), -1);

    ck_assert_int_eq(kv_log_reopen(), KV_OK);
    kv_log(KV_LOG_NOTICE, 0, "after");

    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 1);
    ck_line(text, "notice", "m", "after");
    free(text);

    text = read_all(rotated);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 2);
    ck_line(text, "notice", "m", "before");
    ck_line(strchr(text, '\n') + 1, "notice", "m", "still old");
    free(text);
    kv_log_close();
}
END_TEST

START_TEST(test_open_failure_keeps_old)
{
    char path[PATH_LEN], rotated[PATH_LEN + 8];
    char *text;
    int fd;

    tmp_path(path, "keep.log");
    xsnprintf(rotated, sizeof(rotated), "%s.1", path);
    unlink(path);
    unlink(rotated);

    ck_assert_int_eq(kv_log_open(path), KV_OK);
    fd = kv_log_fd();
    ck_assert_int_eq(kv_log_open("/nonexistent/dir/x.log"), KV_ERROR);
    ck_assert_int_eq(kv_log_fd(), fd);
    kv_log(KV_LOG_NOTICE, 0, "still here");

    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 2);
    /* The reason goes to the old destination. */
    ck_line(text, "alert", "m",
            "open() \"/nonexistent/dir/x.log\" failed "
            "(2: No such file or directory)");
    ck_line(strchr(text, '\n') + 1, "notice", "m", "still here");
    free(text);

    /* And a later reopen is still of the old file. */
    ck_assert_int_eq(rename(path, rotated), 0);
    ck_assert_int_eq(kv_log_reopen(), KV_OK);
    kv_log(KV_LOG_NOTICE, 0, "reopened");
    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 1);
    ck_line(text, "notice", "m", "reopened");
    free(text);
    kv_log_close();
}
END_TEST

/* Redirect stderr into a file for the length of a test. */
static int saved_stderr = -1;

static void stderr_to(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    ck_assert_int_ge(fd, 0);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(saved_stderr, 0);
    ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

static void stderr_back(void)
{
    ck_assert_int_eq(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
}

START_TEST(test_stderr_by_default)
{
    char errpath[PATH_LEN];
    char *text;

    ck_assert_int_eq(kv_log_fd(), STDERR_FILENO);
    stderr_to(tmp_path(errpath, "stderr.err"));
    kv_log(KV_LOG_WARN, 0, "to stderr");
    /* An empty logfile means stderr, and reopening it is a no-op. */
    ck_assert_int_eq(kv_log_open(""), KV_OK);
    ck_assert_int_eq(kv_log_reopen(), KV_OK);
    ck_assert_int_eq(kv_log_fd(), STDERR_FILENO);
    kv_log(KV_LOG_WARN, 0, "again");
    stderr_back();

    text = read_all(errpath);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 2);
    ck_line(text, "warn", "m", "to stderr");
    ck_line(strchr(text, '\n') + 1, "warn", "m", "again");
    free(text);
}
END_TEST

/* logfile changed to "" by a reload */
START_TEST(test_back_to_stderr)
{
    char path[PATH_LEN], errpath[PATH_LEN];
    char *text;

    unlink(tmp_path(path, "back.log"));
    tmp_path(errpath, "back.err");
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    kv_log(KV_LOG_NOTICE, 0, "in file");
    ck_assert_int_eq(kv_log_open(""), KV_OK);
    ck_assert_int_eq(kv_log_fd(), STDERR_FILENO);
    stderr_to(errpath);
    kv_log(KV_LOG_NOTICE, 0, "on stderr");
    /* Nothing to reopen: the file is not brought back. */
    ck_assert_int_eq(kv_log_reopen(), KV_OK);
    ck_assert_int_eq(kv_log_fd(), STDERR_FILENO);
    stderr_back();

    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 1);
    ck_line(text, "notice", "m", "in file");
    free(text);
    text = read_all(errpath);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 1);
    ck_line(text, "notice", "m", "on stderr");
    free(text);
}
END_TEST

START_TEST(test_close)
{
    char path[PATH_LEN], errpath[PATH_LEN];
    char *text;
    int fd;

    unlink(tmp_path(path, "close.log"));
    tmp_path(errpath, "close.err");
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    fd = kv_log_fd();
    kv_log_close();
    ck_assert_int_eq(kv_log_fd(), STDERR_FILENO);
    ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
    stderr_to(errpath);
    kv_log(KV_LOG_NOTICE, 0, "after close");
    stderr_back();

    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "");
    free(text);
    text = read_all(errpath);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 1);
    ck_line(text, "notice", "m", "after close");
    free(text);
}
END_TEST

/*
 * While starting, errors logged to a file are shown on stderr too, as
 * "kevyd: [level] message"; other levels, and all lines once started, are
 * not.
 */
START_TEST(test_startup_mirror)
{
    char path[PATH_LEN], errpath[PATH_LEN];
    char *text;

    unlink(tmp_path(path, "startup.log"));
    tmp_path(errpath, "startup.err");
    ck_assert_int_eq(kv_log_open(path), KV_OK);
    stderr_to(errpath);
    kv_log_set_startup(1);
    kv_log(KV_LOG_EMERG, 0, "bind() to %s failed", "0.0.0.0:6379");
    kv_log(KV_LOG_ERR, EACCES, "open() \"%s\" failed", "/x");
    kv_log(KV_LOG_WARN, 0, "only in the file");
    kv_log(KV_LOG_NOTICE, 0, "only in the file");
    kv_log_set_startup(0);
    kv_log(KV_LOG_EMERG, 0, "started: only in the file");
    stderr_back();

    text = read_all(path);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 5);
    ck_line(text, "emerg", "m", "bind() to 0.0.0.0:6379 failed");
    free(text);

    text = read_all(errpath);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "kevyd: [emerg] bind() to 0.0.0.0:6379 failed\n"
                           "kevyd: [error] open() \"/x\" failed "
                           "(13: Permission denied)\n");
    free(text);
    kv_log_close();
}
END_TEST

/* When the log is stderr already, a line is not written twice. */
START_TEST(test_startup_mirror_stderr)
{
    char errpath[PATH_LEN];
    char *text;

    stderr_to(tmp_path(errpath, "startup2.err"));
    kv_log_set_startup(1);
    kv_log(KV_LOG_EMERG, 0, "once");
    kv_log_set_startup(0);
    stderr_back();

    text = read_all(errpath);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 1);
    ck_line(text, "emerg", "m", "once");
    free(text);
}
END_TEST

START_TEST(test_log_stderr)
{
    static char msg[2 * KV_LOG_LINE_MAX];
    static const char want[] = "kevyd: [emerg] bad 5\n"
                               "kevyd: [alert] open() \"/x\" failed "
                               "(2: No such file or directory)\n"
                               "kevyd: [notice] zzz";
    char errpath[PATH_LEN];
    char *text;

    memset(msg, 'z', sizeof(msg) - 1);
    stderr_to(tmp_path(errpath, "cmdline.err"));
    kv_log_stderr(KV_LOG_EMERG, 0, "bad %d", 5);
    kv_log_stderr(KV_LOG_ALERT, ENOENT, "open() \"%s\" failed", "/x");
    kv_log_stderr(KV_LOG_NOTICE, 0, "%s", msg);
    stderr_back();

    text = read_all(errpath);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(count_lines(text), 3);
    ck_assert_msg(strncmp(text, want, sizeof(want) - 1) == 0, "%.200s", text);
    /* The long one is cut to a line of KV_LOG_LINE_MAX - 1 bytes. */
    ck_assert_uint_eq(strlen(strstr(text, "kevyd: [notice]")),
                      KV_LOG_LINE_MAX - 1);
    ck_assert_int_eq(text[strlen(text) - 1], '\n');
    free(text);
}
END_TEST

/* ------------------------------------------------------------ harness */

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    return remove(path);
}

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc;

    tc = tcase_create("format");
    tcase_add_test(tc, test_format_worker);
    tcase_add_test(tc, test_format_master);
    tcase_add_test(tc, test_format_levels);
    tcase_add_test(tc, test_format_errno);
    tcase_add_test(tc, test_format_local_time);
    tcase_add_test(tc, test_format_truncation);
    tcase_add_test(tc, test_format_long_message);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, test_level);
    tcase_add_test(tc, test_log_to_file);
    tcase_add_test(tc, test_log_worker_role);
    tcase_add_test(tc, test_log_nothing);
    tcase_add_test(tc, test_log_long_line);
    tcase_add_test(tc, test_log_appends);
    tcase_add_test(tc, test_log_file_mode);
    tcase_add_test(tc, test_reopen_after_rename);
    tcase_add_test(tc, test_open_failure_keeps_old);
    tcase_add_test(tc, test_stderr_by_default);
    tcase_add_test(tc, test_back_to_stderr);
    tcase_add_test(tc, test_close);
    tcase_add_test(tc, test_startup_mirror);
    tcase_add_test(tc, test_startup_mirror_stderr);
    tcase_add_test(tc, test_log_stderr);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    char tmpl[] = "/tmp/check_log.XXXXXX";
    SRunner *sr;
    int failed;

    setenv("TZ", "UTC", 1);
    tzset();
    if (mkdtemp(tmpl) == NULL || realpath(tmpl, tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    sr = srunner_create(log_suite());
    /* The file tests change the logger's global state: each runs in its
     * own process (check's default), so none sees another's. */
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? 0 : 1;
}
