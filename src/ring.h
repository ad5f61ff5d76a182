/*
 * ring.h: a single-producer single-consumer ring of variable-length
 * records in shared memory. Ring (i, j) of the N x N matrix in the shared
 * region is written only by worker i and read only by worker j.
 *
 * Layout of one ring (KV_RING_HDR bytes of header, then the data area):
 *
 *   offset   0  producer line:  head       bytes ever written (monotonic)
 *                               tail_cache producer's last view of tail
 *   offset  64  consumer line:  read       bytes ever claimed by the
 *                                          consumer (monotonic)
 *                               tail       bytes ever released (<= read)
 *                               head_cache consumer's last view of head
 *   offset 128  constant line:  magic, size (power of two), mask
 *   offset 192  data[size]
 *
 * All positions are 64-bit byte counts that never wrap in practice; the
 * offset into data is pos & mask. head, read and tail use C11
 * acquire/release: the producer publishes a record with a release store
 * of head after writing it; the consumer reads head with acquire.
 *
 * Records are 8-byte aligned: an 8-byte header {uint32 len, uint32 type}
 * then len payload bytes, padded to 8. A record never wraps: when it does
 * not fit before the end of the data area, the producer writes a PAD
 * record (type KV_RING_PAD) over the rest and starts again at offset 0.
 * So one record may use at most kv_ring_max_payload() bytes (size/2 - 8);
 * the layer above fragments bigger messages.
 *
 * Two consumer positions: read moves when a record is claimed, tail when
 * its bytes may be reused. A consumer claims a record (read advances)
 * before acting on it and releases it (tail advances) when done with the
 * bytes. If the consumer process dies, its replacement calls
 * kv_ring_consumer_recover(): records between tail and read were claimed
 * by the dead process (they must not run twice: the producer answers them
 * with an error), the ones from read on are still to be served.
 */
#ifndef KV_RING_H
#define KV_RING_H

/* kevyd.h first: it defines _GNU_SOURCE for every system header. */
#include "kevyd.h"

#include <stdatomic.h>
#include <sys/uio.h>

#define KV_RING_MAGIC 0x72696e67u /* "ring" */
#define KV_RING_HDR 192
#define KV_RING_PAD 0xffffffffu /* type of padding records */
#define KV_RING_ALIGN 8

typedef struct {
    _Alignas(64) _Atomic uint64_t head;
    uint64_t tail_cache;
    _Alignas(64) _Atomic uint64_t read;
    _Atomic uint64_t tail;
    uint64_t head_cache;
    _Alignas(64) uint32_t magic;
    uint32_t pad_;
    uint64_t size;
    uint64_t mask;
} kv_ring_hdr_t;

typedef struct {
    kv_ring_hdr_t *hdr;
    unsigned char *data;
} kv_ring_t;

typedef struct {
    uint32_t type;
    uint32_t len;
    const unsigned char *payload; /* valid until released */
    uint64_t pos;                 /* ring position of the record */
    uint64_t end;                 /* position just past it */
} kv_ring_msg_t;

/* Bytes needed for one ring with a data area of size (a power of two). */
size_t kv_ring_footprint(size_t size);
/* Format a ring at mem (zeroed or not) with a data area of size bytes:
 * KV_ERROR unless size is a power of two from 64 to 2^32 and mem is
 * 64-byte aligned (footprints of such sizes keep a matrix of rings so). */
int kv_ring_init(kv_ring_t *r, void *mem, size_t size);
/* Attach to a ring formatted earlier (another process): checks magic,
 * size and mask. */
int kv_ring_attach(kv_ring_t *r, void *mem);

size_t kv_ring_max_payload(const kv_ring_t *r);

/*
 * Producer: append one record of type (not KV_RING_PAD) whose payload is
 * the concatenation of iov. Returns KV_OK, KV_AGAIN when there is not room
 * now (nothing written), KV_ERROR when the payload is larger than
 * kv_ring_max_payload(). *pos (if not NULL) receives the record's position.
 */
int kv_ring_push(kv_ring_t *r, uint32_t type, const struct iovec *iov,
                 int iovcnt, uint64_t *pos);
/* Free space now, as a hint (bytes; a record may need more because of
 * padding). Writes nothing, so any process may ask. */
size_t kv_ring_free_space(kv_ring_t *r);

/*
 * Consumer: claim the next record (read advances past it; padding is
 * skipped). KV_OK with *msg filled, or KV_AGAIN when the ring is empty.
 * The payload stays valid until released.
 */
int kv_ring_claim(kv_ring_t *r, kv_ring_msg_t *msg);
/* Consumer: every record claimed so far is released (tail = read). */
void kv_ring_release_all(kv_ring_t *r);
/* Consumer: release up to and including the record ending at end. An end
 * at or before tail, or past read, changes nothing. */
void kv_ring_release(kv_ring_t *r, uint64_t end);
/* Consumer: 1 when a record may be waiting (cheap check before sleep). */
int kv_ring_readable(kv_ring_t *r);

/* A replacement consumer after the previous one died: releases what the
 * dead one claimed, and returns the position (read) from which records
 * are still to be served. Records with pos < that were claimed by the
 * dead consumer. */
uint64_t kv_ring_consumer_recover(kv_ring_t *r);

/* Producer side view of progress: records at pos < this were claimed. */
uint64_t kv_ring_claimed_upto(kv_ring_t *r);

#endif /* KV_RING_H */
