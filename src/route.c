/*
 * route.c: running each command where its keys live (see route.h).
 */
#include "route.h"

#include "alloc.h"
#include "crc16.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "block.h"
#include "worker.h"
#include "xshard.h"

/* The reply a client gets when the worker running its command died. */
#define KV_LOST_REPLY                                                          \
    "-ERR the worker running this command exited before replying; the "        \
    "command may or may not have been applied\r\n"

struct kv_pending_s {
    kv_pending_t *next; /* the client's reply queue */
    kv_client_t *c;
    kv_buf_t reply;
    int done;
    int in_flight; /* waiting in a target's FIFO */
    int sync;      /* kv_route_sync() waits for it: never freed here */
    /* fan-out */
    kv_pending_t *parent;
    int nleft;
    int fold;
    int *key_shard; /* KV_FOLD_MGET: the shard of each key, in order */
    int nkeys;
    int scan_shard; /* KV_FOLD_SCAN */
    int old_form;   /* KV_FOLD_KILL: CLIENT KILL addr */
    /* kv_route_call_cb(), kv_route_request(): the reply goes here */
    kv_route_cb_pt cb;
    uint64_t cb_arg;
    /* at the target */
    kv_pending_t *tnext;
    int target;
    uint64_t seq;
    uint64_t pos;
    /* Last: only the first kv_route.n are used (kv_pending_new()). */
    kv_pending_t *parts[KV_MAX_WORKERS];
};

int kv_route_nested;
/*
 * Freed entries are kept for the next ones, with their reply buffers:
 * once a client has a reply outstanding at another shard, every command
 * it sends after it waits in an entry, so with pipelining nearly every
 * command takes one. Allocating and zeroing a fresh one (calloc() of the
 * whole parts[] array) and its 1 KB reply buffer each time was a third of
 * a worker's instructions with two workers.
 */
#define KV_PENDING_POOL_MAX 512
#define KV_PENDING_KEEP_BUF 4096

static struct {
    int me, n;
    uint32_t gen;
    kv_pending_t *tq_head[KV_MAX_WORKERS], *tq_tail[KV_MAX_WORKERS];
    uint64_t seq[KV_MAX_WORKERS];
    kv_buf_t scratch;        /* RESP encoding of outgoing commands */
    kv_resp_parser_t parser; /* decoding of incoming commands */
    kv_client_t remote;      /* runs commands of other workers */
    kv_str_t *subv;          /* argv of a sub-command being built */
    int subcap;
    int cur_from; /* origin of the forwarded command running */
    kv_msg_hdr_t cur_hdr;
    kv_pending_t *xs_pending; /* kv_route_begin_reply() */
    /* kv_route_call_cb(): the next reply entry made goes to cb */
    kv_route_cb_pt cap_cb;
    uint64_t cap_arg;
    kv_pending_t *pool;       /* freed entries, linked by next */
    unsigned npool;
} kv_route;

int kv_route_init(int slot, int nslots)
{
    kv_route.me = slot;
    kv_route.n = nslots;
    kv_route.gen = kv_shard_generation(slot);
    kv_resp_parser_init(&kv_route.parser);
    kv_route.remote.io.fd = -1;
    kv_route.remote.flags = KV_CLIENT_FAKE;
    snprintf(kv_route.remote.addr, sizeof(kv_route.remote.addr), "shard");
    return KV_OK;
}

/* ---- pending entries ------------------------------------------------- */

static kv_pending_t *kv_pending_new(kv_client_t *c)
{
    kv_pending_t *p = kv_route.pool;
    kv_buf_t reply = { NULL, 0, 0, 0 };

    if (p != NULL) {
        kv_route.pool = p->next;
        kv_route.npool--;
        reply = p->reply; /* empty, with its memory */
    } else {
        p = kv_malloc(sizeof(*p));
        if (p == NULL) {
            return NULL;
        }
    }
    /* Nothing reads parts[] past kv_route.n. */
    memset(p, 0,
           offsetof(kv_pending_t, parts) +
               sizeof(p->parts[0]) * (size_t) kv_route.n);
    p->reply = reply;
    p->c = c;
    p->target = -1;
    return p;
}

static void kv_pending_free(kv_pending_t *p)
{
    for (int i = 0; i < kv_route.n; i++) {
        if (p->parts[i] != NULL) {
            kv_pending_free(p->parts[i]);
        }
    }
    kv_free(p->key_shard);
    p->key_shard = NULL;
    if (kv_route.npool < KV_PENDING_POOL_MAX &&
        p->reply.cap <= KV_PENDING_KEEP_BUF) {
        p->reply.len = p->reply.pos = 0;
        p->next = kv_route.pool;
        kv_route.pool = p;
        kv_route.npool++;
        return;
    }
    kv_buf_free(&p->reply);
    kv_free(p);
}

static void kv_queue_append(kv_client_t *c, kv_pending_t *p)
{
    p->next = NULL;
    if (c->pend_tail != NULL) {
        c->pend_tail->next = p;
    } else {
        c->pend_head = p;
    }
    c->pend_tail = p;
    c->npending++;
}

/*
 * The entry for the reply of c's command: in c's queue, or, while
 * kv_route_call_cb() runs, handed to its callback instead.
 */
static kv_pending_t *kv_reply_entry(kv_client_t *c)
{
    kv_pending_t *p;

    if (kv_route.cap_cb == NULL) {
        p = kv_pending_new(c);
        if (p != NULL) {
            kv_queue_append(c, p);
        }
        return p;
    }
    p = kv_pending_new(NULL);
    if (p != NULL) {
        p->cb = kv_route.cap_cb;
        p->cb_arg = kv_route.cap_arg;
    }
    kv_route.cap_cb = NULL;
    return p;
}

/* True once nothing refers to p but its owner. */
static int kv_pending_idle(const kv_pending_t *p)
{
    if (!p->done || p->in_flight) {
        return 0;
    }
    for (int i = 0; i < kv_route.n; i++) {
        if (p->parts[i] != NULL && p->parts[i]->in_flight) {
            return 0;
        }
    }
    return 1;
}

/* Take the head of c's reply queue off and give c its reply. */
static void kv_route_deliver_head(kv_client_t *c, const char *reply,
                                  size_t len)
{
    kv_pending_t *p = c->pend_head;

    c->pend_head = p->next;
    if (c->pend_head == NULL) {
        c->pend_tail = NULL;
    }
    c->npending--;
    kv_reply_raw(c, reply, len);
    if (len == sizeof(KV_REPLY_TOO_LARGE) - 1 &&
        memcmp(reply, KV_REPLY_TOO_LARGE, len) == 0) {
        /* Another shard refused to build it: close, as it would. */
        c->flags |= KV_CLIENT_CLOSE_AFTER_REPLY;
    }
    kv_pending_free(p);
}

void kv_route_drain(kv_client_t *c)
{
    kv_pending_t *p;

    while ((p = c->pend_head) != NULL && p->done) {
        kv_route_deliver_head(c, p->reply.data, p->reply.len);
    }
    kv_client_output_changed(c);
}

void kv_route_client_gone(kv_client_t *c)
{
    kv_pending_t *p = c->pend_head, *next;

    for (; p != NULL; p = next) {
        next = p->next;
        p->c = NULL;
        p->next = NULL;
        if (kv_pending_idle(p)) {
            kv_pending_free(p);
        }
        /* Otherwise the last reply to arrive frees it. */
    }
    c->pend_head = c->pend_tail = NULL;
    c->npending = 0;
}

static void kv_pending_finished(kv_pending_t *p);

/* ---- running a command here, capturing its reply --------------------- */

/* Run cmd on c with argv/argc as given, appending the reply to out. */
static void kv_route_capture(kv_client_t *c, const kv_cmd_t *cmd, int argc,
                             kv_str_t *argv, kv_buf_t *out)
{
    kv_buf_t saved = c->obuf;
    kv_str_t *sargv = c->argv;
    int sargc = c->argc;

    c->obuf = *out;
    c->argv = argv;
    c->argc = argc;
    cmd->proc(c);
    *out = c->obuf;
    c->obuf = saved;
    c->argv = sargv;
    c->argc = sargc;
}

static void kv_route_local(kv_client_t *c, const kv_cmd_t *cmd)
{
    kv_pending_t *p;

    if (c->pend_head == NULL && kv_route.cap_cb == NULL) {
        cmd->proc(c);
        return;
    }
    /* Earlier replies are outstanding: this one waits its turn. */
    p = kv_reply_entry(c);
    if (p == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_route_capture(c, cmd, c->argc, c->argv, &p->reply);
    p->done = 1;
    if (p->cb != NULL) {
        kv_pending_finished(p);
    }
}

/* ---- sending ----------------------------------------------------------- */

static void kv_route_encode(int argc, const kv_str_t *argv)
{
    kv_buf_t *b = &kv_route.scratch;
    char num[32];
    size_t n;

    b->len = b->pos = 0;
    num[0] = '*';
    n = 1 + kv_ll2str(num + 1, argc);
    (void) kv_buf_append(b, num, n);
    (void) kv_buf_append(b, "\r\n", 2);
    for (int i = 0; i < argc; i++) {
        num[0] = '$';
        n = 1 + kv_ll2str(num + 1, (long long) argv[i].len);
        (void) kv_buf_append(b, num, n);
        (void) kv_buf_append(b, "\r\n", 2);
        (void) kv_buf_append(b, argv[i].p, argv[i].len);
        (void) kv_buf_append(b, "\r\n", 2);
    }
}

static void kv_pending_complete(kv_pending_t *p, const char *data, size_t len);

/* Send the RESP command resp to target as a message of kind (seq for a
 * request); *pos where it went in the ring (may be NULL). */
static int kv_route_post_raw(int target, uint8_t kind, int db, uint64_t seq,
                             const char *resp, size_t len, uint64_t *pos)
{
    kv_msg_hdr_t hdr;
    struct iovec iov;

    memset(&hdr, 0, sizeof(hdr));
    hdr.kind = kind;
    hdr.db = (uint16_t) db;
    hdr.origin_gen = kv_route.gen;
    hdr.seq = seq;
    iov.iov_base = (void *) resp;
    iov.iov_len = len;
    return kv_shard_send(target, &hdr, &iov, 1, pos);
}

/* The same for argv, encoded. */
static int kv_route_post(int target, uint8_t kind, int db, uint64_t seq,
                         int argc, const kv_str_t *argv, uint64_t *pos)
{
    kv_route_encode(argc, argv);
    return kv_route_post_raw(target, kind, db, seq, kv_route.scratch.data,
                             kv_route.scratch.len, pos);
}

/*
 * Send a request for p to target: argv encoded, or raw (non-NULL) when
 * the client's own bytes say the same (the command as it arrived, not
 * re-encoded).
 */
static void kv_route_send_as(kv_pending_t *p, int target, int db, int argc,
                             const kv_str_t *argv, const char *raw,
                             size_t raw_len)
{
    uint64_t seq = ++kv_route.seq[target];

    p->target = target;
    p->seq = seq;
    p->in_flight = 1;
    p->tnext = NULL;
    if (kv_route.tq_tail[target] != NULL) {
        kv_route.tq_tail[target]->tnext = p;
    } else {
        kv_route.tq_head[target] = p;
    }
    kv_route.tq_tail[target] = p;
    if ((raw != NULL ? kv_route_post_raw(target, KV_MSG_REQ, db, seq, raw,
                                         raw_len, &p->pos)
                     : kv_route_post(target, KV_MSG_REQ, db, seq, argc, argv,
                                     &p->pos)) != KV_OK) {
        /* Stays in the FIFO: the next reply from target (or its death)
         * answers it with an error, in order. */
        p->pos = 0;
        kv_log(KV_LOG_ERR, 0, "cannot send a command to worker %d", target);
    }
}

static void kv_route_send(kv_pending_t *p, int target, int db, int argc,
                          const kv_str_t *argv)
{
    kv_route_send_as(p, target, db, argc, argv, NULL, 0);
}

static void kv_route_forward(kv_client_t *c, int target)
{
    kv_pending_t *p = kv_reply_entry(c);
    int raw = c->raw != NULL && c->raw_argv == c->argv;

    if (p == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_route_send_as(p, target, c->db->id, c->argc, c->argv,
                     raw ? c->raw : NULL, raw ? c->raw_len : 0);
}

/* ---- folding ----------------------------------------------------------- */

/* The length of the complete RESP2 value at p, or -1. */
static ssize_t kv_reply_span(const char *p, size_t len)
{
    const char *cr;
    long long n;
    size_t hl, off;

    if (len < 3) {
        return -1;
    }
    cr = memchr(p, '\r', len);
    if (cr == NULL || (size_t) (cr - p) + 2 > len) {
        return -1;
    }
    hl = (size_t) (cr - p) + 2;
    switch (p[0]) {
    case '+':
    case '-':
    case ':':
        return (ssize_t) hl;
    case '$':
        if (!kv_string2ll(p + 1, (size_t) (cr - p - 1), &n)) {
            return -1;
        }
        if (n < 0) {
            return (ssize_t) hl;
        }
        return hl + (size_t) n + 2 <= len ? (ssize_t) (hl + (size_t) n + 2)
                                          : -1;
    case '*':
        if (!kv_string2ll(p + 1, (size_t) (cr - p - 1), &n)) {
            return -1;
        }
        off = hl;
        for (long long i = 0; i < n; i++) {
            ssize_t s = kv_reply_span(p + off, len - off);
            if (s < 0) {
                return -1;
            }
            off += (size_t) s;
        }
        return (ssize_t) off;
    default:
        return -1;
    }
}

/* Header of an array or integer reply: its number, and where items start. */
static int kv_reply_head(const kv_buf_t *r, char type, long long *n,
                         size_t *off)
{
    const char *cr;

    if (r->len < 3 || r->data[0] != type) {
        return KV_ERROR;
    }
    cr = memchr(r->data, '\r', r->len);
    if (cr == NULL ||
        !kv_string2ll(r->data + 1, (size_t) (cr - r->data - 1), n)) {
        return KV_ERROR;
    }
    *off = (size_t) (cr - r->data) + 2;
    return KV_OK;
}

static void kv_fold_append_head(kv_buf_t *out, char type, long long n)
{
    char buf[32];
    size_t len;

    buf[0] = type;
    len = 1 + kv_ll2str(buf + 1, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    (void) kv_buf_append(out, buf, len);
}

static void kv_fold_scan(kv_pending_t *p, kv_buf_t *r)
{
    long long n, inner_len;
    size_t off;
    unsigned long long inner, cursor;
    const char *cr;
    char num[32];
    size_t nlen;

    if (kv_reply_head(r, '*', &n, &off) != KV_OK || n != 2 ||
        r->data[off] != '$') {
        (void) kv_buf_append(&p->reply, r->data, r->len);
        return;
    }
    cr = memchr(r->data + off, '\r', r->len - off);
    if (cr == NULL ||
        !kv_string2ll(r->data + off + 1, (size_t) (cr - r->data - off - 1),
                      &inner_len)) {
        (void) kv_buf_append(&p->reply, r->data, r->len);
        return;
    }
    off = (size_t) (cr - r->data) + 2;
    if (!kv_string2ull(r->data + off, (size_t) inner_len, &inner)) {
        inner = 0;
    }
    off += (size_t) inner_len + 2;
    /* The cursor names the shard in its low bits. */
    if (inner != 0) {
        cursor = (inner << KV_SCAN_SHARD_BITS) | (unsigned) p->scan_shard;
    } else if (p->scan_shard + 1 < kv_route.n) {
        cursor = (unsigned) p->scan_shard + 1;
    } else {
        cursor = 0;
    }
    nlen = (size_t) snprintf(num, sizeof(num), "%llu", cursor);
    (void) kv_buf_append(&p->reply, "*2\r\n", 4);
    kv_fold_append_head(&p->reply, '$', (long long) nlen);
    (void) kv_buf_append(&p->reply, num, nlen);
    (void) kv_buf_append(&p->reply, "\r\n", 2);
    (void) kv_buf_append(&p->reply, r->data + off, r->len - off);
}

/* RANDOMKEY: each part is [dbsize, key or nil]; pick by size. */
static void kv_fold_random(kv_pending_t *p)
{
    long long sizes[KV_MAX_WORKERS], total = 0, pick;
    size_t offs[KV_MAX_WORKERS];

    for (int s = 0; s < kv_route.n; s++) {
        kv_buf_t *r = &p->parts[s]->reply;
        long long n, size;
        size_t off;
        kv_buf_t tmp;

        sizes[s] = 0;
        if (kv_reply_head(r, '*', &n, &off) != KV_OK || n != 2) {
            continue;
        }
        tmp.data = r->data + off;
        tmp.len = r->len - off;
        if (kv_reply_head(&tmp, ':', &size, &off) != KV_OK) {
            continue;
        }
        offs[s] = (size_t) (tmp.data - r->data) + off;
        /* A shard whose keys all expired answers nil: weight 0. */
        if (r->data[offs[s]] == '$' && r->data[offs[s] + 1] != '-') {
            sizes[s] = size;
            total += size;
        }
    }
    if (total == 0) {
        (void) kv_buf_append(&p->reply, "$-1\r\n", 5);
        return;
    }
    pick = (long long) (kv_random64() % (uint64_t) total);
    for (int s = 0; s < kv_route.n; s++) {
        if (pick < sizes[s]) {
            kv_buf_t *r = &p->parts[s]->reply;
            (void) kv_buf_append(&p->reply, r->data + offs[s],
                                 r->len - offs[s]);
            return;
        }
        pick -= sizes[s];
    }
}

static void kv_fold_info(kv_pending_t *p);

static void kv_fold(kv_pending_t *p)
{
    kv_buf_t *out = &p->reply;
    long long sum = 0, n, count = 0;
    size_t off;

    /* An error from any shard is the reply (the shards validate the same
     * arguments the same way, so they agree). */
    for (int s = 0; s < kv_route.n; s++) {
        kv_pending_t *part = p->parts[s];
        if (part != NULL && part->reply.len > 0 && part->reply.data[0] == '-' &&
            p->fold != KV_FOLD_SCAN) {
            (void) kv_buf_append(out, part->reply.data, part->reply.len);
            return;
        }
    }
    switch (p->fold) {
    case KV_FOLD_SUM:
    case KV_FOLD_ALL_SUM:
        for (int s = 0; s < kv_route.n; s++) {
            if (p->parts[s] != NULL &&
                kv_reply_head(&p->parts[s]->reply, ':', &n, &off) == KV_OK) {
                sum += n;
            }
        }
        kv_fold_append_head(out, ':', sum);
        break;
    case KV_FOLD_MSET:
    case KV_FOLD_ALL_OK:
        (void) kv_buf_append(out, "+OK\r\n", 5);
        break;
    case KV_FOLD_ALL_CAT:
        for (int s = 0; s < kv_route.n; s++) {
            if (p->parts[s] != NULL &&
                kv_reply_head(&p->parts[s]->reply, '*', &n, &off) == KV_OK) {
                count += n;
            }
        }
        kv_fold_append_head(out, '*', count);
        for (int s = 0; s < kv_route.n; s++) {
            if (p->parts[s] != NULL &&
                kv_reply_head(&p->parts[s]->reply, '*', &n, &off) == KV_OK) {
                (void) kv_buf_append(out, p->parts[s]->reply.data + off,
                                     p->parts[s]->reply.len - off);
            }
        }
        break;
    case KV_FOLD_MGET: {
        size_t cur[KV_MAX_WORKERS];
        for (int s = 0; s < kv_route.n; s++) {
            cur[s] = 0;
            if (p->parts[s] != NULL) {
                (void) kv_reply_head(&p->parts[s]->reply, '*', &n, &cur[s]);
            }
        }
        kv_fold_append_head(out, '*', p->nkeys);
        for (int i = 0; i < p->nkeys; i++) {
            int s = p->key_shard[i];
            kv_buf_t *r = &p->parts[s]->reply;
            ssize_t span = cur[s] < r->len ? kv_reply_span(r->data + cur[s],
                                                           r->len - cur[s])
                                           : -1;
            if (span < 0) {
                (void) kv_buf_append(out, "$-1\r\n", 5);
                continue;
            }
            (void) kv_buf_append(out, r->data + cur[s], (size_t) span);
            cur[s] += (size_t) span;
        }
        break;
    }
    case KV_FOLD_SCAN:
        kv_fold_scan(p, &p->parts[p->scan_shard]->reply);
        break;
    case KV_FOLD_RANDOM:
        kv_fold_random(p);
        break;
    case KV_FOLD_INFO:
        kv_fold_info(p);
        break;
    case KV_FOLD_ALL_TEXT: {
        kv_buf_t text = { 0 };
        for (int s = 0; s < kv_route.n; s++) {
            if (p->parts[s] != NULL &&
                kv_reply_head(&p->parts[s]->reply, '$', &n, &off) == KV_OK &&
                n >= 0) {
                (void) kv_buf_append(&text, p->parts[s]->reply.data + off,
                                     (size_t) n);
            }
        }
        kv_fold_append_head(out, '$', (long long) text.len);
        (void) kv_buf_append(out, text.data ? text.data : "", text.len);
        (void) kv_buf_append(out, "\r\n", 2);
        kv_buf_free(&text);
        break;
    }
    case KV_FOLD_KILL:
        for (int s = 0; s < kv_route.n; s++) {
            if (p->parts[s] != NULL &&
                kv_reply_head(&p->parts[s]->reply, ':', &n, &off) == KV_OK) {
                sum += n;
            }
        }
        if (!p->old_form) {
            kv_fold_append_head(out, ':', sum);
        } else if (sum > 0) {
            (void) kv_buf_append(out, "+OK\r\n", 5);
        } else {
            static const char e[] = "-ERR No such client\r\n";
            (void) kv_buf_append(out, e, sizeof(e) - 1);
        }
        break;
    default:
        break;
    }
}

static void kv_pending_finished(kv_pending_t *p)
{
    if (p->sync) {
        return; /* kv_route_sync() takes it from here */
    }
    if (p->cb != NULL) {
        kv_route_cb_pt cb = p->cb;
        p->cb = NULL;
        cb(p->cb_arg, p->reply.data, p->reply.len);
        if (kv_pending_idle(p)) {
            kv_pending_free(p);
        }
        return;
    }
    if (p->c != NULL) {
        kv_route_drain(p->c);
    } else if (kv_pending_idle(p)) {
        kv_pending_free(p);
    }
}

static void kv_pending_complete(kv_pending_t *p, const char *data, size_t len)
{
    p->in_flight = 0;
    if (p->c != NULL && p->c->pend_head == p && p->parent == NULL &&
        p->cb == NULL && !p->sync) {
        /* Next in line: straight to the client, without the copy into
         * the entry. */
        kv_client_t *c = p->c;

        p->done = 1;
        kv_route_deliver_head(c, data, len);
        kv_route_drain(c);
        return;
    }
    p->reply.len = p->reply.pos = 0;
    if (kv_buf_append(&p->reply, data, len) != KV_OK) {
        static const char oom[] = "-OOM command not allowed when used "
                                  "memory > 'maxmemory'.\r\n";
        p->reply.len = 0;
        (void) kv_buf_append(&p->reply, oom, sizeof(oom) - 1);
    }
    p->done = 1;
    if (p->parent != NULL) {
        kv_pending_t *parent = p->parent;
        if (--parent->nleft == 0) {
            kv_fold(parent);
            parent->done = 1;
            kv_pending_finished(parent);
        } else if (parent->c == NULL && kv_pending_idle(parent)) {
            kv_pending_free(parent);
        }
        return;
    }
    kv_pending_finished(p);
}

/* ---- fan-out ----------------------------------------------------------- */

static int kv_route_subv(int n)
{
    if (n > kv_route.subcap) {
        kv_str_t *nv = kv_realloc(kv_route.subv, sizeof(kv_str_t) * (size_t) n);
        if (nv == NULL) {
            return KV_ERROR;
        }
        kv_route.subv = nv;
        kv_route.subcap = n;
    }
    return KV_OK;
}

/* Start the part of parent for shard s with the given sub-command. */
static void kv_route_part(kv_client_t *c, kv_pending_t *parent,
                          const kv_cmd_t *cmd, int s, int argc, kv_str_t *argv)
{
    kv_pending_t *part = kv_pending_new(NULL);

    if (part == NULL) {
        return; /* folded as if the shard had nothing */
    }
    part->parent = parent;
    parent->parts[s] = part;
    if (s == kv_route.me) {
        kv_route_capture(c, cmd, argc, argv, &part->reply);
        part->done = 1;
        return;
    }
    parent->nleft++;
    kv_route_send(part, s, c->db->id, argc, argv);
}

static void kv_route_parent_start(kv_pending_t *parent)
{
    if (parent->nleft == 0) {
        kv_fold(parent);
        parent->done = 1;
        kv_pending_finished(parent);
    }
}

/* Keys of one command split by shard (DEL, MGET, MSET ...). */
static void kv_route_split(kv_client_t *c, const kv_cmd_t *cmd, int first,
                           int last, int step, const int *shard)
{
    kv_pending_t *parent = kv_pending_new(c);
    int per = step; /* arguments per key: 1, or 2 for MSET pairs */

    if (parent == NULL || kv_route_subv(c->argc) != KV_OK) {
        kv_free(parent);
        kv_reply_oom(c);
        return;
    }
    parent->fold = cmd->fold;
    kv_queue_append(c, parent);
    if (cmd->fold == KV_FOLD_MGET) {
        parent->nkeys = (last - first) / step + 1;
        parent->key_shard = kv_malloc(sizeof(int) * (size_t) parent->nkeys);
        if (parent->key_shard == NULL) {
            parent->nkeys = 0;
        }
        for (int i = 0; i < parent->nkeys; i++) {
            parent->key_shard[i] = shard[first + i * step];
        }
    }
    for (int s = 0; s < kv_route.n; s++) {
        int n = 0;

        for (int j = first; j <= last; j += step) {
            if (shard[j] != s) {
                continue;
            }
            if (n == 0) {
                kv_route.subv[n++] = c->argv[0];
            }
            for (int k = 0; k < per; k++) {
                kv_route.subv[n++] = c->argv[j + k];
            }
        }
        if (n > 0) {
            kv_route_part(c, parent, cmd, s, n, kv_route.subv);
        }
    }
    kv_route_parent_start(parent);
}

/* The same command to every shard. */
static void kv_route_broadcast(kv_client_t *c, const kv_cmd_t *cmd,
                               const kv_cmd_t *run, int argc, kv_str_t *argv)
{
    kv_pending_t *parent = kv_pending_new(c);

    if (parent == NULL) {
        kv_reply_oom(c);
        return;
    }
    parent->fold = cmd->fold;
    kv_queue_append(c, parent);
    for (int s = 0; s < kv_route.n; s++) {
        kv_route_part(c, parent, run, s, argc, argv);
    }
    kv_route_parent_start(parent);
}

static void kv_route_scan(kv_client_t *c, const kv_cmd_t *cmd)
{
    unsigned long long cursor, inner;
    kv_pending_t *parent;
    char num[32];
    int s;

    if (!kv_parse_cursor(c->argv[1].p, c->argv[1].len, &cursor)) {
        kv_route_local(c, cmd); /* replies "invalid cursor" */
        return;
    }
    s = (int) (cursor & ((1u << KV_SCAN_SHARD_BITS) - 1));
    inner = cursor >> KV_SCAN_SHARD_BITS;
    if (s >= kv_route.n || kv_route_subv(c->argc) != KV_OK) {
        /* Not a cursor we handed out: the iteration is over. */
        kv_route_local(c, cmd);
        return;
    }
    parent = kv_pending_new(c);
    if (parent == NULL) {
        kv_reply_oom(c);
        return;
    }
    parent->fold = KV_FOLD_SCAN;
    parent->scan_shard = s;
    kv_queue_append(c, parent);
    memcpy(kv_route.subv, c->argv, sizeof(kv_str_t) * (size_t) c->argc);
    kv_route.subv[1].p = num;
    kv_route.subv[1].len = (size_t) snprintf(num, sizeof(num), "%llu", inner);
    kv_route_part(c, parent, cmd, s, c->argc, kv_route.subv);
    kv_route_parent_start(parent);
}

/* CLIENT KILL: every worker kills its matching clients, the caller's own
 * worker knows who the caller is ("@clientkill caller-id args..."). */
static void kv_route_kill(kv_client_t *c, const kv_cmd_t *cmd)
{
    kv_pending_t *parent;
    char id[32];
    const kv_cmd_t *run;
    kv_str_t name = { "@clientkill", 11 };

    run = kv_cmd_internal(&name);
    if (run == NULL || kv_route_subv(c->argc) != KV_OK) {
        kv_reply_oom(c);
        return;
    }
    parent = kv_pending_new(c);
    if (parent == NULL) {
        kv_reply_oom(c);
        return;
    }
    parent->fold = KV_FOLD_KILL;
    parent->old_form = c->argc == 3;
    kv_queue_append(c, parent);
    memcpy(kv_route.subv, c->argv, sizeof(kv_str_t) * (size_t) c->argc);
    kv_route.subv[0] = name;
    kv_route.subv[1].p = id;
    kv_route.subv[1].len = kv_ll2str(id, (long long) c->id);
    for (int s = 0; s < kv_route.n; s++) {
        kv_route_part(c, parent, run, s, c->argc, kv_route.subv);
    }
    kv_route_parent_start(parent);
}

/* A command whose keys move with its arguments (numkeys ...): the key
 * finder says where they are; one shard runs it as usual, several go
 * through the generic cross-shard path. */
static void kv_route_movable(kv_client_t *c, const kv_cmd_t *cmd)
{
    int *pos, npos, s0 = -1, multi = 0;

    npos = kv_cmd_key_positions(cmd, c->argv, c->argc, &pos);
    if (npos <= 0) {
        /* No keys, or arguments the command itself will reject. */
        kv_route_local(c, cmd);
        return;
    }
    for (int i = 0; i < npos; i++) {
        int s = kv_key_shard(c->argv[pos[i]].p, c->argv[pos[i]].len,
                             kv_route.n);
        if (s0 < 0) {
            s0 = s;
        } else if (s != s0) {
            multi = 1;
        }
    }
    if (multi) {
        kv_xshard_generic(c, cmd, pos, npos);
    } else if (s0 == kv_route.me) {
        kv_route_local(c, cmd);
    } else {
        kv_route_forward(c, s0);
    }
    kv_free(pos);
}

/*
 * SORT and SORT_RO: the key to sort, the STORE destination, and the keys
 * its BY and GET patterns name for the elements, which are only known
 * once the elements are read. When every one of them is known to be on
 * the key's shard (no such pattern, or one whose {tag} fixes its keys
 * there) SORT runs there as usual; otherwise xshard.c runs it atomically
 * over every shard. Arguments SORT rejects are rejected here.
 */
static void kv_route_sort(kv_client_t *c, const kv_cmd_t *cmd)
{
    const kv_str_t **pats;
    kv_sort_args_t a;
    const char *err;
    int s0, npats, spread;

    if (kv_sort_parse(c->argv, c->argc, cmd->proc == kv_cmd_sort_ro, &a,
                      &err) != KV_OK) {
        kv_route_local(c, cmd);
        return;
    }
    s0 = kv_key_shard(c->argv[1].p, c->argv[1].len, kv_route.n);
    spread = a.store != NULL &&
             kv_key_shard(a.store->p, a.store->len, kv_route.n) != s0;
    pats = kv_malloc(sizeof(*pats) * (size_t) (a.ngets + 1));
    if (pats == NULL) {
        kv_sort_args_free(&a);
        kv_reply_oom(c);
        return;
    }
    npats = kv_sort_reads_keys(&a, pats);
    for (int i = 0; i < npats && !spread; i++) {
        int slot = kv_sort_pattern_slot(pats[i]);
        spread = slot < 0 || kv_slot_shard((unsigned) slot, kv_route.n) != s0;
    }
    kv_free(pats);
    kv_sort_args_free(&a);
    if (spread) {
        kv_xshard_sort(c, cmd);
    } else if (s0 == kv_route.me) {
        kv_route_local(c, cmd);
    } else {
        kv_route_forward(c, s0);
    }
}

void kv_route_call(kv_client_t *c, const kv_cmd_t *cmd)
{
    int shard[KV_ROUTE_MAX_STACK_KEYS], *sh = shard;
    int first, last, step, s0 = -1, multi = 0;

    if (cmd->proc == kv_cmd_blocking) {
        kv_block_call(c, cmd);
        return;
    }
    if (kv_route.n < 2) {
        kv_route_local(c, cmd);
        return;
    }
    switch (cmd->fold) {
    case KV_FOLD_ALL_SUM:
    case KV_FOLD_ALL_OK:
    case KV_FOLD_ALL_CAT:
    case KV_FOLD_INFO:
    case KV_FOLD_ALL_TEXT:
        kv_route_broadcast(c, cmd, cmd, c->argc, c->argv);
        return;
    case KV_FOLD_KILL:
        kv_route_kill(c, cmd);
        return;
    case KV_FOLD_RANDOM: {
        static kv_str_t arg = { "@randomkey", 10 };
        kv_route_broadcast(c, cmd, kv_cmd_internal(&arg), 1, &arg);
        return;
    }
    case KV_FOLD_SCAN:
        kv_route_scan(c, cmd);
        return;
    default:
        break;
    }
    if (cmd->proc == kv_cmd_sort || cmd->proc == kv_cmd_sort_ro) {
        kv_route_sort(c, cmd);
        return;
    }
    if (cmd->flags & KV_CMD_MOVABLEKEYS) {
        kv_route_movable(c, cmd);
        return;
    }
    if (cmd->first_key == 0 || c->argc <= cmd->first_key) {
        kv_route_local(c, cmd);
        return;
    }
    first = cmd->first_key;
    last = cmd->last_key < 0 ? c->argc + cmd->last_key : cmd->last_key;
    step = cmd->key_step > 0 ? cmd->key_step : 1;
    if (last >= c->argc) {
        last = c->argc - 1;
    }
    if ((cmd->fold == KV_FOLD_MSET || cmd->fold == KV_FOLD_ATOMIC) &&
        step == 2 && (c->argc - first) % 2 != 0) {
        kv_route_local(c, cmd); /* the arity error */
        return;
    }
    if (c->argc > KV_ROUTE_MAX_STACK_KEYS) {
        sh = kv_malloc(sizeof(int) * (size_t) c->argc);
        if (sh == NULL) {
            kv_reply_oom(c);
            return;
        }
    }
    for (int j = first; j <= last; j += step) {
        sh[j] = kv_key_shard(c->argv[j].p, c->argv[j].len, kv_route.n);
        if (s0 < 0) {
            s0 = sh[j];
        } else if (sh[j] != s0) {
            multi = 1;
        }
    }
    if (!multi) {
        if (s0 == kv_route.me || s0 < 0) {
            kv_route_local(c, cmd);
        } else {
            kv_route_forward(c, s0);
        }
    } else if (kv_xshard_supported(cmd)) {
        kv_xshard_call(c, cmd);
    } else if (cmd->fold == KV_FOLD_NONE || cmd->fold == KV_FOLD_ATOMIC) {
        int *pos = kv_malloc(sizeof(int) * (size_t) c->argc), npos = 0;
        if (pos == NULL) {
            kv_reply_oom(c);
        } else {
            for (int j = first; j <= last; j += step) {
                pos[npos++] = j;
            }
            kv_xshard_generic(c, cmd, pos, npos);
            kv_free(pos);
        }
    } else {
        kv_route_split(c, cmd, first, last, step, sh);
    }
    if (sh != shard) {
        kv_free(sh);
    }
}

/* ---- messages from other workers -------------------------------------- */

static void kv_route_run_remote(int from, const kv_msg_hdr_t *hdr,
                                const char *data, size_t len, int reply)
{
    kv_resp_limits_t lim = { LLONG_MAX };
    kv_client_t *rc = &kv_route.remote;
    kv_msg_hdr_t rh;
    struct iovec iov;
    const char *err;
    size_t pos = 0;
    int argc;

    rc->obuf.len = rc->obuf.pos = 0;
    rc->flags = KV_CLIENT_FAKE;
    rc->db = kv_db_get(hdr->db);
    kv_route.cur_from = from;
    kv_route.cur_hdr = *hdr;
    kv_resp_parser_reset(&kv_route.parser);
    if (rc->db == NULL || kv_resp_parse(&kv_route.parser, data, len, &pos, &lim,
                                        &argc, &err) != KV_OK) {
        kv_reply_error(rc, "internal error: malformed forwarded command");
    } else {
        rc->argc = argc;
        rc->argv = kv_route.parser.argv;
        kv_db_clock_command();
        kv_cmd_run(rc);
        kv_worker.total_commands++;
    }
    if ((rc->flags & KV_CLIENT_NOREPLY) || !reply) {
        rc->flags = KV_CLIENT_FAKE;
        rc->argc = 0;
        rc->argv = NULL;
        rc->obuf.len = rc->obuf.pos = 0;
        return;
    }
    memset(&rh, 0, sizeof(rh));
    rh.kind = KV_MSG_REPLY;
    rh.db = hdr->db;
    rh.origin_gen = hdr->origin_gen;
    rh.target_gen = kv_route.gen;
    rh.seq = hdr->seq;
    iov.iov_base = rc->obuf.data;
    iov.iov_len = rc->obuf.len;
    if (kv_shard_send(from, &rh, &iov, 1, NULL) != KV_OK) {
        kv_log(KV_LOG_ERR, 0, "cannot send a reply to worker %d", from);
    }
    rc->argc = 0;
    rc->argv = NULL;
    kv_buf_shrink(&rc->obuf, KV_CLIENT_BUF_KEEP);
}

static void kv_route_reply(int from, const kv_msg_hdr_t *hdr, const char *data,
                           size_t len)
{
    kv_pending_t *p;

    if (hdr->origin_gen != kv_route.gen) {
        return; /* for the worker that had this slot before us */
    }
    while ((p = kv_route.tq_head[from]) != NULL && p->seq <= hdr->seq) {
        kv_route.tq_head[from] = p->tnext;
        if (kv_route.tq_head[from] == NULL) {
            kv_route.tq_tail[from] = NULL;
        }
        if (p->seq < hdr->seq) {
            /* Newer replies come only after older ones: this request was
             * taken by a worker that died before answering. */
            kv_pending_complete(p, KV_LOST_REPLY, sizeof(KV_LOST_REPLY) - 1);
            continue;
        }
        kv_pending_complete(p, data, len);
        break;
    }
}

void kv_route_message(int from, const kv_msg_hdr_t *hdr, const char *data,
                      size_t len)
{
    if (hdr->kind == KV_MSG_REQ || hdr->kind == KV_MSG_NOTE) {
        kv_route_run_remote(from, hdr, data, len, hdr->kind == KV_MSG_REQ);
        /* The command may have given a blocked client its data. */
        (void) kv_block_pump();
    } else if (hdr->kind == KV_MSG_REPLY) {
        kv_route_reply(from, hdr, data, len);
    }
}

void kv_route_peer_died(int peer, uint64_t pos)
{
    kv_pending_t *p;

    /* Replies the dead worker published are still good: take them first. */
    (void) kv_shard_poll();
    while ((p = kv_route.tq_head[peer]) != NULL && p->pos < pos) {
        kv_route.tq_head[peer] = p->tnext;
        if (kv_route.tq_head[peer] == NULL) {
            kv_route.tq_tail[peer] = NULL;
        }
        kv_pending_complete(p, KV_LOST_REPLY, sizeof(KV_LOST_REPLY) - 1);
    }
    kv_block_peer_died(peer);
}

/* ---- INFO ------------------------------------------------------------- */

typedef struct {
    const char *p;
    size_t len;
} kv_span_t;

/* The text of a bulk reply. */
static int kv_info_text(const kv_buf_t *r, kv_span_t *t)
{
    long long n;
    size_t off;

    if (kv_reply_head(r, '$', &n, &off) != KV_OK || n < 0 ||
        off + (size_t) n > r->len) {
        return KV_ERROR;
    }
    t->p = r->data + off;
    t->len = (size_t) n;
    return KV_OK;
}

/* The value of "name:" in an INFO text, as an integer. */
static int kv_info_field(const kv_span_t *t, const char *name, size_t nlen,
                         long long *v)
{
    const char *p = t->p, *end = t->p + t->len;

    while (p < end) {
        const char *eol = memchr(p, '\r', (size_t) (end - p));
        size_t l = eol ? (size_t) (eol - p) : (size_t) (end - p);
        if (l > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == ':') {
            return kv_string2ll(p + nlen + 1, l - nlen - 1, v) ? KV_OK
                                                               : KV_ERROR;
        }
        p += l + 2;
    }
    return KV_ERROR;
}

/* "db3:keys=5,expires=1,avg_ttl=20" */
typedef struct {
    long long keys, expires, ttl_weighted;
    int seen;
} kv_info_db_t;

static void kv_info_dbs(const kv_span_t *t, kv_info_db_t *dbs, int ndbs)
{
    const char *p = t->p, *end = t->p + t->len;

    while (p < end) {
        const char *eol = memchr(p, '\r', (size_t) (end - p));
        size_t l = eol ? (size_t) (eol - p) : (size_t) (end - p);
        int db;
        long long k, e, ttl;
        char line[128];

        if (l > 2 && l < sizeof(line) && memcmp(p, "db", 2) == 0) {
            memcpy(line, p, l);
            line[l] = '\0';
            if (sscanf(line, "db%d:keys=%lld,expires=%lld,avg_ttl=%lld", &db,
                       &k, &e, &ttl) == 4 &&
                db >= 0 && db < ndbs) {
                dbs[db].keys += k;
                dbs[db].expires += e;
                dbs[db].ttl_weighted += ttl * e;
                dbs[db].seen = 1;
            }
        }
        p += l + 2;
    }
}

/*
 * Fold the INFO texts of every shard: the origin's text is the frame;
 * numeric fields outside "# Server" are summed over shards (but
 * maxclients, a limit); the keyspace lines are merged per database.
 */
static void kv_fold_info(kv_pending_t *p)
{
    kv_span_t texts[KV_MAX_WORKERS], base;
    int have[KV_MAX_WORKERS], in_server = 0, in_keyspace = 0;
    kv_buf_t out = { 0 };
    const char *q, *end;
    int ndbs = kv_db_count();
    kv_info_db_t *dbs = kv_calloc((size_t) ndbs, sizeof(*dbs));

    memset(texts, 0, sizeof(texts));
    memset(have, 0, sizeof(have));
    for (int s = 0; s < kv_route.n; s++) {
        have[s] = p->parts[s] != NULL &&
                  kv_info_text(&p->parts[s]->reply, &texts[s]) == KV_OK;
    }
    if (!have[kv_route.me] || dbs == NULL) {
        kv_free(dbs);
        (void) kv_buf_append(&p->reply, "$0\r\n\r\n", 6);
        return;
    }
    base = texts[kv_route.me];
    for (int s = 0; s < kv_route.n; s++) {
        if (have[s]) {
            kv_info_dbs(&texts[s], dbs, ndbs);
        }
    }
    q = base.p;
    end = base.p + base.len;
    while (q < end) {
        const char *eol = memchr(q, '\r', (size_t) (end - q));
        size_t l = eol ? (size_t) (eol - q) : (size_t) (end - q);
        const char *colon = memchr(q, ':', l);
        long long v, sum;

        if (l > 0 && q[0] == '#') {
            in_server = l == 8 && memcmp(q, "# Server", 8) == 0;
            in_keyspace = l == 10 && memcmp(q, "# Keyspace", 10) == 0;
            (void) kv_buf_append(&out, q, l);
            (void) kv_buf_append(&out, "\r\n", 2);
            if (in_keyspace) {
                for (int d = 0; d < ndbs; d++) {
                    char line[160];
                    int n;
                    if (!dbs[d].seen || dbs[d].keys == 0) {
                        continue;
                    }
                    n = snprintf(line, sizeof(line),
                                 "db%d:keys=%lld,expires=%lld,avg_ttl=%lld\r\n",
                                 d, dbs[d].keys, dbs[d].expires,
                                 dbs[d].expires
                                     ? dbs[d].ttl_weighted / dbs[d].expires
                                     : 0);
                    (void) kv_buf_append(&out, line, (size_t) n);
                }
            }
        } else if (in_keyspace) {
            /* replaced above */
        } else if (!in_server && colon != NULL &&
                   kv_string2ll(colon + 1, l - (size_t) (colon - q) - 1, &v) &&
                   !((size_t) (colon - q) == 10 &&
                     memcmp(q, "maxclients", 10) == 0)) {
            char num[32];
            size_t nl = (size_t) (colon - q);
            sum = 0;
            for (int s = 0; s < kv_route.n; s++) {
                if (have[s] && kv_info_field(&texts[s], q, nl, &v) == KV_OK) {
                    sum += v;
                }
            }
            (void) kv_buf_append(&out, q, nl + 1);
            (void) kv_buf_append(&out, num, kv_ll2str(num, sum));
            (void) kv_buf_append(&out, "\r\n", 2);
        } else {
            (void) kv_buf_append(&out, q, l);
            (void) kv_buf_append(&out, "\r\n", 2);
        }
        q += l + 2;
    }
    kv_fold_append_head(&p->reply, '$', (long long) out.len);
    (void) kv_buf_append(&p->reply, out.data, out.len);
    (void) kv_buf_append(&p->reply, "\r\n", 2);
    kv_buf_free(&out);
    kv_free(dbs);
}

/* ---- synchronous calls, for xshard.c ---------------------------------- */

void kv_route_wait(void)
{
    kv_shard_wait(KV_XSHARD_WAIT_MS);
    kv_db_clock_turn();
}

int kv_route_current_origin(void)
{
    return kv_route.cur_from;
}

void kv_route_reply_now(kv_client_t *c)
{
    kv_msg_hdr_t rh;
    struct iovec iov;

    memset(&rh, 0, sizeof(rh));
    rh.kind = KV_MSG_REPLY;
    rh.db = kv_route.cur_hdr.db;
    rh.origin_gen = kv_route.cur_hdr.origin_gen;
    rh.target_gen = kv_route.gen;
    rh.seq = kv_route.cur_hdr.seq;
    iov.iov_base = c->obuf.data;
    iov.iov_len = c->obuf.len;
    (void) kv_shard_send(kv_route.cur_from, &rh, &iov, 1, NULL);
    kv_shard_flush();
    c->obuf.len = c->obuf.pos = 0;
}

int kv_route_sync(int target, int db, int argc, kv_str_t *argv, kv_buf_t *out,
                  uint64_t mask)
{
    kv_pending_t *p;
    uint32_t gen;

    if (target == kv_route.me) {
        /* Our own part runs here, on the same fake client the other
         * workers' commands use. */
        kv_client_t *rc = &kv_route.remote;
        kv_client_t saved = *rc;
        rc->obuf.data = NULL;
        rc->obuf.len = rc->obuf.pos = rc->obuf.cap = 0;
        rc->flags = KV_CLIENT_FAKE;
        rc->db = kv_db_get(db);
        rc->argc = argc;
        rc->argv = argv;
        kv_db_update_clock();
        kv_cmd_run(rc);
        (void) kv_buf_append(out, rc->obuf.data, rc->obuf.len);
        kv_buf_free(&rc->obuf);
        *rc = saved;
        return KV_OK;
    }
    p = kv_pending_new(NULL);
    if (p == NULL) {
        return KV_ERROR;
    }
    p->sync = 1;
    gen = kv_shard_generation(target);
    kv_route_send(p, target, db, argc, argv);
    kv_route_nested++;
    while (!p->done) {
        kv_shard_flush();
        if (kv_shard_poll_mask(mask | (1ULL << target)) > 0) {
            continue;
        }
        if (p->done) {
            break;
        }
        if (kv_shard_generation(target) != gen ||
            atomic_load(&kv_worker.shm->hdr->slots[target].pid) == 0) {
            /* It stays in the FIFO; the death protocol finishes it. */
            p->sync = 0;
            kv_route_nested--;
            return KV_ERROR;
        }
        kv_route_wait();
    }
    kv_route_nested--;
    (void) kv_buf_append(out, p->reply.data, p->reply.len);
    kv_pending_free(p);
    return KV_OK;
}

kv_buf_t *kv_route_begin_reply(kv_client_t *c)
{
    kv_pending_t *p = kv_reply_entry(c);

    if (p == NULL) {
        return NULL;
    }
    kv_route.xs_pending = p;
    return &p->reply;
}

void kv_route_end_reply(kv_client_t *c)
{
    kv_pending_t *p = kv_route.xs_pending;

    kv_route.xs_pending = NULL;
    p->done = 1;
    kv_pending_finished(p);
}

/* ---- replies handed to callbacks, one-way messages (block.c) ---------- */

void kv_route_call_cb(kv_client_t *c, const kv_cmd_t *cmd, int argc,
                      kv_str_t *argv, kv_route_cb_pt cb, uint64_t arg)
{
    static const char err[] = "-ERR internal error: no reply captured\r\n";
    kv_str_t *sargv = c->argv;
    int sargc = c->argc;

    c->argv = argv;
    c->argc = argc;
    kv_route.cap_cb = cb;
    kv_route.cap_arg = arg;
    kv_route_call(c, cmd);
    c->argv = sargv;
    c->argc = sargc;
    if (kv_route.cap_cb != NULL) {
        /* A path that replied to c directly (none of the commands that
         * are run this way should take one). */
        kv_route.cap_cb = NULL;
        cb(arg, err, sizeof(err) - 1);
    }
}

void kv_route_request(int target, int db, int argc, const kv_str_t *argv,
                      kv_route_cb_pt cb, uint64_t arg)
{
    kv_pending_t *p = kv_pending_new(NULL);

    if (p == NULL) {
        static const char oom[] = "-OOM command not allowed when used "
                                  "memory > 'maxmemory'.\r\n";
        cb(arg, oom, sizeof(oom) - 1);
        return;
    }
    p->cb = cb;
    p->cb_arg = arg;
    kv_route_send(p, target, db, argc, argv);
}

int kv_route_note(int target, int db, int argc, const kv_str_t *argv)
{
    if (kv_route_post(target, KV_MSG_NOTE, db, 0, argc, argv, NULL) !=
        KV_OK) {
        kv_log(KV_LOG_ERR, 0, "cannot send a message to worker %d", target);
        return KV_ERROR;
    }
    return KV_OK;
}

kv_pending_t *kv_route_hold(kv_client_t *c)
{
    kv_pending_t *p = kv_pending_new(c);

    if (p != NULL) {
        kv_queue_append(c, p);
    }
    return p;
}

void kv_route_fill(kv_pending_t *p, const char *reply, size_t len)
{
    p->reply.len = p->reply.pos = 0;
    if (kv_buf_append(&p->reply, reply, len) != KV_OK) {
        static const char oom[] = "-OOM command not allowed when used "
                                  "memory > 'maxmemory'.\r\n";
        p->reply.len = 0;
        (void) kv_buf_append(&p->reply, oom, sizeof(oom) - 1);
    }
    p->done = 1;
    kv_pending_finished(p);
}

void kv_route_abandon(kv_pending_t *p)
{
    p->done = 1;
}

uint32_t kv_route_generation(void)
{
    return kv_route.gen;
}
