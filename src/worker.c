/*
 * worker.c: a worker process.
 *
 * After fork() the worker keeps only its own listeners and its end of the
 * channel, creates its event loop (event loops are per process), pins
 * itself to its CPU if configured, reports READY, and serves until the
 * master says QUIT (or the master disappears).
 *
 * Signals: TERM, INT and QUIT reach a worker directly when an operator
 * signals the whole process group (Ctrl-C in a terminal); they start the
 * same graceful stop as the master's QUIT message, and a second TERM or
 * INT exits at once. HUP and USR1 are the master's business: workers get
 * reload and reopen as channel messages, so they ignore those signals.
 */
#include "worker.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>

#include "block.h"
#include "channel.h"
#include "db.h"
#include "log.h"
#include "proc.h"
#include "route.h"
#include "shard.h"

/* Share of each cron period active expiry may use (Redis: 25%). */
#define KV_EXPIRE_CYCLE_PERCENT 25

/*
 * Adaptive spinning. A worker that runs out of work sleeps in the kernel
 * and whoever brings the next request (a client's send, a peer's doorbell)
 * pays for waking it: a system call for a peer, an interrupt to the
 * sleeping CPU and a context switch for everybody, which costs a client
 * at -P 1 as much as the request itself. So a worker that recently waited
 * only briefly for work busy-waits first (kv_loop_spin(): no system
 * call), at most KV_SPIN_MAX_US, then sleeps.
 *
 * The spin must never take a CPU somebody else needs (the client on a
 * machine shared with it, the other workers). Two gates:
 *
 *  - it runs only while the average wait for work (over about the last
 *    KV_SPIN_WEIGHT waits) is under KV_SPIN_MAX_US. A spin that ends
 *    without work is a long wait, so spinning that does not pay stops by
 *    itself, and an idle worker (a wait is at least a cron period long
 *    then) never spins: it parks until the next request wakes it, and
 *    needs a few short waits before it spins again;
 *
 *  - it runs only while no task waits for a CPU: the cron reads the CPU
 *    pressure the kernel measures (/proc/pressure/cpu, "some": time during
 *    which at least one runnable task had no CPU) and stops spinning for a
 *    while when it passed KV_SPIN_PRESSURE_MAX percent of the period,
 *    twice as long each time it happens again right after spinning
 *    resumed (our own spinning may be the cause), at most
 *    KV_SPIN_BACKOFF_MAX_MS. Without that file (no PSI) there is no
 *    spinning: a worker cannot tell whether its CPU is needed elsewhere.
 */
#define KV_SPIN_MAX_US 50
#define KV_SPIN_WEIGHT 8
/* A longer wait counts as this long: one idle second must not keep a
 * busy worker from spinning for thousands of waits. */
#define KV_SPIN_WAIT_CAP_US (4 * KV_SPIN_MAX_US)
#define KV_SPIN_PRESSURE_MAX 5
#define KV_SPIN_BACKOFF_MAX_MS 10000
#define KV_PSI_CPU "/proc/pressure/cpu"

kv_worker_t kv_worker;

static void kv_worker_stop(const char *why);

static void kv_worker_apply_conf(void)
{
    kv_conf_t nc;
    uint64_t epoch = kv_shm_conf_read(kv_worker.shm, &nc);

    if (epoch == kv_worker.conf_epoch) {
        return;
    }
    if (strcmp(nc.logfile, kv_worker.conf.logfile) != 0) {
        /* The master checked that the new file opens. */
        (void) kv_log_open(nc.logfile);
    }
    kv_log_set_level(nc.loglevel);
    if (strcmp(nc.worker_cpu_affinity, kv_worker.conf.worker_cpu_affinity)) {
        (void) kv_proc_set_affinity(nc.worker_cpu_affinity, kv_worker.slot);
    }
    kv_worker.conf = nc;
    kv_worker.conf_epoch = epoch;
    kv_log(KV_LOG_NOTICE, 0, "configuration epoch %llu applied",
           (unsigned long long) epoch);
    (void) kv_channel_write(kv_worker.channel_io.fd, KV_CH_CONFIG_ACK,
                            kv_worker.slot, epoch);
}

static void kv_worker_channel(kv_io_t *io, kv_op_t op, ssize_t res,
                              const char *data)
{
    kv_channel_msg_t msg;
    int rc;

    if (op != KV_OP_POLL) {
        return;
    }
    for (;;) {
        rc = kv_channel_read(io->fd, &msg);
        if (rc == KV_AGAIN) {
            return;
        }
        if (rc == KV_ERROR) {
            /* The master is gone: nobody supervises us any more. */
            kv_io_close(&kv_worker.loop, io);
            kv_worker_stop("the master process exited");
            return;
        }
        switch (msg.cmd) {
        case KV_CH_QUIT:
            kv_worker_stop("asked to stop by the master");
            break;
        case KV_CH_TERMINATE:
            kv_log(KV_LOG_NOTICE, 0, "worker %d exiting", kv_worker.slot);
            exit(0);
        case KV_CH_REOPEN:
            if (kv_log_reopen() == KV_OK) {
                kv_log(KV_LOG_NOTICE, 0, "reopened log file");
            }
            break;
        case KV_CH_CONFIG:
            kv_worker_apply_conf();
            break;
        case KV_CH_PEER_DIED:
            kv_log(KV_LOG_NOTICE, 0,
                   "worker %d died, failing what it had "
                   "taken from us",
                   msg.slot);
            kv_route_peer_died(msg.slot, msg.arg);
            break;
        default:
            kv_log(KV_LOG_ALERT, 0, "unexpected %s message on channel",
                   kv_channel_cmd_name(msg.cmd));
            break;
        }
    }
}

static void kv_worker_signal(kv_io_t *io, kv_op_t op, ssize_t res,
                             const char *data)
{
    struct signalfd_siginfo si;

    if (op != KV_OP_POLL) {
        return;
    }
    while (read(io->fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
        if (kv_worker.stopping && si.ssi_signo != SIGQUIT) {
            kv_log(KV_LOG_WARN, 0, "received %s during shutdown, exiting now",
                   strsignal((int) si.ssi_signo));
            exit(1);
        }
        kv_worker_stop(si.ssi_signo == SIGTERM  ? "received SIGTERM"
                       : si.ssi_signo == SIGINT ? "received SIGINT"
                                                : "received SIGQUIT");
    }
}

static void kv_worker_bell(kv_io_t *io, kv_op_t op, ssize_t res,
                           const char *data)
{
    if (io->fd >= 0) {
        kv_shard_bell_drain(); /* the eventfd: reset it */
    }
}

static void kv_worker_accept(kv_io_t *io, kv_op_t op, ssize_t res,
                             const char *data)
{
    if (op != KV_OP_ACCEPT) {
        return;
    }
    if (res < 0) {
        kv_log(KV_LOG_ALERT, (int) -res, "accept() on %s failed",
               ((kv_listen_t *) io->data)->name);
        return;
    }
    kv_client_accept(io, (int) res);
}

static void kv_worker_stop(const char *why)
{
    if (kv_worker.stopping) {
        return;
    }
    kv_worker.stopping = 1;
    kv_worker.stop_deadline_ms =
        kv_mono_ms() + (int64_t) kv_worker.conf.shutdown_timeout * 1000;
    atomic_store(&kv_worker.shm->hdr->slots[kv_worker.slot].state,
                 KV_SLOT_DRAINING);
    kv_log(KV_LOG_NOTICE, 0, "%s, shutting down: %u clients", why,
           kv_worker.nclients);
    /* Cancel the armed accepts: closing the listener is not enough for a
     * multishot accept, the backend cancels it. The master holds its own
     * copy of each socket, so the address stays bound until it stops. */
    for (int i = 0; i < kv_worker.nlisten; i++) {
        kv_io_close(&kv_worker.loop, &kv_worker.listen_io[i]);
    }
    kv_clients_stop();
}

/*
 * The spin's CPU pressure gate (see KV_SPIN_PRESSURE_MAX): the "some"
 * total of /proc/pressure/cpu is the microseconds during which some
 * runnable task waited for a CPU, since boot.
 */
static void kv_worker_spin_gate(int64_t now)
{
    char buf[256];
    const char *t;
    unsigned long long total;
    int64_t elapsed_ms = now - kv_worker.psi_ms;
    ssize_t n;
    int pressed;

    if (kv_worker.psi_fd < 0) {
        return;
    }
    n = pread(kv_worker.psi_fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0) {
        kv_log(KV_LOG_NOTICE, n < 0 ? errno : 0,
               "reading " KV_PSI_CPU " failed: no more spinning");
        close(kv_worker.psi_fd);
        kv_worker.psi_fd = -1;
        kv_worker.spin_ok = 0;
        return;
    }
    buf[n] = '\0';
    t = strstr(buf, "total=");
    if (t == NULL) {
        return;
    }
    total = strtoull(t + 6, NULL, 10);
    if (kv_worker.psi_ms != 0 && elapsed_ms > 0) {
        pressed = (total - kv_worker.psi_total) * 100 >
                  (unsigned long long) elapsed_ms * 1000 * KV_SPIN_PRESSURE_MAX;
        if (pressed) {
            if (kv_worker.spin_ok) {
                kv_worker.spin_backoff_ms *= 2;
                if (kv_worker.spin_backoff_ms > KV_SPIN_BACKOFF_MAX_MS) {
                    kv_worker.spin_backoff_ms = KV_SPIN_BACKOFF_MAX_MS;
                }
            }
            kv_worker.spin_ok = 0;
            kv_worker.spin_resume_ms = now + kv_worker.spin_backoff_ms;
        } else if (kv_worker.spin_ok) {
            /* A whole period of spinning that hurt nobody. */
            kv_worker.spin_backoff_ms = 1000 / kv_worker.conf.hz;
        } else if (now >= kv_worker.spin_resume_ms) {
            kv_worker.spin_ok = 1;
        }
    }
    kv_worker.psi_total = total;
    kv_worker.psi_ms = now;
}

/*
 * The worker's periodic tasks, hz times a second: idle clients, active
 * expiry (at most a quarter of the period, as Redis's slow cycle), a
 * millisecond of incremental rehashing, and the spin's pressure gate.
 */
static void kv_worker_cron(int64_t now)
{
    int64_t period_us = 1000000 / kv_worker.conf.hz;

    kv_clients_cron(now);
    (void) kv_db_active_expire(period_us * KV_EXPIRE_CYCLE_PERCENT / 100);
    kv_db_cron_rehash(1);
    kv_worker_spin_gate(now);
}

static void kv_worker_before_wait(kv_loop_t *loop)
{
    kv_clients_flush();
}

/* Fold the length of one wait for work into the average. */
static void kv_worker_waited(int64_t us)
{
    if (us > KV_SPIN_WAIT_CAP_US) {
        us = KV_SPIN_WAIT_CAP_US;
    }
    kv_worker.wait_avg_us += (us - kv_worker.wait_avg_us) / KV_SPIN_WEIGHT;
}

/* Spin for work when that has been paying off; 1 when work arrived. */
static int kv_worker_spin(int64_t now_us)
{
    if (!kv_worker.conf.worker_spin || !kv_worker.spin_ok ||
        kv_worker.wait_avg_us >= KV_SPIN_MAX_US ||
        kv_worker.stopping || kv_shard_has_backlog()) {
        return 0;
    }
    if (kv_loop_spin(&kv_worker.loop, now_us + KV_SPIN_MAX_US,
                     kv_worker.nslots > 1 ? kv_shard_has_input : NULL)) {
        kv_worker_waited(kv_mono_us() - now_us);
        return 1;
    }
    return 0;
}

static int kv_worker_signals(void)
{
    sigset_t set;
    int fd;

    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    if (sigprocmask(SIG_SETMASK, &set, NULL) < 0) {
        kv_log(KV_LOG_EMERG, errno, "sigprocmask() failed");
        return -1;
    }
    fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        kv_log(KV_LOG_EMERG, errno, "signalfd() failed");
    }
    return fd;
}

/*
 * The event loop io-backend asks for. "auto" is io_uring when this kernel
 * lets us create a ring and register its buffers (it may be missing, too
 * old, or forbidden by a seccomp profile), else epoll; "io_uring" insists,
 * and a worker that cannot have it fails to start.
 */
static int kv_worker_loop_init(void)
{
    kv_loop_t *loop = &kv_worker.loop;

#if KV_HAVE_LIBURING
    if (kv_worker.conf.io_backend != KV_BACKEND_EPOLL) {
        if (kv_loop_init(loop, &kv_event_uring_ops) == KV_OK) {
            return KV_OK;
        }
        if (kv_worker.conf.io_backend == KV_BACKEND_IO_URING) {
            kv_log(KV_LOG_EMERG, 0,
                   "io-backend \"io_uring\" is not usable here: %s",
                   kv_event_uring_error());
            return KV_ERROR;
        }
        kv_log(KV_LOG_NOTICE, 0,
               "io_uring is not usable here (%s): using epoll",
               kv_event_uring_error());
    }
#endif
    if (kv_loop_init(loop, &kv_event_epoll_ops) != KV_OK) {
        return KV_ERROR;
    }
    return KV_OK;
}

static int kv_worker_init(int channel_fd)
{
    kv_listen_set_t *ls = kv_worker.listen;
    int sfd;

    sfd = kv_worker_signals();
    if (sfd < 0) {
        return KV_ERROR;
    }
    kv_listen_keep_slot(ls, kv_worker.slot);
    if (kv_db_init(kv_worker.conf.databases) != KV_OK) {
        kv_log(KV_LOG_EMERG, 0, "out of memory creating %d databases",
               kv_worker.conf.databases);
        return KV_ERROR;
    }
    if (kv_shard_init(kv_worker.shm, kv_worker.slot, kv_worker.nslots,
                      kv_route_message) != KV_OK ||
        kv_route_init(kv_worker.slot, kv_worker.nslots) != KV_OK) {
        return KV_ERROR;
    }
    if (kv_proc_set_affinity(kv_worker.conf.worker_cpu_affinity,
                             kv_worker.slot) != KV_OK) {
        return KV_ERROR;
    }
    if (kv_worker_loop_init() != KV_OK) {
        return KV_ERROR;
    }
    kv_worker.loop.before_wait = kv_worker_before_wait;
    kv_worker.psi_fd = -1;
    if (kv_loop_can_spin(&kv_worker.loop)) {
        kv_worker.psi_fd = open(KV_PSI_CPU, O_RDONLY | O_CLOEXEC);
        if (kv_worker.psi_fd < 0) {
            kv_log(KV_LOG_INFO, errno,
                   "open() of " KV_PSI_CPU " failed: no spinning");
        }
    }
    kv_worker.spin_backoff_ms = 1000 / kv_worker.conf.hz;

    kv_worker.signal_io.fd = sfd;
    kv_worker.signal_io.handler = kv_worker_signal;
    kv_worker.channel_io.fd = channel_fd;
    kv_worker.channel_io.handler = kv_worker_channel;
    if (kv_io_poll(&kv_worker.loop, &kv_worker.signal_io) != KV_OK ||
        kv_io_poll(&kv_worker.loop, &kv_worker.channel_io) != KV_OK) {
        return KV_ERROR;
    }
    if (kv_worker.nslots > 1) {
        /* The doorbell only needs to wake the loop's wait (epoll_wait or
         * io_uring_enter); the rings are read every loop turn anyway. The
         * futex word itself where the backend can wait on it, else the
         * eventfd. */
        kv_worker.bell_io.handler = kv_worker_bell;
        kv_worker.bell_io.fd = -1;
        if (kv_io_futex(&kv_worker.loop, &kv_worker.bell_io,
                        kv_shard_doorbell(kv_worker.slot)) == KV_OK) {
            kv_shard_bell_futex(1);
        } else {
            kv_shard_bell_futex(0);
            kv_worker.bell_io.fd = kv_shard_eventfd(kv_worker.slot);
            if (kv_io_poll(&kv_worker.loop, &kv_worker.bell_io) != KV_OK) {
                return KV_ERROR;
            }
        }
        kv_log_debug("doorbell: %s",
                     kv_worker.bell_io.fd < 0 ? "futex" : "eventfd");
    }
    for (int i = 0; i < ls->n; i++) {
        kv_listen_t *l = &ls->ls[i];
        kv_io_t *io;

        if (l->fd < 0 || (l->slot != -1 && l->slot != kv_worker.slot)) {
            continue;
        }
        io = &kv_worker.listen_io[kv_worker.nlisten++];
        io->fd = l->fd;
        io->data = l;
        io->handler = kv_worker_accept;
        if (kv_io_accept(&kv_worker.loop, io) != KV_OK) {
            return KV_ERROR;
        }
    }
    return KV_OK;
}

void kv_worker_main(int slot, int nslots, const kv_conf_t *conf, kv_shm_t *shm,
                    kv_listen_set_t *listen, int channel_fd, const char *run_id,
                    const char *executable)
{
    kv_shm_slot_t *me = &shm->hdr->slots[slot];

    kv_worker.slot = slot;
    kv_worker.nslots = nslots;
    kv_worker.conf = *conf;
    kv_worker.conf_epoch = atomic_load(&shm->hdr->conf_epoch);
    kv_worker.shm = shm;
    kv_worker.listen = listen;
    kv_worker.start_ms = kv_mono_ms();
    kv_worker.executable = executable;
    snprintf(kv_worker.run_id, sizeof(kv_worker.run_id), "%s", run_id);
    kv_log_set_role(slot);
    kv_proc_title("worker process %d", slot);

    if (kv_worker_init(channel_fd) != KV_OK) {
        kv_log(KV_LOG_EMERG, 0, "worker %d failed to initialise", slot);
        exit(KV_EXIT_FATAL);
    }
    atomic_store(&me->state, KV_SLOT_READY);
    kv_log(KV_LOG_NOTICE, 0, "worker %d ready (%s)", slot,
           kv_worker.loop.ops->name);
    (void) kv_channel_write(channel_fd, KV_CH_READY, slot, 0);

    kv_worker.next_cron_ms = kv_mono_ms();
    kv_worker.wait_avg_us = KV_SPIN_WAIT_CAP_US;
    for (;;) {
        int64_t now_us = kv_mono_us(), now = now_us / 1000, next_block;
        int timeout, work;

        kv_worker.turn_us = now_us;
        kv_db_clock_turn();
        if (now >= kv_worker.next_cron_ms) {
            kv_worker_cron(now);
            kv_worker.next_cron_ms = now + 1000 / kv_worker.conf.hz;
        }
        /* Requests and replies from the other workers. */
        work = kv_shard_poll();
        work += kv_block_pump();
        next_block = kv_block_timeouts(now);
        kv_clients_flush();
        kv_shard_flush();
        if (kv_worker.stopping) {
            if (kv_worker.nclients == 0 && !kv_worker.drained_sent) {
                /* Our clients are served; other workers may still need
                 * us until the master says everybody is done. */
                kv_worker.drained_sent = 1;
                (void) kv_channel_write(channel_fd, KV_CH_DRAINED, slot, 0);
            }
            if (now >= kv_worker.stop_deadline_ms) {
                kv_log(KV_LOG_WARN, 0,
                       "shutdown-timeout expired with %u clients left",
                       kv_worker.nclients);
                break;
            }
        }
        timeout = (int) (kv_worker.next_cron_ms - now);
        if (next_block >= 0 && next_block < timeout) {
            timeout = (int) next_block; /* a blocked client's deadline */
        }
        /* Spin before announcing sleep: peers see no sleeping flag and
         * ring no doorbell. */
        if (timeout < 0 || work > 0 || kv_block_has_work() ||
            kv_worker.write_head != NULL || kv_worker_spin(now_us) ||
            !kv_shard_prepare_sleep()) {
            timeout = 0;
        } else if (kv_worker.held_head != NULL &&
                   timeout > KV_CLIENT_HOLD_MS) {
            /* Output held for replies from other workers waits for them
             * at most that long, asleep or not (see client.c). */
            timeout = KV_CLIENT_HOLD_MS;
        }
        if (kv_loop_run_once(&kv_worker.loop, timeout) != KV_OK) {
            kv_log(KV_LOG_EMERG, 0, "event loop failed");
            exit(1);
        }
        if (timeout != 0) {
            kv_worker_waited(kv_worker.loop.woke_us - now_us);
        }
        kv_shard_woke();
        kv_shard_flush();
    }
    kv_log(KV_LOG_NOTICE, 0, "worker %d exiting", slot);
    exit(0);
}

int kv_worker_request_shutdown(uint64_t flags)
{
    return kv_channel_write(kv_worker.channel_io.fd, KV_CH_SHUTDOWN,
                            kv_worker.slot, flags) == KV_OK
               ? KV_OK
               : KV_ERROR;
}
