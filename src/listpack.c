/*
 * listpack.c: the compact string array (see listpack.h for the layout).
 */
#include "listpack.h"

#include "alloc.h"

/* The longest varint of a size_t: ceil(64 / 7). */
#define KV_LP_VARINT_MAX 10

static uint32_t kv_lp_get32(const kv_lp_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static void kv_lp_set32(kv_lp_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static size_t kv_lp_total(const kv_lp_t *lp)
{
    return kv_lp_get32(lp);
}

static size_t kv_varint_len(size_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t kv_varint_put(kv_lp_t *p, size_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (kv_lp_t) (v | 0x80);
        v >>= 7;
    }
    p[n++] = (kv_lp_t) v;
    return n;
}

/* Decode the varint at p; *n is its length in bytes. */
static size_t kv_varint_get(const kv_lp_t *p, size_t *n)
{
    size_t v = 0;
    unsigned shift = 0;
    size_t i = 0;

    for (;;) {
        kv_lp_t b = p[i++];
        v |= (size_t) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            break;
        }
        shift += 7;
    }
    *n = i;
    return v;
}

/* The bytes the entry at off takes, header included. */
static size_t kv_lp_entry_size(const kv_lp_t *lp, size_t off)
{
    size_t n, len = kv_varint_get(lp + off, &n);

    return n + len;
}

kv_lp_t *kv_lp_new(void)
{
    kv_lp_t *lp = kv_malloc(KV_LP_HDR);

    if (lp != NULL) {
        kv_lp_set32(lp, KV_LP_HDR);
        kv_lp_set32(lp + 4, 0);
    }
    return lp;
}

void kv_lp_free(kv_lp_t *lp)
{
    kv_free(lp);
}

kv_lp_t *kv_lp_dup(const kv_lp_t *lp)
{
    size_t n = kv_lp_total(lp);
    kv_lp_t *c = kv_malloc(n);

    if (c != NULL) {
        memcpy(c, lp, n);
    }
    return c;
}

uint32_t kv_lp_count(const kv_lp_t *lp)
{
    return kv_lp_get32(lp + 4);
}

size_t kv_lp_bytes(const kv_lp_t *lp)
{
    return kv_lp_total(lp);
}

int kv_lp_validate(const void *p, size_t len)
{
    const kv_lp_t *lp = p;
    size_t off = KV_LP_HDR;
    uint32_t count;

    if (len < KV_LP_HDR || kv_lp_total(lp) != len || len > UINT32_MAX) {
        return 0;
    }
    count = kv_lp_count(lp);
    for (uint32_t i = 0; i < count; i++) {
        size_t v = 0, n = 0, elen;
        unsigned shift = 0;
        for (;;) {
            kv_lp_t b;
            if (off + n >= len || shift > 63) {
                return 0;
            }
            b = lp[off + n++];
            v |= (size_t) (b & 0x7f) << shift;
            if (!(b & 0x80)) {
                break;
            }
            shift += 7;
        }
        elen = v;
        if (elen > len - off - n) {
            return 0;
        }
        off += n + elen;
    }
    return off == len;
}

int kv_lp_safe_to_add(const kv_lp_t *lp, size_t add)
{
    size_t len = lp != NULL ? kv_lp_total(lp) : 0;

    return len + add <= KV_LP_SAFETY_SIZE;
}

size_t kv_lp_first(const kv_lp_t *lp)
{
    return kv_lp_count(lp) > 0 ? KV_LP_HDR : 0;
}

size_t kv_lp_next(const kv_lp_t *lp, size_t off)
{
    size_t next = off + kv_lp_entry_size(lp, off);

    return next < kv_lp_total(lp) ? next : 0;
}

size_t kv_lp_index(const kv_lp_t *lp, long i)
{
    long count = (long) kv_lp_count(lp);
    size_t off;

    if (i < 0) {
        i += count;
    }
    if (i < 0 || i >= count) {
        return 0;
    }
    off = KV_LP_HDR;
    while (i-- > 0) {
        off += kv_lp_entry_size(lp, off);
    }
    return off;
}

const char *kv_lp_get(const kv_lp_t *lp, size_t off, size_t *len)
{
    size_t n;

    *len = kv_varint_get(lp + off, &n);
    return (const char *) lp + off + n;
}

/*
 * Make room for add bytes at off (0: the end) and return the new block,
 * with the bytes from off on moved up; NULL when out of memory or past
 * what the 32-bit header can count.
 */
static kv_lp_t *kv_lp_open(kv_lp_t *lp, size_t *off, size_t add)
{
    size_t total = kv_lp_total(lp);
    kv_lp_t *nlp;

    if (*off == 0) {
        *off = total;
    }
    if (add > UINT32_MAX - total) {
        return NULL;
    }
    nlp = kv_realloc(lp, total + add);
    if (nlp == NULL) {
        return NULL;
    }
    memmove(nlp + *off + add, nlp + *off, total - *off);
    kv_lp_set32(nlp, (uint32_t) (total + add));
    return nlp;
}

kv_lp_t *kv_lp_insert(kv_lp_t *lp, size_t off, const char *p, size_t len)
{
    size_t hl = kv_varint_len(len);
    kv_lp_t *nlp = kv_lp_open(lp, &off, hl + len);

    if (nlp == NULL) {
        return NULL;
    }
    off += kv_varint_put(nlp + off, len);
    if (len > 0) {
        memcpy(nlp + off, p, len);
    }
    kv_lp_set32(nlp + 4, kv_lp_count(nlp) + 1);
    return nlp;
}

kv_lp_t *kv_lp_append(kv_lp_t *lp, const char *p, size_t len)
{
    return kv_lp_insert(lp, 0, p, len);
}

kv_lp_t *kv_lp_insert2(kv_lp_t *lp, size_t off, const char *p1, size_t l1,
                       const char *p2, size_t l2)
{
    size_t h1 = kv_varint_len(l1), h2 = kv_varint_len(l2);
    kv_lp_t *nlp;

    if (l1 > SIZE_MAX / 2 || l2 > SIZE_MAX / 2 - h1 - h2 - l1) {
        return NULL;
    }
    nlp = kv_lp_open(lp, &off, h1 + l1 + h2 + l2);
    if (nlp == NULL) {
        return NULL;
    }
    off += kv_varint_put(nlp + off, l1);
    if (l1 > 0) {
        memcpy(nlp + off, p1, l1);
    }
    off += l1;
    off += kv_varint_put(nlp + off, l2);
    if (l2 > 0) {
        memcpy(nlp + off, p2, l2);
    }
    kv_lp_set32(nlp + 4, kv_lp_count(nlp) + 2);
    return nlp;
}

kv_lp_t *kv_lp_replace(kv_lp_t *lp, size_t off, const char *p, size_t len)
{
    size_t total = kv_lp_total(lp);
    size_t old = kv_lp_entry_size(lp, off);
    size_t nw = kv_varint_len(len) + len;
    size_t tail = off + old;
    kv_lp_t *nlp = lp;

    if (nw > old) {
        if (nw - old > UINT32_MAX - total) {
            return NULL;
        }
        nlp = kv_realloc(lp, total + (nw - old));
        if (nlp == NULL) {
            return NULL;
        }
    }
    memmove(nlp + off + nw, nlp + tail, total - tail);
    off += kv_varint_put(nlp + off, len);
    if (len > 0) {
        memcpy(nlp + off, p, len);
    }
    total = total - old + nw;
    kv_lp_set32(nlp, (uint32_t) total);
    if (nw < old) {
        kv_lp_t *s = kv_realloc(nlp, total);
        if (s != NULL) {
            nlp = s;
        }
    }
    return nlp;
}

kv_lp_t *kv_lp_delete(kv_lp_t *lp, size_t off, uint32_t n)
{
    size_t total = kv_lp_total(lp), end = off;
    uint32_t removed = 0;
    kv_lp_t *s;

    if (off == 0) {
        return lp;
    }
    while (removed < n && end < total) {
        end += kv_lp_entry_size(lp, end);
        removed++;
    }
    memmove(lp + off, lp + end, total - end);
    total -= end - off;
    kv_lp_set32(lp, (uint32_t) total);
    kv_lp_set32(lp + 4, kv_lp_count(lp) - removed);
    s = kv_realloc(lp, total);
    return s != NULL ? s : lp;
}

size_t kv_lp_find(const kv_lp_t *lp, size_t off, const char *p, size_t len,
                  unsigned skip)
{
    size_t total = kv_lp_total(lp);

    if (skip == 0) {
        skip = 1;
    }
    while (off != 0 && off < total) {
        size_t n, elen = kv_varint_get(lp + off, &n);
        if (elen == len && (len == 0 || memcmp(lp + off + n, p, len) == 0)) {
            return off;
        }
        off += n + elen;
        for (unsigned i = 1; i < skip && off < total; i++) {
            off += kv_lp_entry_size(lp, off);
        }
    }
    return 0;
}

kv_lp_t *kv_lp_restore(const char *p, size_t len, uint32_t group)
{
    kv_lp_t *lp;

    if (!kv_lp_validate(p, len) ||
        kv_lp_count((const kv_lp_t *) p) % group != 0) {
        return NULL;
    }
    lp = kv_malloc(len);
    if (lp != NULL) {
        memcpy(lp, p, len);
    }
    return lp;
}
