/*
 * crc16.h: Redis Cluster's key -> hash slot mapping, and slot -> shard.
 *
 * slot = CRC16-XMODEM(key or its {hashtag}) mod 16384, exactly as Redis
 * Cluster computes it, so "{user1}:a" and "{user1}:b" share a slot and so a
 * shard. Slots are split into contiguous ranges, one per worker.
 */
#ifndef KV_CRC16_H
#define KV_CRC16_H

#include "kevyd.h"

#define KV_SLOTS 16384

uint16_t kv_crc16(const void *buf, size_t len);
/* The hash slot of a key, honouring {hashtag}. */
unsigned kv_key_slot(const char *key, size_t len);

/* The shard owning slot when there are nshards. */
static inline int kv_slot_shard(unsigned slot, int nshards)
{
    return (int) (((uint32_t) slot * (uint32_t) nshards) / KV_SLOTS);
}

static inline int kv_key_shard(const char *key, size_t len, int nshards)
{
    return nshards == 1 ? 0 : kv_slot_shard(kv_key_slot(key, len), nshards);
}

#endif /* KV_CRC16_H */
