/*
 * shm.h: the shared-memory region every process of one kevyd maps.
 *
 * The master creates it with memfd_create() before the first fork and maps
 * it MAP_SHARED; workers (and respawned workers) inherit the mapping at the
 * same address, so plain offsets and pointers into it are valid everywhere.
 *
 * Layout (all offsets from the start of the region, cache-line aligned):
 *
 *   +--------------------------------------------------------------+
 *   | kv_shm_header_t  magic, layout version, size, nslots          |
 *   |                  conf_epoch (the newest live configuration)   |
 *   |                  ring_off, ring_size: where the rings start    |
 *   |                  and the data size of each                    |
 *   +--------------------------------------------------------------+
 *   | kv_shm_slot_t[KV_MAX_WORKERS]   one cache line each:           |
 *   |                  pid, generation (bumped on every spawn),     |
 *   |                  state, doorbell futex word, sleeping flag    |
 *   +--------------------------------------------------------------+
 *   | kv_shm_conf_t[2]  the live configuration, double buffered:    |
 *   |                  epoch E lives in buffer E % 2, guarded by a  |
 *   |                  sequence counter (odd while being written)   |
 *   +--------------------------------------------------------------+
 *   | rings            at ring_off: nslots x nslots rings of        |
 *   |                  ring_size bytes (shard.h, ring.h); ring      |
 *   |                  (i, j) is written by i and read by j; the    |
 *   |                  diagonal is unused                           |
 *   +--------------------------------------------------------------+
 *
 * Writers: the master writes the header, the conf buffers and a slot's pid
 * and generation (before and after it forks). A worker writes only its own
 * slot's state. Readers use acquire loads on the words they poll.
 */
#ifndef KV_SHM_H
#define KV_SHM_H

#include <stdatomic.h>

#include "conf.h"

#define KV_SHM_MAGIC 0x6b657679u /* "kevy" */
#define KV_SHM_VERSION 2
#define KV_CACHE_LINE 64

typedef enum {
    KV_SLOT_EMPTY = 0,
    KV_SLOT_STARTING, /* forked, initialising */
    KV_SLOT_LOADING,  /* reading its shard from disk */
    KV_SLOT_READY,    /* serving */
    KV_SLOT_DRAINING  /* stopping: no new clients */
} kv_slot_state_t;

typedef struct {
    _Alignas(KV_CACHE_LINE) _Atomic int32_t pid;
    _Atomic uint32_t generation;
    _Atomic uint32_t state;
    _Atomic uint32_t doorbell; /* futex word */
    _Atomic uint32_t sleeping; /* 1 while the worker is parked */
    /* 1: the worker waits on the doorbell word itself (FUTEX_WAKE it);
     * 0: on its eventfd (write the eventfd). Set before its first sleep. */
    _Atomic uint32_t bell_futex;
    /* bit i: worker i waits for room in ring (i, this slot) */
    _Atomic uint64_t space_waiters;
    /* its connected clients, summed against maxclients (the master
     * zeroes it when the worker dies) */
    _Atomic int64_t nclients;
} kv_shm_slot_t;

typedef struct {
    _Alignas(KV_CACHE_LINE) _Atomic uint64_t seq;
    uint64_t epoch;
    kv_conf_t conf;
} kv_shm_conf_t;

typedef struct {
    uint32_t magic;
    uint32_t version;
    uint64_t size;
    uint32_t nslots;
    _Atomic uint64_t conf_epoch;
    uint64_t ring_off;
    uint64_t ring_size;
    /* the cross-shard lock of xshard.h: 0 free, slot + 1 held */
    _Atomic uint32_t xlock;
    /* bit i: worker i waits for xlock (its holder kicks them on release) */
    _Atomic uint64_t xlock_waiters;
    /* the last client id handed out, by any worker */
    _Atomic uint64_t next_client_id;

    _Alignas(KV_CACHE_LINE) kv_shm_slot_t slots[KV_MAX_WORKERS];
    kv_shm_conf_t conf[2];
} kv_shm_header_t;

typedef struct {
    kv_shm_header_t *hdr;
    size_t size;
    int fd;
    /* Not shared memory, but created with it and inherited by every
     * worker: each slot's doorbell eventfd (epoll cannot wait on a futex). */
    int eventfd[KV_MAX_WORKERS];
} kv_shm_t;

/* Create, size and map the region (master, before forking). */
int kv_shm_create(kv_shm_t *shm, unsigned nslots, const kv_conf_t *conf);
void kv_shm_destroy(kv_shm_t *shm);

/* Publish conf as the next epoch; returns that epoch. Master only. */
uint64_t kv_shm_conf_publish(kv_shm_t *shm, const kv_conf_t *conf);

/*
 * Copy the newest published configuration into conf and return its
 * epoch. Safe against a concurrent publish (retries on a torn read).
 */
uint64_t kv_shm_conf_read(kv_shm_t *shm, kv_conf_t *conf);

#endif /* KV_SHM_H */
