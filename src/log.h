/*
 * log.h: nginx-style log lines.
 *
 *   2026/11/21 10:00:00 [notice] 1234#w2: worker 2 ready
 *   2026/11/21 10:00:00 [error] 1234#m: open() "/x" failed (13: Permission denied)
 *
 * "#m" marks the master, "#wN" worker slot N. Every line is written with one
 * write(2) on an O_APPEND descriptor, so master and workers can share a file
 * without tearing lines. Before the log is open (or when logfile is empty)
 * lines go to stderr.
 */
#ifndef KV_LOG_H
#define KV_LOG_H

#include "kevyd.h"

/* nginx's levels, most severe first; "nothing" disables logging. */
enum {
    KV_LOG_EMERG = 0,
    KV_LOG_ALERT,
    KV_LOG_CRIT,
    KV_LOG_ERR,
    KV_LOG_WARN,
    KV_LOG_NOTICE,
    KV_LOG_INFO,
    KV_LOG_DEBUG,
    KV_LOG_NOTHING = -1
};

#define KV_LOG_LINE_MAX 2048

/* "emerg" ... "debug" */
const char *kv_log_level_name(int level);

/* Who is writing: -1 is the master, N >= 0 worker slot N. */
void kv_log_set_role(int slot);
void kv_log_set_level(int level);
int kv_log_get_level(void);

/*
 * Open (or reopen, for USR1 and reload) the log file. An empty path means
 * stderr. On failure the previous destination is kept and KV_ERROR is
 * returned (the reason is logged to the old destination).
 */
int kv_log_open(const char *path);
int kv_log_reopen(void);
void kv_log_close(void);
/*
 * During start-up, lines at KV_LOG_ERR and above also go to stderr as
 * "kevyd: [emerg] message" when the log is a file, so an operator starting
 * kevyd by hand sees why it failed (nginx does the same).
 */
void kv_log_set_startup(int on);
/* Descriptor lines go to; for dup2 onto stderr when daemonized. */
int kv_log_fd(void);

/*
 * Format one line into buf (with the trailing newline) and return its
 * length, truncated to len - 1. err != 0 appends " (err: strerror)".
 * Pure: the unit tests call it with a fixed time.
 */
size_t kv_log_format(char *buf, size_t len, time_t now, int level, pid_t pid,
                     int slot, int err, const char *fmt, va_list ap);

void kv_log(int level, int err, const char *fmt, ...) KV_PRINTF(3, 4);

#define kv_log_error(level, err, ...)                                          \
    do {                                                                       \
        if ((level) <= kv_log_get_level()) {                                   \
            kv_log(level, err, __VA_ARGS__);                                   \
        }                                                                      \
    } while (0)

#define kv_log_debug(...) kv_log_error(KV_LOG_DEBUG, 0, __VA_ARGS__)

/* For the command line: "kevyd: [emerg] message" on stderr. */
void kv_log_stderr(int level, int err, const char *fmt, ...) KV_PRINTF(3, 4);

#endif /* KV_LOG_H */
