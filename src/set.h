/*
 * set.h: the value of a set key, in Redis 7.0's two encodings:
 *
 *   "intset"     every member is an integer in canonical form (string2ll
 *                accepts it: "1" but not "01", "+1" or "1e3"), and there
 *                are at most set-max-intset-entries of them: a sorted
 *                array (intset.h), so small integer sets list in order;
 *   "hashtable"  anything else: a dict (dict.h) of member entries, one
 *                allocation each (dict entry, length, bytes):
 *
 *     kv_set_member_t   next, hash (16)  len (4)  bytes
 *
 * kv_set_add() follows setTypeAdd(): an intset takes an integer, and
 * becomes a hashtable for good when it grows past the limit or is given
 * anything else. Nothing converts back: a hashtable that shrinks to a few
 * integers stays one, as in Redis.
 *
 * A set value is a kv_set_t (encoding and pointer); for a key they are
 * the entry's enc byte and v.ptr (kv_set_load / kv_set_store). Functions
 * that change a set may move its memory and update the kv_set_t.
 */
#ifndef KV_SET_H
#define KV_SET_H

#include "db.h"

/* The entry's enc byte of a set. */
enum { KV_SET_ENC_INTSET = 0, KV_SET_ENC_HT = 1 };

/* The room a formatted int64 needs. */
#define KV_SET_INT_BUF 24

typedef struct {
    uint8_t enc;
    void *ptr; /* kv_intset_t *, or the hashtable (set.c) */
} kv_set_t;

/* A member as an iterator or a random pick gives it: bytes, and for an
 * intset's member also the integer (the bytes are then in buf, so an
 * element must not be copied by value while p is used). A hashtable
 * member's bytes stay valid until it is removed. */
typedef struct {
    const char *p;
    size_t len;
    int64_t v;
    int is_int;
    char buf[KV_SET_INT_BUF];
} kv_set_elem_t;

typedef struct {
    kv_set_t *s;
    uint32_t pos;
    kv_dict_iter_t it;
} kv_set_iter_t;

static inline void kv_set_load(kv_set_t *s, const kv_key_t *k)
{
    s->enc = k->enc;
    s->ptr = k->v.ptr;
}

static inline void kv_set_store(kv_key_t *k, const kv_set_t *s)
{
    k->enc = s->enc;
    k->v.ptr = s->ptr;
}

/* An empty set of this encoding; KV_ERROR when out of memory. */
int kv_set_init(kv_set_t *s, int enc);
/* setTypeCreate(): the empty set that can hold this first member. */
int kv_set_init_for(kv_set_t *s, const char *p, size_t len);
/* Free the value (s->ptr becomes NULL; NULL is ignored). */
void kv_set_free(kv_set_t *s);
uint64_t kv_set_size(const kv_set_t *s);

/* 1 added, 0 already there, KV_ERROR out of memory (nothing changed). */
int kv_set_add(kv_set_t *s, const char *p, size_t len);
/* The same with a member of another set (an intset's without text). */
int kv_set_add_elem(kv_set_t *s, const kv_set_elem_t *e);
/* 1 removed, 0 not there. */
int kv_set_remove(kv_set_t *s, const char *p, size_t len);
/* Remove e, just taken from this very set (a random pick). */
void kv_set_remove_elem(kv_set_t *s, const kv_set_elem_t *e);
int kv_set_has(kv_set_t *s, const char *p, size_t len);
int kv_set_has_elem(kv_set_t *s, const kv_set_elem_t *e);

/* Every member once: an intset ascending, a hashtable in its order. The
 * set must not change until kv_set_iter_done(). */
void kv_set_iter_init(kv_set_iter_t *it, kv_set_t *s);
int kv_set_iter_next(kv_set_iter_t *it, kv_set_elem_t *e);
void kv_set_iter_done(kv_set_iter_t *it);

/* setTypeRandomElement() of a non-empty set. */
void kv_set_random(kv_set_t *s, kv_set_elem_t *e);

/* One step of a SCAN of a hashtable set (dict.h's guarantees): fn gets
 * each member of the visited bucket(s); returns the next cursor. */
uint64_t kv_set_scan(kv_set_t *s, uint64_t cursor,
                     void (*fn)(const kv_set_elem_t *e, void *arg), void *arg);

#endif /* KV_SET_H */
