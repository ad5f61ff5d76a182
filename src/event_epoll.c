/*
 * event_epoll.c: the epoll backend of the reactor interface (event.h).
 *
 * Level-triggered. ACCEPT, RECV and POLL map to EPOLLIN, a send that could
 * not complete at once to EPOLLOUT. Results produced while arming (a send
 * written at once, a close) go on a pending list that the next turn
 * delivers first, so no completion ever runs inside the caller's call.
 *
 * Each readable connection is read once per turn into one per-loop buffer,
 * which keeps one busy client from starving the others.
 */
#include "event.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include "log.h"

#define KV_EPOLL_EVENTS 512
#define KV_EPOLL_READ_BUF (64 * 1024)
#define KV_EPOLL_ACCEPT_BATCH 64

typedef struct {
    int ep;
    kv_io_t *pending_head, *pending_tail;
    struct epoll_event events[KV_EPOLL_EVENTS];
    char buf[KV_EPOLL_READ_BUF];
} kv_epoll_t;

static void kv_epoll_post(kv_epoll_t *ep, kv_io_t *io, kv_op_t op, ssize_t res)
{
    io->pending_op = op;
    io->pending_res = res;
    io->next_pending = NULL;
    if (ep->pending_tail != NULL) {
        ep->pending_tail->next_pending = io;
    } else {
        ep->pending_head = io;
    }
    ep->pending_tail = io;
}

/* Bring the epoll registration in line with what is armed on io. */
static int kv_epoll_sync(kv_epoll_t *ep, kv_io_t *io)
{
    unsigned want = 0;
    struct epoll_event ev;
    int op;

    if (!(io->armed & KV_IO_CLOSED)) {
        if (io->armed & (KV_IO_ACCEPT | KV_IO_RECV | KV_IO_POLL)) {
            want |= EPOLLIN;
        }
        if ((io->armed & KV_IO_SEND) && io->iov != NULL) {
            want |= EPOLLOUT;
        }
    }
    if (want == io->registered) {
        return KV_OK;
    }
    ev.events = want;
    ev.data.ptr = io;
    if (want == 0) {
        op = EPOLL_CTL_DEL;
    } else if (io->registered == 0) {
        op = EPOLL_CTL_ADD;
    } else {
        op = EPOLL_CTL_MOD;
    }
    if (epoll_ctl(ep->ep, op, io->fd, &ev) < 0) {
        kv_log(KV_LOG_ALERT, errno, "epoll_ctl(%d, %d) failed", op, io->fd);
        return KV_ERROR;
    }
    io->registered = want;
    return KV_OK;
}

static int kv_epoll_init(kv_loop_t *loop)
{
    kv_epoll_t *ep = calloc(1, sizeof(*ep));

    if (ep == NULL) {
        kv_log(KV_LOG_EMERG, 0, "out of memory for the epoll loop");
        return KV_ERROR;
    }
    ep->ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep->ep < 0) {
        kv_log(KV_LOG_EMERG, errno, "epoll_create1() failed");
        free(ep);
        return KV_ERROR;
    }
    loop->backend = ep;
    return KV_OK;
}

static void kv_epoll_done(kv_loop_t *loop)
{
    kv_epoll_t *ep = loop->backend;

    if (ep != NULL) {
        close(ep->ep);
        free(ep);
        loop->backend = NULL;
    }
}

static int kv_epoll_arm(kv_loop_t *loop, kv_io_t *io, unsigned what)
{
    io->armed |= what;
    return kv_epoll_sync(loop->backend, io);
}

static int kv_epoll_accept(kv_loop_t *loop, kv_io_t *io)
{
    return kv_epoll_arm(loop, io, KV_IO_ACCEPT);
}

static int kv_epoll_recv(kv_loop_t *loop, kv_io_t *io)
{
    return kv_epoll_arm(loop, io, KV_IO_RECV);
}

static void kv_epoll_recv_stop(kv_loop_t *loop, kv_io_t *io)
{
    if (io->armed & KV_IO_RECV) {
        io->armed &= ~KV_IO_RECV;
        kv_epoll_sync(loop->backend, io);
    }
}

static int kv_epoll_poll(kv_loop_t *loop, kv_io_t *io)
{
    return kv_epoll_arm(loop, io, KV_IO_POLL);
}

static ssize_t kv_epoll_writev(kv_io_t *io)
{
    struct msghdr mh;
    ssize_t n;

    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = (struct iovec *) io->iov;
    mh.msg_iovlen = (size_t) io->iovcnt;
    do {
        n = sendmsg(io->fd, &mh, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ENOTSOCK) {
        n = writev(io->fd, io->iov, io->iovcnt);
    }
    return n < 0 ? -errno : n;
}

static int kv_epoll_send(kv_loop_t *loop, kv_io_t *io, const struct iovec *iov,
                         int iovcnt)
{
    kv_epoll_t *ep = loop->backend;
    ssize_t n;

    if (io->armed & (KV_IO_SEND | KV_IO_CLOSED)) {
        return KV_ERROR;
    }
    io->armed |= KV_IO_SEND;
    io->iov = iov;
    io->iovcnt = iovcnt;
    n = kv_epoll_writev(io);
    if (n == -EAGAIN || n == -EWOULDBLOCK) {
        return kv_epoll_sync(ep, io);
    }
    io->iov = NULL;
    kv_epoll_post(ep, io, KV_OP_SEND, n);
    return KV_OK;
}

static void kv_epoll_close(kv_loop_t *loop, kv_io_t *io)
{
    kv_epoll_t *ep = loop->backend;
    int queued;

    if (io->armed & KV_IO_CLOSED) {
        return;
    }
    if (io->registered != 0) {
        (void) epoll_ctl(ep->ep, EPOLL_CTL_DEL, io->fd, NULL);
        io->registered = 0;
    }
    if (io->fd >= 0) {
        close(io->fd);
        io->fd = -1;
    }
    /* A send whose result already waits on the pending list keeps io on
     * that list: the close is delivered when the list reaches it. A send
     * still waiting for EPOLLOUT is simply dropped. */
    queued = (io->armed & KV_IO_SEND) && io->iov == NULL;
    io->armed = KV_IO_CLOSED | (queued ? KV_IO_SEND : 0);
    io->iov = NULL;
    if (!queued) {
        kv_epoll_post(ep, io, KV_OP_CLOSE, 0);
    }
}

static void kv_epoll_deliver_pending(kv_loop_t *loop)
{
    kv_epoll_t *ep = loop->backend;

    while (ep->pending_head != NULL) {
        kv_io_t *io = ep->pending_head;
        kv_op_t op = io->pending_op;
        ssize_t res = io->pending_res;

        ep->pending_head = io->next_pending;
        if (ep->pending_head == NULL) {
            ep->pending_tail = NULL;
        }
        io->next_pending = NULL;
        if (op == KV_OP_SEND) {
            io->armed &= ~KV_IO_SEND;
            if (io->armed & KV_IO_CLOSED) {
                /* The owner asked to close while the send was queued. */
                kv_epoll_post(ep, io, KV_OP_CLOSE, 0);
                continue;
            }
        }
        if (op == KV_OP_CLOSE) {
            io->armed = 0;
        }
        io->handler(io, op, res, NULL);
    }
}

static void kv_epoll_readable(kv_loop_t *loop, kv_io_t *io, uint32_t revents)
{
    kv_epoll_t *ep = loop->backend;

    if (io->armed & KV_IO_ACCEPT) {
        /* A bounded batch per turn: a connect storm must not starve the
         * clients already connected. */
        for (int i = 0; i < KV_EPOLL_ACCEPT_BATCH; i++) {
            int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                io->handler(io, KV_OP_ACCEPT, fd, NULL);
                if (!(io->armed & KV_IO_ACCEPT)) {
                    return;
                }
                continue;
            }
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                io->handler(io, KV_OP_ACCEPT, -errno, NULL);
            }
            return;
        }
        return;
    }
    if (io->armed & KV_IO_RECV) {
        ssize_t n;
        do {
            n = recv(io->fd, ep->buf, sizeof(ep->buf), 0);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (n <= 0) {
            /* EOF or error ends the multishot, as io_uring would. */
            io->armed &= ~KV_IO_RECV;
            kv_epoll_sync(ep, io);
        }
        io->handler(io, KV_OP_RECV, n < 0 ? -errno : n, ep->buf);
        return;
    }
    if (io->armed & KV_IO_POLL) {
        io->handler(io, KV_OP_POLL, (ssize_t) revents, NULL);
    }
}

static int kv_epoll_run_once(kv_loop_t *loop, int timeout_ms)
{
    kv_epoll_t *ep = loop->backend;
    int n;

    /* Results queued since the last turn go first, before epoll_wait():
     * a close delivered now may free an io, and the events epoll_wait()
     * returns must not name freed ones. */
    kv_epoll_deliver_pending(loop);
    if (ep->pending_head != NULL) {
        timeout_ms = 0;
    }
    n = epoll_wait(ep->ep, ep->events, KV_EPOLL_EVENTS, timeout_ms);
    if (timeout_ms != 0) {
        loop->woke_us = kv_mono_us();
    }
    if (n < 0) {
        if (errno != EINTR) {
            kv_log(KV_LOG_ALERT, errno, "epoll_wait() failed");
            return KV_ERROR;
        }
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        kv_io_t *io = ep->events[i].data.ptr;
        uint32_t revents = ep->events[i].events;

        /* An earlier handler of this turn may have closed it. */
        if (io->armed & KV_IO_CLOSED) {
            continue;
        }
        if ((revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)) &&
            (io->armed & KV_IO_SEND) && io->iov != NULL) {
            ssize_t w = kv_epoll_writev(io);
            if (w != -EAGAIN && w != -EWOULDBLOCK) {
                io->iov = NULL;
                io->armed &= ~KV_IO_SEND;
                kv_epoll_sync(ep, io);
                io->handler(io, KV_OP_SEND, w, NULL);
                if (io->armed & KV_IO_CLOSED) {
                    continue;
                }
            }
        }
        if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            kv_epoll_readable(loop, io, revents);
        }
    }
    kv_epoll_deliver_pending(loop);
    if (loop->before_wait != NULL) {
        loop->before_wait(loop);
    }
    return KV_OK;
}

const kv_event_ops_t kv_event_epoll_ops = {
    .name = "epoll",
    .init = kv_epoll_init,
    .done = kv_epoll_done,
    .accept = kv_epoll_accept,
    .recv = kv_epoll_recv,
    .recv_stop = kv_epoll_recv_stop,
    .send = kv_epoll_send,
    .poll = kv_epoll_poll,
    .futex = NULL,
    .close = kv_epoll_close,
    .run_once = kv_epoll_run_once,
    /* No spin: only epoll_wait() can tell whether anything is ready. */
    .spin = NULL,
};

int kv_loop_init(kv_loop_t *loop, const kv_event_ops_t *ops)
{
    memset(loop, 0, sizeof(*loop));
    loop->ops = ops;
    return ops->init(loop);
}

void kv_loop_done(kv_loop_t *loop)
{
    if (loop->ops != NULL) {
        loop->ops->done(loop);
    }
}
