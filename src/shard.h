/*
 * shard.h: the transport between workers: messages over the shared-memory
 * SPSC rings (ring.h), with doorbells, local backlogs and fragmentation.
 *
 * Every ring record carries one fragment of one message:
 *
 *   kv_msg_hdr_t (32 bytes)
 *     kind         KV_MSG_REQ (a command to run), KV_MSG_REPLY, or
 *                  KV_MSG_NOTE (a command to run that gets no reply:
 *                  the blocking commands' messages, block.h)
 *     db           the database the command runs in
 *     origin_gen   generation of the requesting worker (see below)
 *     target_gen   generation of the worker that ran it (replies only)
 *     seq          the request's number at its origin, echoed by the reply
 *     total        length of the whole message payload
 *     offset       where this fragment's bytes go in it
 *   payload bytes  (raw RESP: a command for REQ, a reply for REPLY)
 *
 * A message larger than a ring record is cut into fragments that follow
 * each other in the same ring (one producer: nothing interleaves); the
 * consumer reassembles them. A message that fits is handed over straight
 * from ring memory, without a copy.
 *
 * Ordering: ring (i, j) is FIFO and worker j runs requests in the order it
 * reads them, so the replies of j to i come back in request order. Worker
 * i therefore keeps, per target, a FIFO of its outstanding requests, and
 * each reply answers the oldest one; seq confirms it.
 *
 * A target dies: the master, before it respawns the slot, notes how far the
 * dead worker had read each inbound ring (i, j), releases what it had
 * claimed, and tells each worker i that position (KV_CH_PEER_DIED). Worker
 * i then takes every reply still in ring (j, i) (published before the
 * death), and answers with an error each outstanding request to j that lies
 * before that position: the dead worker had taken it and never answered.
 * Requests after it are still in the ring and the replacement serves them.
 * A reply whose seq is newer than the oldest outstanding request also
 * proves that request was lost, and it is answered with the error at once.
 * A reply addressed to an earlier generation of its origin (the origin
 * died since) is dropped.
 *
 * Doorbells: a worker about to sleep sets its slot's `sleeping` flag,
 * re-checks its inbound rings, and only then sleeps; a producer that finds
 * the flag set clears it, bumps the target's doorbell word and wakes it:
 * FUTEX_WAKE on the word when the target waits on it (io_uring with futex
 * waits: slot.bell_futex), else a write to its eventfd (epoll, older
 * kernels). A busy peer therefore costs no syscall.
 */
#ifndef KV_SHARD_H
#define KV_SHARD_H

#include <sys/uio.h>

#include "ring.h"
#include "shm.h"

enum { KV_MSG_REQ = 1, KV_MSG_REPLY = 2, KV_MSG_NOTE = 3 };

typedef struct {
    uint8_t kind;
    uint8_t spare;
    uint16_t db;
    uint32_t origin_gen;
    uint32_t target_gen;
    uint32_t spare2;
    uint64_t seq;
    uint32_t total;
    uint32_t offset;
} kv_msg_hdr_t;

/* A message handed to the receiver: header and the whole payload. */
typedef void (*kv_shard_handler_pt)(int from, const kv_msg_hdr_t *hdr,
                                    const char *payload, size_t len);

/* Bytes of shared memory the rings need for nslots workers. */
size_t kv_shard_shm_size(int nslots, size_t ring_size);
/* Master: format every ring in the region (at ring_off). */
int kv_shard_format(kv_shm_t *shm, int nslots, size_t ring_size);
/* Master, after reaping worker dead: release what it had claimed, and
 * store in pos[i] how far it had read ring (i, dead). */
void kv_shard_recover_consumer(kv_shm_t *shm, int dead, uint64_t *pos);

/* Worker: attach to the rings; handler receives every message. */
int kv_shard_init(kv_shm_t *shm, int slot, int nslots,
                  kv_shard_handler_pt handler);
uint32_t kv_shard_generation(int slot);
int kv_shard_eventfd(int slot);
/* The doorbell word of worker slot (a futex word). */
_Atomic uint32_t *kv_shard_doorbell(int slot);

/*
 * Queue a message to worker target (never this worker). It goes into the
 * ring at once when there is room, else into the local backlog (order
 * kept). *pos receives the ring position of its first fragment, or of
 * where it will be once the backlog drains (the backlog keeps this exact).
 */
int kv_shard_send(int target, kv_msg_hdr_t *hdr, const struct iovec *iov,
                  int iovcnt, uint64_t *pos);

/* Move backlogs into rings and ring the doorbells of sleeping targets. */
void kv_shard_flush(void);
/* Read every inbound ring; returns the number of messages handled. */
int kv_shard_poll(void);
/* The same, for the rings of the workers in mask (bit i: worker i). */
int kv_shard_poll_mask(uint64_t mask);
/* Sleep until the doorbell rings or ms pass (nested waits of xshard.c). */
void kv_shard_wait(int ms);
/* Make worker target's next (or current) kv_shard_wait() or loop wait
 * return, whether or not it sleeps now (a doorbell wake). */
void kv_shard_kick(int target);
/* This worker waits for its doorbell on the futex word (1) or on its
 * eventfd (0); call before the first sleep. */
void kv_shard_bell_futex(int on);
/* 1 when the loop may sleep: no backlog to flush. Sets the sleeping flag
 * and re-checks the rings; 0 means "do not sleep, work arrived". */
int kv_shard_prepare_sleep(void);
void kv_shard_woke(void);
/* 1 when an inbound ring holds a message (no flag set, no system call). */
int kv_shard_has_input(void);
/* 1 when a message waits in a local backlog for room in a ring. */
int kv_shard_has_backlog(void);
/* The doorbell eventfd became readable: reset it (eventfd bells only). */
void kv_shard_bell_drain(void);

/* Ring positions, for the death bookkeeping of route.c. */
uint64_t kv_shard_ring_read(int origin, int target);

#endif /* KV_SHARD_H */
