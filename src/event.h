/*
 * event.h: the reactor interface, completion-shaped so that io_uring and
 * epoll can both implement it.
 *
 * The owner of a descriptor embeds a kv_io_t, sets fd, handler and data,
 * and arms operations on it. Every result arrives as a call to
 *
 *     handler(io, op, res, data)
 *
 *   op             res                                 data
 *   KV_OP_ACCEPT   new fd, or -errno                   NULL
 *   KV_OP_RECV     bytes (> 0), 0 at EOF, or -errno    the bytes, valid
 *                                                      only during the call
 *   KV_OP_SEND     bytes written, or -errno            NULL
 *   KV_OP_POLL     revents (EPOLLIN ...), or -errno    NULL
 *   KV_OP_CLOSE    0                                   NULL
 *
 * ACCEPT, RECV and POLL are multishot: armed once, they deliver until
 * cancelled (kv_io_close) or until a negative result says they ended.
 * SEND is one shot: at most one send in flight per io; a short write is
 * reported as such and the owner sends the rest. The iovec memory must stay
 * valid until the SEND completion.
 *
 * kv_io_close() cancels what is armed, closes fd and delivers KV_OP_CLOSE
 * when the backend no longer references the io: only then may the owner
 * free it. Completions are never delivered from inside an arming call.
 *
 * One loop turn (kv_loop_run_once): wait (at most timeout ms, or not at
 * all when work is pending), deliver completions, call before_wait so the
 * owner can flush replies, submit. A turn sleeps in the kernel until I/O,
 * a signal on a polled fd, or the timeout; only kv_loop_spin(), which the
 * owner calls (bounded) instead of sleeping, busy-waits.
 */
#ifndef KV_EVENT_H
#define KV_EVENT_H

#include "kevyd.h"

#include <stdatomic.h>
#include <sys/uio.h>

typedef enum {
    KV_OP_ACCEPT = 1,
    KV_OP_RECV,
    KV_OP_SEND,
    KV_OP_POLL,
    KV_OP_CLOSE
} kv_op_t;

typedef struct kv_io_s kv_io_t;
typedef struct kv_loop_s kv_loop_t;

typedef void (*kv_io_handler_pt)(kv_io_t *io, kv_op_t op, ssize_t res,
                                 const char *data);

#define KV_IO_ACCEPT 0x01
#define KV_IO_RECV 0x02
#define KV_IO_POLL 0x04
#define KV_IO_SEND 0x08   /* a send is in flight */
#define KV_IO_CLOSED 0x10 /* close requested, KV_OP_CLOSE pending */

struct kv_io_s {
    int fd;
    unsigned armed;
    void *data;
    kv_io_handler_pt handler;
    /* the send in flight */
    const struct iovec *iov;
    int iovcnt;
    /* backend private */
    unsigned registered; /* epoll: events currently in the epoll set;
                            io_uring: operations the kernel holds */
    unsigned inflight;   /* io_uring: SQEs whose last CQE is not reaped */
    kv_io_t *next_pending;
    kv_op_t pending_op;
    ssize_t pending_res;
};

typedef struct {
    const char *name;
    int (*init)(kv_loop_t *loop);
    void (*done)(kv_loop_t *loop);
    int (*accept)(kv_loop_t *loop, kv_io_t *io);
    int (*recv)(kv_loop_t *loop, kv_io_t *io);
    void (*recv_stop)(kv_loop_t *loop, kv_io_t *io);
    int (*send)(kv_loop_t *loop, kv_io_t *io, const struct iovec *iov,
                int iovcnt);
    int (*poll)(kv_loop_t *loop, kv_io_t *io);
    /* NULL when the backend cannot wait on a futex word. */
    int (*futex)(kv_loop_t *loop, kv_io_t *io, _Atomic uint32_t *word);
    void (*close)(kv_loop_t *loop, kv_io_t *io);
    int (*run_once)(kv_loop_t *loop, int timeout_ms);
    /* NULL when the backend cannot tell without a system call. */
    int (*spin)(kv_loop_t *loop, int64_t until_us, int (*other)(void));
} kv_event_ops_t;

struct kv_loop_s {
    const kv_event_ops_t *ops;
    void *backend;
    void *data;
    /* called once per turn after completions, before sleeping */
    void (*before_wait)(kv_loop_t *loop);
    int stop;
    /* kv_mono_us() when the last turn with a timeout stopped waiting */
    int64_t woke_us;
};

extern const kv_event_ops_t kv_event_epoll_ops;
#if KV_HAVE_LIBURING
extern const kv_event_ops_t kv_event_uring_ops;
/* Why the last kv_loop_init() with kv_event_uring_ops failed: the ring
 * cannot be created (no io_uring, seccomp, old kernel ...). */
const char *kv_event_uring_error(void);
#endif

int kv_loop_init(kv_loop_t *loop, const kv_event_ops_t *ops);
void kv_loop_done(kv_loop_t *loop);

static inline int kv_io_accept(kv_loop_t *loop, kv_io_t *io)
{
    return loop->ops->accept(loop, io);
}

static inline int kv_io_recv(kv_loop_t *loop, kv_io_t *io)
{
    return loop->ops->recv(loop, io);
}

/* Stop a multishot recv (output backpressure, graceful stop). Data the
 * backend already holds may still be delivered. */
static inline void kv_io_recv_stop(kv_loop_t *loop, kv_io_t *io)
{
    loop->ops->recv_stop(loop, io);
}

static inline int kv_io_send(kv_loop_t *loop, kv_io_t *io,
                             const struct iovec *iov, int iovcnt)
{
    return loop->ops->send(loop, io, iov, iovcnt);
}

static inline int kv_io_poll(kv_loop_t *loop, kv_io_t *io)
{
    return loop->ops->poll(loop, io);
}

/*
 * Like kv_io_poll(), for a futex word instead of a descriptor: io's
 * handler gets KV_OP_POLL (POLLIN) after the 32-bit word at word changed
 * and somebody called FUTEX_WAKE on it (shared, not private: the word may
 * be in memory other processes map). One word a loop, for the loop's
 * life. KV_ERROR when the backend (or the kernel) cannot: then watch an
 * eventfd.
 */
static inline int kv_io_futex(kv_loop_t *loop, kv_io_t *io,
                              _Atomic uint32_t *word)
{
    return loop->ops->futex != NULL ? loop->ops->futex(loop, io, word)
                                    : KV_ERROR;
}

static inline void kv_io_close(kv_loop_t *loop, kv_io_t *io)
{
    loop->ops->close(loop, io);
}

static inline int kv_loop_run_once(kv_loop_t *loop, int timeout_ms)
{
    return loop->ops->run_once(loop, timeout_ms);
}

/*
 * Instead of sleeping: hand the kernel what the loop has queued (replies),
 * then busy-wait, without system calls, until the backend has something
 * to deliver or other() (may be NULL) says there is work elsewhere, or
 * until kv_mono_us() reaches until_us. Returns 1 when there is work (run
 * a turn with timeout 0), 0 when the time ran out (or the backend cannot
 * spin): then sleep. A spinning loop is not asleep, so whoever produces
 * its work saves the cost of waking it.
 */
static inline int kv_loop_spin(kv_loop_t *loop, int64_t until_us,
                               int (*other)(void))
{
    return loop->ops->spin != NULL ? loop->ops->spin(loop, until_us, other) : 0;
}

static inline int kv_loop_can_spin(const kv_loop_t *loop)
{
    return loop->ops->spin != NULL;
}

/* A pause in a busy-wait loop: lets the sibling hyperthread run. */
#if defined(__x86_64__) || defined(__i386__)
#define KV_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define KV_CPU_RELAX() __asm__ __volatile__("yield" ::: "memory")
#else
#define KV_CPU_RELAX() __asm__ __volatile__("" ::: "memory")
#endif

#endif /* KV_EVENT_H */
