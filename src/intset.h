/*
 * intset.h: a set of integers as one sorted array, Redis's "intset"
 * encoding of small all-integer sets.
 *
 *   kv_intset_t
 *     width      bytes per element: 2, 4 or 8 (int16, int32, int64)
 *     length     number of elements
 *     contents   length * width bytes, ascending, no duplicates
 *
 * Every element uses the smallest width that fits the widest one; adding
 * a value that does not fit upgrades the whole array once (a value that
 * needs the upgrade is smaller or larger than every element, so it goes
 * to one end). Nothing ever downgrades. Lookups are binary searches, so
 * a find is O(log n) and an add or remove O(n) for the memmove, which is
 * why sets stop being intsets past set-max-intset-entries.
 *
 * Functions that may reallocate take the intset by address and update it;
 * when memory is short they return KV_ERROR and leave the set unchanged.
 */
#ifndef KV_INTSET_H
#define KV_INTSET_H

#include "kevyd.h"

typedef struct {
    uint32_t width;
    uint32_t length;
    int8_t contents[];
} kv_intset_t;

/* A new empty intset (width 2), NULL when out of memory. */
kv_intset_t *kv_intset_new(void);
void kv_intset_free(kv_intset_t *is);
kv_intset_t *kv_intset_dup(const kv_intset_t *is);

/* Add v: 1 added, 0 already there, KV_ERROR out of memory. */
int kv_intset_add(kv_intset_t **is, int64_t v);
/* Remove v: 1 removed, 0 not there. The array shrinks in place when the
 * allocator allows; it is never an error. */
int kv_intset_remove(kv_intset_t **is, int64_t v);
int kv_intset_find(const kv_intset_t *is, int64_t v);

static inline uint32_t kv_intset_len(const kv_intset_t *is)
{
    return is->length;
}

/* The element at pos (ascending order); 0 when pos is past the end. */
int kv_intset_get(const kv_intset_t *is, uint32_t pos, int64_t *v);

/* Bytes of the header and the contents (what a copy would take). */
size_t kv_intset_blob_len(const kv_intset_t *is);

/*
 * An intset from a blob of width-byte little-endian elements: n of them
 * in len bytes, strictly ascending and each needing no more than width.
 * NULL when the bytes do not describe a valid intset or memory is short.
 */
kv_intset_t *kv_intset_from_le(uint32_t width, uint32_t n, const char *p,
                               size_t len);
/* Append the elements as width-byte little-endian values to out. */
void kv_intset_to_le(const kv_intset_t *is, char *out);

#endif /* KV_INTSET_H */
