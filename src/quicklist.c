/*
 * quicklist.c: the list value (see quicklist.h for the layout).
 *
 * Internally everything works on packs: a small list is its pack, a linked
 * list's packs sit right after their kv_qnode_t links. Whatever changes a
 * pack's size goes through kv_ql_resize(), which reallocates the pack (or
 * its node) and repairs whatever pointed at the old block.
 */
#include "quicklist.h"

#include "alloc.h"
#include "buf.h"

/* Redis's optimization_level[]: the byte cap of a node for fill -1 .. -5. */
static const size_t kv_ql_size_levels[] = { 4096, 8192, 16384, 32768, 65536 };

/* Redis's SIZE_SAFETY_LIMIT: the byte cap of a node under a fill >= 0. */
#define KV_QL_SAFETY_LIMIT 8192

#define KV_QL_DUMP_VERSION 1
#define KV_QL_DUMP_HEADER 9 /* version, count */

/* The longest length field: a marker byte and 8 bytes. */
#define KV_QE_LEN_MAX 9

typedef struct {
    uint32_t count; /* entries */
    uint32_t used;  /* bytes of data in use (and allocated) */
    unsigned char data[];
} kv_qpack_t;

typedef struct kv_qnode_s {
    struct kv_qnode_s *prev, *next;
    /* followed by the node's kv_qpack_t */
} kv_qnode_t;

typedef struct {
    uint32_t mark; /* KV_LIST_LINKED */
    uint32_t nnodes;
    uint64_t count; /* entries in all nodes */
    kv_qnode_t *head, *tail;
} kv_qlinked_t;

/* ---- entries ------------------------------------------------------------- */

/* The two length fields of an element of n bytes; returns their size. */
static size_t kv_qe_fields(size_t n, unsigned char front[KV_QE_LEN_MAX],
                           unsigned char back[KV_QE_LEN_MAX])
{
    if (n < 0x80) {
        front[0] = back[0] = (unsigned char) n;
        return 1;
    }
    if (n < 0x4000) {
        front[0] = back[1] = (unsigned char) (0x80 | (n >> 8));
        front[1] = back[0] = (unsigned char) (n & 0xff);
        return 2;
    }
    front[0] = back[8] = 0xc0;
    for (int i = 0; i < 8; i++) {
        front[1 + i] = back[i] = (unsigned char) (n >> (8 * i));
    }
    return KV_QE_LEN_MAX;
}

static size_t kv_qe_lenlen(size_t n)
{
    return n < 0x80 ? 1 : n < 0x4000 ? 2 : KV_QE_LEN_MAX;
}

/* Bytes an entry of an element of n bytes takes. */
static size_t kv_qe_size(size_t n)
{
    return n + 2 * kv_qe_lenlen(n);
}

static void kv_qe_write(unsigned char *e, const char *s, size_t n)
{
    unsigned char front[KV_QE_LEN_MAX], back[KV_QE_LEN_MAX];
    size_t ll = kv_qe_fields(n, front, back);

    memcpy(e, front, ll);
    memcpy(e + ll, s, n);
    memcpy(e + ll + n, back, ll);
}

/* The element of the entry at e: its length, and its bytes in *s. */
static size_t kv_qe_read(const unsigned char *e, const unsigned char **s)
{
    size_t n;

    if (e[0] < 0x80) {
        *s = e + 1;
        return e[0];
    }
    if (e[0] < 0xc0) {
        *s = e + 2;
        return ((size_t) (e[0] & 0x3f) << 8) | e[1];
    }
    n = 0;
    for (int i = 0; i < 8; i++) {
        n |= (size_t) e[1 + i] << (8 * i);
    }
    *s = e + KV_QE_LEN_MAX;
    return n;
}

/* Size of the entry at e. */
static size_t kv_qe_total(const unsigned char *e)
{
    const unsigned char *s;

    return kv_qe_size(kv_qe_read(e, &s));
}

/* Size of the entry that ends at end. */
static size_t kv_qe_back(const unsigned char *end)
{
    unsigned char b = end[-1];
    size_t n;

    if (b < 0x80) {
        n = b;
    } else if (b < 0xc0) {
        n = ((size_t) (b & 0x3f) << 8) | end[-2];
    } else {
        n = 0;
        for (int i = 0; i < 8; i++) {
            n |= (size_t) end[-KV_QE_LEN_MAX + i] << (8 * i);
        }
    }
    return kv_qe_size(n);
}

/*
 * The entry at e, which has avail bytes from e on, checked: both length
 * fields present, canonical and equal, the bytes inside avail. For bytes
 * from outside (restore) and for kv_list_check().
 */
static int kv_qe_parse(const unsigned char *e, size_t avail, size_t *n,
                       size_t *total)
{
    unsigned char front[KV_QE_LEN_MAX], back[KV_QE_LEN_MAX];
    const unsigned char *s;
    size_t ll, len;

    if (avail == 0) {
        return KV_ERROR;
    }
    ll = e[0] < 0xc0 ? (e[0] < 0x80 ? 1 : 2) : KV_QE_LEN_MAX;
    if (avail < 2 * ll || (ll == KV_QE_LEN_MAX && e[0] != 0xc0)) {
        return KV_ERROR;
    }
    len = kv_qe_read(e, &s);
    if (len > avail - 2 * ll || kv_qe_fields(len, front, back) != ll ||
        memcmp(e, front, ll) != 0 || memcmp(e + ll + len, back, ll) != 0) {
        return KV_ERROR;
    }
    *n = len;
    *total = 2 * ll + len;
    return KV_OK;
}

/* ---- packs and nodes ----------------------------------------------------- */

static int kv_ql_is_linked(const kv_list_t *l)
{
    return *(const uint32_t *) l == KV_LIST_LINKED;
}

static kv_qlinked_t *kv_ql_hdr(kv_list_t *l)
{
    return (kv_qlinked_t *) l;
}

static kv_qpack_t *kv_qnode_pack(kv_qnode_t *n)
{
    return (kv_qpack_t *) (n + 1);
}

static kv_qnode_t *kv_qpack_node(kv_qpack_t *p)
{
    return (kv_qnode_t *) p - 1;
}

static kv_qpack_t *kv_ql_head(kv_list_t *l)
{
    if (!kv_ql_is_linked(l)) {
        return (kv_qpack_t *) l;
    }
    return kv_ql_hdr(l)->head ? kv_qnode_pack(kv_ql_hdr(l)->head) : NULL;
}

static kv_qpack_t *kv_ql_tail(kv_list_t *l)
{
    if (!kv_ql_is_linked(l)) {
        return (kv_qpack_t *) l;
    }
    return kv_ql_hdr(l)->tail ? kv_qnode_pack(kv_ql_hdr(l)->tail) : NULL;
}

static kv_qpack_t *kv_ql_next(kv_list_t *l, kv_qpack_t *p)
{
    kv_qnode_t *n;

    if (!kv_ql_is_linked(l)) {
        return NULL;
    }
    n = kv_qpack_node(p)->next;
    return n ? kv_qnode_pack(n) : NULL;
}

static kv_qpack_t *kv_ql_prev(kv_list_t *l, kv_qpack_t *p)
{
    kv_qnode_t *n;

    if (!kv_ql_is_linked(l)) {
        return NULL;
    }
    n = kv_qpack_node(p)->prev;
    return n ? kv_qnode_pack(n) : NULL;
}

/* The entry count a node may reach, and its size in bytes. */
static size_t kv_ql_size_limit(int fill)
{
    if (fill >= 0) {
        return KV_QL_SAFETY_LIMIT;
    }
    if (fill < KV_LIST_FILL_MIN) {
        fill = KV_LIST_FILL_MIN;
    }
    return kv_ql_size_levels[-fill - 1];
}

/* May pack p take one more entry of esz bytes? An empty pack takes any. */
static int kv_ql_fits(const kv_qpack_t *p, size_t esz, int fill)
{
    if (p->count == 0) {
        return 1;
    }
    if (fill >= 0 && p->count >= (uint32_t) fill) {
        return 0;
    }
    return p->used + esz <= kv_ql_size_limit(fill);
}

/* Change the entry count of a linked list's header (packs keep their
 * own). */
static void kv_ql_count(kv_list_t *l, int64_t delta)
{
    if (kv_ql_is_linked(l)) {
        kv_ql_hdr(l)->count += (uint64_t) delta;
    }
}

/*
 * Reallocate pack p of *lp for used bytes of data. When the block moves,
 * *lp (small) or the neighbours' links and the header (linked) follow.
 * NULL when out of memory; p is then unchanged.
 */
static kv_qpack_t *kv_ql_resize(kv_list_t **lp, kv_qpack_t *p, size_t used)
{
    kv_qlinked_t *h;
    kv_qnode_t *n, *nn;

    if (!kv_ql_is_linked(*lp)) {
        kv_qpack_t *np = kv_realloc(p, sizeof(kv_qpack_t) + used);
        if (np != NULL) {
            *lp = (kv_list_t *) np;
        }
        return np;
    }
    h = kv_ql_hdr(*lp);
    n = kv_qpack_node(p);
    nn = kv_realloc(n, sizeof(kv_qnode_t) + sizeof(kv_qpack_t) + used);
    if (nn == NULL) {
        return NULL;
    }
    if (nn != n) {
        if (nn->prev != NULL) {
            nn->prev->next = nn;
        } else {
            h->head = nn;
        }
        if (nn->next != NULL) {
            nn->next->prev = nn;
        } else {
            h->tail = nn;
        }
    }
    return kv_qnode_pack(nn);
}

/* A new unlinked node with room for used bytes, holding nothing yet. */
static kv_qnode_t *kv_qnode_new(size_t used)
{
    kv_qnode_t *n = kv_malloc(sizeof(kv_qnode_t) + sizeof(kv_qpack_t) + used);

    if (n != NULL) {
        n->prev = n->next = NULL;
        kv_qnode_pack(n)->count = 0;
        kv_qnode_pack(n)->used = 0;
    }
    return n;
}

/* A new node holding one element. */
static kv_qnode_t *kv_qnode_new_with(const char *s, size_t len)
{
    size_t esz = kv_qe_size(len);
    kv_qnode_t *n = kv_qnode_new(esz);

    if (n != NULL) {
        kv_qe_write(kv_qnode_pack(n)->data, s, len);
        kv_qnode_pack(n)->count = 1;
        kv_qnode_pack(n)->used = (uint32_t) esz;
    }
    return n;
}

/* Link n after at (at NULL: as the new head). Entry counts are the
 * caller's business. */
static void kv_ql_link(kv_qlinked_t *h, kv_qnode_t *at, kv_qnode_t *n)
{
    n->prev = at;
    n->next = at != NULL ? at->next : h->head;
    if (n->next != NULL) {
        n->next->prev = n;
    } else {
        h->tail = n;
    }
    if (at != NULL) {
        at->next = n;
    } else {
        h->head = n;
    }
    h->nnodes++;
}

static void kv_ql_unlink(kv_qlinked_t *h, kv_qnode_t *n)
{
    if (n->prev != NULL) {
        n->prev->next = n->next;
    } else {
        h->head = n->next;
    }
    if (n->next != NULL) {
        n->next->prev = n->prev;
    } else {
        h->tail = n->prev;
    }
    h->nnodes--;
}

/* Insert an element into pack p at byte offset off (p must fit it).
 * Returns the pack, or NULL when out of memory (nothing changed). */
static kv_qpack_t *kv_ql_pack_insert(kv_list_t **lp, kv_qpack_t *p, size_t off,
                                     const char *s, size_t len)
{
    size_t esz = kv_qe_size(len);
    kv_qpack_t *np = kv_ql_resize(lp, p, p->used + esz);

    if (np == NULL) {
        return NULL;
    }
    memmove(np->data + off + esz, np->data + off, np->used - off);
    kv_qe_write(np->data + off, s, len);
    np->used += (uint32_t) esz;
    np->count++;
    kv_ql_count(*lp, 1);
    return np;
}

/*
 * Delete n entries (bytes in all) at offset off of pack p. Returns the
 * pack, or NULL when that emptied a node of a linked list, which is then
 * freed. A small list keeps its (empty) pack.
 */
static kv_qpack_t *kv_ql_pack_delete(kv_list_t **lp, kv_qpack_t *p, size_t off,
                                     size_t bytes, uint32_t n)
{
    kv_qpack_t *np;

    kv_ql_count(*lp, -(int64_t) n);
    if (n == p->count && kv_ql_is_linked(*lp)) {
        kv_qnode_t *node = kv_qpack_node(p);
        kv_ql_unlink(kv_ql_hdr(*lp), node);
        kv_free(node);
        return NULL;
    }
    memmove(p->data + off, p->data + off + bytes, p->used - off - bytes);
    p->used -= (uint32_t) bytes;
    p->count -= n;
    np = kv_ql_resize(lp, p, p->used);
    return np != NULL ? np : p; /* a failed shrink keeps the old block */
}

/* Byte offset of entry i (< count) of p, walked from the nearer end. */
static size_t kv_qpack_offset(const kv_qpack_t *p, uint32_t i)
{
    size_t off;

    if (i < p->count / 2) {
        off = 0;
        while (i-- > 0) {
            off += kv_qe_total(p->data + off);
        }
        return off;
    }
    off = p->used;
    for (uint32_t k = p->count - i; k > 0; k--) {
        off -= kv_qe_back(p->data + off);
    }
    return off;
}

/* Entries of p from byte offset off to its end. */
static uint32_t kv_qpack_count_from(const kv_qpack_t *p, size_t off)
{
    uint32_t n = 0;

    while (off < p->used) {
        off += kv_qe_total(p->data + off);
        n++;
    }
    return n;
}

/* The pack holding element idx (< length) and the offset of its entry;
 * the walk starts from the nearer end of the list. */
static kv_qpack_t *kv_ql_locate(kv_list_t *l, uint64_t idx, size_t *off)
{
    uint64_t len = kv_list_len(l);
    kv_qpack_t *p;

    if (!kv_ql_is_linked(l)) {
        p = (kv_qpack_t *) l;
    } else if (idx < len / 2) {
        p = kv_ql_head(l);
        while (idx >= p->count) {
            idx -= p->count;
            p = kv_ql_next(l, p);
        }
    } else {
        uint64_t back = len - 1 - idx; /* counted from the tail */
        p = kv_ql_tail(l);
        while (back >= p->count) {
            back -= p->count;
            p = kv_ql_prev(l, p);
        }
        idx = p->count - 1 - back;
    }
    *off = kv_qpack_offset(p, (uint32_t) idx);
    return p;
}

/* ---- shapes -------------------------------------------------------------- */

/* A small list becomes a linked list of one node. */
static int kv_ql_to_linked(kv_list_t **lp)
{
    kv_qpack_t *p = (kv_qpack_t *) *lp;
    kv_qlinked_t *h = kv_malloc(sizeof(*h));
    kv_qnode_t *n = kv_qnode_new(p->used);

    if (h == NULL || n == NULL) {
        kv_free(h);
        kv_free(n);
        return KV_ERROR;
    }
    memcpy(kv_qnode_pack(n), p, sizeof(kv_qpack_t) + p->used);
    h->mark = KV_LIST_LINKED;
    h->nnodes = 0;
    h->count = p->count;
    h->head = h->tail = NULL;
    kv_ql_link(h, NULL, n);
    kv_free(p);
    *lp = (kv_list_t *) h;
    return KV_OK;
}

void kv_list_tidy(kv_list_t **lp, int fill)
{
    kv_qlinked_t *h;
    kv_qpack_t *p, *small;
    uint32_t half;

    if (!kv_ql_is_linked(*lp)) {
        return;
    }
    h = kv_ql_hdr(*lp);
    if (h->nnodes > 1) {
        return;
    }
    if (h->nnodes == 1) {
        p = kv_qnode_pack(h->head);
        half = fill > 1 ? (uint32_t) fill / 2 : 1;
        if ((size_t) p->used * 2 > kv_ql_size_limit(fill) ||
            (fill >= 0 && p->count > half)) {
            return;
        }
    } else {
        p = NULL;
    }
    small = kv_malloc(sizeof(kv_qpack_t) + (p != NULL ? p->used : 0));
    if (small == NULL) {
        return; /* stays linked, which is fine */
    }
    if (p != NULL) {
        memcpy(small, p, sizeof(kv_qpack_t) + p->used);
        kv_free(h->head);
    } else {
        small->count = small->used = 0;
    }
    kv_free(h);
    *lp = (kv_list_t *) small;
}

/* ---- the list ------------------------------------------------------------ */

kv_list_t *kv_list_new(void)
{
    kv_qpack_t *p = kv_malloc(sizeof(kv_qpack_t));

    if (p != NULL) {
        p->count = 0;
        p->used = 0;
    }
    return (kv_list_t *) p;
}

void kv_list_free(kv_list_t *l)
{
    kv_qnode_t *n, *next;

    if (l == NULL) {
        return;
    }
    if (kv_ql_is_linked(l)) {
        for (n = kv_ql_hdr(l)->head; n != NULL; n = next) {
            next = n->next;
            kv_free(n);
        }
    }
    kv_free(l);
}

kv_list_t *kv_list_dup(const kv_list_t *l)
{
    const kv_qlinked_t *h;
    kv_qlinked_t *nh;
    size_t sz;

    if (!kv_ql_is_linked(l)) {
        const kv_qpack_t *p = (const kv_qpack_t *) l;
        kv_qpack_t *np = kv_malloc(sizeof(kv_qpack_t) + p->used);
        if (np != NULL) {
            memcpy(np, p, sizeof(kv_qpack_t) + p->used);
        }
        return (kv_list_t *) np;
    }
    h = (const kv_qlinked_t *) l;
    nh = kv_malloc(sizeof(*nh));
    if (nh == NULL) {
        return NULL;
    }
    nh->mark = KV_LIST_LINKED;
    nh->nnodes = 0;
    nh->count = h->count;
    nh->head = nh->tail = NULL;
    for (kv_qnode_t *n = h->head; n != NULL; n = n->next) {
        kv_qnode_t *c;
        sz = sizeof(kv_qnode_t) + sizeof(kv_qpack_t) + kv_qnode_pack(n)->used;
        c = kv_malloc(sz);
        if (c == NULL) {
            kv_list_free((kv_list_t *) nh);
            return NULL;
        }
        memcpy(c, n, sz);
        kv_ql_link(nh, nh->tail, c);
    }
    return (kv_list_t *) nh;
}

uint64_t kv_list_len(const kv_list_t *l)
{
    if (kv_ql_is_linked(l)) {
        return ((const kv_qlinked_t *) l)->count;
    }
    return ((const kv_qpack_t *) l)->count;
}

uint64_t kv_list_nodes(const kv_list_t *l)
{
    if (kv_ql_is_linked(l)) {
        return ((const kv_qlinked_t *) l)->nnodes;
    }
    return 1;
}

int kv_list_push(kv_list_t **lp, const char *s, size_t len, int where, int fill)
{
    size_t esz = kv_qe_size(len);
    kv_qlinked_t *h;
    kv_qpack_t *p;
    kv_qnode_t *n;

    if (!kv_ql_is_linked(*lp)) {
        p = (kv_qpack_t *) *lp;
        if (kv_ql_fits(p, esz, fill)) {
            return kv_ql_pack_insert(lp, p, where == KV_LIST_HEAD ? 0 : p->used,
                                     s, len) != NULL
                       ? KV_OK
                       : KV_ERROR;
        }
        if (kv_ql_to_linked(lp) != KV_OK) {
            return KV_ERROR;
        }
    }
    h = kv_ql_hdr(*lp);
    p = where == KV_LIST_HEAD ? kv_ql_head(*lp) : kv_ql_tail(*lp);
    if (p != NULL && kv_ql_fits(p, esz, fill)) {
        return kv_ql_pack_insert(lp, p, where == KV_LIST_HEAD ? 0 : p->used, s,
                                 len) != NULL
                   ? KV_OK
                   : KV_ERROR;
    }
    n = kv_qnode_new_with(s, len);
    if (n == NULL) {
        return KV_ERROR;
    }
    kv_ql_link(h, where == KV_LIST_HEAD ? NULL : h->tail, n);
    h->count++;
    return KV_OK;
}

int kv_list_index(const kv_list_t *l, long long idx, const char **s,
                  size_t *len)
{
    uint64_t n = kv_list_len(l), i;
    const unsigned char *e;
    kv_qpack_t *p;
    size_t off;

    if (idx < 0) {
        uint64_t back = (uint64_t) ~idx; /* -(idx + 1): 0 for the last */
        if (back >= n) {
            return 0;
        }
        i = n - 1 - back;
    } else if ((uint64_t) idx >= n) {
        return 0;
    } else {
        i = (uint64_t) idx;
    }
    p = kv_ql_locate((kv_list_t *) l, i, &off);
    *len = kv_qe_read(p->data + off, &e);
    *s = (const char *) e;
    return 1;
}

/*
 * Insert an element at byte offset off of pack p: into p if it fits, else
 * into the neighbour at that end, else into a node of its own (splitting p
 * when off is inside it).
 */
static int kv_ql_insert_at(kv_list_t **lp, kv_qpack_t *p, size_t off,
                           const char *s, size_t len, int fill)
{
    size_t esz = kv_qe_size(len);
    kv_qnode_t *n, *fresh, *rest;
    kv_qlinked_t *h;
    kv_qpack_t *q, *np;

    if (kv_ql_fits(p, esz, fill)) {
        return kv_ql_pack_insert(lp, p, off, s, len) != NULL ? KV_OK : KV_ERROR;
    }
    if (!kv_ql_is_linked(*lp)) {
        if (kv_ql_to_linked(lp) != KV_OK) {
            return KV_ERROR;
        }
        p = kv_ql_head(*lp);
    }
    h = kv_ql_hdr(*lp);
    n = kv_qpack_node(p);
    if (off == 0 && n->prev != NULL &&
        kv_ql_fits(kv_qnode_pack(n->prev), esz, fill)) {
        q = kv_qnode_pack(n->prev);
        return kv_ql_pack_insert(lp, q, q->used, s, len) != NULL ? KV_OK
                                                                 : KV_ERROR;
    }
    if (off == p->used && n->next != NULL &&
        kv_ql_fits(kv_qnode_pack(n->next), esz, fill)) {
        q = kv_qnode_pack(n->next);
        return kv_ql_pack_insert(lp, q, 0, s, len) != NULL ? KV_OK : KV_ERROR;
    }
    fresh = kv_qnode_new_with(s, len);
    if (fresh == NULL) {
        return KV_ERROR;
    }
    if (off == 0 || off == p->used) {
        kv_ql_link(h, off == 0 ? n->prev : n, fresh);
        h->count++;
        return KV_OK;
    }
    /* Inside the node: the entries from off on move to a node of their
     * own, and the element goes between the halves. */
    rest = kv_qnode_new(p->used - off);
    if (rest == NULL) {
        kv_free(fresh);
        return KV_ERROR;
    }
    q = kv_qnode_pack(rest);
    memcpy(q->data, p->data + off, p->used - off);
    q->used = p->used - (uint32_t) off;
    q->count = kv_qpack_count_from(p, off);
    p->used = (uint32_t) off;
    p->count -= q->count;
    np = kv_ql_resize(lp, p, p->used);
    p = np != NULL ? np : p;
    kv_ql_link(h, kv_qpack_node(p), rest);
    /* Either half may now have room for it. */
    if (kv_ql_fits(p, esz, fill) &&
        kv_ql_pack_insert(lp, p, p->used, s, len) != NULL) {
        kv_free(fresh);
        return KV_OK;
    }
    if (kv_ql_fits(q, esz, fill) && kv_ql_pack_insert(lp, q, 0, s, len)) {
        kv_free(fresh);
        return KV_OK;
    }
    kv_ql_link(h, kv_qpack_node(p), fresh);
    h->count++;
    return KV_OK;
}

int kv_list_replace(kv_list_t **lp, uint64_t idx, const char *s, size_t len,
                    int fill)
{
    size_t off, osz, esz = kv_qe_size(len);
    kv_qpack_t *p = kv_ql_locate(*lp, idx, &off), *np;

    osz = kv_qe_total(p->data + off);
    if (p->count == 1 || p->used - osz + esz <= kv_ql_size_limit(fill)) {
        size_t used = p->used - osz + esz;
        if (esz > osz) {
            np = kv_ql_resize(lp, p, used);
            if (np == NULL) {
                return KV_ERROR;
            }
            p = np;
        }
        memmove(p->data + off + esz, p->data + off + osz, p->used - off - osz);
        kv_qe_write(p->data + off, s, len);
        p->used = (uint32_t) used;
        if (esz < osz && (np = kv_ql_resize(lp, p, used)) != NULL) {
            p = np;
        }
        return KV_OK;
    }
    /* Too big for its node: the new element goes in before the old one
     * (wherever that puts it), then the old one, now at idx + 1, goes. */
    if (kv_ql_insert_at(lp, p, off, s, len, fill) != KV_OK) {
        return KV_ERROR;
    }
    p = kv_ql_locate(*lp, idx + 1, &off);
    (void) kv_ql_pack_delete(lp, p, off, kv_qe_total(p->data + off), 1);
    return KV_OK;
}

void kv_list_del_range(kv_list_t **lp, uint64_t start, uint64_t count, int fill)
{
    kv_qpack_t *p, *next;
    size_t off, end;
    uint32_t k;

    if (count == 0) {
        return;
    }
    p = kv_ql_locate(*lp, start, &off);
    while (count > 0 && p != NULL) {
        next = kv_ql_next(*lp, p);
        if (off == 0 && count >= p->count) {
            end = p->used;
            k = p->count;
        } else {
            for (end = off, k = 0; k < count && end < p->used; k++) {
                end += kv_qe_total(p->data + end);
            }
        }
        (void) kv_ql_pack_delete(lp, p, off, end - off, k);
        count -= k;
        p = next;
        off = 0;
    }
    kv_list_tidy(lp, fill);
}

/* ---- iteration ----------------------------------------------------------- */

void kv_list_iter_init(kv_list_iter_t *it, kv_list_t **lp, uint64_t idx,
                       int dir)
{
    kv_qpack_t *p;
    size_t off;

    it->lp = lp;
    it->dir = dir;
    it->pack = NULL;
    it->off = it->cur = 0;
    if (idx >= kv_list_len(*lp)) {
        return;
    }
    p = kv_ql_locate(*lp, idx, &off);
    it->pack = p;
    it->cur = off;
    it->off = dir == KV_LIST_TAIL ? off : off + kv_qe_total(p->data + off);
}

int kv_list_next(kv_list_iter_t *it, const char **s, size_t *len)
{
    kv_qpack_t *p = it->pack;
    const unsigned char *e;

    while (p != NULL) {
        if (it->dir == KV_LIST_TAIL) {
            if (it->off < p->used) {
                it->cur = it->off;
                *len = kv_qe_read(p->data + it->cur, &e);
                *s = (const char *) e;
                it->off += kv_qe_size(*len);
                return 1;
            }
            p = kv_ql_next(*it->lp, p);
            it->off = 0;
        } else {
            if (it->off > 0) {
                it->off -= kv_qe_back(p->data + it->off);
                it->cur = it->off;
                *len = kv_qe_read(p->data + it->cur, &e);
                *s = (const char *) e;
                return 1;
            }
            p = kv_ql_prev(*it->lp, p);
            it->off = p != NULL ? p->used : 0;
        }
        it->pack = p;
    }
    return 0;
}

void kv_list_iter_delete(kv_list_iter_t *it)
{
    kv_qpack_t *p = it->pack, *next, *prev, *np;

    next = kv_ql_next(*it->lp, p);
    prev = kv_ql_prev(*it->lp, p);
    np = kv_ql_pack_delete(it->lp, p, it->cur, kv_qe_total(p->data + it->cur),
                           1);
    if (np != NULL) {
        /* Either way the next entry starts (ends) where this one was. */
        it->pack = np;
        it->off = it->cur;
    } else if (it->dir == KV_LIST_TAIL) {
        it->pack = next;
        it->off = 0;
    } else {
        it->pack = prev;
        it->off = prev != NULL ? prev->used : 0;
    }
}

int kv_list_iter_insert(kv_list_iter_t *it, const char *s, size_t len,
                        int after, int fill)
{
    kv_qpack_t *p = it->pack;
    size_t off = it->cur;

    if (after) {
        off += kv_qe_total(p->data + off);
    }
    it->pack = NULL;
    return kv_ql_insert_at(it->lp, p, off, s, len, fill);
}

/* ---- serialization ------------------------------------------------------- */

int kv_list_dump(const kv_list_t *l, kv_buf_t *out)
{
    unsigned char hdr[KV_QL_DUMP_HEADER];
    uint64_t count = kv_list_len(l);
    kv_list_t *ml = (kv_list_t *) l;

    hdr[0] = KV_QL_DUMP_VERSION;
    for (int i = 0; i < 8; i++) {
        hdr[1 + i] = (unsigned char) (count >> (8 * i));
    }
    if (kv_buf_append(out, hdr, sizeof(hdr)) != KV_OK) {
        return KV_ERROR;
    }
    for (kv_qpack_t *p = kv_ql_head(ml); p != NULL; p = kv_ql_next(ml, p)) {
        if (kv_buf_append(out, p->data, p->used) != KV_OK) {
            return KV_ERROR;
        }
    }
    return KV_OK;
}

kv_list_t *kv_list_restore(const char *buf, size_t len, int fill)
{
    const unsigned char *b = (const unsigned char *) buf, *s;
    uint64_t count = 0, n = 0;
    size_t pos = KV_QL_DUMP_HEADER, elen, total;
    kv_list_t *l;

    if (len < KV_QL_DUMP_HEADER || b[0] != KV_QL_DUMP_VERSION) {
        return NULL;
    }
    for (int i = 0; i < 8; i++) {
        count |= (uint64_t) b[1 + i] << (8 * i);
    }
    l = kv_list_new();
    if (l == NULL) {
        return NULL;
    }
    while (pos < len) {
        if (kv_qe_parse(b + pos, len - pos, &elen, &total) != KV_OK ||
            elen > KV_LIST_ELEMENT_MAX) {
            kv_list_free(l);
            return NULL;
        }
        (void) kv_qe_read(b + pos, &s);
        if (kv_list_push(&l, (const char *) s, elen, KV_LIST_TAIL, fill) !=
            KV_OK) {
            kv_list_free(l);
            return NULL;
        }
        pos += total;
        n++;
    }
    if (n != count) {
        kv_list_free(l);
        return NULL;
    }
    return l;
}

/* ---- checks -------------------------------------------------------------- */

static const char *kv_qpack_check(const kv_qpack_t *p, int fill, int small)
{
    size_t off = 0, n, total;
    uint32_t count = 0;

    while (off < p->used) {
        if (kv_qe_parse(p->data + off, p->used - off, &n, &total) != KV_OK) {
            return "bad entry";
        }
        if (kv_qe_back(p->data + off + total) != total) {
            return "bad back length";
        }
        off += total;
        count++;
    }
    if (count != p->count) {
        return "pack count differs from its entries";
    }
    if (p->count == 0 && !small) {
        return "empty node";
    }
    if (p->count > 1 && (p->used > kv_ql_size_limit(fill) ||
                         (fill >= 0 && p->count > (uint32_t) fill))) {
        return "node over its fill";
    }
    return NULL;
}

const char *kv_list_check(const kv_list_t *l, int fill)
{
    const kv_qlinked_t *h;
    const kv_qnode_t *prev = NULL;
    uint64_t count = 0;
    uint32_t nodes = 0;
    const char *err;

    if (!kv_ql_is_linked(l)) {
        return kv_qpack_check((const kv_qpack_t *) l, fill, 1);
    }
    h = (const kv_qlinked_t *) l;
    for (kv_qnode_t *n = h->head; n != NULL; n = n->next) {
        if (n->prev != prev) {
            return "bad prev link";
        }
        err = kv_qpack_check(kv_qnode_pack(n), fill, 0);
        if (err != NULL) {
            return err;
        }
        count += kv_qnode_pack(n)->count;
        nodes++;
        prev = n;
    }
    if (h->tail != prev) {
        return "bad tail";
    }
    if (nodes != h->nnodes) {
        return "node count differs";
    }
    if (count != h->count) {
        return "entry count differs";
    }
    return NULL;
}
