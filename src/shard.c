/*
 * shard.c: messages between workers over the shared-memory rings (see
 * shard.h for the message format and the death protocol).
 */
#include "shard.h"

#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "alloc.h"
#include "buf.h"
#include "log.h"

/* Messages taken from one inbound ring per loop turn before the next ring
 * gets its turn: one chatty peer must not starve the others. */
#define KV_SHARD_POLL_BATCH 256

/* A message, or its tail, waiting for room in a ring. */
typedef struct kv_backlog_s kv_backlog_t;
struct kv_backlog_s {
    kv_backlog_t *next;
    kv_msg_hdr_t hdr;
    size_t base;   /* data holds the message's bytes [base, total) */
    uint64_t *pos; /* where the first fragment's position goes */
    size_t len;
    char data[];
};

static void kv_shard_space_freed_impl(int j);

typedef struct {
    kv_ring_t out; /* ring (me, peer) */
    kv_ring_t in;  /* ring (peer, me) */
    kv_backlog_t *bl_head, *bl_tail;
    int dirty;     /* pushed this turn: ring the doorbell */
    kv_buf_t rbuf; /* reassembly of a fragmented message */
    kv_msg_hdr_t rhdr;
    int reassembling;
} kv_peer_t;

static struct {
    kv_shm_t *shm;
    int slot, nslots;
    kv_shard_handler_pt handler;
    kv_peer_t peers[KV_MAX_WORKERS];
    size_t max_chunk;
} kv_shard;

static kv_ring_hdr_t *kv_shard_ring_mem(kv_shm_t *shm, int from, int to)
{
    kv_shm_header_t *h = shm->hdr;
    size_t stride = kv_ring_footprint(h->ring_size);

    return (kv_ring_hdr_t *) ((char *) h + h->ring_off +
                              ((size_t) from * h->nslots + (size_t) to) *
                                  stride);
}

size_t kv_shard_shm_size(int nslots, size_t ring_size)
{
    if (nslots < 2) {
        return 0; /* one worker talks to nobody */
    }
    return (size_t) nslots * (size_t) nslots * kv_ring_footprint(ring_size);
}

int kv_shard_format(kv_shm_t *shm, int nslots, size_t ring_size)
{
    kv_ring_t r;

    if (nslots < 2) {
        return KV_OK;
    }
    for (int i = 0; i < nslots; i++) {
        for (int j = 0; j < nslots; j++) {
            if (i != j && kv_ring_init(&r, kv_shard_ring_mem(shm, i, j),
                                       ring_size) != KV_OK) {
                kv_log(KV_LOG_EMERG, 0, "cannot format ring (%d, %d)", i, j);
                return KV_ERROR;
            }
        }
    }
    for (int i = 0; i < nslots; i++) {
        shm->eventfd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (shm->eventfd[i] < 0) {
            kv_log(KV_LOG_EMERG, errno, "eventfd() failed");
            return KV_ERROR;
        }
    }
    return KV_OK;
}

void kv_shard_recover_consumer(kv_shm_t *shm, int dead, uint64_t *pos)
{
    kv_ring_t r;

    for (int i = 0; i < (int) shm->hdr->nslots; i++) {
        pos[i] = 0;
        if (i == dead || shm->hdr->nslots < 2) {
            continue;
        }
        if (kv_ring_attach(&r, kv_shard_ring_mem(shm, i, dead)) == KV_OK) {
            pos[i] = kv_ring_consumer_recover(&r);
        }
    }
}

int kv_shard_init(kv_shm_t *shm, int slot, int nslots,
                  kv_shard_handler_pt handler)
{
    kv_shard.shm = shm;
    kv_shard.slot = slot;
    kv_shard.nslots = nslots;
    kv_shard.handler = handler;
    if (nslots < 2) {
        return KV_OK;
    }
    for (int j = 0; j < nslots; j++) {
        kv_peer_t *p = &kv_shard.peers[j];
        if (j == slot) {
            continue;
        }
        if (kv_ring_attach(&p->out, kv_shard_ring_mem(shm, slot, j)) != KV_OK ||
            kv_ring_attach(&p->in, kv_shard_ring_mem(shm, j, slot)) != KV_OK) {
            kv_log(KV_LOG_EMERG, 0, "ring (%d, %d) is damaged", slot, j);
            return KV_ERROR;
        }
        kv_shard.max_chunk =
            kv_ring_max_payload(&p->out) - sizeof(kv_msg_hdr_t);
    }
    return KV_OK;
}

uint32_t kv_shard_generation(int slot)
{
    return atomic_load(&kv_shard.shm->hdr->slots[slot].generation);
}

int kv_shard_eventfd(int slot)
{
    return kv_shard.shm->eventfd[slot];
}

_Atomic uint32_t *kv_shard_doorbell(int slot)
{
    return &kv_shard.shm->hdr->slots[slot].doorbell;
}

uint64_t kv_shard_ring_read(int origin, int target)
{
    return kv_ring_claimed_upto(&kv_shard.peers[target].out);
}

/*
 * Push fragments of a message, from message offset *off on, taking bytes
 * from iov, which holds the message from offset base on. Stops when the
 * ring is full: KV_OK when all went, KV_AGAIN otherwise.
 */
static int kv_shard_push(kv_peer_t *p, kv_msg_hdr_t *hdr,
                         const struct iovec *iov, int iovcnt, size_t base,
                         size_t *off, uint64_t *pos)
{
    size_t total = hdr->total;

    do {
        size_t chunk = total - *off, skip = *off - base, want;
        struct iovec parts[1 + 16];
        int n = 0;
        uint64_t at;

        if (chunk > kv_shard.max_chunk) {
            chunk = kv_shard.max_chunk;
        }
        hdr->offset = (uint32_t) *off;
        parts[n].iov_base = hdr;
        parts[n++].iov_len = sizeof(*hdr);
        want = chunk;
        for (int i = 0; i < iovcnt && want > 0 && n < 17; i++) {
            size_t l = iov[i].iov_len, take;
            if (skip >= l) {
                skip -= l;
                continue;
            }
            take = l - skip < want ? l - skip : want;
            parts[n].iov_base = (char *) iov[i].iov_base + skip;
            parts[n++].iov_len = take;
            want -= take;
            skip = 0;
        }
        if (kv_ring_push(&p->out, hdr->kind, parts, n, &at) != KV_OK) {
            return KV_AGAIN;
        }
        if (*off == 0 && pos != NULL) {
            *pos = at;
        }
        *off += chunk;
        p->dirty = 1;
    } while (*off < total);
    return KV_OK;
}

/* Keep the unsent part of a message, from offset off on, in the backlog. */
static int kv_shard_backlog(kv_peer_t *p, const kv_msg_hdr_t *hdr,
                            const struct iovec *iov, int iovcnt, size_t off,
                            uint64_t *pos)
{
    size_t len = hdr->total - off, at = 0, skip = off;
    kv_backlog_t *b = kv_malloc(sizeof(*b) + len);

    if (b == NULL) {
        kv_log(KV_LOG_CRIT, 0, "out of memory queueing a %zu-byte message",
               len);
        return KV_ERROR;
    }
    b->next = NULL;
    b->hdr = *hdr;
    b->base = off;
    b->pos = off == 0 ? pos : NULL;
    b->len = len;
    for (int i = 0; i < iovcnt; i++) {
        size_t l = iov[i].iov_len;
        if (skip >= l) {
            skip -= l;
            continue;
        }
        memcpy(b->data + at, (char *) iov[i].iov_base + skip, l - skip);
        at += l - skip;
        skip = 0;
    }
    if (b->pos != NULL) {
        *b->pos = UINT64_MAX; /* not in the ring yet */
    }
    if (p->bl_tail != NULL) {
        p->bl_tail->next = b;
    } else {
        p->bl_head = b;
    }
    p->bl_tail = b;
    return KV_OK;
}

int kv_shard_send(int target, kv_msg_hdr_t *hdr, const struct iovec *iov,
                  int iovcnt, uint64_t *pos)
{
    kv_peer_t *p = &kv_shard.peers[target];
    size_t total = 0, off = 0;

    for (int i = 0; i < iovcnt; i++) {
        total += iov[i].iov_len;
    }
    if (total > UINT32_MAX || iovcnt > 16) {
        return KV_ERROR;
    }
    hdr->total = (uint32_t) total;
    if (p->bl_head == NULL &&
        kv_shard_push(p, hdr, iov, iovcnt, 0, &off, pos) == KV_OK) {
        return KV_OK;
    }
    return kv_shard_backlog(p, hdr, iov, iovcnt, off, pos);
}

/*
 * Wake worker target: bump its doorbell word, then FUTEX_WAKE it (a
 * worker that waits on the word: io_uring's futex wait, kv_shard_wait())
 * or write its eventfd (one that waits on that: epoll, io_uring without
 * futex waits). The word is bumped either way, so a futex waiter that
 * armed before the bump never sleeps through it.
 */
static void kv_shard_wake(int target)
{
    kv_shm_slot_t *s = &kv_shard.shm->hdr->slots[target];
    uint64_t one = 1;

    atomic_fetch_add(&s->doorbell, 1);
    if (atomic_load(&s->bell_futex)) {
        /* Shared (no FUTEX_PRIVATE_FLAG): the word is in the memfd every
         * worker maps. */
        if (syscall(SYS_futex, &s->doorbell, FUTEX_WAKE, INT_MAX, NULL, NULL,
                    0) < 0) {
            kv_log(KV_LOG_ALERT, errno, "futex wake of worker %d failed",
                   target);
        }
    } else if (write(kv_shard.shm->eventfd[target], &one, sizeof(one)) < 0 &&
               errno != EAGAIN) {
        kv_log(KV_LOG_ALERT, errno,
               "write() to the eventfd of worker %d failed", target);
    }
}

static void kv_shard_ring_bell(int target)
{
    kv_shm_slot_t *s = &kv_shard.shm->hdr->slots[target];

    /* Pairs with the fence in kv_shard_prepare_sleep(): either the sleeper
     * sees our record, or we see its flag. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&s->sleeping, memory_order_relaxed) &&
        atomic_exchange(&s->sleeping, 0)) {
        kv_shard_wake(target);
    }
}

/* Returns 1 while some backlog is left. */
static int kv_shard_flush_backlogs(void)
{
    int left = 0;

    for (int j = 0; j < kv_shard.nslots; j++) {
        kv_peer_t *p = &kv_shard.peers[j];

        while (p->bl_head != NULL) {
            kv_backlog_t *b = p->bl_head;
            struct iovec iov = { b->data, b->len };
            size_t off = b->base;

            if (kv_shard_push(p, &b->hdr, &iov, 1, b->base, &off, b->pos) !=
                KV_OK) {
                /* Keep what is still unsent: bytes [off, total). */
                memmove(b->data, b->data + (off - b->base), b->hdr.total - off);
                b->len = b->hdr.total - off;
                if (off != b->base) {
                    b->pos = NULL;
                }
                b->base = off;
                left = 1;
                break;
            }
            p->bl_head = b->next;
            if (p->bl_head == NULL) {
                p->bl_tail = NULL;
            }
            kv_free(b);
        }
    }
    return left;
}

void kv_shard_flush(void)
{
    if (kv_shard.nslots < 2) {
        return;
    }
    (void) kv_shard_flush_backlogs();
    for (int j = 0; j < kv_shard.nslots; j++) {
        if (kv_shard.peers[j].dirty) {
            kv_shard.peers[j].dirty = 0;
            kv_shard_ring_bell(j);
        }
    }
}

/* One complete message from peer j: hand it over. */
static void kv_shard_deliver(int j, const kv_msg_hdr_t *hdr, const char *p,
                             size_t len)
{
    kv_shard.handler(j, hdr, p, len);
}

int kv_shard_poll(void)
{
    return kv_shard_poll_mask(UINT64_MAX);
}

int kv_shard_poll_mask(uint64_t mask)
{
    int handled = 0;

    for (int j = 0; j < kv_shard.nslots; j++) {
        kv_peer_t *p = &kv_shard.peers[j];
        kv_ring_msg_t m;
        int n = 0, claimed = 0;

        if (j == kv_shard.slot || !(mask & (1ULL << j))) {
            continue;
        }
        while (n < KV_SHARD_POLL_BATCH && kv_ring_claim(&p->in, &m) == KV_OK) {
            kv_msg_hdr_t hdr;
            const char *data = (const char *) m.payload + sizeof(hdr);
            size_t len;

            claimed = 1;
            if (m.len < sizeof(hdr)) {
                kv_log(KV_LOG_ALERT, 0, "short record in ring (%d, %d)", j,
                       kv_shard.slot);
                continue;
            }
            memcpy(&hdr, m.payload, sizeof(hdr));
            len = m.len - sizeof(hdr);
            if (hdr.offset == 0 && len == hdr.total) {
                p->reassembling = 0;
                kv_shard_deliver(j, &hdr, data, len);
                n++;
                continue;
            }
            /* A fragment. A new first fragment drops a partial message
             * whose producer died before finishing it. */
            if (hdr.offset == 0) {
                p->rbuf.len = p->rbuf.pos = 0;
                p->rhdr = hdr;
                p->reassembling = 1;
            } else if (!p->reassembling || hdr.offset != p->rbuf.len ||
                       hdr.seq != p->rhdr.seq || hdr.kind != p->rhdr.kind) {
                p->reassembling = 0;
                continue;
            }
            if (kv_buf_append(&p->rbuf, data, len) != KV_OK) {
                kv_log(KV_LOG_CRIT, 0,
                       "out of memory reassembling a "
                       "%u-byte message",
                       hdr.total);
                p->reassembling = 0;
                continue;
            }
            if (p->rbuf.len == hdr.total) {
                p->reassembling = 0;
                kv_shard_deliver(j, &p->rhdr, p->rbuf.data, p->rbuf.len);
                p->rbuf.len = 0;
                kv_buf_shrink(&p->rbuf, 0);
                n++;
            }
        }
        if (claimed) {
            kv_ring_release_all(&p->in);
            kv_shard_space_freed_impl(j);
        }
        handled += n;
    }
    return handled;
}

/* We released records of ring (j, me): wake j if it waits for room. */
static void kv_shard_space_freed_impl(int j)
{
    kv_shm_slot_t *me = &kv_shard.shm->hdr->slots[kv_shard.slot];
    uint64_t bit = 1ULL << j;

    /* Pairs with the fence of the waiting producer: either it sees the
     * tail we just released, or we see its bit. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&me->space_waiters, memory_order_relaxed) & bit) {
        atomic_fetch_and(&me->space_waiters, ~bit);
        kv_shard_ring_bell(j);
    }
}

int kv_shard_prepare_sleep(void)
{
    kv_shm_slot_t *me;
    int backlog = 0;

    if (kv_shard.nslots < 2) {
        return 1;
    }
    me = &kv_shard.shm->hdr->slots[kv_shard.slot];
    atomic_store(&me->sleeping, 1);
    /* Ask the consumers we wait on for a bell when they free room. */
    for (int j = 0; j < kv_shard.nslots; j++) {
        if (kv_shard.peers[j].bl_head != NULL) {
            atomic_fetch_or(&kv_shard.shm->hdr->slots[j].space_waiters,
                            1ULL << kv_shard.slot);
            backlog = 1;
        }
    }
    atomic_thread_fence(memory_order_seq_cst);
    if (backlog) {
        int left = kv_shard_flush_backlogs();
        /* Whatever went into a ring now must be announced before we
         * sleep, or both sides would sleep until a timer. */
        for (int j = 0; j < kv_shard.nslots; j++) {
            if (kv_shard.peers[j].dirty) {
                kv_shard.peers[j].dirty = 0;
                kv_shard_ring_bell(j);
            }
        }
        if (!left) {
            atomic_store(&me->sleeping, 0);
            return 0;
        }
    }
    for (int j = 0; j < kv_shard.nslots; j++) {
        if (j != kv_shard.slot && kv_ring_readable(&kv_shard.peers[j].in)) {
            atomic_store(&me->sleeping, 0);
            return 0;
        }
    }
    return 1;
}

int kv_shard_has_input(void)
{
    for (int j = 0; j < kv_shard.nslots; j++) {
        if (j != kv_shard.slot && kv_ring_readable(&kv_shard.peers[j].in)) {
            return 1;
        }
    }
    return 0;
}

int kv_shard_has_backlog(void)
{
    for (int j = 0; j < kv_shard.nslots; j++) {
        if (kv_shard.peers[j].bl_head != NULL) {
            return 1;
        }
    }
    return 0;
}

void kv_shard_woke(void)
{
    if (kv_shard.nslots < 2) {
        return;
    }
    atomic_store_explicit(&kv_shard.shm->hdr->slots[kv_shard.slot].sleeping, 0,
                          memory_order_relaxed);
}

void kv_shard_bell_drain(void)
{
    uint64_t v;

    /* One read empties the eventfd's counter. */
    if (read(kv_shard.shm->eventfd[kv_shard.slot], &v, sizeof(v)) < 0 &&
        errno != EAGAIN) {
        kv_log(KV_LOG_ALERT, errno, "read() from eventfd failed");
    }
}

void kv_shard_kick(int target)
{
    kv_shard_wake(target);
}

void kv_shard_bell_futex(int on)
{
    atomic_store(&kv_shard.shm->hdr->slots[kv_shard.slot].bell_futex,
                 on ? 1u : 0u);
}

void kv_shard_wait(int ms)
{
    kv_shm_slot_t *me;
    struct pollfd pfd;
    uint32_t bell;

    if (kv_shard.nslots < 2) {
        return;
    }
    me = &kv_shard.shm->hdr->slots[kv_shard.slot];
    /* Read before the sleeping flag goes up: a bell rung after it changes
     * the word, and the futex wait then returns at once. */
    bell = atomic_load(&me->doorbell);
    if (!kv_shard_prepare_sleep()) {
        return;
    }
    if (atomic_load_explicit(&me->bell_futex, memory_order_relaxed)) {
        struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000 };

        (void) syscall(SYS_futex, &me->doorbell, FUTEX_WAIT, bell, &ts, NULL,
                       0);
    } else {
        pfd.fd = kv_shard.shm->eventfd[kv_shard.slot];
        pfd.events = POLLIN;
        if (poll(&pfd, 1, ms) > 0) {
            kv_shard_bell_drain();
        }
    }
    kv_shard_woke();
}
