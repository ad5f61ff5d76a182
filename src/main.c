/*
 * main.c: the kevyd command: parse the command line, load kevy.conf, then
 * test it (-t, -T), signal a running master (-s), or become the master.
 */
#include "kevyd.h"

#include <locale.h>
#include <signal.h>
#include <time.h>

#include "args.h"
#include "conf.h"
#include "log.h"
#include "master.h"
#include "proc.h"

/* How long "kevyd -s stop" waits beyond shutdown-timeout. */
#define KV_SIGNAL_GRACE_S 5
/* How long "kevyd -s reload" waits for the master's verdict. */
#define KV_RELOAD_WAIT_S 60

static void kv_show_version(int full)
{
    fprintf(stderr, KV_NAME " version: " KV_NAME "/" KV_VERSION "\n");
    if (full) {
        fprintf(stderr, "built by %s\n", KV_CC_VERSION);
        fprintf(stderr, "configure arguments:%s%s\n",
                KV_CONFIGURE_ARGS[0] ? " " : "", KV_CONFIGURE_ARGS);
    }
}

static int kv_signal_reload(pid_t pid)
{
    sigset_t set;
    siginfo_t si;
    union sigval v;
    struct timespec ts = { 1, 0 };

    sigemptyset(&set);
    sigaddset(&set, KV_SIG_RELOAD_REPLY);
    sigprocmask(SIG_BLOCK, &set, NULL);
    v.sival_int = 0;
    if (sigqueue(pid, KV_SIG_RELOAD_REPLY_REQ, v) < 0) {
        kv_log_stderr(KV_LOG_ERR, errno, "sigqueue(%d) failed", (int) pid);
        return 1;
    }
    for (int waited = 0; waited < KV_RELOAD_WAIT_S;) {
        int sig = sigtimedwait(&set, &si, &ts);
        if (sig == KV_SIG_RELOAD_REPLY && si.si_pid == pid) {
            if (si.si_value.sival_int == 0) {
                return 0;
            }
            kv_log_stderr(KV_LOG_ERR, 0,
                          "reload refused by the master process (pid %d); "
                          "the reason is in its log",
                          (int) pid);
            return 1;
        }
        if (sig < 0 && errno == EAGAIN) {
            waited++;
            if (!kv_proc_alive(pid)) {
                kv_log_stderr(KV_LOG_ERR, 0,
                              "the master process (pid %d) exited before "
                              "answering",
                              (int) pid);
                return 1;
            }
        }
    }
    kv_log_stderr(KV_LOG_ERR, 0,
                  "no answer from the master process (pid %d) in %d s",
                  (int) pid, KV_RELOAD_WAIT_S);
    return 1;
}

static int kv_signal_master(const kv_conf_t *conf, kv_signal_t which)
{
    pid_t pid;
    int signo;

    if (conf->pidfile[0] == '\0') {
        kv_log_stderr(KV_LOG_ERR, 0, "no pidfile is set in %s",
                      conf->conf_file);
        return 1;
    }
    pid = kv_pidfile_read(conf->pidfile);
    if (pid < 0) {
        kv_log_stderr(KV_LOG_ERR, errno, "open() \"%s\" failed", conf->pidfile);
        return 1;
    }
    if (pid == 0) {
        kv_log_stderr(KV_LOG_ERR, 0, "invalid PID number in \"%s\"",
                      conf->pidfile);
        return 1;
    }
    if (which == KV_SIG_RELOAD) {
        return kv_signal_reload(pid);
    }
    signo = which == KV_SIG_STOP   ? SIGTERM
            : which == KV_SIG_QUIT ? SIGQUIT
                                   : SIGUSR1;
    if (kill(pid, signo) < 0) {
        kv_log_stderr(KV_LOG_ERR, errno, "kill(%d, %s) failed", (int) pid,
                      strsignal(signo));
        return 1;
    }
    if (signo == SIGUSR1) {
        return 0;
    }
    /* stop and quit return once the master is gone, so that
     * "kevyd -s stop && kevyd -c ..." never races the old master. */
    int64_t deadline =
        kv_mono_ms() +
        (int64_t) (conf->shutdown_timeout + KV_SIGNAL_GRACE_S) * 1000;
    while (kv_proc_alive(pid)) {
        if (kv_mono_ms() > deadline) {
            kv_log_stderr(KV_LOG_ERR, 0,
                          "the master process (pid %d) is still running",
                          (int) pid);
            return 1;
        }
        usleep(20 * 1000);
    }
    return 0;
}

int main(int argc, char **argv)
{
    kv_args_t args;
    kv_conf_t conf;
    char err[KV_CONF_ERR_MAX];
    char **av = kv_proc_title_init(argc, argv);

    /* SORT ... ALPHA collates as Redis does: strcoll() in the locale of
     * the environment (Redis's main() makes the same call). */
    (void) setlocale(LC_COLLATE, "");
    if (kv_args_parse(&args, argc, av, err, sizeof(err)) != KV_OK) {
        fprintf(stderr, KV_NAME ": %s\n", err);
        return 1;
    }
    switch (args.action) {
    case KV_ACT_HELP:
        kv_show_version(0);
        kv_args_usage(stderr);
        return 0;
    case KV_ACT_VERSION:
    case KV_ACT_VERSION_FULL:
        kv_show_version(args.action == KV_ACT_VERSION_FULL);
        return 0;
    default:
        break;
    }

    if (kv_conf_load(&conf, args.conf_file, err, sizeof(err)) != KV_OK) {
        kv_log_stderr(KV_LOG_EMERG, 0, "%s", err);
        if (args.action == KV_ACT_TEST || args.action == KV_ACT_DUMP) {
            fprintf(stderr, KV_NAME ": configuration file %s test failed\n",
                    args.conf_file);
        } else if (args.action == KV_ACT_SIGNAL &&
                   args.signal == KV_SIG_RELOAD) {
            /* The master would refuse the same file: say so here, and
             * leave the running master alone. */
            fprintf(stderr,
                    KV_NAME ": reload refused: %s is invalid, the running "
                            "configuration is kept\n",
                    args.conf_file);
        }
        return 1;
    }
    switch (args.action) {
    case KV_ACT_TEST:
    case KV_ACT_DUMP:
        if (!args.quiet) {
            fprintf(stderr,
                    KV_NAME ": the configuration file %s syntax is ok\n" KV_NAME
                            ": configuration file %s test is successful\n",
                    args.conf_file, args.conf_file);
        }
        if (args.action == KV_ACT_DUMP) {
            kv_conf_dump(&conf, stdout);
        }
        return 0;
    case KV_ACT_SIGNAL:
        return kv_signal_master(&conf, args.signal);
    default:
        return kv_master_run(&conf, argc, av);
    }
}
