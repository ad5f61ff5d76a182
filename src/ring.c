/*
 * ring.c: the single-producer single-consumer ring of variable-length
 * records that workers use to pass cross-shard requests (see ring.h for
 * the layout and DESIGN.md section 3 for its place in the data path).
 *
 * Synchronisation uses only C11 atomics, no locks and no syscalls:
 *
 *   producer                           consumer
 *   write payload, then header
 *   store head (release)  ---------->  load head (acquire)
 *                                      read header and payload
 *                                      store read (release)
 *                                      ...done with the bytes
 *   load tail (acquire)   <----------  store tail (release)
 *   overwrite the bytes
 *
 * Each side owns its own positions (the producer head and tail_cache, the
 * consumer read, tail and head_cache), so it loads them relaxed; only the
 * other side's position needs an acquire load. The caches spare a
 * cache-line transfer on every call: the other side's position is reloaded
 * only when the cached one says there is no room (or nothing to read).
 */
#include "kevyd.h"

#include "ring.h"

/* The first size accepted: keeps rings in a matrix 64-byte aligned. */
#define KV_RING_MIN_SIZE 64
#define KV_RING_REC_HDR 8 /* {uint32 len, uint32 type} */

_Static_assert(sizeof(kv_ring_hdr_t) == KV_RING_HDR,
               "kv_ring_hdr_t must be exactly KV_RING_HDR bytes");
_Static_assert(offsetof(kv_ring_hdr_t, read) == 64,
               "the consumer line must start at offset 64");
_Static_assert(offsetof(kv_ring_hdr_t, magic) == 128,
               "the constant line must start at offset 128");

typedef struct {
    uint32_t len;
    uint32_t type;
} kv_ring_rec_t;

static inline uint64_t kv_ring_align(uint64_t n)
{
    return (n + (KV_RING_ALIGN - 1)) & ~(uint64_t) (KV_RING_ALIGN - 1);
}

static int kv_ring_size_ok(uint64_t size)
{
    /* len is a uint32, and size/2 - 8 must fit in it. */
    return size >= KV_RING_MIN_SIZE && (size & (size - 1)) == 0 &&
           size <= ((uint64_t) 1 << 32);
}

size_t kv_ring_footprint(size_t size)
{
    return KV_RING_HDR + size;
}

int kv_ring_init(kv_ring_t *r, void *mem, size_t size)
{
    kv_ring_hdr_t *h = mem;

    if (!kv_ring_size_ok(size) || ((uintptr_t) mem & 63) != 0) {
        return KV_ERROR;
    }

    memset(h, 0, sizeof(*h));
    atomic_init(&h->head, 0);
    atomic_init(&h->read, 0);
    atomic_init(&h->tail, 0);
    h->size = size;
    h->mask = size - 1;

    /* Whoever checks the magic with an acquire fence sees the rest. */
    atomic_thread_fence(memory_order_release);
    h->magic = KV_RING_MAGIC;

    r->hdr = h;
    r->data = (unsigned char *) mem + KV_RING_HDR;
    return KV_OK;
}

int kv_ring_attach(kv_ring_t *r, void *mem)
{
    kv_ring_hdr_t *h = mem;

    if (((uintptr_t) mem & 63) != 0 || h->magic != KV_RING_MAGIC) {
        return KV_ERROR;
    }
    atomic_thread_fence(memory_order_acquire);
    if (!kv_ring_size_ok(h->size) || h->mask != h->size - 1) {
        return KV_ERROR;
    }

    r->hdr = h;
    r->data = (unsigned char *) mem + KV_RING_HDR;
    return KV_OK;
}

size_t kv_ring_max_payload(const kv_ring_t *r)
{
    /*
     * The worst case for a record of need = 8 + payload bytes is that
     * need - 8 bytes are left before the end: it then takes a PAD of that
     * much plus itself, 2 * need - 8 <= size when need <= size / 2. So a
     * record of this size always fits in an empty ring.
     */
    return r->hdr->size / 2 - KV_RING_REC_HDR;
}

/* ---------------------------------------------------------------- producer */

int kv_ring_push(kv_ring_t *r, uint32_t type, const struct iovec *iov,
                 int iovcnt, uint64_t *pos)
{
    kv_ring_hdr_t *h = r->hdr;
    uint64_t size = h->size;
    uint64_t max = size / 2 - KV_RING_REC_HDR;
    uint64_t len = 0, need, total, head, off, to_end;
    kv_ring_rec_t rec;
    unsigned char *p;
    int i;

    if (type == KV_RING_PAD || iovcnt < 0) {
        return KV_ERROR;
    }
    for (i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > max - len) {
            return KV_ERROR;
        }
        len += iov[i].iov_len;
    }

    need = KV_RING_REC_HDR + kv_ring_align(len);
    head = atomic_load_explicit(&h->head, memory_order_relaxed);
    off = head & h->mask;
    to_end = size - off;
    /* Everything is 8-aligned, so to_end >= 8 and a PAD header fits. */
    total = need <= to_end ? need : to_end + need;

    if (size - (head - h->tail_cache) < total) {
        /* Pairs with the consumer's release of tail: its reads of the
         * bytes we are about to overwrite are finished. */
        h->tail_cache = atomic_load_explicit(&h->tail, memory_order_acquire);
        if (size - (head - h->tail_cache) < total) {
            return KV_AGAIN;
        }
    }

    if (need > to_end) {
        rec.len = (uint32_t) (to_end - KV_RING_REC_HDR);
        rec.type = KV_RING_PAD;
        memcpy(r->data + off, &rec, sizeof(rec));
        head += to_end;
        off = 0;
    }

    p = r->data + off + KV_RING_REC_HDR;
    for (i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > 0) {
            memcpy(p, iov[i].iov_base, iov[i].iov_len);
            p += iov[i].iov_len;
        }
    }
    rec.len = (uint32_t) len;
    rec.type = type;
    memcpy(r->data + off, &rec, sizeof(rec));

    if (pos != NULL) {
        *pos = head;
    }
    /* Publishes the PAD, the header and the payload at once. */
    atomic_store_explicit(&h->head, head + need, memory_order_release);
    return KV_OK;
}

size_t kv_ring_free_space(kv_ring_t *r)
{
    kv_ring_hdr_t *h = r->hdr;
    uint64_t head = atomic_load_explicit(&h->head, memory_order_acquire);
    uint64_t tail = atomic_load_explicit(&h->tail, memory_order_acquire);

    /* Writes no cache, so anyone (a test, the master) may ask. */
    return h->size - (head - tail);
}

uint64_t kv_ring_claimed_upto(kv_ring_t *r)
{
    return atomic_load_explicit(&r->hdr->read, memory_order_acquire);
}

/* ---------------------------------------------------------------- consumer */

int kv_ring_claim(kv_ring_t *r, kv_ring_msg_t *msg)
{
    kv_ring_hdr_t *h = r->hdr;
    uint64_t rd = atomic_load_explicit(&h->read, memory_order_relaxed);
    uint64_t start = rd;
    kv_ring_rec_t rec;

    for (;;) {
        if (rd == h->head_cache) {
            /* Pairs with the producer's release of head. */
            h->head_cache =
                atomic_load_explicit(&h->head, memory_order_acquire);
            if (rd == h->head_cache) {
                /* Only reachable after skipping a PAD whose record is not
                 * published yet, which the producer never does; still,
                 * keep read exact. */
                if (rd != start) {
                    atomic_store_explicit(&h->read, rd, memory_order_release);
                }
                return KV_AGAIN;
            }
        }

        memcpy(&rec, r->data + (rd & h->mask), sizeof(rec));
        if (rec.type != KV_RING_PAD) {
            break;
        }
        rd += KV_RING_REC_HDR + rec.len;
    }

    msg->type = rec.type;
    msg->len = rec.len;
    msg->payload = r->data + (rd & h->mask) + KV_RING_REC_HDR;
    msg->pos = rd;
    msg->end = rd + KV_RING_REC_HDR + kv_ring_align(rec.len);

    atomic_store_explicit(&h->read, msg->end, memory_order_release);
    return KV_OK;
}

void kv_ring_release(kv_ring_t *r, uint64_t end)
{
    kv_ring_hdr_t *h = r->hdr;
    uint64_t tail = atomic_load_explicit(&h->tail, memory_order_relaxed);
    uint64_t rd = atomic_load_explicit(&h->read, memory_order_relaxed);

    /* tail never moves back nor past read: a stale end is a no-op. */
    if (end <= tail || end > rd) {
        return;
    }
    /* Pairs with the producer's acquire of tail: our reads of these bytes
     * happen before it overwrites them. */
    atomic_store_explicit(&h->tail, end, memory_order_release);
}

void kv_ring_release_all(kv_ring_t *r)
{
    kv_ring_hdr_t *h = r->hdr;

    atomic_store_explicit(&h->tail,
                          atomic_load_explicit(&h->read, memory_order_relaxed),
                          memory_order_release);
}

int kv_ring_readable(kv_ring_t *r)
{
    kv_ring_hdr_t *h = r->hdr;

    return atomic_load_explicit(&h->head, memory_order_acquire) !=
           atomic_load_explicit(&h->read, memory_order_relaxed);
}

uint64_t kv_ring_consumer_recover(kv_ring_t *r)
{
    kv_ring_hdr_t *h = r->hdr;
    uint64_t rd = atomic_load_explicit(&h->read, memory_order_acquire);

    /*
     * The dead consumer's head_cache is still a valid lower bound of head,
     * but reload it so this process has its own acquire of every record
     * it is about to read.
     */
    h->head_cache = atomic_load_explicit(&h->head, memory_order_acquire);
    atomic_store_explicit(&h->tail, rd, memory_order_release);
    return rd;
}
