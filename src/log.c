/*
 * log.c: nginx-style log lines, one write(2) each.
 */
#include "log.h"

#include <fcntl.h>
#include <time.h>

static const char *const kv_log_levels[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
};

static int kv_log_level = KV_LOG_NOTICE;
static int kv_log_slot = -1;
static int kv_log_fd_cur = STDERR_FILENO;
static char kv_log_path[4096];
static int kv_log_startup;

void kv_log_set_startup(int on)
{
    kv_log_startup = on;
}

const char *kv_log_level_name(int level)
{
    if (level < 0 || level >= (int) KV_ARRAY_LEN(kv_log_levels)) {
        return "nothing";
    }
    return kv_log_levels[level];
}

void kv_log_set_role(int slot)
{
    kv_log_slot = slot;
}

void kv_log_set_level(int level)
{
    kv_log_level = level;
}

int kv_log_get_level(void)
{
    return kv_log_level;
}

int kv_log_fd(void)
{
    return kv_log_fd_cur;
}

size_t kv_log_format(char *buf, size_t len, time_t now, int level, pid_t pid,
                     int slot, int err, const char *fmt, va_list ap)
{
    struct tm tm;
    size_t n;
    int r;

    if (len < 2) {
        if (len == 1) {
            buf[0] = '\0';
        }
        return 0;
    }
    localtime_r(&now, &tm);
    r = snprintf(buf, len, "%04d/%02d/%02d %02d:%02d:%02d [%s] %d#",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, kv_log_level_name(level), (int) pid);
    n = r < 0 ? 0 : (size_t) r;
    if (n < len) {
        r = slot < 0 ? snprintf(buf + n, len - n, "m: ")
                     : snprintf(buf + n, len - n, "w%d: ", slot);
        n += r < 0 ? 0 : (size_t) r;
    }
    if (n < len) {
        r = vsnprintf(buf + n, len - n, fmt, ap);
        n += r < 0 ? 0 : (size_t) r;
    }
    if (err != 0 && n < len) {
        r = snprintf(buf + n, len - n, " (%d: %s)", err, strerror(err));
        n += r < 0 ? 0 : (size_t) r;
    }
    /* Truncate, always leaving room for the newline. */
    if (n > len - 2) {
        n = len - 2;
    }
    buf[n++] = '\n';
    buf[n] = '\0';
    return n;
}

static void kv_log_write(int fd, const char *buf, size_t n)
{
    /* A short write to a log is not worth a retry loop; EINTR is. */
    while (write(fd, buf, n) < 0 && errno == EINTR) {
    }
}

void kv_log(int level, int err, const char *fmt, ...)
{
    char buf[KV_LOG_LINE_MAX];
    va_list ap;
    size_t n;

    if (level > kv_log_level) {
        return;
    }
    va_start(ap, fmt);
    n = kv_log_format(buf, sizeof(buf), time(NULL), level, getpid(),
                      kv_log_slot, err, fmt, ap);
    va_end(ap);
    kv_log_write(kv_log_fd_cur, buf, n);
    if (kv_log_startup && level <= KV_LOG_ERR &&
        kv_log_fd_cur != STDERR_FILENO) {
        /* The message part follows "] pid#m: " in the formatted line. */
        const char *msg = strstr(buf, ": ");
        char line[KV_LOG_LINE_MAX + 64];
        int m = snprintf(line, sizeof(line), KV_NAME ": [%s] %s",
                         kv_log_level_name(level), msg ? msg + 2 : buf);
        if (m > 0) {
            kv_log_write(STDERR_FILENO, line,
                         (size_t) m < sizeof(line) ? (size_t) m
                                                   : sizeof(line) - 1);
        }
    }
}

void kv_log_stderr(int level, int err, const char *fmt, ...)
{
    char buf[KV_LOG_LINE_MAX];
    va_list ap;
    int n;

    n = snprintf(buf, sizeof(buf), KV_NAME ": [%s] ", kv_log_level_name(level));
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof(buf) - (size_t) n, fmt, ap);
    va_end(ap);
    if (err != 0 && (size_t) n < sizeof(buf)) {
        n += snprintf(buf + n, sizeof(buf) - (size_t) n, " (%d: %s)", err,
                      strerror(err));
    }
    if ((size_t) n > sizeof(buf) - 2) {
        n = (int) sizeof(buf) - 2;
    }
    buf[n++] = '\n';
    kv_log_write(STDERR_FILENO, buf, (size_t) n);
}

int kv_log_open(const char *path)
{
    int fd;

    if (path == NULL || path[0] == '\0') {
        if (kv_log_fd_cur != STDERR_FILENO) {
            close(kv_log_fd_cur);
        }
        kv_log_fd_cur = STDERR_FILENO;
        kv_log_path[0] = '\0';
        return KV_OK;
    }
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        kv_log(KV_LOG_ALERT, errno, "open() \"%s\" failed", path);
        return KV_ERROR;
    }
    if (kv_log_fd_cur != STDERR_FILENO) {
        close(kv_log_fd_cur);
    }
    kv_log_fd_cur = fd;
    if (path != kv_log_path) {
        snprintf(kv_log_path, sizeof(kv_log_path), "%s", path);
    }
    return KV_OK;
}

int kv_log_reopen(void)
{
    if (kv_log_path[0] == '\0') {
        return KV_OK;
    }
    return kv_log_open(kv_log_path);
}

void kv_log_close(void)
{
    if (kv_log_fd_cur != STDERR_FILENO) {
        close(kv_log_fd_cur);
        kv_log_fd_cur = STDERR_FILENO;
    }
}
