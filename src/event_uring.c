/*
 * event_uring.c: the io_uring backend of the reactor interface (event.h).
 *
 * ACCEPT, RECV and POLL are the kernel's multishot operations: one SQE
 * delivers until it is cancelled or ends. A multishot recv takes its
 * memory from a ring of provided buffers owned by the loop; each buffer
 * goes back to the ring as soon as the handler that saw its bytes
 * returns. SEND is one send (or sendmsg) SQE.
 *
 * SQEs prepared during a turn (by handlers, before_wait or the worker's
 * own work between turns) reach the kernel in one io_uring_enter(): the
 * one that also waits for the next completions at the start of the next
 * run_once. A full submission queue is the only exception.
 *
 * user_data is the io's address shifted left by 3, ORed with the kind of
 * operation (KV_URING_ACCEPT ...): every operation live on an io has its
 * own value, so a cancel names exactly one operation, and nothing the
 * kernel reports is ever looked up by descriptor (descriptor numbers are
 * reused at once).
 *
 * Lifetime. io->inflight counts the SQEs of the io whose last CQE (the one
 * without IORING_CQE_F_MORE) has not been reaped, cancels included. The
 * io's memory may go only when that count is 0, so kv_io_close() cancels
 * every live operation, and KV_OP_CLOSE is delivered when the count
 * drops to 0. The descriptor itself is closed after the SQEs naming it
 * were submitted: closing it earlier could let an accept reuse its number
 * before a queued SQE names it.
 *
 * The doorbell (kv_uring_futex()). Where the kernel has IORING_OP_FUTEX_WAIT
 * (Linux 6.7; probed at start by a real wait that must fail with -EAGAIN)
 * the loop waits on the doorbell's futex word itself: one FUTEX_WAIT SQE,
 * re-armed with the word's current value after each completion, so that a
 * bump between the re-arm and the wait fails the wait at once (-EAGAIN)
 * rather than being missed. A wake costs the waker one futex() call and
 * the sleeper nothing but the CQE. liburing 2.3 (Debian 12) predates the
 * opcode: the SQE is filled in by hand (the kernel's io_futex_prep():
 * fd = FUTEX2 flags, addr = the word, addr2 = the expected value, addr3 =
 * the bitset). Elsewhere kv_uring_futex() declines and the owner watches
 * an eventfd with a multishot poll instead.
 */
#include "event.h"

#if KV_HAVE_LIBURING

#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "log.h"

/* Submission queue entries; the completion queue has KV_URING_CQ_ENTRIES,
 * enough for a burst from every connection (overflow is not lost, but it
 * ends the multishots, which then have to be re-armed). */
#define KV_URING_ENTRIES 1024
#define KV_URING_CQ_ENTRIES 8192

/* The provided buffers multishot recvs read into: 512 of 8 KiB, 4 MiB a
 * worker. Running out is not an error: the recv ends with -ENOBUFS and is
 * re-armed once the handlers have given buffers back. */
#define KV_URING_BUFS 512
#define KV_URING_BUF_SIZE 8192
#define KV_URING_BGID 0

/* CQEs looked at per batch while reaping. */
#define KV_URING_REAP_BATCH 256

/* A single send never asks for more (a short write is reported). */
#define KV_URING_SEND_MAX (1U << 30)

/* The kind of operation, in the low 3 bits of user_data. */
enum {
    KV_URING_ACCEPT = 1,
    KV_URING_RECV,
    KV_URING_SEND,
    KV_URING_POLL,
    KV_URING_CANCEL,
    KV_URING_FUTEX
};

/* The kernel's uapi numbers (Linux 6.7), unknown to liburing 2.3. */
#define KV_IORING_OP_FUTEX_WAIT 51
#define KV_FUTEX2_SIZE_U32 0x02
#define KV_FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define KV_URING_KIND_BITS 3
#define KV_URING_KIND_MASK 7

/* io->registered: what the kernel holds (KV_IO_ACCEPT, KV_IO_RECV,
 * KV_IO_POLL, KV_IO_SEND), and: */
#define KV_URING_RECV_CANCELLED 0x100 /* the live recv is being cancelled */
#define KV_URING_FD_OPEN 0x200        /* on the close list: fd still open */
#define KV_URING_FUTEX_HELD 0x400     /* the futex wait (armed as KV_IO_POLL) */

typedef struct {
    struct io_uring ring;
    int ring_up;
    unsigned setup_flags;
    /* provided buffers */
    struct io_uring_buf_ring *br;
    size_t br_len;
    char *bufs;
    size_t bufs_len;
    unsigned nbufs;
    unsigned buf_size;
    int br_registered;
    /* results to deliver at the next turn, and ios to close after the
     * next submit; both linked through next_pending */
    kv_io_t *pending_head, *pending_tail;
    kv_io_t *close_head, *close_tail;
    /* msghdrs of the sendmsg SQEs not yet submitted: the kernel copies
     * them while submitting (IORING_FEAT_SUBMIT_STABLE) */
    unsigned nmsgs;
    struct msghdr msgs[KV_URING_ENTRIES];
    /* the futex word kv_uring_futex() watches (one a loop) */
    int has_futex;
    _Atomic uint32_t *futex_word;
} kv_uring_t;

static char kv_uring_why[256];

const char *kv_event_uring_error(void)
{
    return kv_uring_why[0] != '\0' ? kv_uring_why : "unknown error";
}

static int kv_uring_fail(const char *call, int err)
{
    snprintf(kv_uring_why, sizeof(kv_uring_why), "%s failed (%d: %s)", call,
             err, strerror(err));
    return KV_ERROR;
}

/* User-space addresses leave the top bits of a pointer free, on 32-bit
 * and 64-bit systems alike, whatever the io's alignment. */
static inline uint64_t kv_uring_udata(kv_io_t *io, unsigned kind)
{
    return ((uint64_t) (uintptr_t) io << KV_URING_KIND_BITS) | kind;
}

static inline unsigned kv_uring_kind_bit(unsigned kind)
{
    switch (kind) {
    case KV_URING_ACCEPT:
        return KV_IO_ACCEPT;
    case KV_URING_RECV:
        return KV_IO_RECV;
    case KV_URING_SEND:
        return KV_IO_SEND;
    case KV_URING_POLL:
        return KV_IO_POLL;
    case KV_URING_FUTEX:
        return KV_URING_FUTEX_HELD;
    default:
        return 0;
    }
}

/* ---- set-up ---------------------------------------------------------- */

/* Buffer count and size; a debug build takes KEVYD_URING_BUFS (a power of
 * two, or not, to make the registration fail) so tests can run dry. */
static void kv_uring_buf_geometry(kv_uring_t *u)
{
    u->nbufs = KV_URING_BUFS;
    u->buf_size = KV_URING_BUF_SIZE;
#if KV_DEBUG
    const char *env = getenv("KEVYD_URING_BUFS");
    if (env != NULL && atoi(env) > 0 && atoi(env) <= 32768) {
        u->nbufs = (unsigned) atoi(env);
    }
#endif
}

static int kv_uring_setup_bufs(kv_uring_t *u)
{
    long page = sysconf(_SC_PAGESIZE);
    struct io_uring_buf_reg reg;
    int rc;

    kv_uring_buf_geometry(u);
    u->br_len = u->nbufs * sizeof(struct io_uring_buf);
    u->br_len = (u->br_len + (size_t) page - 1) & ~((size_t) page - 1);
    /* liburing 2.3 has no io_uring_setup_buf_ring(): the ring is
     * page-aligned anonymous memory, registered by hand. */
    u->br = mmap(NULL, u->br_len, PROT_READ | PROT_WRITE,
                 MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (u->br == MAP_FAILED) {
        u->br = NULL;
        return kv_uring_fail("mmap() of the buffer ring", errno);
    }
    /* The kernel holds these pages: a fork() (a snapshot child) must not
     * turn them copy-on-write under it. */
    (void) madvise(u->br, u->br_len, MADV_DONTFORK);
    u->bufs_len = (size_t) u->nbufs * u->buf_size;
    u->bufs = mmap(NULL, u->bufs_len, PROT_READ | PROT_WRITE,
                   MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (u->bufs == MAP_FAILED) {
        u->bufs = NULL;
        return kv_uring_fail("mmap() of the recv buffers", errno);
    }

    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (uint64_t) (uintptr_t) u->br;
    reg.ring_entries = u->nbufs;
    reg.bgid = KV_URING_BGID;
    rc = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (rc < 0) {
        return kv_uring_fail("io_uring_register_buf_ring()", -rc);
    }
    u->br_registered = 1;
    io_uring_buf_ring_init(u->br);
    for (unsigned i = 0; i < u->nbufs; i++) {
        io_uring_buf_ring_add(u->br, u->bufs + (size_t) i * u->buf_size,
                              u->buf_size, (unsigned short) i,
                              io_uring_buf_ring_mask(u->nbufs), (int) i);
    }
    io_uring_buf_ring_advance(u->br, (int) u->nbufs);
    return KV_OK;
}

static void kv_uring_prep_futex_wait(struct io_uring_sqe *sqe,
                                     _Atomic uint32_t *word, uint32_t val)
{
    io_uring_prep_rw(KV_IORING_OP_FUTEX_WAIT, sqe, KV_FUTEX2_SIZE_U32, word, 0,
                     0);
    sqe->addr2 = val;
    sqe->addr3 = KV_FUTEX_BITSET_MATCH_ANY;
}

/* A futex wait on a word that does not hold the value must fail at once
 * with -EAGAIN: then the opcode works as kv_uring_futex() uses it. */
static int kv_uring_probe_futex(kv_uring_t *u)
{
    static _Atomic uint32_t word = 1;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    struct io_uring_cqe *cqe;
    int res;

    if (sqe == NULL) {
        return 0;
    }
    kv_uring_prep_futex_wait(sqe, &word, 0);
    io_uring_sqe_set_data64(sqe, 0);
    if (io_uring_submit_and_wait(&u->ring, 1) < 0 ||
        io_uring_peek_cqe(&u->ring, &cqe) != 0) {
        return 0;
    }
    res = cqe->res;
    io_uring_cqe_seen(&u->ring, cqe);
    return res == -EAGAIN;
}

/*
 * Create the ring with the most helpful flags the kernel accepts:
 * SINGLE_ISSUER and DEFER_TASKRUN (6.1: completions are produced only
 * when this process asks for them, in io_uring_enter() with GETEVENTS,
 * which is where the loop waits anyway), else COOP_TASKRUN (5.19), else
 * none. With either, TASKRUN_FLAG has the kernel raise IORING_SQ_TASKRUN
 * in the shared ring when work waits for us: what kv_uring_spin() watches.
 * -EINVAL means "unknown flag": try the next set; anything else (ENOSYS,
 * EPERM from seccomp, ENOMEM) is final.
 */
static int kv_uring_setup_ring(kv_uring_t *u)
{
    static const unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
            IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
            IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_SUBMIT_ALL,
        0,
    };
    struct io_uring_params p;
    struct io_uring_probe *probe;
    unsigned need = IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE |
                    IORING_FEAT_EXT_ARG | IORING_FEAT_FAST_POLL;
    int rc = -EINVAL, ok;

    for (size_t i = 0; i < KV_ARRAY_LEN(tries); i++) {
        memset(&p, 0, sizeof(p));
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = KV_URING_CQ_ENTRIES;
        rc = io_uring_queue_init_params(KV_URING_ENTRIES, &u->ring, &p);
        if (rc == 0) {
            u->setup_flags = tries[i];
            break;
        }
        if (rc != -EINVAL) {
            break;
        }
    }
    if (rc < 0) {
        return kv_uring_fail("io_uring_setup()", -rc);
    }
    u->ring_up = 1;
    if ((p.features & need) != need) {
        snprintf(kv_uring_why, sizeof(kv_uring_why),
                 "the kernel's io_uring lacks needed features "
                 "(has 0x%x, needs 0x%x)",
                 p.features, need);
        return KV_ERROR;
    }
    /* Multishot recv and IORING_OP_SEND_ZC both came with Linux 6.0: the
     * opcode is the probe-able sign of the first. */
    probe = io_uring_get_probe_ring(&u->ring);
    if (probe == NULL) {
        return kv_uring_fail("io_uring_register(PROBE)", ENOMEM);
    }
    ok = io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
    u->has_futex = ok && io_uring_opcode_supported(probe,
                                                   KV_IORING_OP_FUTEX_WAIT);
    io_uring_free_probe(probe);
    if (!ok) {
        snprintf(kv_uring_why, sizeof(kv_uring_why),
                 "the kernel's io_uring has no multishot recv "
                 "(Linux 6.0 or later is needed)");
        return KV_ERROR;
    }
    if (u->has_futex) {
        u->has_futex = kv_uring_probe_futex(u);
    }
    return KV_OK;
}

static void kv_uring_free(kv_uring_t *u)
{
    if (u->ring_up) {
        if (u->br_registered) {
            (void) io_uring_unregister_buf_ring(&u->ring, KV_URING_BGID);
        }
        io_uring_queue_exit(&u->ring);
    }
    if (u->br != NULL) {
        munmap(u->br, u->br_len);
    }
    if (u->bufs != NULL) {
        munmap(u->bufs, u->bufs_len);
    }
    free(u);
}

static int kv_uring_init(kv_loop_t *loop)
{
    kv_uring_t *u = calloc(1, sizeof(*u));

    kv_uring_why[0] = '\0';
    if (u == NULL) {
        return kv_uring_fail("calloc() of the io_uring loop", ENOMEM);
    }
    if (kv_uring_setup_ring(u) != KV_OK || kv_uring_setup_bufs(u) != KV_OK) {
        kv_uring_free(u);
        return KV_ERROR;
    }
    loop->backend = u;
    kv_log_debug("io_uring: flags 0x%x, %u buffers of %u bytes", u->setup_flags,
                 u->nbufs, u->buf_size);
    return KV_OK;
}

static void kv_uring_done(kv_loop_t *loop)
{
    kv_uring_t *u = loop->backend;

    if (u != NULL) {
        kv_uring_free(u);
        loop->backend = NULL;
    }
}

/* ---- submission ------------------------------------------------------ */

/* After io_uring_enter(): once the kernel has taken every SQE, the
 * msghdrs are free and the descriptors of closed ios can go. */
static void kv_uring_submitted(kv_uring_t *u)
{
    if (io_uring_sq_ready(&u->ring) != 0) {
        return;
    }
    u->nmsgs = 0;
    while (u->close_head != NULL) {
        kv_io_t *io = u->close_head;

        u->close_head = io->next_pending;
        if (u->close_head == NULL) {
            u->close_tail = NULL;
        }
        io->next_pending = NULL;
        io->registered &= ~KV_URING_FD_OPEN;
        if (io->fd >= 0) {
            close(io->fd);
            io->fd = -1;
        }
        if (io->inflight == 0) {
            io->pending_op = KV_OP_CLOSE;
            io->pending_res = 0;
            if (u->pending_tail != NULL) {
                u->pending_tail->next_pending = io;
            } else {
                u->pending_head = io;
            }
            u->pending_tail = io;
        }
    }
}

static struct io_uring_sqe *kv_uring_get_sqe(kv_uring_t *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    int rc;

    if (sqe != NULL) {
        return sqe;
    }
    /* The queue is full: hand it over early (this does not reap). */
    rc = io_uring_submit(&u->ring);
    if (rc < 0 && rc != -EAGAIN && rc != -EBUSY && rc != -EINTR) {
        kv_log(KV_LOG_ALERT, -rc, "io_uring_submit() failed");
    }
    kv_uring_submitted(u);
    sqe = io_uring_get_sqe(&u->ring);
    if (sqe == NULL) {
        kv_log(KV_LOG_ALERT, 0, "io_uring submission queue is full");
    }
    return sqe;
}

/* An SQE for operation kind on io, counted as held by the kernel. */
static struct io_uring_sqe *kv_uring_sqe(kv_uring_t *u, kv_io_t *io,
                                         unsigned kind)
{
    struct io_uring_sqe *sqe = kv_uring_get_sqe(u);

    if (sqe == NULL) {
        return NULL;
    }
    io->inflight++;
    io->registered |= kv_uring_kind_bit(kind);
    /* Filled in by the caller's io_uring_prep_*(), which clears user_data:
     * kv_uring_tag() sets it afterwards. */
    return sqe;
}

static inline void kv_uring_tag(struct io_uring_sqe *sqe, kv_io_t *io,
                                unsigned kind)
{
    io_uring_sqe_set_data64(sqe, kv_uring_udata(io, kind));
}

static int kv_uring_submit_multishot(kv_uring_t *u, kv_io_t *io, unsigned kind)
{
    struct io_uring_sqe *sqe = kv_uring_sqe(u, io, kind);

    if (sqe == NULL) {
        return KV_ERROR;
    }
    switch (kind) {
    case KV_URING_ACCEPT:
        io_uring_prep_multishot_accept(sqe, io->fd, NULL, NULL,
                                       SOCK_NONBLOCK | SOCK_CLOEXEC);
        break;
    case KV_URING_RECV:
        io_uring_prep_recv_multishot(sqe, io->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = KV_URING_BGID;
        break;
    default:
        io_uring_prep_poll_multishot(sqe, io->fd, POLLIN);
        break;
    }
    kv_uring_tag(sqe, io, kind);
    return KV_OK;
}

static void kv_uring_cancel(kv_uring_t *u, kv_io_t *io, unsigned kind)
{
    struct io_uring_sqe *sqe = kv_uring_get_sqe(u);

    if (sqe == NULL) {
        return;
    }
    io->inflight++;
    /* ALL (Linux 5.19; kv_uring_setup_ring() asks for 6.0): one live
     * operation has the value, but a cancel must never stop at a stale
     * match. */
    io_uring_prep_cancel64(sqe, kv_uring_udata(io, kind),
                           IORING_ASYNC_CANCEL_ALL);
    kv_uring_tag(sqe, io, KV_URING_CANCEL);
}

/* The send SQE for io->iov. poll_first after a spurious -EAGAIN; as_write
 * when io->fd turned out not to be a socket. */
static int kv_uring_submit_send(kv_uring_t *u, kv_io_t *io, int poll_first,
                                int as_write)
{
    struct io_uring_sqe *sqe = kv_uring_sqe(u, io, KV_URING_SEND);
    struct msghdr *mh = NULL;

    if (sqe == NULL) {
        return KV_ERROR;
    }
    if (io->iovcnt > 1 && !as_write) {
        /* Only when partial submissions left the pool full: writev does
         * the same without MSG_NOSIGNAL (workers ignore SIGPIPE). */
        if (u->nmsgs < KV_ARRAY_LEN(u->msgs)) {
            mh = &u->msgs[u->nmsgs];
        } else {
            as_write = 1;
        }
    }
    if (as_write) {
        io_uring_prep_writev(sqe, io->fd, io->iov, (unsigned) io->iovcnt,
                             (uint64_t) -1);
    } else if (mh == NULL) {
        void *base = io->iovcnt > 0 ? io->iov[0].iov_base : NULL;
        size_t len = io->iovcnt > 0 ? io->iov[0].iov_len : 0;
        io_uring_prep_send(sqe, io->fd, base,
                           len > KV_URING_SEND_MAX ? KV_URING_SEND_MAX : len,
                           MSG_NOSIGNAL);
    } else {
        u->nmsgs++;
        memset(mh, 0, sizeof(*mh));
        mh->msg_iov = (struct iovec *) io->iov;
        mh->msg_iovlen = (size_t) io->iovcnt;
        io_uring_prep_sendmsg(sqe, io->fd, mh, MSG_NOSIGNAL);
    }
    if (poll_first && !as_write) {
        sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    }
    kv_uring_tag(sqe, io, KV_URING_SEND);
    return KV_OK;
}

/* ---- the operations -------------------------------------------------- */

static int kv_uring_arm(kv_loop_t *loop, kv_io_t *io, unsigned what,
                        unsigned kind)
{
    if (io->armed & KV_IO_CLOSED) {
        return KV_ERROR;
    }
    io->armed |= what;
    /* A live operation (even one being cancelled, whose last CQE re-arms
     * it) already delivers: never two of a kind on one io. */
    if (io->registered & what) {
        return KV_OK;
    }
    return kv_uring_submit_multishot(loop->backend, io, kind);
}

static int kv_uring_accept(kv_loop_t *loop, kv_io_t *io)
{
    return kv_uring_arm(loop, io, KV_IO_ACCEPT, KV_URING_ACCEPT);
}

static int kv_uring_recv(kv_loop_t *loop, kv_io_t *io)
{
    return kv_uring_arm(loop, io, KV_IO_RECV, KV_URING_RECV);
}

static int kv_uring_poll(kv_loop_t *loop, kv_io_t *io)
{
    return kv_uring_arm(loop, io, KV_IO_POLL, KV_URING_POLL);
}

static int kv_uring_submit_futex(kv_uring_t *u, kv_io_t *io)
{
    struct io_uring_sqe *sqe = kv_uring_sqe(u, io, KV_URING_FUTEX);

    if (sqe == NULL) {
        return KV_ERROR;
    }
    /* The value now: a bump after this fails the wait with -EAGAIN. */
    kv_uring_prep_futex_wait(
        sqe, u->futex_word,
        atomic_load_explicit(u->futex_word, memory_order_acquire));
    kv_uring_tag(sqe, io, KV_URING_FUTEX);
    return KV_OK;
}

static int kv_uring_futex(kv_loop_t *loop, kv_io_t *io, _Atomic uint32_t *word)
{
    kv_uring_t *u = loop->backend;

    if (!u->has_futex || u->futex_word != NULL ||
        (io->armed & (KV_IO_POLL | KV_IO_CLOSED))) {
        return KV_ERROR;
    }
    u->futex_word = word;
    io->armed |= KV_IO_POLL;
    if (kv_uring_submit_futex(u, io) != KV_OK) {
        io->armed &= ~KV_IO_POLL;
        u->futex_word = NULL;
        return KV_ERROR;
    }
    return KV_OK;
}

static void kv_uring_recv_stop(kv_loop_t *loop, kv_io_t *io)
{
    if (!(io->armed & KV_IO_RECV)) {
        return;
    }
    io->armed &= ~KV_IO_RECV;
    if ((io->registered & (KV_IO_RECV | KV_URING_RECV_CANCELLED)) ==
        KV_IO_RECV) {
        io->registered |= KV_URING_RECV_CANCELLED;
        kv_uring_cancel(loop->backend, io, KV_URING_RECV);
    }
}

static int kv_uring_send(kv_loop_t *loop, kv_io_t *io, const struct iovec *iov,
                         int iovcnt)
{
    if (io->armed & (KV_IO_SEND | KV_IO_CLOSED)) {
        return KV_ERROR;
    }
    io->armed |= KV_IO_SEND;
    io->iov = iov;
    io->iovcnt = iovcnt;
    if (kv_uring_submit_send(loop->backend, io, 0, 0) != KV_OK) {
        io->armed &= ~KV_IO_SEND;
        io->iov = NULL;
        return KV_ERROR;
    }
    return KV_OK;
}

static void kv_uring_close(kv_loop_t *loop, kv_io_t *io)
{
    kv_uring_t *u = loop->backend;
    static const unsigned kinds[] = { KV_URING_ACCEPT, KV_URING_RECV,
                                      KV_URING_POLL, KV_URING_SEND,
                                      KV_URING_FUTEX };

    if (io->armed & KV_IO_CLOSED) {
        return;
    }
    io->armed = KV_IO_CLOSED;
    io->iov = NULL;
    /* Closing the descriptor would not stop them: the kernel holds its
     * own reference to the file (a multishot accept would go on
     * accepting). */
    for (size_t i = 0; i < KV_ARRAY_LEN(kinds); i++) {
        unsigned bit = kv_uring_kind_bit(kinds[i]);

        if (!(io->registered & bit) ||
            (bit == KV_IO_RECV && (io->registered & KV_URING_RECV_CANCELLED))) {
            continue;
        }
        kv_uring_cancel(u, io, kinds[i]);
    }
    io->registered |= KV_URING_FD_OPEN;
    io->next_pending = NULL;
    if (u->close_tail != NULL) {
        u->close_tail->next_pending = io;
    } else {
        u->close_head = io;
    }
    u->close_tail = io;
}

/* ---- completions ----------------------------------------------------- */

/* The kernel holds nothing of a closed io any more: hand it back. */
static void kv_uring_closed(kv_io_t *io)
{
    io->armed = 0;
    io->registered = 0;
    io->handler(io, KV_OP_CLOSE, 0, NULL);
}

static void kv_uring_recycle(kv_uring_t *u, unsigned bid)
{
    io_uring_buf_ring_add(u->br, u->bufs + (size_t) bid * u->buf_size,
                          u->buf_size, (unsigned short) bid,
                          io_uring_buf_ring_mask(u->nbufs), 0);
    io_uring_buf_ring_advance(u->br, 1);
}

static void kv_uring_complete(kv_loop_t *loop, const struct io_uring_cqe *cqe)
{
    kv_uring_t *u = loop->backend;
    kv_io_t *io =
        (kv_io_t *) (uintptr_t) (cqe->user_data >> KV_URING_KIND_BITS);
    unsigned kind = (unsigned) (cqe->user_data & KV_URING_KIND_MASK);
    int more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    int res = cqe->res;
    int open = !(io->armed & KV_IO_CLOSED);
    const char *data = NULL;
    unsigned bid = 0;

    if (!more) {
        io->inflight--;
        io->registered &= ~kv_uring_kind_bit(kind);
        if (kind == KV_URING_RECV) {
            io->registered &= ~KV_URING_RECV_CANCELLED;
        }
    }

    switch (kind) {
    case KV_URING_ACCEPT:
        if (res >= 0 && !open) {
            close(res); /* accepted while the listener was being closed */
        } else if (open && res != -ECANCELED) {
            /* An error ends the kernel's multishot; as with epoll, accept
             * stays armed and the error is reported. */
            io->handler(io, KV_OP_ACCEPT, res, NULL);
        }
        if (!more && (io->armed & KV_IO_ACCEPT) &&
            !(io->registered & KV_IO_ACCEPT)) {
            (void) kv_uring_submit_multishot(u, io, KV_URING_ACCEPT);
        }
        break;

    case KV_URING_RECV:
        if (cqe->flags & IORING_CQE_F_BUFFER) {
            bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
            data = u->bufs + (size_t) bid * u->buf_size;
        }
        if (res == -ENOBUFS) {
            /* Every buffer was in use: re-armed below, after this turn's
             * handlers have returned theirs. */
            kv_log_debug("recv on fd %d ran out of buffers, re-arming", io->fd);
        } else if (open && res != -ECANCELED) {
            if (res <= 0) {
                /* EOF or an error ends the recv, as with epoll. */
                io->armed &= ~KV_IO_RECV;
            }
            /* Bytes a cancelled (recv_stop) recv still had are delivered:
             * they have left the socket. */
            io->handler(io, KV_OP_RECV, res, data);
        }
        if (data != NULL) {
            kv_uring_recycle(u, bid);
        }
        if (!more && (io->armed & KV_IO_RECV) &&
            !(io->registered & KV_IO_RECV)) {
            (void) kv_uring_submit_multishot(u, io, KV_URING_RECV);
        }
        break;

    case KV_URING_SEND:
        if (open && (res == -EAGAIN || res == -EINTR)) {
            /* Not expected from io_uring, but never a reason to fail. */
            if (kv_uring_submit_send(u, io, 1, 0) == KV_OK) {
                return;
            }
        } else if (open && res == -ENOTSOCK) {
            if (kv_uring_submit_send(u, io, 0, 1) == KV_OK) {
                return;
            }
        }
        io->armed &= ~KV_IO_SEND;
        io->iov = NULL;
        if (open) {
            io->handler(io, KV_OP_SEND, res, NULL);
        }
        break;

    case KV_URING_POLL:
        if (open && res != -ECANCELED) {
            if (res < 0) {
                /* Not expected. epoll never ends a poll, and the owners
                 * (channel, signals, doorbell) must not go deaf: the
                 * error is reported and the poll re-armed. */
                kv_log(KV_LOG_ALERT, -res, "poll on fd %d failed", io->fd);
            }
            io->handler(io, KV_OP_POLL, res, NULL);
        }
        if (!more && (io->armed & KV_IO_POLL) &&
            !(io->registered & KV_IO_POLL)) {
            (void) kv_uring_submit_multishot(u, io, KV_URING_POLL);
        }
        break;

    case KV_URING_FUTEX:
        /* 0: woken; -EAGAIN: the word had changed before the wait. Either
         * way the doorbell rang. */
        if (open && res != -ECANCELED) {
            if (res < 0 && res != -EAGAIN && res != -EINTR) {
                kv_log(KV_LOG_ALERT, -res, "futex wait failed");
            }
            io->handler(io, KV_OP_POLL, POLLIN, NULL);
        }
        if ((io->armed & KV_IO_POLL) && !(io->registered & KV_URING_FUTEX_HELD)) {
            (void) kv_uring_submit_futex(u, io);
        }
        break;

    default: /* KV_URING_CANCEL: nothing but the count */
        break;
    }

    if ((io->armed & KV_IO_CLOSED) && io->inflight == 0 &&
        !(io->registered & KV_URING_FD_OPEN)) {
        kv_uring_closed(io); /* io may be freed: not touched after this */
    }
}

static void kv_uring_reap(kv_loop_t *loop)
{
    kv_uring_t *u = loop->backend;
    struct io_uring_cqe *cqes[KV_URING_REAP_BATCH];
    unsigned n, total = 0;

    /* What is there now, not what keeps arriving: a bounded turn. */
    do {
        n = io_uring_peek_batch_cqe(&u->ring, cqes, KV_URING_REAP_BATCH);
        for (unsigned i = 0; i < n; i++) {
            kv_uring_complete(loop, cqes[i]);
        }
        io_uring_cq_advance(&u->ring, n);
        total += n;
    } while (n == KV_URING_REAP_BATCH && total < KV_URING_CQ_ENTRIES);
}

static void kv_uring_deliver_pending(kv_loop_t *loop)
{
    kv_uring_t *u = loop->backend;

    while (u->pending_head != NULL) {
        kv_io_t *io = u->pending_head;

        u->pending_head = io->next_pending;
        if (u->pending_head == NULL) {
            u->pending_tail = NULL;
        }
        io->next_pending = NULL;
        kv_uring_closed(io);
    }
}

static int kv_uring_run_once(kv_loop_t *loop, int timeout_ms)
{
    kv_uring_t *u = loop->backend;
    struct io_uring_cqe *cqe;
    int rc;

    kv_uring_deliver_pending(loop);
    if (u->pending_head != NULL || u->close_head != NULL ||
        io_uring_cq_ready(&u->ring) > 0) {
        timeout_ms = 0;
    }
    /* One io_uring_enter() a turn: submit everything prepared since the
     * last one, run the deferred task work (GETEVENTS) and, if there is
     * nothing to do, sleep until a completion or the timeout. */
    if (timeout_ms == 0) {
        rc = io_uring_submit_and_get_events(&u->ring);
    } else if (timeout_ms < 0) {
        rc = io_uring_submit_and_wait(&u->ring, 1);
    } else {
        struct __kernel_timespec ts;

        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long long) (timeout_ms % 1000) * 1000000;
        rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
    }
    if (timeout_ms != 0) {
        loop->woke_us = kv_mono_us();
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN &&
        rc != -EBUSY) {
        kv_log(KV_LOG_ALERT, -rc, "io_uring_enter() failed");
        return KV_ERROR;
    }
    kv_uring_submitted(u);
    kv_uring_reap(loop);
    kv_uring_deliver_pending(loop);
    if (loop->before_wait != NULL) {
        loop->before_wait(loop);
    }
    return KV_OK;
}

/*
 * Busy-wait for work without entering the kernel (see kv_loop_spin()).
 * Queued SQEs (replies) are submitted first, so they do not wait for the
 * spin. Then new work shows as IORING_SQ_TASKRUN (completions the kernel
 * holds as task work for us: DEFER_TASKRUN or COOP_TASKRUN with
 * TASKRUN_FLAG) or, on a ring set up without those, as more CQEs than
 * the submission left (its own send completions are reaped by the next
 * turn). A producer that finds us spinning does not have to wake us: the
 * kernel only wakes a task waiting in io_uring_enter().
 */
static int kv_uring_spin(kv_loop_t *loop, int64_t until_us, int (*other)(void))
{
    kv_uring_t *u = loop->backend;
    unsigned base;
    int rc;

    if (u->pending_head != NULL || u->close_head != NULL) {
        return 1;
    }
    if (io_uring_sq_ready(&u->ring) > 0) {
        rc = io_uring_submit(&u->ring);
        if (rc < 0 && rc != -EAGAIN && rc != -EBUSY && rc != -EINTR) {
            kv_log(KV_LOG_ALERT, -rc, "io_uring_submit() failed");
        }
        kv_uring_submitted(u);
        if (u->pending_head != NULL || u->close_head != NULL) {
            return 1;
        }
    }
    base = io_uring_cq_ready(&u->ring);
    for (unsigned i = 1;; i++) {
        if ((IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_TASKRUN) ||
            io_uring_cq_ready(&u->ring) > base || (other != NULL && other())) {
            return 1;
        }
        KV_CPU_RELAX();
        /* The clock costs more than a look at the rings. */
        if ((i & 31) == 0 && kv_mono_us() >= until_us) {
            return 0;
        }
    }
}

const kv_event_ops_t kv_event_uring_ops = {
    .name = "io_uring",
    .init = kv_uring_init,
    .done = kv_uring_done,
    .accept = kv_uring_accept,
    .recv = kv_uring_recv,
    .recv_stop = kv_uring_recv_stop,
    .send = kv_uring_send,
    .poll = kv_uring_poll,
    .futex = kv_uring_futex,
    .close = kv_uring_close,
    .run_once = kv_uring_run_once,
    .spin = kv_uring_spin,
};

#endif /* KV_HAVE_LIBURING */
