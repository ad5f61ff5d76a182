/*
 * proc.c: process titles, daemonizing, CPU affinity, pid files.
 *
 * The title trick is nginx's: argv[] and environ are contiguous at the top
 * of the stack; environ is copied elsewhere so the whole area can hold the
 * new title.
 */
#include "proc.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "log.h"

extern char **environ;

static char *kv_title_start;
static size_t kv_title_len;
/* The copy of argv, kept for the life of the process: a global (not a
 * static the compiler may drop), so leak checkers see it reachable. */
char **kv_proc_argv;

char **kv_proc_title_init(int argc, char **argv)
{
    char **copy = calloc((size_t) argc + 1, sizeof(char *));
    char *end;
    int i, n;

    if (copy == NULL) {
        return argv;
    }
    kv_proc_argv = copy;
    for (i = 0; i < argc; i++) {
        copy[i] = strdup(argv[i]);
        if (copy[i] == NULL) {
            return argv;
        }
    }
    if (argc == 0 || argv[0] == NULL) {
        return copy;
    }
    end = argv[0];
    for (i = 0; i < argc; i++) {
        if (argv[i] == end) {
            end = argv[i] + strlen(argv[i]) + 1;
        }
    }
    for (n = 0; environ[n] != NULL; n++) {
    }
    char **env = calloc((size_t) n + 1, sizeof(char *));
    if (env == NULL) {
        return copy;
    }
    for (i = 0; i < n; i++) {
        if (environ[i] == end) {
            end = environ[i] + strlen(environ[i]) + 1;
        }
        env[i] = strdup(environ[i]);
        if (env[i] == NULL) {
            return copy;
        }
    }
    environ = env;
    kv_title_start = argv[0];
    kv_title_len = (size_t) (end - argv[0]);
    argv[1] = NULL;
    return copy;
}

void kv_proc_title(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    size_t n;

    n = (size_t) snprintf(buf, sizeof(buf), KV_NAME ": ");
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    va_end(ap);
    if (kv_title_start == NULL || kv_title_len < 2) {
        return;
    }
    n = strlen(buf);
    if (n >= kv_title_len) {
        n = kv_title_len - 1;
    }
    memcpy(kv_title_start, buf, n);
    memset(kv_title_start + n, '\0', kv_title_len - n);
}

int kv_proc_daemonize(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0) {
        kv_log(KV_LOG_EMERG, errno, "fork() failed");
        return KV_ERROR;
    }
    if (pid > 0) {
        _exit(0);
    }
    if (setsid() < 0) {
        kv_log(KV_LOG_EMERG, errno, "setsid() failed");
        return KV_ERROR;
    }
    umask(0);
    fd = open("/dev/null", O_RDWR);
    if (fd < 0) {
        kv_log(KV_LOG_EMERG, errno, "open(\"/dev/null\") failed");
        return KV_ERROR;
    }
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    /* stderr follows the log: an empty logfile means /dev/null now. */
    dup2(kv_log_fd() != STDERR_FILENO ? kv_log_fd() : fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) {
        close(fd);
    }
    return KV_OK;
}

int kv_proc_affinity_valid(const char *spec)
{
    if (strcmp(spec, "off") == 0 || strcmp(spec, "") == 0 ||
        strcmp(spec, "auto") == 0) {
        return 1;
    }
    /* Every mask must name at least one CPU: an empty set would make
     * sched_setaffinity() fail in the worker. */
    int words = 0, ones = 0;
    for (const char *p = spec;; p++) {
        if (*p == ' ' || *p == '\0') {
            if (p > spec && p[-1] != ' ') {
                if (ones == 0) {
                    return 0;
                }
                words++;
                ones = 0;
            }
            if (*p == '\0') {
                break;
            }
            continue;
        }
        if (*p != '0' && *p != '1') {
            return 0;
        }
        ones += *p == '1';
    }
    return words > 0;
}

/* Fill set for slot from spec; 0 when spec asks for no pinning. */
static int kv_proc_affinity_set(const char *spec, int slot, cpu_set_t *set)
{
    CPU_ZERO(set);
    if (strcmp(spec, "off") == 0 || spec[0] == '\0') {
        return 0;
    }
    if (strcmp(spec, "auto") == 0) {
        cpu_set_t allowed;
        int count, nth, cpu;

        if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
            return -1;
        }
        count = CPU_COUNT(&allowed);
        if (count == 0) {
            return 0;
        }
        nth = slot % count;
        for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
            if (CPU_ISSET(cpu, &allowed) && nth-- == 0) {
                CPU_SET(cpu, set);
                return 1;
            }
        }
        return 0;
    }
    /* The slot-th mask, or the last one. */
    const char *mask = NULL, *p = spec;
    size_t mlen = 0;
    int i = 0;
    while (*p) {
        while (*p == ' ') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        const char *start = p;
        while (*p && *p != ' ') {
            p++;
        }
        mask = start;
        mlen = (size_t) (p - start);
        if (i++ == slot) {
            break;
        }
    }
    if (mask == NULL) {
        return 0;
    }
    for (size_t k = 0; k < mlen; k++) {
        if (mask[mlen - 1 - k] == '1' && k < CPU_SETSIZE) {
            CPU_SET((int) k, set);
        }
    }
    return CPU_COUNT(set) > 0 ? 1 : 0;
}

int kv_proc_set_affinity_pid(pid_t pid, const char *spec, int slot)
{
    cpu_set_t set;
    int rc = kv_proc_affinity_set(spec, slot, &set);

    if (rc < 0) {
        kv_log(KV_LOG_ALERT, errno, "sched_getaffinity() failed");
        return KV_ERROR;
    }
    if (rc == 0) {
        return KV_OK;
    }
    if (sched_setaffinity(pid, sizeof(set), &set) < 0) {
        /* A CPU outside our cgroup is an operator error, not fatal. */
        kv_log(KV_LOG_WARN, errno,
               "sched_setaffinity() for worker %d (\"%s\") failed", slot, spec);
    }
    return KV_OK;
}

int kv_proc_set_affinity(const char *spec, int slot)
{
    return kv_proc_set_affinity_pid(0, spec, slot);
}

/* The state letter of /proc/PID/stat, or 0 when there is no such process. */
static char kv_proc_state(pid_t pid)
{
    char path[64], buf[512], *p;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (p == NULL || p[1] == '\0' || p[2] == '\0') {
        return 0;
    }
    return p[2];
}

int kv_proc_alive(pid_t pid)
{
    char st;

    if (pid <= 0) {
        return 0;
    }
    if (kill(pid, 0) < 0 && errno == ESRCH) {
        return 0;
    }
    st = kv_proc_state(pid);
    return st != 0 && st != 'Z' && st != 'X';
}

int kv_proc_is_kevyd(pid_t pid)
{
    char path[64], buf[256];
    ssize_t n;
    int fd;

    if (!kv_proc_alive(pid)) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    return strncmp(buf, KV_NAME ": master process",
                   sizeof(KV_NAME ": master process") - 1) == 0;
}

pid_t kv_pidfile_read(const char *path)
{
    char buf[32];
    ssize_t n;
    long v;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return -1;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        return -1;
    }
    buf[n] = '\0';
    v = strtol(buf, NULL, 10);
    return v > 0 && v < INT_MAX ? (pid_t) v : 0;
}

int kv_pidfile_write(const char *path, pid_t pid)
{
    char tmp[4200], buf[32];
    int fd, n;

    /* Write aside and rename, so a reader never sees a half-written pid. */
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        kv_log(KV_LOG_EMERG, errno, "open() \"%s\" failed", tmp);
        return KV_ERROR;
    }
    n = snprintf(buf, sizeof(buf), "%d\n", (int) pid);
    if (write(fd, buf, (size_t) n) != n) {
        kv_log(KV_LOG_EMERG, errno, "write() to \"%s\" failed", tmp);
        close(fd);
        unlink(tmp);
        return KV_ERROR;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        kv_log(KV_LOG_EMERG, errno, "rename() \"%s\" to \"%s\" failed", tmp,
               path);
        unlink(tmp);
        return KV_ERROR;
    }
    return KV_OK;
}

void kv_pidfile_remove(const char *path, pid_t pid)
{
    if (path[0] == '\0' || kv_pidfile_read(path) != pid) {
        return;
    }
    if (unlink(path) < 0) {
        kv_log(KV_LOG_ALERT, errno, "unlink() \"%s\" failed", path);
    }
}
