/*
 * client.c: connections: accept, read, run, reply, close.
 */
#include "client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "alloc.h"
#include "block.h"
#include "cmd.h"
#include "log.h"
#include "route.h"
#include "worker.h"

static void kv_client_handler(kv_io_t *io, kv_op_t op, ssize_t res,
                              const char *data);
static void kv_client_resume(kv_client_t *c);

static void kv_client_queue_write(kv_client_t *c)
{
    if (!(c->flags & KV_CLIENT_QUEUED)) {
        c->flags |= KV_CLIENT_QUEUED;
        c->next_write = kv_worker.write_head;
        kv_worker.write_head = c;
    }
}

static void kv_client_set_keepalive(int fd, int interval)
{
    int on = 1, idle = interval, intvl = interval / 3, cnt = 3;

    if (interval <= 0) {
        return;
    }
    if (intvl == 0) {
        intvl = 1;
    }
    /* Same scheme as Redis's anetKeepAlive(). Failures are harmless. */
    (void) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    (void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    (void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    (void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* "ip:port" of one end of the connection, as CLIENT LIST shows it. */
static void kv_client_name_addr(kv_client_t *c, int peer, char *out,
                                size_t outlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    char host[INET6_ADDRSTRLEN];
    int rc;

    if (c->flags & KV_CLIENT_UNIX) {
        snprintf(out, outlen, "%.*s:0", (int) outlen - 3,
                 peer ? "" : kv_worker.conf.unixsocket);
        return;
    }
    rc = peer ? getpeername(c->io.fd, (struct sockaddr *) &ss, &len)
              : getsockname(c->io.fd, (struct sockaddr *) &ss, &len);
    if (rc < 0) {
        snprintf(out, outlen, "?:0");
        return;
    }
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *in4 = (struct sockaddr_in *) &ss;
        inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
        snprintf(out, outlen, "%s:%u", host, ntohs(in4->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(out, outlen, "%s:%u", host, ntohs(in6->sin6_port));
    } else {
        snprintf(out, outlen, "?:0");
    }
}

static void kv_client_peer(kv_client_t *c)
{
    kv_client_name_addr(c, 1, c->addr, sizeof(c->addr));
    kv_client_name_addr(c, 0, c->laddr, sizeof(c->laddr));
}

static long long kv_clients_total(void)
{
    long long n = 0;

    for (int i = 0; i < kv_worker.nslots; i++) {
        n += atomic_load_explicit(&kv_worker.shm->hdr->slots[i].nclients,
                                  memory_order_relaxed);
    }
    return n;
}

void kv_client_accept(kv_io_t *lio, int fd)
{
    kv_listen_t *l = lio->data;
    kv_client_t *c;
    int on = 1;

    if (kv_worker.stopping) {
        close(fd);
        return;
    }
    /* maxclients counts every worker's clients, as one Redis would. Two
     * workers accepting at the same instant may overshoot by one each. */
    if (kv_clients_total() >= kv_worker.conf.maxclients) {
        static const char err[] = "-ERR max number of clients reached\r\n";
        /* A best-effort write on a fresh socket, as Redis does. */
        if (write(fd, err, sizeof(err) - 1) < 0) {
            /* nothing more to do: the client goes either way */
        }
        close(fd);
        kv_worker.rejected_connections++;
        return;
    }
    c = kv_calloc(1, sizeof(*c));
    if (c == NULL) {
        kv_log(KV_LOG_ERR, 0, "out of memory accepting a client");
        close(fd);
        return;
    }
    c->io.fd = fd;
    c->io.data = c;
    c->io.handler = kv_client_handler;
    /* One counter for the whole server: ids are unique across workers. */
    c->id = atomic_fetch_add(&kv_worker.shm->hdr->next_client_id, 1) + 1;
    c->created_ms = c->last_ms = kv_mono_ms();
    kv_resp_parser_init(&c->parser);
    c->db = kv_db_get(0);
    if (l->is_unix) {
        c->flags |= KV_CLIENT_UNIX;
    } else {
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        kv_client_set_keepalive(fd, kv_worker.conf.tcp_keepalive);
    }
    kv_client_peer(c);

    c->next = kv_worker.clients;
    if (c->next != NULL) {
        c->next->prev = c;
    }
    kv_worker.clients = c;
    kv_worker.nclients++;
    atomic_fetch_add(&kv_worker.shm->hdr->slots[kv_worker.slot].nclients, 1);
    kv_worker.total_connections++;

    if (kv_io_recv(&kv_worker.loop, &c->io) != KV_OK) {
        kv_client_close(c);
        return;
    }
    kv_log_debug("accepted client %llu from %s on %s",
                 (unsigned long long) c->id, c->addr, l->name);
}

void kv_client_close(kv_client_t *c)
{
    if (c->flags & (KV_CLIENT_CLOSING | KV_CLIENT_FAKE)) {
        return;
    }
    c->flags |= KV_CLIENT_CLOSING;
    kv_log_debug("closing client %llu (%s)", (unsigned long long) c->id,
                 c->addr);
    kv_io_close(&kv_worker.loop, &c->io);
}

/* Take c off one of the worker's singly linked lists of clients (the
 * write queue, the held list): its links are at offset link. */
static void kv_client_unlink(kv_client_t **pp, kv_client_t *c, size_t link)
{
    while (*pp != NULL && *pp != c) {
        pp = (kv_client_t **) ((char *) *pp + link);
    }
    if (*pp == c) {
        *pp = *(kv_client_t **) ((char *) c + link);
    }
}

/* After KV_OP_CLOSE: the backend is done with c; free it. */
static void kv_client_free(kv_client_t *c)
{
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        kv_worker.clients = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    if (c->flags & KV_CLIENT_QUEUED) {
        kv_client_unlink(&kv_worker.write_head, c,
                         offsetof(kv_client_t, next_write));
    }
    if (c->flags & KV_CLIENT_HELD) {
        kv_client_unlink(&kv_worker.held_head, c,
                         offsetof(kv_client_t, next_held));
    }
    kv_worker.nclients--;
    atomic_fetch_sub(&kv_worker.shm->hdr->slots[kv_worker.slot].nclients, 1);
    kv_block_client_gone(c);
    kv_route_client_gone(c);
    kv_buf_free(&c->qbuf);
    kv_buf_free(&c->obuf);
    kv_buf_free(&c->sbuf);
    kv_resp_parser_free(&c->parser);
    kv_free(c->name);
    kv_free(c);
}

/* Output not yet sent: the rest of the send buffer, then obuf. */
static size_t kv_client_out_pending(const kv_client_t *c)
{
    return kv_buf_pending(&c->sbuf) + kv_buf_pending(&c->obuf);
}

/* Nothing left to do for a client that must close once its output left. */
static int kv_client_done(const kv_client_t *c)
{
    return kv_client_out_pending(c) == 0 && !(c->flags & KV_CLIENT_SENDING) &&
           c->pend_head == NULL;
}

/* Too much output, or too many replies outstanding, to read more. */
static int kv_client_backlogged(const kv_client_t *c)
{
    return kv_client_out_pending(c) > KV_CLIENT_OBUF_PAUSE ||
           c->npending >= KV_CLIENT_MAX_PENDING;
}

void kv_client_process_input(kv_client_t *c)
{
    kv_resp_limits_t lim = { kv_worker.conf.proto_max_bulk_len };
    const char *err;
    size_t moved;
    int rc, argc;

    c->flags |= KV_CLIENT_INPUT;
    kv_db_clock_turn(); /* the loop may have slept since the last command */
    while (!(c->flags & (KV_CLIENT_CLOSE_AFTER_REPLY | KV_CLIENT_CLOSING)) &&
           c->blocked == NULL) {
        if (kv_client_backlogged(c)) {
            /* Stop here; kv_client_sent() resumes once output drains. */
            if (!(c->flags & KV_CLIENT_PAUSED)) {
                c->flags |= KV_CLIENT_PAUSED;
                kv_io_recv_stop(&kv_worker.loop, &c->io);
            }
            break;
        }
        rc = kv_resp_parse(&c->parser, c->qbuf.data, c->qbuf.len, &c->qbuf.pos,
                           &lim, &argc, &err);
        if (rc == KV_AGAIN) {
            break;
        }
        if (rc == KV_ERROR) {
            kv_log(KV_LOG_INFO, 0, "client %llu (%s): %s",
                   (unsigned long long) c->id, c->addr, err);
            kv_reply_error_in_turn(c, err);
            c->flags |= KV_CLIENT_CLOSE_AFTER_REPLY;
            break;
        }
        c->argc = argc;
        c->argv = c->parser.argv;
        if (!c->parser.is_inline) {
            c->raw = c->qbuf.data + c->parser.start;
            c->raw_len = c->qbuf.pos - c->parser.start;
            c->raw_argv = c->argv;
        }
        c->last_cmd_ms = c->last_ms;
        kv_db_clock_command();
        kv_cmd_call(c);
        kv_worker.total_commands++;
        c->argc = 0;
        c->argv = NULL;
        c->raw = NULL;
        c->raw_argv = NULL;
        c->cmd = NULL;
        if (kv_block_has_work()) {
            /* It may have given blocked clients their data: they are
             * served before this client's next command, as in Redis. */
            (void) kv_block_pump();
        }
    }
    c->flags &= ~KV_CLIENT_INPUT;
    moved = kv_buf_compact(&c->qbuf);
    kv_resp_shift(&c->parser, moved);
    kv_buf_shrink(&c->qbuf, KV_CLIENT_BUF_KEEP);
    if (kv_buf_pending(&c->obuf) > 0) {
        kv_client_queue_write(c);
    } else if ((c->flags & KV_CLIENT_CLOSE_AFTER_REPLY) && kv_client_done(c)) {
        kv_client_close(c);
    }
}

static void kv_client_read(kv_client_t *c, ssize_t n, const char *data)
{
    if (n == 0 && c->blocked == NULL &&
        !(c->flags & (KV_CLIENT_CLOSING | KV_CLIENT_PAUSED)) &&
        (kv_client_out_pending(c) > 0 || (c->flags & KV_CLIENT_SENDING) ||
         c->pend_head != NULL)) {
        /* The peer is done sending, but may only have shut down its side:
         * what it is owed still goes out (a reply that served it data,
         * say), then the connection closes, as after QUIT. A blocked
         * client goes at once: it is owed nothing yet. */
        c->flags |= KV_CLIENT_CLOSE_AFTER_REPLY;
        kv_io_recv_stop(&kv_worker.loop, &c->io);
        if (kv_buf_pending(&c->obuf) > 0) {
            kv_client_queue_write(c);
        }
        return;
    }
    if (n <= 0) {
        if (n < 0 && n != -ECONNRESET) {
            kv_log(KV_LOG_INFO, (int) -n, "recv() from client %llu failed",
                   (unsigned long long) c->id);
        }
        kv_client_close(c);
        return;
    }
    kv_worker.stat_reads++;
    kv_worker.stat_net_input_bytes += (unsigned long long) n;
    if (c->flags & (KV_CLIENT_CLOSE_AFTER_REPLY | KV_CLIENT_CLOSING)) {
        return; /* input after QUIT or a protocol error is ignored */
    }
    c->last_ms = kv_mono_ms();
    if (kv_buf_pending(&c->qbuf) + (size_t) n >
        (size_t) kv_worker.conf.client_query_buffer_limit) {
        kv_log(KV_LOG_WARN, 0,
               "closing client %llu (%s) that reached max query buffer "
               "length (%zu bytes)",
               (unsigned long long) c->id, c->addr,
               kv_buf_pending(&c->qbuf) + (size_t) n);
        kv_client_close(c);
        return;
    }
    if (kv_buf_append(&c->qbuf, data, (size_t) n) != KV_OK) {
        kv_log(KV_LOG_ERR, 0, "out of memory reading from client %llu",
               (unsigned long long) c->id);
        kv_client_close(c);
        return;
    }
    kv_client_process_input(c);
}

static void kv_client_sent(kv_client_t *c, ssize_t n)
{
    c->flags &= ~KV_CLIENT_SENDING;
    if (n < 0) {
        if (n != -EPIPE && n != -ECONNRESET) {
            kv_log(KV_LOG_INFO, (int) -n, "send() to client %llu failed",
                   (unsigned long long) c->id);
        }
        kv_client_close(c);
        return;
    }
    kv_worker.stat_writes++;
    kv_worker.stat_net_output_bytes += (unsigned long long) n;
    c->sbuf.pos += (size_t) n;
    c->inflight = 0;
    if (kv_buf_pending(&c->sbuf) == 0) {
        c->sbuf.pos = c->sbuf.len = 0;
        kv_buf_shrink(&c->sbuf, KV_CLIENT_BUF_KEEP);
    }
    if (kv_client_out_pending(c) > 0) {
        kv_client_queue_write(c);
    }
    kv_client_resume(c);
}

void kv_client_unblocked(kv_client_t *c)
{
    if (c->flags & (KV_CLIENT_INPUT | KV_CLIENT_CLOSING)) {
        return; /* its input loop goes on by itself */
    }
    if (kv_route_nested > 0) {
        c->flags |= KV_CLIENT_RESUME;
        kv_client_queue_write(c);
        return;
    }
    kv_client_process_input(c);
    kv_client_resume(c);
}

/*
 * Resume a paused client once its backlog has halved; close a client
 * that has nothing left to do. Not while a synchronous wait serves the
 * rings (kv_route_nested): the commands it would run could start another
 * such wait, or a cross-shard transaction, inside this one; the loop
 * resumes it (KV_CLIENT_RESUME) once the wait is over.
 */
static void kv_client_resume(kv_client_t *c)
{
    if (kv_route_nested > 0) {
        c->flags |= KV_CLIENT_RESUME;
        kv_client_queue_write(c);
        return;
    }
    if ((c->flags & KV_CLIENT_PAUSED) &&
        kv_client_out_pending(c) <= KV_CLIENT_OBUF_PAUSE / 2 &&
        c->npending < KV_CLIENT_MAX_PENDING / 2) {
        c->flags &= ~KV_CLIENT_PAUSED;
        if (!kv_worker.stopping &&
            kv_io_recv(&kv_worker.loop, &c->io) != KV_OK) {
            kv_client_close(c);
            return;
        }
        kv_client_process_input(c);
    }
    if (kv_client_done(c) &&
        ((c->flags & KV_CLIENT_CLOSE_AFTER_REPLY) ||
         (kv_worker.stopping && !(c->flags & KV_CLIENT_PAUSED)))) {
        kv_client_close(c);
    }
}

void kv_client_output_changed(kv_client_t *c)
{
    if (c->flags & (KV_CLIENT_FAKE | KV_CLIENT_CLOSING)) {
        return;
    }
    if (kv_buf_pending(&c->obuf) > 0) {
        kv_client_queue_write(c);
    }
    kv_client_resume(c);
}

static void kv_client_handler(kv_io_t *io, kv_op_t op, ssize_t res,
                              const char *data)
{
    kv_client_t *c = io->data;

    switch (op) {
    case KV_OP_RECV:
        kv_client_read(c, res, data);
        break;
    case KV_OP_SEND:
        kv_client_sent(c, res);
        break;
    case KV_OP_CLOSE:
        kv_client_free(c);
        break;
    default:
        break;
    }
}

/*
 * Holding output. In a pipelined batch whose keys live on several
 * workers, the replies made here are ready at once and the others a ring
 * round trip later. Sending what is ready at once costs a send (and the
 * client a receive and a wakeup) per part: with two workers, half again
 * as many sends as batches, and sends are most of a worker's time. So a
 * client whose next reply is outstanding at another worker keeps its
 * ready output (the replies before that one, in order) until the reply
 * arrives, within limits:
 *  - at most KV_CLIENT_HOLD_MS, busy or asleep: the loop sleeps no longer
 *    than that while output is held (worker.c), and output held that long
 *    goes, so a stalled peer costs at most the partial send the client
 *    would have had anyway, a millisecond late;
 *  - not once KV_CLIENT_HOLD_MAX bytes are ready, not for a blocked client
 *    (its wait has no bound), one that is closing, or while stopping.
 * Only the start of a batch's output waits: its last reply comes no later
 * than before. A held client is on kv_worker.held_head (next_held); each
 * flush puts the held clients back on the write queue and looks again.
 */
#define KV_CLIENT_HOLD_US (KV_CLIENT_HOLD_MS * 1000)
#define KV_CLIENT_HOLD_MAX (16 * 1024)

/* Should c's ready output wait? Then c goes on the held list. */
static int kv_client_hold(kv_client_t *c)
{
    if (c->pend_head == NULL || c->blocked != NULL ||
        (c->flags & (KV_CLIENT_CLOSE_AFTER_REPLY | KV_CLIENT_CLOSING)) ||
        kv_buf_pending(&c->obuf) >= KV_CLIENT_HOLD_MAX) {
        return 0;
    }
    if (c->held_us == 0) {
        c->held_us = kv_worker.turn_us;
    }
    if (kv_worker.turn_us - c->held_us >= KV_CLIENT_HOLD_US) {
        return 0;
    }
    c->flags |= KV_CLIENT_HELD;
    c->next_held = kv_worker.held_head;
    kv_worker.held_head = c;
    return 1;
}

void kv_clients_flush(void)
{
    kv_client_t *c = kv_worker.held_head, *next;

    kv_worker.held_head = NULL;
    for (; c != NULL; c = next) {
        next = c->next_held;
        c->next_held = NULL;
        c->flags &= ~KV_CLIENT_HELD;
        kv_client_queue_write(c);
    }
    c = kv_worker.write_head;
    kv_worker.write_head = NULL;
    for (; c != NULL; c = next) {
        next = c->next_write;
        c->flags &= ~KV_CLIENT_QUEUED;
        c->next_write = NULL;
        if (c->flags & KV_CLIENT_RESUME) {
            c->flags &= ~KV_CLIENT_RESUME;
            if (c->blocked == NULL && !(c->flags & KV_CLIENT_CLOSING)) {
                kv_client_process_input(c);
            }
            kv_client_resume(c);
        }
        if (!(c->flags & (KV_CLIENT_SENDING | KV_CLIENT_CLOSING)) &&
            kv_buf_pending(&c->sbuf) == 0 && kv_buf_pending(&c->obuf) > 0) {
            kv_buf_t b;

            if (!kv_worker.stopping && kv_client_hold(c)) {
                continue;
            }
            c->held_us = 0;
            /* The replies become the send buffer; obuf takes the empty
             * one (and its memory). */
            b = c->sbuf;
            c->sbuf = c->obuf;
            c->obuf = b;
            c->obuf.pos = c->obuf.len = 0;
        }
        if (!(c->flags & (KV_CLIENT_SENDING | KV_CLIENT_CLOSING)) &&
            kv_buf_pending(&c->sbuf) > 0) {
            c->iov.iov_base = c->sbuf.data + c->sbuf.pos;
            c->iov.iov_len = kv_buf_pending(&c->sbuf);
            c->inflight = c->iov.iov_len;
            c->flags |= KV_CLIENT_SENDING;
            if (kv_io_send(&kv_worker.loop, &c->io, &c->iov, 1) != KV_OK) {
                c->flags &= ~KV_CLIENT_SENDING;
                kv_client_close(c);
            }
        }
    }
}

void kv_clients_stop(void)
{
    kv_client_t *c, *next;

    for (c = kv_worker.clients; c != NULL; c = next) {
        next = c->next;
        if (c->flags & KV_CLIENT_CLOSING) {
            continue;
        }
        if (c->blocked != NULL) {
            /* Its wait could outlast any shutdown-timeout. */
            kv_client_close(c);
            continue;
        }
        /* What was read has run already, unless output backpressure
         * paused the client: then it finishes as the output drains. */
        if (!(c->flags & KV_CLIENT_PAUSED)) {
            kv_io_recv_stop(&kv_worker.loop, &c->io);
            if (kv_client_done(c)) {
                kv_client_close(c);
            }
        }
    }
}

void kv_clients_cron(int64_t now_ms)
{
    int64_t limit = (int64_t) kv_worker.conf.timeout * 1000;
    kv_client_t *c, *next;

    if (limit <= 0) {
        return;
    }
    for (c = kv_worker.clients; c != NULL; c = next) {
        next = c->next;
        if (!(c->flags & KV_CLIENT_CLOSING) && now_ms - c->last_ms > limit &&
            kv_client_done(c)) {
            kv_log(KV_LOG_INFO, 0, "closing idle client %llu (%s)",
                   (unsigned long long) c->id, c->addr);
            kv_client_close(c);
        }
    }
}

/* ---- the reply writer ------------------------------------------------ */

void kv_reply_raw(kv_client_t *c, const char *p, size_t n)
{
    if (c->flags & KV_CLIENT_CLOSING) {
        return;
    }
    if (kv_buf_append(&c->obuf, p, n) != KV_OK) {
        kv_log(KV_LOG_ERR, 0, "out of memory replying to client %llu",
               (unsigned long long) c->id);
        kv_client_close(c);
    }
}

static void kv_reply_line(kv_client_t *c, char type, const char *s, size_t n)
{
    if (c->flags & KV_CLIENT_CLOSING) {
        return;
    }
    if (kv_buf_reserve(&c->obuf, n + 3) != KV_OK) {
        kv_log(KV_LOG_ERR, 0, "out of memory replying to client %llu",
               (unsigned long long) c->id);
        kv_client_close(c);
        return;
    }
    c->obuf.data[c->obuf.len++] = type;
    memcpy(c->obuf.data + c->obuf.len, s, n);
    c->obuf.len += n;
    c->obuf.data[c->obuf.len++] = '\r';
    c->obuf.data[c->obuf.len++] = '\n';
}

void kv_reply_status(kv_client_t *c, const char *s)
{
    kv_reply_line(c, '+', s, strlen(s));
}

void kv_reply_ok(kv_client_t *c)
{
    kv_reply_raw(c, "+OK\r\n", 5);
}

void kv_reply_error(kv_client_t *c, const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || s[0] != '-') {
        kv_reply_raw(c, "-ERR ", 5);
    } else {
        /* The caller's own code: "-WRONGTYPE ..." */
        kv_reply_raw(c, "-", 1);
        s++;
        n--;
    }
    kv_reply_raw(c, s, n);
    kv_reply_raw(c, "\r\n", 2);
}

void kv_reply_errorf(kv_client_t *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (char *p = buf; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            *p = ' ';
        }
    }
    kv_reply_error(c, buf);
}

static void kv_reply_len(kv_client_t *c, char type, long long v)
{
    char buf[32];
    size_t n = kv_ll2str(buf, v);

    kv_reply_line(c, type, buf, n);
}

void kv_reply_bulk(kv_client_t *c, const char *p, size_t n)
{
    kv_reply_len(c, '$', (long long) n);
    kv_reply_raw(c, p, n);
    kv_reply_raw(c, "\r\n", 2);
}

void kv_reply_null(kv_client_t *c)
{
    kv_reply_raw(c, "$-1\r\n", 5);
}

void kv_reply_int(kv_client_t *c, long long v)
{
    kv_reply_len(c, ':', v);
}

void kv_reply_array(kv_client_t *c, long long n)
{
    kv_reply_len(c, '*', n);
}

void kv_reply_string_key(kv_client_t *c, kv_key_t *k)
{
    char buf[32];
    size_t len;
    const char *s = kv_key_str(k, buf, &len);

    kv_reply_bulk(c, s, len);
}

size_t kv_reply_deferred_len(kv_client_t *c)
{
    return c->obuf.len;
}

void kv_reply_insert(kv_client_t *c, size_t mark, const char *p, size_t n)
{
    if (c->flags & KV_CLIENT_CLOSING) {
        return;
    }
    if (kv_buf_reserve(&c->obuf, n) != KV_OK) {
        kv_log(KV_LOG_ERR, 0, "out of memory replying to client %llu",
               (unsigned long long) c->id);
        kv_client_close(c);
        return;
    }
    memmove(c->obuf.data + mark + n, c->obuf.data + mark, c->obuf.len - mark);
    memcpy(c->obuf.data + mark, p, n);
    c->obuf.len += n;
}

void kv_reply_set_deferred_len(kv_client_t *c, size_t mark, char type,
                               long long n)
{
    char head[32];

    head[0] = type;
    size_t hl = 1 + kv_ll2str(head + 1, n);
    head[hl++] = '\r';
    head[hl++] = '\n';
    kv_reply_insert(c, mark, head, hl);
}

int kv_reply_too_large(kv_client_t *c, size_t mark)
{
    static const char err[] = KV_REPLY_TOO_LARGE;

    if (c->flags & KV_CLIENT_CLOSING) {
        return 1;
    }
    if (c->obuf.len - mark <= (size_t) kv_worker.conf.proto_max_bulk_len) {
        return 0;
    }
    kv_log(KV_LOG_WARN, 0, "client %llu (%s): reply larger than "
           "proto-max-bulk-len, closing the connection",
           (unsigned long long) c->id, c->addr);
    c->obuf.len = mark;
    kv_reply_raw(c, err, sizeof(err) - 1);
    kv_buf_shrink(&c->obuf, KV_CLIENT_BUF_KEEP);
    if (!(c->flags & KV_CLIENT_FAKE)) {
        c->flags |= KV_CLIENT_CLOSE_AFTER_REPLY;
    }
    return 1;
}

void kv_client_select(kv_client_t *c, int id)
{
    c->db = kv_db_get(id);
}
