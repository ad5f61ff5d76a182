/*
 * buf.c: growable byte buffers.
 */
#include "buf.h"

#include "alloc.h"

int kv_buf_reserve(kv_buf_t *b, size_t n)
{
    size_t need, ncap;
    char *nd;

    if (b->cap - b->len >= n) {
        return KV_OK;
    }
    if (n > SIZE_MAX - b->len) {
        return KV_ERROR;
    }
    need = b->len + n;
    ncap = b->cap ? b->cap : 1024;
    while (ncap < need) {
        /* Double while small, then grow by a quarter: a 512 MB bulk must
         * not cost a 1 GB buffer. */
        ncap = ncap < 16 * 1024 * 1024 ? ncap * 2 : ncap + ncap / 4;
    }
    nd = kv_realloc(b->data, ncap);
    if (nd == NULL) {
        return KV_ERROR;
    }
    b->data = nd;
    b->cap = ncap;
    return KV_OK;
}

int kv_buf_append_slow(kv_buf_t *b, const void *p, size_t n)
{
    if (n == 0) {
        return KV_OK; /* p may be NULL then: memcpy must not see it */
    }
    if (kv_buf_reserve(b, n) != KV_OK) {
        return KV_ERROR;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return KV_OK;
}

size_t kv_buf_compact(kv_buf_t *b)
{
    size_t moved = b->pos;

    if (moved == 0) {
        return 0;
    }
    if (b->len > b->pos) {
        memmove(b->data, b->data + b->pos, b->len - b->pos);
    }
    b->len -= b->pos;
    b->pos = 0;
    return moved;
}

void kv_buf_shrink(kv_buf_t *b, size_t keep)
{
    if (b->len == b->pos && b->cap > keep) {
        kv_free(b->data);
        b->data = NULL;
        b->cap = b->len = b->pos = 0;
    }
}

void kv_buf_free(kv_buf_t *b)
{
    kv_free(b->data);
    memset(b, 0, sizeof(*b));
}
