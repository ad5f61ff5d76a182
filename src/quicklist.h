/*
 * quicklist.h: the list value, cheap at both ends and compact when small.
 *
 * Entries are packed into nodes, like Redis's quicklist of listpacks. A
 * pack is one contiguous buffer of entries with its entry count and byte
 * count in front; a node is a pack with the links of a doubly linked list
 * in front of it. Each entry carries its length at both ends, so a pack is
 * walked forwards and backwards without an index:
 *
 *   entry    [len][bytes][len again, its first byte last]
 *   len      < 128    1 byte   0xxxxxxx
 *            < 16384  2 bytes  10xxxxxx xxxxxxxx (high bits first)
 *            else     9 bytes  0xc0, then 8 bytes little-endian
 *
 * so that the last byte of an entry says how long its length field is.
 *
 * A list has one of two shapes (kv_list_t is either):
 *
 *   small    one pack alone: {count, used, data}. A list of 3 short
 *            elements is a single 32-byte allocation.
 *   linked   a header {KV_LIST_LINKED, nnodes, count, head, tail} and its
 *            nodes {prev, next, count, used, data}.
 *
 * Their first 32-bit word tells them apart: a pack's entry count can never
 * be KV_LIST_LINKED. A small list becomes linked when it needs a second
 * node, and small again once a single node is left holding at most half
 * of what a node may hold (the gap keeps a list that grows and shrinks by
 * one element at a node boundary from being converted every time).
 *
 * How much a node holds is the "fill", Redis's list-max-listpack-size:
 * -1 .. -5 cap a node at 4, 8, 16, 32 or 64 KB; a positive fill caps its
 * entry count (and, as in Redis, its size at 8 KB). An element too big
 * for any node gets a node of its own. The fill is passed to every
 * operation that adds entries, so a reload applies to nodes built after
 * it.
 *
 * Operations that grow a list return KV_ERROR when memory is short and
 * leave the list as it was.
 */
#ifndef KV_QUICKLIST_H
#define KV_QUICKLIST_H

#include "kevyd.h"

typedef struct kv_list_s kv_list_t;
struct kv_buf_s;

/* Where: the head (left) or the tail (right) of a list. */
enum { KV_LIST_HEAD = 0, KV_LIST_TAIL = 1 };

/* The first word of a linked list's header (never a pack's count). */
#define KV_LIST_LINKED UINT32_MAX

/* list-max-listpack-size's range (Redis clamps to the same). */
#define KV_LIST_FILL_MIN (-5)
#define KV_LIST_FILL_MAX 32767

/* The longest element (a node's byte count is 32 bits). */
#define KV_LIST_ELEMENT_MAX ((size_t) UINT32_MAX - 64)

/* An empty list (small), NULL when out of memory. */
kv_list_t *kv_list_new(void);
void kv_list_free(kv_list_t *l);
kv_list_t *kv_list_dup(const kv_list_t *l);
uint64_t kv_list_len(const kv_list_t *l);
/* Nodes (1 for a small list), for tests and memory reports. */
uint64_t kv_list_nodes(const kv_list_t *l);

int kv_list_push(kv_list_t **lp, const char *s, size_t len, int where,
                 int fill);
/* Element idx (0-based from the head, negative from the tail). The bytes
 * stay valid until the list changes. Returns 1 when it exists. */
int kv_list_index(const kv_list_t *l, long long idx, const char **s,
                  size_t *len);
/* Replace element idx (0 <= idx < length). */
int kv_list_replace(kv_list_t **lp, uint64_t idx, const char *s, size_t len,
                    int fill);
/* Delete count elements from start (0 <= start, start + count <= len). */
void kv_list_del_range(kv_list_t **lp, uint64_t start, uint64_t count,
                       int fill);

/*
 * An iterator from element idx (0 <= idx < length) towards the tail
 * (KV_LIST_TAIL) or the head (KV_LIST_HEAD). kv_list_iter_delete()
 * removes the element last returned and the walk goes on after it;
 * kv_list_iter_insert() adds an element before or after it and ends the
 * walk. Call kv_list_tidy() after deleting through an iterator.
 */
typedef struct {
    kv_list_t **lp;
    void *pack; /* the pack being walked; NULL when done */
    size_t off; /* towards the tail: where the next entry starts;
                   towards the head: where it ends */
    size_t cur; /* start of the entry last returned */
    int dir;
} kv_list_iter_t;

void kv_list_iter_init(kv_list_iter_t *it, kv_list_t **lp, uint64_t idx,
                       int dir);
int kv_list_next(kv_list_iter_t *it, const char **s, size_t *len);
void kv_list_iter_delete(kv_list_iter_t *it);
int kv_list_iter_insert(kv_list_iter_t *it, const char *s, size_t len,
                        int after, int fill);
/* Return a linked list that shrank to one node to the small shape. */
void kv_list_tidy(kv_list_t **lp, int fill);

/*
 * A self-contained serialization: a version byte, the element count (8
 * bytes little-endian), then every entry in the entry format above.
 * restore checks every length and returns NULL for bad bytes (or when
 * memory is short).
 */
int kv_list_dump(const kv_list_t *l, struct kv_buf_s *out);
kv_list_t *kv_list_restore(const char *p, size_t len, int fill);

/* Consistency check for the tests: counts, links and entry encodings
 * agree. Returns NULL or what is wrong. */
const char *kv_list_check(const kv_list_t *l, int fill);

#endif /* KV_QUICKLIST_H */
