/*
 * master.c: the master process. It never touches keys: it opens the
 * listeners, creates the shared memory, forks one worker per slot, and then
 * only supervises, in one epoll loop over
 *
 *   - a signalfd: HUP (reload), the reload-with-reply signal of
 *     "kevyd -s reload", TERM/INT/QUIT (stop), USR1 (reopen), CHLD;
 *   - each worker's channel: READY, CONFIG_ACK, SHUTDOWN;
 *   - a timeout: the next delayed respawn, or the shutdown deadline.
 *
 * Signal handlers do nothing (signals are blocked and read from the
 * signalfd), so every action runs in the loop, in a known state.
 *
 * Supervision. A worker that exits while we are not stopping is reaped,
 * logged, and respawned into the same slot: same listening sockets, so its
 * accept queue survives, and a new generation number in shared memory. A
 * worker that dies within KV_FAST_CRASH_MS of its start counts as a fast
 * crash; consecutive fast crashes of a slot are respawned after
 * KV_RESPAWN_BACKOFF_MS, doubling, and after KV_FAST_CRASH_LIMIT of them
 * the master gives up: it stops everything and exits 1. A worker exiting
 * with KV_EXIT_FATAL could not initialise: respawning it would fail again,
 * and a data store must not run with a shard missing, so the master stops.
 */
#include "master.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "channel.h"
#include "listen.h"
#include "log.h"
#include "proc.h"
#include "shard.h"
#include "shm.h"
#include "xshard.h"
#include "worker.h"

#define KV_FAST_CRASH_MS 10000
#define KV_FAST_CRASH_LIMIT 5
#define KV_RESPAWN_BACKOFF_MS 100
#define KV_RESPAWN_BACKOFF_MAX_MS 5000
#define KV_MAX_RELOAD_WAITERS 64
/* After SIGKILL at the shutdown deadline, how long to wait for reaping. */
#define KV_KILL_GRACE_MS 2000

typedef struct {
    pid_t pid;
    int channel; /* master's end, -1 when none */
    int ready;
    int drained; /* stopping: its clients are all served */
    int fast_crashes;
    int64_t spawned_ms;
    int64_t respawn_at_ms; /* 0: no respawn scheduled */
} kv_slot_t;

static struct {
    kv_conf_t conf;
    kv_shm_t shm;
    kv_listen_set_t listen;
    kv_slot_t slots[KV_MAX_WORKERS];
    int nslots;
    int ep;
    int sfd;
    int stopping;
    int64_t stop_deadline_ms;
    int killed;
    int exit_code;
    int all_ready;
    /* pending work, set while draining the signalfd */
    int want_reload, want_reopen, want_stop, want_reap;
    const char *stop_why;
    pid_t reload_waiters[KV_MAX_RELOAD_WAITERS];
    int nwaiters;
    char run_id[41];
    char executable[4096];
} kv_master;

static void kv_master_spawn(int slot);

static void kv_master_run_id(void)
{
    unsigned char raw[20];
    FILE *f = fopen("/dev/urandom", "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(raw, 1, sizeof(raw), f);
        fclose(f);
    }
    for (size_t i = n; i < sizeof(raw); i++) {
        raw[i] = (unsigned char) (rand() ^ getpid());
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        snprintf(kv_master.run_id + 2 * i, 3, "%02x", raw[i]);
    }
}

static int kv_master_live_workers(void)
{
    int n = 0;

    for (int i = 0; i < kv_master.nslots; i++) {
        if (kv_master.slots[i].pid > 0) {
            n++;
        }
    }
    return n;
}

static void kv_master_finish(void)
{
    kv_pidfile_remove(kv_master.conf.pidfile, getpid());
    if (kv_master.conf.unixsocket[0] != '\0') {
        (void) unlink(kv_master.conf.unixsocket);
    }
    kv_log(KV_LOG_NOTICE, 0, "exit");
    exit(kv_master.exit_code);
}

static void kv_master_stop(const char *why)
{
    if (kv_master.stopping) {
        return;
    }
    kv_master.stopping = 1;
    kv_master.stop_deadline_ms =
        kv_mono_ms() + (int64_t) kv_master.conf.shutdown_timeout * 1000;
    kv_log(KV_LOG_NOTICE, 0, "%s, shutting down gracefully", why);
    /* Our copies of the listeners go first: once the workers close theirs
     * the ports are free. */
    kv_listen_close(&kv_master.listen);
    for (int i = 0; i < kv_master.nslots; i++) {
        kv_slot_t *s = &kv_master.slots[i];

        s->respawn_at_ms = 0;
        if (s->pid <= 0) {
            continue;
        }
        if (kv_channel_write(s->channel, KV_CH_QUIT, i, 0) != KV_OK) {
            /* The channel is broken: a signal does the same. */
            if (kill(s->pid, SIGQUIT) < 0 && errno != ESRCH) {
                kv_log(KV_LOG_ALERT, errno, "kill(%d, SIGQUIT) failed",
                       (int) s->pid);
            }
        }
    }
    if (kv_master_live_workers() == 0) {
        kv_master_finish();
    }
}

/* A second TERM/INT while stopping: kill the workers and go. */
static void KV_NORETURN kv_master_stop_now(int signo)
{
    kv_log(KV_LOG_WARN, 0, "received %s during shutdown, exiting now",
           signo == SIGINT ? "SIGINT" : "SIGTERM");
    for (int i = 0; i < kv_master.nslots; i++) {
        if (kv_master.slots[i].pid > 0) {
            (void) kill(kv_master.slots[i].pid, SIGKILL);
        }
    }
    for (int i = 0; i < kv_master.nslots; i++) {
        if (kv_master.slots[i].pid > 0) {
            (void) waitpid(kv_master.slots[i].pid, NULL, 0);
        }
    }
    kv_master.exit_code = 1;
    kv_master_finish();
    exit(1); /* not reached */
}

static void kv_master_close_channel(kv_slot_t *s)
{
    if (s->channel >= 0) {
        (void) epoll_ctl(kv_master.ep, EPOLL_CTL_DEL, s->channel, NULL);
        close(s->channel);
        s->channel = -1;
    }
}

static int kv_master_slot_of(pid_t pid)
{
    for (int i = 0; i < kv_master.nslots; i++) {
        if (kv_master.slots[i].pid == pid) {
            return i;
        }
    }
    return -1;
}

static void kv_master_crashed(int slot, pid_t pid, int fatal)
{
    kv_slot_t *s = &kv_master.slots[slot];
    int64_t now = kv_mono_ms(), delay;

    if (fatal) {
        kv_log(KV_LOG_EMERG, 0,
               "worker %d (pid %d) failed to initialise, not respawning; "
               "stopping",
               slot, (int) pid);
        kv_master.exit_code = 1;
        kv_master_stop("a worker failed to initialise");
        return;
    }
    if (now - s->spawned_ms < KV_FAST_CRASH_MS) {
        s->fast_crashes++;
    } else {
        s->fast_crashes = 1;
    }
    if (s->fast_crashes >= KV_FAST_CRASH_LIMIT) {
        kv_log(KV_LOG_EMERG, 0,
               "worker %d crashed %d times in a row, giving up; stopping", slot,
               s->fast_crashes);
        kv_master.exit_code = 1;
        kv_master_stop("giving up on a crashing worker");
        return;
    }
    if (s->fast_crashes <= 1) {
        kv_master_spawn(slot);
        return;
    }
    delay = (int64_t) KV_RESPAWN_BACKOFF_MS << (s->fast_crashes - 2);
    if (delay > KV_RESPAWN_BACKOFF_MAX_MS) {
        delay = KV_RESPAWN_BACKOFF_MAX_MS;
    }
    kv_log(KV_LOG_WARN, 0,
           "worker %d crashed %d times in a row, respawning worker %d in "
           "%lld ms",
           slot, s->fast_crashes, slot, (long long) delay);
    s->respawn_at_ms = now + delay;
}

/*
 * Worker slot died: release what it had claimed from its inbound rings
 * (its replacement starts after that), and tell every other worker how far
 * it had read their ring, so they fail exactly the requests it took.
 */
static void kv_master_peer_died(int slot)
{
    uint64_t pos[KV_MAX_WORKERS];

    if (kv_master.nslots < 2) {
        return;
    }
    kv_xshard_release_dead(&kv_master.shm, slot);
    kv_shard_recover_consumer(&kv_master.shm, slot, pos);
    for (int i = 0; i < kv_master.nslots; i++) {
        kv_slot_t *s = &kv_master.slots[i];
        if (i != slot && s->pid > 0 && s->channel >= 0) {
            (void) kv_channel_write(s->channel, KV_CH_PEER_DIED, slot, pos[i]);
        }
    }
}

/* Stopping, and every live worker has served its clients: let them go. */
static void kv_master_check_drained(void)
{
    for (int i = 0; i < kv_master.nslots; i++) {
        if (kv_master.slots[i].pid > 0 && !kv_master.slots[i].drained) {
            return;
        }
    }
    for (int i = 0; i < kv_master.nslots; i++) {
        kv_slot_t *s = &kv_master.slots[i];
        /* A closed channel means the worker is already on its way out. */
        if (s->pid > 0 && s->channel >= 0 &&
            kv_channel_write(s->channel, KV_CH_TERMINATE, i, 0) != KV_OK) {
            (void) kill(s->pid, SIGKILL);
        }
    }
}

static void kv_master_reap(void)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int slot = kv_master_slot_of(pid);
        kv_slot_t *s;
        int fatal = 0;

        if (slot < 0) {
            kv_log(KV_LOG_INFO, 0, "reaped unknown child %d", (int) pid);
            continue;
        }
        s = &kv_master.slots[slot];
        if (WIFSIGNALED(status)) {
            kv_log(KV_LOG_ALERT, 0, "worker %d (pid %d) exited on signal %d%s",
                   slot, (int) pid, WTERMSIG(status),
                   WCOREDUMP(status) ? " (core dumped)" : "");
        } else {
            int code = WEXITSTATUS(status);
            fatal = code == KV_EXIT_FATAL;
            kv_log(code == 0 && kv_master.stopping ? KV_LOG_NOTICE
                                                   : KV_LOG_ALERT,
                   0, "worker %d (pid %d) exited with code %d", slot, (int) pid,
                   code);
        }
        s->pid = 0;
        s->ready = 0;
        s->drained = 0;
        kv_master_close_channel(s);
        atomic_store(&kv_master.shm.hdr->slots[slot].pid, 0);
        atomic_store(&kv_master.shm.hdr->slots[slot].state, KV_SLOT_EMPTY);
        /* Its clients went with it. */
        atomic_store(&kv_master.shm.hdr->slots[slot].nclients, 0);
        kv_master_peer_died(slot);
        if (!kv_master.stopping) {
            kv_master_crashed(slot, pid, fatal);
        }
    }
    if (pid < 0 && errno != ECHILD) {
        kv_log(KV_LOG_ALERT, errno, "waitpid() failed");
    }
    if (kv_master.stopping && kv_master_live_workers() == 0) {
        kv_master_finish();
    }
    if (kv_master.stopping) {
        kv_master_check_drained();
    }
}

static void kv_master_spawn(int slot)
{
    kv_slot_t *s = &kv_master.slots[slot];
    kv_shm_slot_t *ss = &kv_master.shm.hdr->slots[slot];
    struct epoll_event ev;
    int fds[2];
    pid_t pid;

    s->respawn_at_ms = 0;
    if (kv_channel_open(fds) != KV_OK) {
        s->respawn_at_ms = kv_mono_ms() + KV_RESPAWN_BACKOFF_MAX_MS;
        return;
    }
    atomic_fetch_add(&ss->generation, 1);
    atomic_store(&ss->state, KV_SLOT_STARTING);

    pid = fork();
    if (pid < 0) {
        kv_log(KV_LOG_ALERT, errno, "fork() of worker %d failed", slot);
        close(fds[0]);
        close(fds[1]);
        s->respawn_at_ms = kv_mono_ms() + KV_RESPAWN_BACKOFF_MAX_MS;
        return;
    }
    if (pid == 0) {
        /* The child keeps only what a worker needs. */
        close(fds[0]);
        close(kv_master.ep);
        close(kv_master.sfd);
        for (int i = 0; i < kv_master.nslots; i++) {
            if (kv_master.slots[i].channel >= 0) {
                close(kv_master.slots[i].channel);
            }
        }
        atomic_store(&ss->pid, (int32_t) getpid());
        kv_worker_main(slot, kv_master.nslots, &kv_master.conf, &kv_master.shm,
                       &kv_master.listen, fds[1], kv_master.run_id,
                       kv_master.executable);
    }
    close(fds[1]);
    s->pid = pid;
    s->channel = fds[0];
    s->ready = 0;
    s->spawned_ms = kv_mono_ms();
    atomic_store(&ss->pid, (int32_t) pid);

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.u32 = (uint32_t) slot;
    if (epoll_ctl(kv_master.ep, EPOLL_CTL_ADD, fds[0], &ev) < 0) {
        kv_log(KV_LOG_ALERT, errno, "epoll_ctl() for worker %d failed", slot);
    }
    kv_log(KV_LOG_NOTICE, 0, "started worker %d (pid %d)", slot, (int) pid);
}

static void kv_master_channel(int slot)
{
    kv_slot_t *s = &kv_master.slots[slot];
    kv_channel_msg_t msg;
    int rc;

    while (s->channel >= 0 &&
           (rc = kv_channel_read(s->channel, &msg)) != KV_AGAIN) {
        if (rc == KV_ERROR) {
            /* The worker is exiting; SIGCHLD will tell us the rest. */
            kv_master_close_channel(s);
            return;
        }
        switch (msg.cmd) {
        case KV_CH_READY:
            s->ready = 1;
            if (!kv_master.all_ready) {
                int all = 1;
                for (int i = 0; i < kv_master.nslots; i++) {
                    all &= kv_master.slots[i].ready;
                }
                if (all) {
                    kv_master.all_ready = 1;
                    kv_log(KV_LOG_NOTICE, 0, "ready to accept connections");
                }
            } else {
                kv_log(KV_LOG_NOTICE, 0,
                       "worker %d (pid %d) is serving "
                       "again",
                       slot, (int) s->pid);
            }
            break;
        case KV_CH_CONFIG_ACK:
            kv_log_debug("worker %d applied configuration epoch %llu", slot,
                         (unsigned long long) msg.arg);
            break;
        case KV_CH_SHUTDOWN:
            kv_master_stop("SHUTDOWN requested by a client");
            break;
        case KV_CH_DRAINED:
            s->drained = 1;
            if (kv_master.stopping) {
                kv_master_check_drained();
            }
            break;
        default:
            kv_log(KV_LOG_ALERT, 0, "unexpected %s message from worker %d",
                   kv_channel_cmd_name(msg.cmd), slot);
            break;
        }
    }
}

/*
 * Reload: read the file again; refuse it whole when it is invalid or when
 * it changes a setting that cannot change live; otherwise publish it in
 * shared memory and tell every worker the new epoch.
 */
static int kv_master_reload(void)
{
    kv_conf_t nc;
    char err[KV_CONF_ERR_MAX];
    const kv_conf_setting_t *fixed;
    uint64_t epoch;

    kv_log(KV_LOG_NOTICE, 0, "reloading configuration %s",
           kv_master.conf.conf_file);
    if (kv_conf_load(&nc, kv_master.conf.conf_file, err, sizeof(err)) !=
        KV_OK) {
        kv_log(KV_LOG_ERR, 0,
               "reload failed, keeping the running configuration: %s", err);
        return KV_ERROR;
    }
    fixed = kv_conf_fixed_change(&kv_master.conf, &nc);
    if (fixed != NULL) {
        char a[KV_CONF_PATH_MAX + 8], b[KV_CONF_PATH_MAX + 8];
        kv_conf_format_value(&kv_master.conf, fixed, a, sizeof(a));
        kv_conf_format_value(&nc, fixed, b, sizeof(b));
        kv_log(KV_LOG_ERR, 0,
               "reload refused: \"%s\" cannot be changed by a reload "
               "(%s -> %s); restart kevyd to change it",
               fixed->name, a, b);
        return KV_ERROR;
    }
    if (strcmp(nc.logfile, kv_master.conf.logfile) != 0 &&
        kv_log_open(nc.logfile) != KV_OK) {
        kv_log(KV_LOG_ERR, 0,
               "reload failed, keeping the running configuration: cannot "
               "open the new logfile \"%s\"",
               nc.logfile);
        return KV_ERROR;
    }
    kv_log_set_level(nc.loglevel);
    kv_master.conf = nc;
    epoch = kv_shm_conf_publish(&kv_master.shm, &nc);
    for (int i = 0; i < kv_master.nslots; i++) {
        kv_slot_t *s = &kv_master.slots[i];
        if (s->pid > 0 && s->channel >= 0) {
            (void) kv_channel_write(s->channel, KV_CH_CONFIG, i, epoch);
        }
    }
    kv_log(KV_LOG_NOTICE, 0, "configuration reloaded (epoch %llu)",
           (unsigned long long) epoch);
    return KV_OK;
}

static void kv_master_reopen(void)
{
    if (kv_log_reopen() == KV_OK) {
        kv_log(KV_LOG_NOTICE, 0, "reopened log file");
    }
    for (int i = 0; i < kv_master.nslots; i++) {
        kv_slot_t *s = &kv_master.slots[i];
        if (s->pid > 0 && s->channel >= 0) {
            (void) kv_channel_write(s->channel, KV_CH_REOPEN, i, 0);
        }
    }
}

static void kv_master_signals(void)
{
    struct signalfd_siginfo si;

    while (read(kv_master.sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
        int signo = (int) si.ssi_signo;

        if (signo == KV_SIG_RELOAD_REPLY_REQ) {
            if (si.ssi_code == SI_QUEUE &&
                kv_master.nwaiters < KV_MAX_RELOAD_WAITERS) {
                kv_master.reload_waiters[kv_master.nwaiters++] =
                    (pid_t) si.ssi_pid;
            }
            kv_master.want_reload = 1;
            continue;
        }
        switch (signo) {
        case SIGHUP:
            kv_master.want_reload = 1;
            break;
        case SIGUSR1:
            kv_master.want_reopen = 1;
            break;
        case SIGCHLD:
            kv_master.want_reap = 1;
            break;
        case SIGTERM:
        case SIGINT:
        case SIGQUIT:
            if (kv_master.stopping && signo != SIGQUIT) {
                kv_master_stop_now(signo);
            }
            kv_master.want_stop = 1;
            kv_master.stop_why = signo == SIGTERM  ? "received SIGTERM"
                                 : signo == SIGINT ? "received SIGINT"
                                                   : "received SIGQUIT";
            break;
        default:
            break;
        }
    }
}

static void kv_master_reply_waiters(int ok)
{
    for (int i = 0; i < kv_master.nwaiters; i++) {
        union sigval v;
        v.sival_int = ok ? 0 : 1;
        if (sigqueue(kv_master.reload_waiters[i], KV_SIG_RELOAD_REPLY, v) < 0 &&
            errno != ESRCH) {
            kv_log(KV_LOG_WARN, errno, "sigqueue() to %d failed",
                   (int) kv_master.reload_waiters[i]);
        }
    }
    kv_master.nwaiters = 0;
}

static int kv_master_timeout(void)
{
    int64_t now = kv_mono_ms(), next = -1;

    for (int i = 0; i < kv_master.nslots; i++) {
        int64_t at = kv_master.slots[i].respawn_at_ms;
        if (at > 0 && (next < 0 || at < next)) {
            next = at;
        }
    }
    if (kv_master.stopping && (next < 0 || kv_master.stop_deadline_ms < next)) {
        next = kv_master.stop_deadline_ms;
    }
    if (next < 0) {
        return -1;
    }
    return next <= now ? 0 : (int) (next - now);
}

static void kv_master_timers(void)
{
    int64_t now = kv_mono_ms();

    for (int i = 0; i < kv_master.nslots; i++) {
        kv_slot_t *s = &kv_master.slots[i];
        if (s->respawn_at_ms > 0 && s->respawn_at_ms <= now &&
            !kv_master.stopping) {
            kv_master_spawn(i);
        }
    }
    if (kv_master.stopping && now >= kv_master.stop_deadline_ms) {
        if (kv_master.killed) {
            kv_log(KV_LOG_ALERT, 0, "workers did not exit after SIGKILL");
            kv_master.exit_code = 1;
            kv_master_finish();
        }
        kv_log(KV_LOG_WARN, 0,
               "shutdown-timeout (%d s) expired, killing %d workers",
               kv_master.conf.shutdown_timeout, kv_master_live_workers());
        for (int i = 0; i < kv_master.nslots; i++) {
            if (kv_master.slots[i].pid > 0) {
                (void) kill(kv_master.slots[i].pid, SIGKILL);
            }
        }
        kv_master.killed = 1;
        kv_master.exit_code = 1;
        kv_master.stop_deadline_ms = now + KV_KILL_GRACE_MS;
    }
}

static int kv_master_setup_signals(void)
{
    sigset_t set;
    struct epoll_event ev;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, KV_SIG_RELOAD_REPLY_REQ);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
        kv_log(KV_LOG_EMERG, errno, "sigprocmask() failed");
        return KV_ERROR;
    }
    kv_master.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (kv_master.sfd < 0) {
        kv_log(KV_LOG_EMERG, errno, "signalfd() failed");
        return KV_ERROR;
    }
    kv_master.ep = epoll_create1(EPOLL_CLOEXEC);
    if (kv_master.ep < 0) {
        kv_log(KV_LOG_EMERG, errno, "epoll_create1() failed");
        return KV_ERROR;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.u32 = UINT32_MAX;
    if (epoll_ctl(kv_master.ep, EPOLL_CTL_ADD, kv_master.sfd, &ev) < 0) {
        kv_log(KV_LOG_EMERG, errno, "epoll_ctl() failed");
        return KV_ERROR;
    }
    return KV_OK;
}

/* Create dir when missing (one level, like mkdir without -p) and enter it. */
static int kv_master_chdir(const char *dir)
{
    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
        kv_log(KV_LOG_EMERG, errno, "mkdir() \"%s\" failed", dir);
        return KV_ERROR;
    }
    if (chdir(dir) < 0) {
        kv_log(KV_LOG_EMERG, errno, "chdir() to \"%s\" failed", dir);
        return KV_ERROR;
    }
    return KV_OK;
}

int kv_master_run(const kv_conf_t *conf, int argc, char *const argv[])
{
    struct epoll_event evs[KV_MAX_WORKERS + 1];
    ssize_t n;
    pid_t old;
    char title[1024];
    size_t tlen = 0;

    memset(&kv_master, 0, sizeof(kv_master));
    kv_master.conf = *conf;
    kv_master.nslots = conf->worker_processes;
    kv_master.sfd = kv_master.ep = -1;
    for (int i = 0; i < KV_MAX_WORKERS; i++) {
        kv_master.slots[i].channel = -1;
    }
    n = readlink("/proc/self/exe", kv_master.executable,
                 sizeof(kv_master.executable) - 1);
    kv_master.executable[n > 0 ? n : 0] = '\0';
    kv_master_run_id();
    kv_log_set_role(-1);
    kv_log_set_level(conf->loglevel);
    kv_log_set_startup(1);

    if (conf->pidfile[0] != '\0') {
        old = kv_pidfile_read(conf->pidfile);
        if (old > 0 && old != getpid() && kv_proc_is_kevyd(old)) {
            kv_log(KV_LOG_EMERG, 0,
                   "kevyd is already running (pid %d, pid file %s)", (int) old,
                   conf->pidfile);
            return 1;
        }
    }
    if (kv_log_open(conf->logfile) != KV_OK) {
        return 1;
    }
    kv_log(KV_LOG_NOTICE, 0,
           "kevyd/%s starting, configuration %s, %d "
           "workers",
           KV_VERSION, conf->conf_file, kv_master.nslots);
    if (kv_master_chdir(conf->dir) != KV_OK) {
        return 1;
    }
    if (kv_listen_open(&kv_master.listen, conf, kv_master.nslots) != KV_OK) {
        return 1;
    }
    if (conf->daemonize) {
        if (conf->logfile[0] == '\0') {
            (void) kv_log_open("/dev/null");
        }
        if (kv_proc_daemonize() != KV_OK) {
            return 1;
        }
    }
    if (conf->pidfile[0] != '\0' &&
        kv_pidfile_write(conf->pidfile, getpid()) != KV_OK) {
        return 1;
    }
    if (kv_shm_create(&kv_master.shm, (unsigned) kv_master.nslots, conf) !=
            KV_OK ||
        kv_master_setup_signals() != KV_OK) {
        kv_pidfile_remove(conf->pidfile, getpid());
        return 1;
    }

    for (int i = 0; i < argc && tlen < sizeof(title) - 2; i++) {
        tlen += (size_t) snprintf(title + tlen, sizeof(title) - tlen, "%s%s",
                                  i ? " " : "", argv[i]);
    }
    kv_proc_title("master process %s", title);

    for (int i = 0; i < kv_master.nslots; i++) {
        kv_master_spawn(i);
    }
    kv_log_set_startup(0);

    for (;;) {
        int nev = epoll_wait(kv_master.ep, evs, (int) KV_ARRAY_LEN(evs),
                             kv_master_timeout());
        if (nev < 0 && errno != EINTR) {
            kv_log(KV_LOG_EMERG, errno, "epoll_wait() failed");
            kv_master.exit_code = 1;
            kv_master_stop("the master's event loop failed");
            nev = 0;
        }
        for (int i = 0; i < nev; i++) {
            if (evs[i].data.u32 == UINT32_MAX) {
                kv_master_signals();
            } else {
                kv_master_channel((int) evs[i].data.u32);
            }
        }
        if (kv_master.want_reap) {
            kv_master.want_reap = 0;
            kv_master_reap();
        }
        if (kv_master.want_stop) {
            kv_master.want_stop = 0;
            kv_master_stop(kv_master.stop_why);
        }
        if (kv_master.want_reload) {
            /* Every request read so far is answered by this one reload. */
            kv_master.want_reload = 0;
            if (kv_master.stopping) {
                kv_log(KV_LOG_WARN, 0, "reload ignored: shutting down");
                kv_master_reply_waiters(0);
            } else {
                kv_master_reply_waiters(kv_master_reload() == KV_OK);
            }
        }
        if (kv_master.want_reopen) {
            kv_master.want_reopen = 0;
            kv_master_reopen();
        }
        kv_master_timers();
    }
}
