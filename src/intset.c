/*
 * intset.c: sorted arrays of integers (see intset.h).
 */
#include "intset.h"

#include "alloc.h"

static uint32_t kv_intset_width_for(int64_t v)
{
    if (v < INT32_MIN || v > INT32_MAX) {
        return sizeof(int64_t);
    }
    if (v < INT16_MIN || v > INT16_MAX) {
        return sizeof(int32_t);
    }
    return sizeof(int16_t);
}

/* Elements are read and written with memcpy: contents is only aligned to
 * the 8-byte header, and the element type changes with the width. */
static int64_t kv_intset_at(const kv_intset_t *is, uint32_t pos, uint32_t width)
{
    const int8_t *p = is->contents + (size_t) pos * width;
    int64_t v64;
    int32_t v32;
    int16_t v16;

    switch (width) {
    case sizeof(int64_t):
        memcpy(&v64, p, sizeof(v64));
        return v64;
    case sizeof(int32_t):
        memcpy(&v32, p, sizeof(v32));
        return v32;
    default:
        memcpy(&v16, p, sizeof(v16));
        return v16;
    }
}

static void kv_intset_set(kv_intset_t *is, uint32_t pos, int64_t v)
{
    int8_t *p = is->contents + (size_t) pos * is->width;
    int32_t v32 = (int32_t) v;
    int16_t v16 = (int16_t) v;

    switch (is->width) {
    case sizeof(int64_t):
        memcpy(p, &v, sizeof(v));
        break;
    case sizeof(int32_t):
        memcpy(p, &v32, sizeof(v32));
        break;
    default:
        memcpy(p, &v16, sizeof(v16));
        break;
    }
}

static size_t kv_intset_size(uint32_t width, uint32_t n)
{
    return sizeof(kv_intset_t) + (size_t) width * n;
}

kv_intset_t *kv_intset_new(void)
{
    kv_intset_t *is = kv_malloc(sizeof(*is));

    if (is != NULL) {
        is->width = sizeof(int16_t);
        is->length = 0;
    }
    return is;
}

void kv_intset_free(kv_intset_t *is)
{
    kv_free(is);
}

kv_intset_t *kv_intset_dup(const kv_intset_t *is)
{
    size_t n = kv_intset_blob_len(is);
    kv_intset_t *c = kv_malloc(n);

    if (c != NULL) {
        memcpy(c, is, n);
    }
    return c;
}

size_t kv_intset_blob_len(const kv_intset_t *is)
{
    return kv_intset_size(is->width, is->length);
}

/*
 * Binary search: 1 and *pos the index when found, else 0 and *pos where v
 * would be inserted. The ends are checked first: appending ascending
 * values, the common case when loading, then costs O(1).
 */
static int kv_intset_search(const kv_intset_t *is, int64_t v, uint32_t *pos)
{
    uint32_t lo = 0, hi, w = is->width;

    if (is->length == 0) {
        *pos = 0;
        return 0;
    }
    if (v > kv_intset_at(is, is->length - 1, w)) {
        *pos = is->length;
        return 0;
    }
    if (v < kv_intset_at(is, 0, w)) {
        *pos = 0;
        return 0;
    }
    hi = is->length;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int64_t cur = kv_intset_at(is, mid, w);

        if (cur == v) {
            *pos = mid;
            return 1;
        }
        if (cur < v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *pos = lo;
    return 0;
}

int kv_intset_find(const kv_intset_t *is, int64_t v)
{
    uint32_t pos;

    return kv_intset_width_for(v) <= is->width && kv_intset_search(is, v, &pos);
}

int kv_intset_get(const kv_intset_t *is, uint32_t pos, int64_t *v)
{
    if (pos >= is->length) {
        return 0;
    }
    *v = kv_intset_at(is, pos, is->width);
    return 1;
}

/* Widen every element to width and add v, which does not fit the old
 * width, at the front (negative) or the back (positive). */
static int kv_intset_upgrade_add(kv_intset_t **isp, int64_t v, uint32_t width)
{
    kv_intset_t *is = *isp;
    uint32_t old = is->width, n = is->length;
    int front = v < 0;

    is = kv_realloc(is, kv_intset_size(width, n + 1));
    if (is == NULL) {
        return KV_ERROR;
    }
    is->width = width;
    /* From the back, so no element is overwritten before it is read. */
    for (uint32_t i = n; i-- > 0;) {
        kv_intset_set(is, i + (uint32_t) front, kv_intset_at(is, i, old));
    }
    kv_intset_set(is, front ? 0 : n, v);
    is->length = n + 1;
    *isp = is;
    return 1;
}

int kv_intset_add(kv_intset_t **isp, int64_t v)
{
    kv_intset_t *is = *isp;
    uint32_t width = kv_intset_width_for(v), pos;

    if (width > is->width) {
        return kv_intset_upgrade_add(isp, v, width);
    }
    if (kv_intset_search(is, v, &pos)) {
        return 0;
    }
    if (is->length == UINT32_MAX) {
        return KV_ERROR;
    }
    is = kv_realloc(is, kv_intset_size(is->width, is->length + 1));
    if (is == NULL) {
        return KV_ERROR;
    }
    memmove(is->contents + (size_t) (pos + 1) * is->width,
            is->contents + (size_t) pos * is->width,
            (size_t) (is->length - pos) * is->width);
    kv_intset_set(is, pos, v);
    is->length++;
    *isp = is;
    return 1;
}

int kv_intset_remove(kv_intset_t **isp, int64_t v)
{
    kv_intset_t *is = *isp, *shrunk;
    uint32_t pos;

    if (kv_intset_width_for(v) > is->width || !kv_intset_search(is, v, &pos)) {
        return 0;
    }
    memmove(is->contents + (size_t) pos * is->width,
            is->contents + (size_t) (pos + 1) * is->width,
            (size_t) (is->length - pos - 1) * is->width);
    is->length--;
    shrunk = kv_realloc(is, kv_intset_size(is->width, is->length));
    if (shrunk != NULL) {
        *isp = shrunk;
    }
    return 1;
}

kv_intset_t *kv_intset_from_le(uint32_t width, uint32_t n, const char *p,
                               size_t len)
{
    kv_intset_t *is;
    int64_t prev = 0;

    if ((width != 2 && width != 4 && width != 8) || len != (size_t) width * n) {
        return NULL;
    }
    is = kv_malloc(kv_intset_size(width, n));
    if (is == NULL) {
        return NULL;
    }
    is->width = width;
    is->length = n;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *q = (const unsigned char *) p + (size_t) i * width;
        uint64_t u = 0;
        int64_t v;

        for (uint32_t b = 0; b < width; b++) {
            u |= (uint64_t) q[b] << (8 * b);
        }
        /* Sign-extend from width bytes. */
        if (width < 8 && (u >> (8 * width - 1)) & 1) {
            u |= ~0ULL << (8 * width);
        }
        v = (int64_t) u;
        if (i > 0 && v <= prev) {
            kv_free(is);
            return NULL;
        }
        kv_intset_set(is, i, v);
        prev = v;
    }
    return is;
}

void kv_intset_to_le(const kv_intset_t *is, char *out)
{
    for (uint32_t i = 0; i < is->length; i++) {
        uint64_t u = (uint64_t) kv_intset_at(is, i, is->width);

        for (uint32_t b = 0; b < is->width; b++) {
            *out++ = (char) (u >> (8 * b));
        }
    }
}
