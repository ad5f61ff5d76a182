/*
 * set.c: the value of a set key (see set.h), and its kv_type_ops_t.
 */
#include "set.h"

#include "alloc.h"
#include "buf.h"
#include "intset.h"
#include "resp.h"
#include "worker.h"

/* A member of a hashtable set: one allocation, hash cached in de. */
typedef struct {
    kv_dict_entry_t de;
    uint32_t len;
    char data[];
} kv_set_member_t;

#define KV_SET_MEMBER_SIZE(len) (offsetof(kv_set_member_t, data) + (len))

/*
 * The hashtable encoding. The tag lets free(), which is given the pointer
 * alone, tell it from an intset: an intset starts with its width (2, 4 or
 * 8), never 0.
 */
typedef struct {
    uint32_t tag;
    kv_dict_t d;
} kv_set_ht_t;

#define KV_SET_HT_TAG 0

static size_t kv_set_max_intset(void)
{
    return (size_t) kv_worker.conf.set_max_intset_entries;
}

/* ---- hashtable encoding -------------------------------------------------- */

static const char *kv_set_member_key(const kv_dict_entry_t *e, size_t *len)
{
    const kv_set_member_t *m = (const kv_set_member_t *) e;

    *len = m->len;
    return m->data;
}

static kv_set_ht_t *kv_set_ht_new(void)
{
    kv_set_ht_t *h = kv_malloc(sizeof(*h));

    if (h != NULL) {
        h->tag = KV_SET_HT_TAG;
        kv_dict_init(&h->d, kv_set_member_key);
    }
    return h;
}

static void kv_set_ht_free_member(kv_dict_entry_t *e, void *arg)
{
    kv_free(e);
}

static void kv_set_ht_free(kv_set_ht_t *h)
{
    kv_dict_clear(&h->d, kv_set_ht_free_member, NULL);
    kv_dict_free(&h->d);
    kv_free(h);
}

/* 1 added, 0 already there, KV_ERROR out of memory. */
static int kv_set_ht_add(kv_set_ht_t *h, const char *p, size_t len)
{
    uint64_t hash = kv_dict_hash(p, len);
    kv_set_member_t *m;

    if (kv_dict_find(&h->d, p, len, hash) != NULL) {
        return 0;
    }
    if (len > UINT32_MAX) {
        return KV_ERROR;
    }
    m = kv_malloc(KV_SET_MEMBER_SIZE(len));
    if (m == NULL) {
        return KV_ERROR;
    }
    m->de.next = NULL;
    m->de.hash = hash;
    m->len = (uint32_t) len;
    memcpy(m->data, p, len);
    if (kv_dict_add(&h->d, &m->de) != KV_OK && kv_dict_overhead(&h->d) == 0) {
        kv_free(m); /* not linked: no bucket array could be had */
        return KV_ERROR;
    }
    return 1;
}

static int kv_set_ht_remove(kv_set_ht_t *h, const char *p, size_t len)
{
    kv_dict_entry_t *e = kv_dict_unlink(&h->d, p, len, kv_dict_hash(p, len));

    if (e == NULL) {
        return 0;
    }
    kv_free(e);
    return 1;
}

static int kv_set_ht_has(kv_set_ht_t *h, const char *p, size_t len)
{
    return kv_dict_find(&h->d, p, len, kv_dict_hash(p, len)) != NULL;
}

/* ---- a set of either encoding ------------------------------------------ */

int kv_set_init(kv_set_t *s, int enc)
{
    s->enc = (uint8_t) enc;
    s->ptr = enc == KV_SET_ENC_INTSET ? (void *) kv_intset_new()
                                      : (void *) kv_set_ht_new();
    return s->ptr != NULL ? KV_OK : KV_ERROR;
}

void kv_set_free(kv_set_t *s)
{
    if (s->ptr == NULL) {
        return;
    }
    if (s->enc == KV_SET_ENC_INTSET) {
        kv_intset_free(s->ptr);
    } else {
        kv_set_ht_free(s->ptr);
    }
    s->ptr = NULL;
}

/* setTypeCreate(): the empty set that can hold this first member. */
int kv_set_init_for(kv_set_t *s, const char *p, size_t len)
{
    long long ll;

    return kv_set_init(s, kv_string2ll(p, len, &ll) ? KV_SET_ENC_INTSET
                                                    : KV_SET_ENC_HT);
}

uint64_t kv_set_size(const kv_set_t *s)
{
    if (s->enc == KV_SET_ENC_INTSET) {
        return kv_intset_len(s->ptr);
    }
    return kv_dict_size(&((kv_set_ht_t *) s->ptr)->d);
}

/* Convert an intset to a hashtable; unchanged on KV_ERROR. */
static int kv_set_convert(kv_set_t *s)
{
    kv_intset_t *is = s->ptr;
    kv_set_ht_t *h = kv_set_ht_new();
    char buf[KV_SET_INT_BUF];
    int64_t v;

    if (h == NULL) {
        return KV_ERROR;
    }
    for (uint32_t i = 0; kv_intset_get(is, i, &v); i++) {
        if (kv_set_ht_add(h, buf, kv_ll2str(buf, v)) < 0) {
            kv_set_ht_free(h);
            return KV_ERROR;
        }
    }
    kv_intset_free(is);
    s->enc = KV_SET_ENC_HT;
    s->ptr = h;
    return KV_OK;
}

/* An intset that just grew past the limit becomes a hashtable. Were
 * memory too short for that, the intset is kept: it is only slower. */
static void kv_set_check_size(kv_set_t *s)
{
    if (s->enc == KV_SET_ENC_INTSET &&
        kv_intset_len(s->ptr) > kv_set_max_intset()) {
        (void) kv_set_convert(s);
    }
}

/* setTypeAdd(): 1 added, 0 already there, KV_ERROR out of memory. */
int kv_set_add(kv_set_t *s, const char *p, size_t len)
{
    long long ll;
    int rc;

    if (s->enc == KV_SET_ENC_HT) {
        return kv_set_ht_add(s->ptr, p, len);
    }
    if (kv_string2ll(p, len, &ll)) {
        rc = kv_intset_add((kv_intset_t **) &s->ptr, ll);
        if (rc == 1) {
            kv_set_check_size(s);
        }
        return rc;
    }
    if (kv_set_convert(s) != KV_OK) {
        return KV_ERROR;
    }
    return kv_set_ht_add(s->ptr, p, len);
}

/* The same for a member taken from another set. */
int kv_set_add_elem(kv_set_t *s, const kv_set_elem_t *e)
{
    int rc;

    if (e->is_int && s->enc == KV_SET_ENC_INTSET) {
        rc = kv_intset_add((kv_intset_t **) &s->ptr, e->v);
        if (rc == 1) {
            kv_set_check_size(s);
        }
        return rc;
    }
    return kv_set_add(s, e->p, e->len);
}

int kv_set_remove(kv_set_t *s, const char *p, size_t len)
{
    long long ll;

    if (s->enc == KV_SET_ENC_HT) {
        return kv_set_ht_remove(s->ptr, p, len);
    }
    if (kv_string2ll(p, len, &ll)) {
        return kv_intset_remove((kv_intset_t **) &s->ptr, ll);
    }
    return 0;
}

/* Remove a member the set was just seen to hold (a random pick): a
 * hashtable member's bytes are read before its entry is freed. */
void kv_set_remove_elem(kv_set_t *s, const kv_set_elem_t *e)
{
    if (e->is_int && s->enc == KV_SET_ENC_INTSET) {
        (void) kv_intset_remove((kv_intset_t **) &s->ptr, e->v);
    } else {
        (void) kv_set_remove(s, e->p, e->len);
    }
}

int kv_set_has(kv_set_t *s, const char *p, size_t len)
{
    long long ll;

    if (s->enc == KV_SET_ENC_HT) {
        return kv_set_ht_has(s->ptr, p, len);
    }
    return kv_string2ll(p, len, &ll) && kv_intset_find(s->ptr, ll);
}

int kv_set_has_elem(kv_set_t *s, const kv_set_elem_t *e)
{
    if (e->is_int && s->enc == KV_SET_ENC_INTSET) {
        return kv_intset_find(s->ptr, e->v);
    }
    return kv_set_has(s, e->p, e->len);
}

static void kv_set_elem_int(kv_set_elem_t *e, int64_t v)
{
    e->is_int = 1;
    e->v = v;
    e->len = kv_ll2str(e->buf, v);
    e->p = e->buf;
}

static void kv_set_elem_member(kv_set_elem_t *e, const kv_dict_entry_t *de)
{
    const kv_set_member_t *m = (const kv_set_member_t *) de;

    e->is_int = 0;
    e->p = m->data;
    e->len = m->len;
}

void kv_set_iter_init(kv_set_iter_t *it, kv_set_t *s)
{
    it->s = s;
    it->pos = 0;
    if (s->enc == KV_SET_ENC_HT) {
        kv_dict_iter_init(&it->it, &((kv_set_ht_t *) s->ptr)->d);
    }
}

int kv_set_iter_next(kv_set_iter_t *it, kv_set_elem_t *e)
{
    kv_dict_entry_t *de;
    int64_t v;

    if (it->s->enc == KV_SET_ENC_INTSET) {
        if (!kv_intset_get(it->s->ptr, it->pos++, &v)) {
            return 0;
        }
        kv_set_elem_int(e, v);
        return 1;
    }
    de = kv_dict_iter_next(&it->it);
    if (de == NULL) {
        return 0;
    }
    kv_set_elem_member(e, de);
    return 1;
}

void kv_set_iter_done(kv_set_iter_t *it)
{
    if (it->s->enc == KV_SET_ENC_HT) {
        kv_dict_iter_done(&it->it);
    }
}

/* setTypeRandomElement() of a non-empty set. The bytes of a hashtable
 * member stay valid until the member is removed. */
void kv_set_random(kv_set_t *s, kv_set_elem_t *e)
{
    if (s->enc == KV_SET_ENC_INTSET) {
        int64_t v = 0;

        (void) kv_intset_get(
            s->ptr, (uint32_t) (kv_random64() % kv_intset_len(s->ptr)), &v);
        kv_set_elem_int(e, v);
        return;
    }
    kv_set_elem_member(
        e, kv_dict_random(&((kv_set_ht_t *) s->ptr)->d, kv_random64));
}

typedef struct {
    void (*fn)(const kv_set_elem_t *e, void *arg);
    void *arg;
} kv_set_scan_t;

static void kv_set_scan_member(kv_dict_entry_t *de, void *arg)
{
    kv_set_scan_t *sc = arg;
    kv_set_elem_t e;

    kv_set_elem_member(&e, de);
    sc->fn(&e, sc->arg);
}

uint64_t kv_set_scan(kv_set_t *s, uint64_t cursor,
                     void (*fn)(const kv_set_elem_t *e, void *arg), void *arg)
{
    kv_set_scan_t sc = { fn, arg };

    return kv_dict_scan(&((kv_set_ht_t *) s->ptr)->d, cursor,
                        kv_set_scan_member, &sc);
}

/* ---- the value type ------------------------------------------------------ */

static void kv_set_type_free(void *ptr)
{
    kv_set_t s;

    s.enc = *(const uint32_t *) ptr == KV_SET_HT_TAG ? KV_SET_ENC_HT
                                                     : KV_SET_ENC_INTSET;
    s.ptr = ptr;
    kv_set_free(&s);
}

static void *kv_set_type_dup(const void *ptr, uint8_t enc)
{
    kv_set_t src = { enc, (void *) ptr }, dst;
    kv_set_iter_t it;
    kv_set_elem_t e;

    if (enc == KV_SET_ENC_INTSET) {
        return kv_intset_dup(ptr);
    }
    if (kv_set_init(&dst, KV_SET_ENC_HT) != KV_OK) {
        return NULL;
    }
    kv_set_iter_init(&it, &src);
    while (kv_set_iter_next(&it, &e)) {
        if (kv_set_ht_add(dst.ptr, e.p, e.len) < 0) {
            kv_set_iter_done(&it);
            kv_set_free(&dst);
            return NULL;
        }
    }
    kv_set_iter_done(&it);
    return dst.ptr;
}

static const char *kv_set_type_encoding(uint8_t enc)
{
    return enc == KV_SET_ENC_INTSET ? "intset" : "hashtable";
}

static void kv_set_put_u32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (char) (v >> (8 * i));
    }
}

static uint32_t kv_set_get_u32(const char *p)
{
    const unsigned char *q = (const unsigned char *) p;

    return (uint32_t) q[0] | (uint32_t) q[1] << 8 | (uint32_t) q[2] << 16 |
           (uint32_t) q[3] << 24;
}

/*
 * The dump of a set (for moving it between shards), little-endian:
 *
 *   intset     'i' width:u8 count:u32 count * width-byte integers
 *   hashtable  'h' count:u32 then count * (len:u32 bytes)
 *
 * restore() rebuilds the same encoding, whatever the members.
 */
static int kv_set_type_dump(const void *ptr, uint8_t enc, kv_buf_t *out)
{
    kv_set_t s = { enc, (void *) ptr };
    kv_set_iter_t it;
    kv_set_elem_t e;
    char head[6];

    if (enc == KV_SET_ENC_INTSET) {
        const kv_intset_t *is = ptr;
        size_t n = (size_t) is->width * is->length;

        head[0] = 'i';
        head[1] = (char) is->width;
        kv_set_put_u32(head + 2, is->length);
        if (kv_buf_append(out, head, 6) != KV_OK ||
            kv_buf_reserve(out, n) != KV_OK) {
            return KV_ERROR;
        }
        kv_intset_to_le(is, out->data + out->len);
        out->len += n;
        return KV_OK;
    }
    head[0] = 'h';
    kv_set_put_u32(head + 1, (uint32_t) kv_set_size(&s));
    if (kv_buf_append(out, head, 5) != KV_OK) {
        return KV_ERROR;
    }
    kv_set_iter_init(&it, &s);
    while (kv_set_iter_next(&it, &e)) {
        kv_set_put_u32(head, (uint32_t) e.len);
        if (kv_buf_append(out, head, 4) != KV_OK ||
            kv_buf_append(out, e.p, e.len) != KV_OK) {
            kv_set_iter_done(&it);
            return KV_ERROR;
        }
    }
    kv_set_iter_done(&it);
    return KV_OK;
}

static void *kv_set_type_restore(const char *p, size_t len, uint8_t *enc)
{
    kv_set_t s;
    uint32_t n;

    if (len >= 6 && p[0] == 'i') {
        /* A set in the keyspace is never empty. */
        if (kv_set_get_u32(p + 2) == 0) {
            return NULL;
        }
        *enc = KV_SET_ENC_INTSET;
        return kv_intset_from_le((uint32_t) (unsigned char) p[1],
                                 kv_set_get_u32(p + 2), p + 6, len - 6);
    }
    if (len < 5 || p[0] != 'h' || kv_set_init(&s, KV_SET_ENC_HT) != KV_OK) {
        return NULL;
    }
    n = kv_set_get_u32(p + 1);
    p += 5;
    len -= 5;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ml;

        if (len < 4 || (ml = kv_set_get_u32(p)) > len - 4 ||
            kv_set_ht_add(s.ptr, p + 4, ml) != 1) {
            kv_set_free(&s); /* short, or a duplicate member */
            return NULL;
        }
        p += 4 + ml;
        len -= 4 + (size_t) ml;
    }
    if (len != 0 || n == 0) {
        kv_set_free(&s);
        return NULL;
    }
    *enc = KV_SET_ENC_HT;
    return s.ptr;
}

const kv_type_ops_t kv_set_type = {
    "set",
    kv_set_type_free,
    kv_set_type_dup,
    kv_set_type_encoding,
    kv_set_type_dump,
    kv_set_type_restore,
};
