/*
 * buf.h: a growable byte buffer with a read position, used for a client's
 * query and reply buffers.
 *
 *   data[0 .. pos)     consumed (parsed, or sent)
 *   data[pos .. len)   pending
 *   data[len .. cap)   free
 */
#ifndef KV_BUF_H
#define KV_BUF_H

#include "kevyd.h"

typedef struct kv_buf_s {
    char *data;
    size_t pos, len, cap;
} kv_buf_t;

/* Make room for n more bytes; KV_ERROR when out of memory. */
int kv_buf_reserve(kv_buf_t *b, size_t n);
int kv_buf_append_slow(kv_buf_t *b, const void *p, size_t n);
/* Drop the consumed prefix; returns how many bytes moved out. */
size_t kv_buf_compact(kv_buf_t *b);
/* Give memory back when a large buffer is empty again. */
void kv_buf_shrink(kv_buf_t *b, size_t keep);
void kv_buf_free(kv_buf_t *b);

static inline size_t kv_buf_pending(const kv_buf_t *b)
{
    return b->len - b->pos;
}

/* Append n bytes; KV_ERROR when out of memory. Inline: every reply goes
 * through here, and it almost always fits. */
static inline int kv_buf_append(kv_buf_t *b, const void *p, size_t n)
{
    if (KV_LIKELY(n != 0 && b->cap - b->len >= n)) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return KV_OK;
    }
    return kv_buf_append_slow(b, p, n);
}

#endif /* KV_BUF_H */
