/*
 * listpack.h: a compact array of small strings (and integers written as
 * strings) in one allocation, the "listpack" encoding of small hashes and
 * sorted sets, as OBJECT ENCODING reports it.
 *
 * Layout: [uint32 total bytes][uint32 count] then entries back to back,
 * each a varint byte length followed by the bytes (no terminator), so
 * entries are found by walking from the front. Operations are O(n) in the
 * number of entries: callers keep listpacks small (the *-max-listpack-*
 * settings) and convert to a hashtable or skiplist past the thresholds.
 *
 *   lp = kv_lp_new();
 *   lp = kv_lp_append(lp, "field", 5);      // may move: use the result
 *   for (off = kv_lp_first(lp); off; off = kv_lp_next(lp, off)) {
 *       p = kv_lp_get(lp, off, &len);
 *   }
 *
 * The varint is 7 bits a byte, low bits first, the high bit set on every
 * byte but the last: an entry of up to 127 bytes costs one byte of
 * overhead. Every allocation goes through the counting allocator, sized to
 * the bytes in use (no slack), like Redis's listpacks.
 */
#ifndef KV_LISTPACK_H
#define KV_LISTPACK_H

#include "kevyd.h"

/* The header: total bytes and entry count. */
#define KV_LP_HDR 8
/* Redis's LISTPACK_MAX_SAFETY_SIZE: callers convert to another encoding
 * rather than let a listpack pass 1 GB. */
#define KV_LP_SAFETY_SIZE (1UL << 30)

typedef unsigned char kv_lp_t;

kv_lp_t *kv_lp_new(void);
void kv_lp_free(kv_lp_t *lp);
kv_lp_t *kv_lp_dup(const kv_lp_t *lp);
uint32_t kv_lp_count(const kv_lp_t *lp);
size_t kv_lp_bytes(const kv_lp_t *lp);
/* Whether len bytes at p are a well-formed listpack (every entry inside
 * the block, as many as the header counts): for bytes that come from
 * outside, before they are used as one. */
int kv_lp_validate(const void *p, size_t len);
/* Whether add more bytes of entries keep lp under KV_LP_SAFETY_SIZE
 * (lp may be NULL: an empty listpack). */
int kv_lp_safe_to_add(const kv_lp_t *lp, size_t add);

/* Offsets of entries: 0 means "none" (no entry starts at offset 0). */
size_t kv_lp_first(const kv_lp_t *lp);
size_t kv_lp_next(const kv_lp_t *lp, size_t off);
/* The i-th entry (negative: from the end), or 0. */
size_t kv_lp_index(const kv_lp_t *lp, long i);
const char *kv_lp_get(const kv_lp_t *lp, size_t off, size_t *len);

/* Insert before the entry at off (off 0: append). NULL when out of
 * memory (lp is then unchanged and still valid). */
kv_lp_t *kv_lp_insert(kv_lp_t *lp, size_t off, const char *p, size_t len);
kv_lp_t *kv_lp_append(kv_lp_t *lp, const char *p, size_t len);
/* Two entries at once (a field and its value, a member and its score):
 * one reallocation instead of two. */
kv_lp_t *kv_lp_insert2(kv_lp_t *lp, size_t off, const char *p1, size_t l1,
                       const char *p2, size_t l2);
/* Replace the entry at off. */
kv_lp_t *kv_lp_replace(kv_lp_t *lp, size_t off, const char *p, size_t len);
/* Delete n entries starting at off (fewer if the listpack ends first).
 * Never fails: when the shrinking realloc cannot move, the old block is
 * kept. */
kv_lp_t *kv_lp_delete(kv_lp_t *lp, size_t off, uint32_t n);
/* The first entry equal to p, starting at off and stepping by skip
 * entries (2 to look only at hash fields), or 0. */
size_t kv_lp_find(const kv_lp_t *lp, size_t off, const char *p, size_t len,
                  unsigned skip);

/*
 * A copy of the listpack bytes p[0 .. len), after kv_lp_validate(), whose
 * entry count is a multiple of group (2 for field/value or member/score
 * pairs); NULL when the bytes are bad or memory is short. For restoring a
 * dumped value.
 */
kv_lp_t *kv_lp_restore(const char *p, size_t len, uint32_t group);

#endif /* KV_LISTPACK_H */
