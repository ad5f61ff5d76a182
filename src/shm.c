/*
 * shm.c: the shared-memory region (see shm.h for its layout).
 */
#include "shm.h"

#include <sys/mman.h>

#include "log.h"
#include "shard.h"

int kv_shm_create(kv_shm_t *shm, unsigned nslots, const kv_conf_t *conf)
{
    size_t size = sizeof(kv_shm_header_t), ring_off;
    long page = sysconf(_SC_PAGESIZE);
    void *p;

    size = (size + (size_t) page - 1) & ~((size_t) page - 1);
    ring_off = size;
    size += kv_shard_shm_size((int) nslots, (size_t) conf->shard_ring_size);
    for (int i = 0; i < KV_MAX_WORKERS; i++) {
        shm->eventfd[i] = -1;
    }
    shm->fd = memfd_create("kevyd-shm", MFD_CLOEXEC);
    if (shm->fd < 0) {
        kv_log(KV_LOG_EMERG, errno, "memfd_create() failed");
        return KV_ERROR;
    }
    if (ftruncate(shm->fd, (off_t) size) < 0) {
        kv_log(KV_LOG_EMERG, errno, "ftruncate() of shared memory failed");
        close(shm->fd);
        return KV_ERROR;
    }
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, shm->fd, 0);
    if (p == MAP_FAILED) {
        kv_log(KV_LOG_EMERG, errno, "mmap() of %zu bytes failed", size);
        close(shm->fd);
        return KV_ERROR;
    }
    shm->hdr = p;
    shm->size = size;
    /* memfd pages are zero-filled: only the non-zero fields are set. */
    shm->hdr->magic = KV_SHM_MAGIC;
    shm->hdr->version = KV_SHM_VERSION;
    shm->hdr->size = size;
    shm->hdr->nslots = nslots;
    shm->hdr->ring_off = ring_off;
    shm->hdr->ring_size = (uint64_t) conf->shard_ring_size;
    kv_shm_conf_publish(shm, conf);
    if (kv_shard_format(shm, (int) nslots, (size_t) conf->shard_ring_size) !=
        KV_OK) {
        kv_shm_destroy(shm);
        return KV_ERROR;
    }
    return KV_OK;
}

void kv_shm_destroy(kv_shm_t *shm)
{
    if (shm->hdr != NULL) {
        munmap(shm->hdr, shm->size);
        shm->hdr = NULL;
    }
    if (shm->fd >= 0) {
        close(shm->fd);
        shm->fd = -1;
    }
}

uint64_t kv_shm_conf_publish(kv_shm_t *shm, const kv_conf_t *conf)
{
    kv_shm_header_t *h = shm->hdr;
    uint64_t epoch =
        atomic_load_explicit(&h->conf_epoch, memory_order_relaxed) + 1;
    kv_shm_conf_t *b = &h->conf[epoch % 2];
    uint64_t seq = atomic_load_explicit(&b->seq, memory_order_relaxed);

    /* Seqlock write: odd while the buffer is inconsistent. */
    atomic_store_explicit(&b->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    b->epoch = epoch;
    memcpy(&b->conf, conf, sizeof(*conf));
    atomic_store_explicit(&b->seq, seq + 2, memory_order_release);
    atomic_store_explicit(&h->conf_epoch, epoch, memory_order_release);
    return epoch;
}

uint64_t kv_shm_conf_read(kv_shm_t *shm, kv_conf_t *conf)
{
    kv_shm_header_t *h = shm->hdr;

    for (;;) {
        uint64_t epoch =
            atomic_load_explicit(&h->conf_epoch, memory_order_acquire);
        kv_shm_conf_t *b = &h->conf[epoch % 2];
        uint64_t s1 = atomic_load_explicit(&b->seq, memory_order_acquire);

        if (s1 & 1) {
            continue;
        }
        memcpy(conf, &b->conf, sizeof(*conf));
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&b->seq, memory_order_relaxed) == s1 &&
            b->epoch == epoch) {
            return epoch;
        }
    }
}
