/*
 * block.c: the blocking commands (see block.h for the protocol).
 */
#include "block.h"

#include <math.h>

#include "alloc.h"
#include "crc16.h"
#include "db.h"
#include "log.h"
#include "route.h"
#include "util.h"
#include "worker.h"

/* Redis's reply to a blocked client that timed out (every type). */
#define KV_BLOCK_TIMEOUT_REPLY "*-1\r\n"

/* ---- the commands --------------------------------------------------- */

enum {
    KV_BS_KEYS,    /* key [key ...] timeout */
    KV_BS_NUMKEYS, /* timeout numkeys key [key ...] <rest> */
    KV_BS_MOVE     /* source destination [wherefrom whereto] timeout */
};

enum {
    KV_BR_KEYED, /* [key, element]: BLPOP BRPOP */
    KV_BR_FLAT,  /* [key, member, score]: BZPOPMIN BZPOPMAX */
    KV_BR_SAME   /* the non-blocking form's reply as it is */
};

typedef struct {
    const char *name; /* the blocking command */
    const char *nb;   /* its non-blocking form, run to serve it */
    uint8_t kind;     /* the type it waits for */
    uint8_t shape;
    uint8_t reply;
} kv_bspec_t;

static const kv_bspec_t kv_bspecs[] = {
    { "blpop", "lpop", KV_TYPE_LIST, KV_BS_KEYS, KV_BR_KEYED },
    { "brpop", "rpop", KV_TYPE_LIST, KV_BS_KEYS, KV_BR_KEYED },
    { "bzpopmin", "zpopmin", KV_TYPE_ZSET, KV_BS_KEYS, KV_BR_FLAT },
    { "bzpopmax", "zpopmax", KV_TYPE_ZSET, KV_BS_KEYS, KV_BR_FLAT },
    { "blmpop", "lmpop", KV_TYPE_LIST, KV_BS_NUMKEYS, KV_BR_SAME },
    { "bzmpop", "zmpop", KV_TYPE_ZSET, KV_BS_NUMKEYS, KV_BR_SAME },
    { "brpoplpush", "rpoplpush", KV_TYPE_LIST, KV_BS_MOVE, KV_BR_SAME },
    { "blmove", "lmove", KV_TYPE_LIST, KV_BS_MOVE, KV_BR_SAME },
};

/* ---- state ------------------------------------------------------------ */

/* KV_B_EXPIRING: timed out, its reply waits for the owners to confirm
 * they dropped it (kv_block_expire()). */
enum { KV_B_REGISTERING, KV_B_WAITING, KV_B_CLAIMING, KV_B_EXPIRING };

/* Per key, at the home: what its owner said. */
enum { KV_K_NONE = 'N', KV_K_RESERVED = 'R', KV_K_WRONGTYPE = 'W' };

struct kv_blocked_s {
    kv_dict_entry_t de; /* kv_blk.byserial: key is serial's 8 bytes */
    uint64_t serial;
    kv_client_t *c;       /* NULL once it disconnected */
    kv_pending_t *reply;  /* its place in c's reply queue */
    const kv_bspec_t *spec;
    const kv_cmd_t *nb;
    int db;
    int argc;
    kv_str_t *argv; /* a copy of the command */
    int nkeys;      /* distinct keys waited on */
    int *kpos;      /* argv index of each */
    int *kshard;    /* its owner */
    char *kst;      /* KV_K_* */
    int numkeys_end; /* KV_BS_NUMKEYS: argv index after the keys */
    int single;      /* every key on one shard */
    uint64_t shards; /* owners registered at (or being registered at) */
    uint64_t regwait; /* owners whose "@breg" reply is awaited */
    int nwait;
    int state;
    int claim; /* key index being claimed */
    int first; /* the first decision: WRONGTYPE counts only then */
    int timed_out;
    int64_t deadline; /* kv_mono_ms(), 0 = none */
    size_t hidx;      /* in the heap, or SIZE_MAX */
    /* What an owner served while a claim or a registration was still out
     * (kv_served_pack()'s form); empty when none. */
    kv_buf_t stash;
};

typedef struct kv_bkey_s kv_bkey_t;
typedef struct kv_breg_s kv_breg_t;
typedef struct kv_waiter_s kv_waiter_t;

struct kv_waiter_s {
    kv_waiter_t *prev, *next; /* the key's FIFO */
    kv_waiter_t *sib;         /* the registration's next waiter */
    kv_bkey_t *bk;
    kv_breg_t *reg;
};

/* Arguments of a non-blocking form besides its key (LEFT COUNT 5, or a
 * destination and two positions). */
#define KV_BLOCK_EXTRA 3

struct kv_breg_s {
    kv_dict_entry_t de; /* kv_blk.regs: key is id */
    char id[12];        /* home (4 bytes) and serial (8) */
    int home;
    uint64_t serial;
    uint8_t kind;
    uint8_t shape;
    /* 1: the owner serves it itself (the non-blocking form runs on this
     * shard alone); 0: BLMOVE to another shard, offered to the home */
    uint8_t local;
    char undo; /* how to give back what it was served (kv_undo()) */
    const kv_cmd_t *nb;
    int nextra;
    kv_str_t extra[KV_BLOCK_EXTRA];
    kv_waiter_t *first;
    char bytes[]; /* of extra */
};

struct kv_bkey_s {
    kv_dict_entry_t de; /* kv_blk.keys[db] */
    kv_waiter_t *head, *tail;
    kv_waiter_t *offered; /* the reservation, NULL when none */
    kv_bkey_t *next_ready;
    int queued;
    int serving; /* kv_bkey_serve() holds it */
    int db;
    size_t len;
    char key[];
};

/* Work for the pump, at the home. */
enum {
    KV_EV_OFFER,
    KV_EV_REGISTERED,
    KV_EV_CLAIMED,
    KV_EV_SERVED,
    KV_EV_UNREGISTERED
};

typedef struct kv_bevent_s kv_bevent_t;
struct kv_bevent_s {
    kv_bevent_t *next;
    int type;
    int from;
    int db;
    uint64_t serial;
    size_t len;
    /* OFFER: the key; SERVED: key length (4 bytes), key, undo, reply;
     * the others: the reply */
    char data[];
};

static struct {
    uint32_t counter;
    kv_dict_t byserial;
    kv_blocked_t **heap;
    size_t nheap, capheap;
    long long nblocked;
    /* owner */
    kv_dict_t *keys; /* per database */
    int ndbs;
    kv_dict_t regs;
    uint64_t nbkeys;
    kv_bkey_t *ready_head, *ready_tail;
    /* pump */
    kv_bevent_t *ev_head, *ev_tail;
    int pumping;
    int init;
    kv_db_t empty; /* for checking arguments: no key, no effect */
} kv_blk;

static const char *kv_blocked_key_of(const kv_dict_entry_t *e, size_t *len)
{
    *len = sizeof(uint64_t);
    return (const char *) &((const kv_blocked_t *) e)->serial;
}

static const char *kv_breg_key_of(const kv_dict_entry_t *e, size_t *len)
{
    *len = sizeof(((const kv_breg_t *) e)->id);
    return ((const kv_breg_t *) e)->id;
}

static const char *kv_empty_key_of(const kv_dict_entry_t *e, size_t *len)
{
    (void) e;
    *len = 0;
    return ""; /* the database of kv_block_check_args() has no keys */
}

static const char *kv_bkey_key_of(const kv_dict_entry_t *e, size_t *len)
{
    const kv_bkey_t *bk = (const kv_bkey_t *) e;

    *len = bk->len;
    return bk->key;
}

static int kv_block_init(void)
{
    if (kv_blk.init) {
        return KV_OK;
    }
    kv_blk.ndbs = kv_db_count();
    kv_blk.keys = kv_calloc((size_t) kv_blk.ndbs, sizeof(kv_dict_t));
    if (kv_blk.keys == NULL) {
        return KV_ERROR;
    }
    for (int i = 0; i < kv_blk.ndbs; i++) {
        kv_dict_init(&kv_blk.keys[i], kv_bkey_key_of);
    }
    kv_dict_init(&kv_blk.byserial, kv_blocked_key_of);
    kv_dict_init(&kv_blk.regs, kv_breg_key_of);
    kv_dict_init(&kv_blk.empty.dict, kv_empty_key_of);
    kv_blk.empty.id = -2;
    kv_blk.init = 1;
    return KV_OK;
}

long long kv_block_count(int timed)
{
    return timed ? (long long) kv_blk.nheap : kv_blk.nblocked;
}

int kv_block_is_waiting(const kv_client_t *c)
{
    return c->blocked != NULL && c->blocked->nwait == 0;
}

static int kv_block_me(void)
{
    return kv_worker.slot;
}

/* ---- the timer heap (home) ------------------------------------------- */

static void kv_heap_set(size_t i, kv_blocked_t *b)
{
    kv_blk.heap[i] = b;
    b->hidx = i;
}

static void kv_heap_up(size_t i)
{
    kv_blocked_t *b = kv_blk.heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (kv_blk.heap[parent]->deadline <= b->deadline) {
            break;
        }
        kv_heap_set(i, kv_blk.heap[parent]);
        i = parent;
    }
    kv_heap_set(i, b);
}

static void kv_heap_down(size_t i)
{
    kv_blocked_t *b = kv_blk.heap[i];

    for (;;) {
        size_t l = 2 * i + 1, m = i;
        int64_t best = b->deadline;

        if (l < kv_blk.nheap && kv_blk.heap[l]->deadline < best) {
            m = l;
            best = kv_blk.heap[l]->deadline;
        }
        if (l + 1 < kv_blk.nheap && kv_blk.heap[l + 1]->deadline < best) {
            m = l + 1;
        }
        if (m == i) {
            break;
        }
        kv_heap_set(i, kv_blk.heap[m]);
        i = m;
    }
    kv_heap_set(i, b);
}

static int kv_heap_add(kv_blocked_t *b)
{
    if (kv_blk.nheap == kv_blk.capheap) {
        size_t cap = kv_blk.capheap ? kv_blk.capheap * 2 : 16;
        kv_blocked_t **h = kv_realloc(kv_blk.heap, cap * sizeof(*h));
        if (h == NULL) {
            return KV_ERROR;
        }
        kv_blk.heap = h;
        kv_blk.capheap = cap;
    }
    kv_heap_set(kv_blk.nheap++, b);
    kv_heap_up(b->hidx);
    return KV_OK;
}

static void kv_heap_remove(kv_blocked_t *b)
{
    size_t i = b->hidx;
    kv_blocked_t *last;

    if (i == SIZE_MAX) {
        return;
    }
    b->hidx = SIZE_MAX;
    last = kv_blk.heap[--kv_blk.nheap];
    if (i == kv_blk.nheap) {
        return;
    }
    kv_heap_set(i, last);
    kv_heap_up(i);
    kv_heap_down(last->hidx);
}

/* Whether a reply of the non-blocking form means "nothing there". */
static int kv_block_nothing(const char *r, size_t len)
{
    return (len == 5 && (memcmp(r, "$-1\r\n", 5) == 0 ||
                         memcmp(r, "*-1\r\n", 5) == 0)) ||
           (len == 4 && memcmp(r, "*0\r\n", 4) == 0);
}

/* ---- messages ---------------------------------------------------------- */

static size_t kv_u64str(char *buf, uint64_t v)
{
    return (size_t) snprintf(buf, 24, "%llu", (unsigned long long) v);
}

static int kv_arg_u64(const kv_str_t *a, uint64_t *v)
{
    unsigned long long x;

    if (!kv_string2ull(a->p, a->len, &x)) {
        return KV_ERROR;
    }
    *v = x;
    return KV_OK;
}

static void kv_block_event(int type, int from, int db, uint64_t serial,
                           const char *data, size_t len)
{
    kv_bevent_t *ev = kv_malloc(sizeof(*ev) + len);

    if (ev == NULL) {
        kv_log(KV_LOG_ERR, 0, "out of memory queueing a blocking event");
        return;
    }
    ev->next = NULL;
    ev->type = type;
    ev->from = from;
    ev->db = db;
    ev->serial = serial;
    ev->len = len;
    memcpy(ev->data, data, len);
    if (kv_blk.ev_tail != NULL) {
        kv_blk.ev_tail->next = ev;
    } else {
        kv_blk.ev_head = ev;
    }
    kv_blk.ev_tail = ev;
}

static void kv_owner_unregister(int home, uint64_t serial);
static void kv_owner_release(int home, uint64_t serial, const char *key,
                             size_t len, int db);

/* "@bunreg serial" to owner (a direct call when it is us). */
static void kv_post_unreg(int owner, int db, uint64_t serial)
{
    char s[24];
    kv_str_t argv[2] = { { "@bunreg", 7 }, { s, 0 } };

    if (owner == kv_block_me()) {
        kv_owner_unregister(owner, serial);
        return;
    }
    argv[1].len = kv_u64str(s, serial);
    (void) kv_route_note(owner, db, 2, argv);
}

/* "@bdone serial key": the claim found nothing, keep the waiter. */
static void kv_post_release(int owner, int db, uint64_t serial,
                            const kv_str_t *key)
{
    char s[24];
    kv_str_t argv[3] = { { "@bdone", 6 }, { s, 0 }, *key };

    if (owner == kv_block_me()) {
        kv_owner_release(owner, serial, key->p, key->len, db);
        return;
    }
    argv[1].len = kv_u64str(s, serial);
    (void) kv_route_note(owner, db, 3, argv);
}

/* "@boffer serial key" to a waiter's home. */
static void kv_post_offer(int home, int db, uint64_t serial, const char *key,
                          size_t len)
{
    char s[24];
    kv_str_t argv[3] = { { "@boffer", 7 }, { s, 0 }, { key, len } };

    if (home == kv_block_me()) {
        kv_block_event(KV_EV_OFFER, home, db, serial, key, len);
        return;
    }
    argv[1].len = kv_u64str(s, serial);
    (void) kv_route_note(home, db, 3, argv);
}

/* Packed: key length (4 bytes), key, undo, reply. */
static int kv_served_pack(kv_buf_t *b, const kv_str_t *key, char undo,
                          const kv_str_t *r)
{
    uint32_t kl = (uint32_t) key->len;

    if (kv_buf_append(b, (const char *) &kl, 4) != KV_OK ||
        kv_buf_append(b, key->p, key->len) != KV_OK ||
        kv_buf_append(b, &undo, 1) != KV_OK ||
        kv_buf_append(b, r->p, r->len) != KV_OK) {
        return KV_ERROR;
    }
    return KV_OK;
}

static void kv_served_unpack(const char *d, size_t len, kv_str_t *key,
                             char *undo, kv_str_t *r)
{
    uint32_t kl;

    memcpy(&kl, d, 4);
    key->p = d + 4;
    key->len = kl;
    *undo = d[4 + kl];
    r->p = d + 5 + kl;
    r->len = len - 5 - kl;
}

static void kv_post_served_event(int from, int db, uint64_t serial,
                                 const kv_str_t *key, char undo,
                                 const kv_str_t *r)
{
    kv_buf_t b = { 0 };

    if (kv_served_pack(&b, key, undo, r) != KV_OK) {
        kv_log(KV_LOG_ERR, 0, "out of memory serving a blocked client");
    } else {
        kv_block_event(KV_EV_SERVED, from, db, serial, b.data, b.len);
    }
    kv_buf_free(&b);
}

/* What the owner served a waiter (the reply of the non-blocking form run
 * on key; undo says how to give it back): "@bserved serial key undo
 * reply" to its home, or an event when that is us. */
static void kv_post_served(int home, int db, uint64_t serial, const char *key,
                           size_t klen, char undo, const char *r, size_t len)
{
    char s[24];
    kv_str_t argv[5] = { { "@bserved", 8 }, { s, 0 }, { key, klen },
                         { &undo, 1 }, { r, len } };

    if (home == kv_block_me()) {
        kv_str_t k = { key, klen }, v = { r, len };
        kv_post_served_event(home, db, serial, &k, undo, &v);
        return;
    }
    argv[1].len = kv_u64str(s, serial);
    (void) kv_route_note(home, db, 5, argv);
}

/* ---- the owner's side ------------------------------------------------- */

/*
 * How to give back what a non-blocking form popped: 'l' LPUSH, 'r'
 * RPUSH (the elements in reverse order of popping restore the list), 'z'
 * ZADD, 'n' nothing (a move: the element is in its destination).
 */
static char kv_undo(const char *nb, const kv_str_t *where)
{
    if (strcmp(nb, "lpop") == 0) {
        return 'l';
    }
    if (strcmp(nb, "rpop") == 0) {
        return 'r';
    }
    if (strcmp(nb, "lmpop") == 0) {
        return where != NULL && kv_arg_is(where, "left") ? 'l' : 'r';
    }
    if (nb[0] == 'z') {
        return 'z';
    }
    return 'n';
}

/* The non-blocking form nb of a command of shape for key: "nb key",
 * "nb 1 key extra...", "nb key extra..." (at most 3 + KV_BLOCK_EXTRA
 * arguments); its argument count. */
static int kv_nb_argv(const kv_cmd_t *nb, int shape, const kv_str_t *key,
                      const kv_str_t *extra, int nextra, kv_str_t *argv)
{
    int n = 0;

    argv[n].p = nb->name;
    argv[n++].len = strlen(nb->name);
    if (shape == KV_BS_NUMKEYS) {
        argv[n].p = "1";
        argv[n++].len = 1;
    }
    argv[n++] = *key;
    for (int i = 0; i < nextra && i < KV_BLOCK_EXTRA; i++) {
        argv[n++] = extra[i];
    }
    return n;
}

/* The client that runs what owners serve. */
static kv_client_t kv_owner_client;

/*
 * Serve reg from key here, now: run its non-blocking form (the reply in
 * out). 1 when it took something (or failed: an error is an answer too),
 * 0 when there was nothing.
 */
static int kv_owner_run(const kv_breg_t *reg, int db, const char *key,
                        size_t len, kv_buf_t *out)
{
    kv_client_t *fc = &kv_owner_client;
    kv_str_t argv[3 + KV_BLOCK_EXTRA], k = { key, len };
    int argc = kv_nb_argv(reg->nb, reg->shape, &k, reg->extra, reg->nextra,
                          argv);

    fc->io.fd = -1;
    fc->flags = KV_CLIENT_FAKE;
    fc->db = kv_db_get(db);
    fc->obuf = *out;
    fc->argv = argv;
    fc->argc = argc;
    fc->cmd = reg->nb;
    kv_db_clock_command();
    reg->nb->proc(fc);
    *out = fc->obuf;
    fc->obuf.data = NULL;
    fc->obuf.len = fc->obuf.pos = fc->obuf.cap = 0;
    fc->argv = NULL;
    fc->argc = 0;
    return out->len > 0 && !kv_block_nothing(out->data, out->len);
}

static void kv_bkey_queue(kv_bkey_t *bk)
{
    if (bk->queued) {
        return;
    }
    bk->queued = 1;
    bk->next_ready = NULL;
    if (kv_blk.ready_tail != NULL) {
        kv_blk.ready_tail->next_ready = bk;
    } else {
        kv_blk.ready_head = bk;
    }
    kv_blk.ready_tail = bk;
}

/* Free bk once nothing refers to it. */
static void kv_bkey_maybe_free(kv_bkey_t *bk)
{
    if (bk->head != NULL || bk->queued || bk->offered != NULL ||
        bk->serving) {
        return;
    }
    (void) kv_dict_unlink(&kv_blk.keys[bk->db], bk->key, bk->len,
                          bk->de.hash);
    kv_blk.nbkeys--;
    kv_free(bk);
}

static kv_bkey_t *kv_bkey_find(int db, const char *key, size_t len)
{
    if (db < 0 || db >= kv_blk.ndbs) {
        return NULL;
    }
    return (kv_bkey_t *) kv_dict_find(&kv_blk.keys[db], key, len,
                                      kv_dict_hash(key, len));
}

static kv_bkey_t *kv_bkey_get(int db, const char *key, size_t len)
{
    kv_bkey_t *bk = kv_bkey_find(db, key, len);

    if (bk != NULL) {
        return bk;
    }
    bk = kv_calloc(1, sizeof(*bk) + len);
    if (bk == NULL) {
        return NULL;
    }
    bk->db = db;
    bk->len = len;
    memcpy(bk->key, key, len);
    bk->de.hash = kv_dict_hash(key, len);
    if (kv_dict_add(&kv_blk.keys[db], &bk->de) != KV_OK &&
        kv_dict_size(&kv_blk.keys[db]) == 0) {
        kv_free(bk);
        return NULL;
    }
    kv_blk.nbkeys++;
    return bk;
}

/*
 * bk's key may have data: serve its waiters for that type in the order
 * they came, while it has some, as Redis does right after the command
 * that pushed. A waiter this shard can serve alone is served here and
 * its home told; one that needs another shard too (BLMOVE to a key
 * elsewhere) is offered the key instead, which holds the others back
 * until its home has claimed or declined it.
 */
static void kv_bkey_serve(kv_bkey_t *bk)
{
    kv_buf_t out = { 0 };

    bk->serving = 1;
    while (bk->offered == NULL) {
        kv_key_t *k = kv_db_lookup(kv_db_get(bk->db), bk->key, bk->len);
        kv_waiter_t *w;
        kv_breg_t *reg;

        if (k == NULL) {
            break;
        }
        for (w = bk->head; w != NULL && w->reg->kind != k->type;
             w = w->next) {
        }
        if (w == NULL) {
            break;
        }
        reg = w->reg;
        if (!reg->local) {
            bk->offered = w;
            kv_post_offer(reg->home, bk->db, reg->serial, bk->key, bk->len);
            break;
        }
        out.len = out.pos = 0;
        if (!kv_owner_run(reg, bk->db, bk->key, bk->len, &out)) {
            break;
        }
        {
            int home = reg->home;
            uint64_t serial = reg->serial;
            char undo = reg->undo;

            kv_owner_unregister(home, serial);
            kv_post_served(home, bk->db, serial, bk->key, bk->len, undo,
                           out.data, out.len);
        }
    }
    kv_buf_free(&out);
    bk->serving = 0;
    kv_bkey_maybe_free(bk);
}

static void kv_breg_id(char id[12], int home, uint64_t serial)
{
    uint32_t h = (uint32_t) home;

    memcpy(id, &h, 4);
    memcpy(id + 4, &serial, 8);
}

static kv_breg_t *kv_breg_find(int home, uint64_t serial)
{
    char id[12];

    kv_breg_id(id, home, serial);
    return (kv_breg_t *) kv_dict_find(&kv_blk.regs, id, sizeof(id),
                                      kv_dict_hash(id, sizeof(id)));
}

static void kv_owner_unregister(int home, uint64_t serial)
{
    kv_breg_t *reg = kv_breg_find(home, serial);
    kv_waiter_t *w, *next;

    if (reg == NULL) {
        return;
    }
    for (w = reg->first; w != NULL; w = next) {
        kv_bkey_t *bk = w->bk;

        next = w->sib;
        if (w->prev != NULL) {
            w->prev->next = w->next;
        } else {
            bk->head = w->next;
        }
        if (w->next != NULL) {
            w->next->prev = w->prev;
        } else {
            bk->tail = w->prev;
        }
        if (bk->offered == w) {
            /* Its reservation goes to the next waiter. */
            bk->offered = NULL;
            kv_bkey_queue(bk);
        } else {
            kv_bkey_maybe_free(bk);
        }
        kv_free(w);
    }
    (void) kv_dict_unlink(&kv_blk.regs, reg->id, sizeof(reg->id),
                          reg->de.hash);
    kv_free(reg);
}

static void kv_owner_release(int home, uint64_t serial, const char *key,
                             size_t len, int db)
{
    kv_breg_t *reg = kv_breg_find(home, serial);
    kv_bkey_t *bk = kv_bkey_find(db, key, len);

    if (reg == NULL || bk == NULL || bk->offered == NULL ||
        bk->offered->reg != reg) {
        return;
    }
    bk->offered = NULL;
    kv_bkey_queue(bk);
}

/* What a registration needs to know of its command. */
typedef struct {
    int kind;
    int shape;
    const kv_cmd_t *nb;
    int nextra;
    const kv_str_t *extra;
} kv_bregspec_t;

static kv_breg_t *kv_breg_new(int home, uint64_t serial,
                              const kv_bregspec_t *rs)
{
    size_t bytes = 0;
    kv_breg_t *reg;
    char *p;

    for (int i = 0; i < rs->nextra; i++) {
        bytes += rs->extra[i].len;
    }
    reg = kv_calloc(1, sizeof(*reg) + bytes);
    if (reg == NULL) {
        return NULL;
    }
    reg->home = home;
    reg->serial = serial;
    reg->kind = (uint8_t) rs->kind;
    reg->shape = (uint8_t) rs->shape;
    reg->nb = rs->nb;
    reg->nextra = rs->nextra;
    p = reg->bytes;
    for (int i = 0; i < rs->nextra; i++) {
        memcpy(p, rs->extra[i].p, rs->extra[i].len);
        reg->extra[i].p = p;
        reg->extra[i].len = rs->extra[i].len;
        p += rs->extra[i].len;
    }
    /* A move serves here only when its destination is here too. */
    reg->local = rs->shape != KV_BS_MOVE ||
                 kv_key_shard(rs->extra[0].p, rs->extra[0].len,
                              kv_worker.nslots) == kv_block_me();
    reg->undo = kv_undo(rs->nb->name,
                        rs->shape == KV_BS_NUMKEYS ? &rs->extra[0] : NULL);
    kv_breg_id(reg->id, home, serial);
    reg->de.hash = kv_dict_hash(reg->id, sizeof(reg->id));
    return reg;
}

/* Whether bk holds waiters for kind, or a reservation: data there is
 * theirs first. */
static int kv_bkey_busy(const kv_bkey_t *bk, int kind)
{
    if (bk == NULL) {
        return 0;
    }
    if (bk->offered != NULL) {
        return 1;
    }
    for (const kv_waiter_t *w = bk->head; w != NULL; w = w->next) {
        if (w->reg->kind == kind) {
            return 1;
        }
    }
    return 0;
}

/*
 * Register (home, serial) on keys[0 .. n) of db. The answer, in out:
 *   "S" undo reply   single (these are all its keys), and the first of
 *                    them holding data was served at once, as Redis
 *                    serves a blocking command whose key has data: the
 *                    client is not registered;
 *   "T" statuses     one per key: R (it has data, reserved for this
 *                    waiter: the home claims it), N, W (another type).
 */
static int kv_owner_register(int home, uint64_t serial, int db,
                             const kv_bregspec_t *rs, int single,
                             const kv_str_t *keys, int n, kv_buf_t *out)
{
    kv_breg_t *reg;
    kv_waiter_t **tail;
    int kind = rs->kind;

    if (kv_block_init() != KV_OK || db < 0 || db >= kv_blk.ndbs) {
        return KV_ERROR;
    }
    kv_owner_unregister(home, serial); /* a registration sent again */
    reg = kv_breg_new(home, serial, rs);
    if (reg == NULL) {
        return KV_ERROR;
    }
    if (single && reg->local && kv_route_nested == 0) {
        for (int i = 0; i < n; i++) {
            kv_key_t *k = kv_db_lookup(kv_db_get(db), keys[i].p, keys[i].len);

            if (k == NULL) {
                continue;
            }
            if (k->type != kind ||
                kv_bkey_busy(kv_bkey_find(db, keys[i].p, keys[i].len),
                             kind)) {
                break; /* WRONGTYPE, or waiters first: see below */
            }
            {
                kv_buf_t r = { 0 };
                int served = kv_owner_run(reg, db, keys[i].p, keys[i].len,
                                          &r);
                kv_str_t rv = { r.data, r.len };

                if (served) {
                    (void) kv_buf_append(out, "S", 1);
                    (void) kv_served_pack(out, &keys[i], reg->undo, &rv);
                    kv_buf_free(&r);
                    kv_free(reg);
                    return KV_OK;
                }
                kv_buf_free(&r);
            }
        }
    }
    if (kv_dict_add(&kv_blk.regs, &reg->de) != KV_OK &&
        kv_dict_size(&kv_blk.regs) == 0) {
        kv_free(reg);
        return KV_ERROR;
    }
    (void) kv_buf_append(out, "T", 1);
    tail = &reg->first;
    for (int i = 0; i < n; i++) {
        kv_bkey_t *bk = kv_bkey_get(db, keys[i].p, keys[i].len);
        kv_waiter_t *w = bk != NULL ? kv_calloc(1, sizeof(*w)) : NULL;
        kv_key_t *k;
        char st = KV_K_NONE;

        if (w == NULL) {
            if (bk != NULL) {
                kv_bkey_maybe_free(bk);
            }
            kv_owner_unregister(home, serial);
            return KV_ERROR;
        }
        w->bk = bk;
        w->reg = reg;
        w->prev = bk->tail;
        if (bk->tail != NULL) {
            bk->tail->next = w;
        } else {
            bk->head = w;
        }
        bk->tail = w;
        *tail = w;
        tail = &w->sib;

        k = kv_db_lookup(kv_db_get(db), keys[i].p, keys[i].len);
        if (k != NULL && k->type != kind) {
            st = KV_K_WRONGTYPE;
        } else if (k != NULL && bk->offered == NULL) {
            kv_waiter_t *first = bk->head;
            while (first->reg->kind != kind) {
                first = first->next;
            }
            if (first == w) {
                bk->offered = w;
                st = KV_K_RESERVED;
            }
        }
        (void) kv_buf_append(out, &st, 1);
    }
    return KV_OK;
}

void kv_block_key_added(kv_db_t *db, const char *key, size_t len)
{
    kv_bkey_t *bk;

    if (kv_blk.nbkeys == 0) {
        return;
    }
    bk = kv_bkey_find(db->id, key, len);
    if (bk != NULL) {
        kv_bkey_queue(bk);
    }
}

static void kv_queue_db(int db)
{
    kv_dict_iter_t it;
    kv_dict_entry_t *e;

    if (db < 0 || db >= kv_blk.ndbs) {
        return;
    }
    kv_dict_iter_init(&it, &kv_blk.keys[db]);
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        kv_bkey_queue((kv_bkey_t *) e);
    }
    kv_dict_iter_done(&it);
}

void kv_block_dbs_swapped(int a, int b)
{
    if (kv_blk.nbkeys == 0) {
        return;
    }
    kv_queue_db(a);
    kv_queue_db(b);
}

/*
 * "@breg serial kind shape nb nextra extra... single key ...": register,
 * and reply kv_owner_register()'s answer as a bulk string.
 */
void kv_cmd_int_breg(kv_client_t *c)
{
    uint64_t serial;
    long long kind, shape, nextra, single;
    kv_bregspec_t rs;
    kv_buf_t out = { 0 };
    int first;

    if (kv_arg_u64(&c->argv[1], &serial) != KV_OK ||
        !kv_string2ll(c->argv[2].p, c->argv[2].len, &kind) ||
        !kv_string2ll(c->argv[3].p, c->argv[3].len, &shape) ||
        !kv_string2ll(c->argv[5].p, c->argv[5].len, &nextra) ||
        nextra < 0 || nextra > KV_BLOCK_EXTRA || c->argc < 8 + nextra ||
        !kv_string2ll(c->argv[6 + nextra].p, c->argv[6 + nextra].len,
                      &single) ||
        (rs.nb = kv_cmd_lookup(c->argv[4].p, c->argv[4].len)) == NULL ||
        (shape == KV_BS_MOVE && nextra < 1)) {
        kv_reply_error(c, "internal error: bad @breg");
        return;
    }
    rs.kind = (int) kind;
    rs.shape = (int) shape;
    rs.nextra = (int) nextra;
    rs.extra = &c->argv[6];
    first = 7 + (int) nextra;
    if (kv_owner_register(kv_route_current_origin(), serial, c->db->id, &rs,
                          (int) single, &c->argv[first], c->argc - first,
                          &out) != KV_OK) {
        kv_buf_free(&out);
        kv_reply_oom(c);
        return;
    }
    kv_reply_bulk(c, out.data, out.len);
    kv_buf_free(&out);
}

/* "@bserved serial key undo reply": at the home, handled by the pump. */
void kv_cmd_int_bserved(kv_client_t *c)
{
    uint64_t serial;

    if (kv_arg_u64(&c->argv[1], &serial) == KV_OK && c->argv[3].len == 1) {
        kv_post_served_event(kv_route_current_origin(), c->db->id, serial,
                             &c->argv[2], c->argv[3].p[0], &c->argv[4]);
    }
}

/* "@bdone serial key": the home's claim found nothing. */
void kv_cmd_int_bdone(kv_client_t *c)
{
    uint64_t serial;

    if (kv_arg_u64(&c->argv[1], &serial) == KV_OK) {
        kv_owner_release(kv_route_current_origin(), serial, c->argv[2].p,
                         c->argv[2].len, c->db->id);
    }
}

/* "@bunreg serial": the client was served, timed out, or went away. */
void kv_cmd_int_bunreg(kv_client_t *c)
{
    uint64_t serial;

    if (kv_arg_u64(&c->argv[1], &serial) == KV_OK) {
        kv_owner_unregister(kv_route_current_origin(), serial);
    }
    kv_reply_ok(c); /* the confirmation kv_block_expire() waits for */
}

/* "@boffer serial key": at the home, handled by the pump. */
void kv_cmd_int_boffer(kv_client_t *c)
{
    uint64_t serial;

    if (kv_arg_u64(&c->argv[1], &serial) == KV_OK) {
        kv_block_event(KV_EV_OFFER, kv_route_current_origin(), c->db->id,
                       serial, c->argv[2].p, c->argv[2].len);
    }
}

/* ---- the home's side -------------------------------------------------- */

static kv_blocked_t *kv_blocked_find(uint64_t serial)
{
    return (kv_blocked_t *) kv_dict_find(&kv_blk.byserial, &serial,
                                         sizeof(serial),
                                         kv_dict_hash(&serial, sizeof(serial)));
}

/* The reply of a command that did not block: in order with c's others. */
static void kv_block_reply(kv_client_t *c, const char *p, size_t len)
{
    kv_pending_t *h;

    if (c->pend_head == NULL) {
        kv_reply_raw(c, p, len);
        return;
    }
    h = kv_route_hold(c);
    if (h == NULL) {
        kv_reply_oom(c);
        return;
    }
    kv_route_fill(h, p, len);
}

static void kv_block_reply_error(kv_client_t *c, const char *msg)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "-%s%s\r\n",
                     msg[0] == '-' ? "" : "ERR ", msg[0] == '-' ? msg + 1 : msg);

    kv_block_reply(c, buf, (size_t) n);
}

/*
 * getTimeoutFromObjectOrReply() with UNIT_SECONDS, as Redis 7.0 does it:
 * seconds as a long double, times 1000, rounded up; what does not fit a
 * long long converts as x86 does (to LLONG_MIN: "negative"). 0 is
 * forever; *ms is the timeout in milliseconds.
 */
static const char *kv_block_timeout(const kv_str_t *a, long long *ms)
{
    long double v;

    if (!kv_string2ld(a->p, a->len, &v)) {
        return "timeout is not a float or out of range";
    }
    v = ceill(v * 1000.0L);
    if (!(v >= -9223372036854775808.0L && v < 9223372036854775808.0L)) {
        return "timeout is negative";
    }
    *ms = (long long) v;
    if (*ms < 0) {
        return "timeout is negative";
    }
    return NULL;
}

/* Run the non-blocking form on a database without keys: its argument
 * errors, in its own words; NULL when the arguments are good. */
static int kv_block_check_args(kv_client_t *c, const kv_cmd_t *nb, int argc,
                               kv_str_t *argv)
{
    kv_buf_t saved = c->obuf, out = { 0 };
    kv_str_t *sargv = c->argv;
    kv_db_t *sdb = c->db;
    int sargc = c->argc, rc = KV_OK;

    if ((nb->arity > 0 && argc != nb->arity) || argc < -nb->arity) {
        return KV_OK; /* cannot happen: the arities match */
    }
    c->obuf = out;
    c->argv = argv;
    c->argc = argc;
    c->db = &kv_blk.empty;
    nb->proc(c);
    out = c->obuf;
    c->obuf = saved;
    c->argv = sargv;
    c->argc = sargc;
    c->db = sdb;
    if (out.len > 0 && out.data[0] == '-') {
        kv_block_reply(c, out.data, out.len);
        rc = KV_ERROR;
    }
    kv_buf_free(&out);
    return rc;
}

static void kv_block_free(kv_blocked_t *b)
{
    kv_heap_remove(b);
    (void) kv_dict_unlink(&kv_blk.byserial, &b->serial, sizeof(b->serial),
                          b->de.hash);
    kv_blk.nblocked--;
    kv_buf_free(&b->stash);
    kv_free(b);
}

/*
 * The end of a blocking: the reply (none for a client that left), every
 * owner told, the client back to reading its commands.
 */
static void kv_block_finish(kv_blocked_t *b, const char *reply, size_t len)
{
    kv_client_t *c = b->c;

    for (int s = 0; s < kv_worker.nslots; s++) {
        if (b->shards & (1ULL << s)) {
            kv_post_unreg(s, b->db, b->serial);
        }
    }
    if (c != NULL) {
        c->blocked = NULL;
        kv_route_fill(b->reply, reply, len);
    }
    kv_block_free(b);
    if (c != NULL) {
        kv_client_unblocked(c);
    }
}

/* The arguments after b's keys its non-blocking form takes too (LEFT
 * COUNT 2; a destination and positions): their count, *first the index. */
static int kv_block_extra(const kv_blocked_t *b, int *first)
{
    *first = 0;
    if (b->spec->shape == KV_BS_NUMKEYS) {
        *first = b->numkeys_end;
        return b->argc - b->numkeys_end;
    }
    if (b->spec->shape == KV_BS_MOVE) {
        *first = 2;
        return b->argc - 3;
    }
    return 0;
}

static void kv_block_claimed_cb(uint64_t serial, const char *reply,
                                size_t len)
{
    kv_block_event(KV_EV_CLAIMED, kv_block_me(), -1, serial, reply, len);
}

static void kv_block_claim(kv_blocked_t *b, int i)
{
    kv_str_t argv[3 + KV_BLOCK_EXTRA];
    int xfirst, nx = kv_block_extra(b, &xfirst);
    int argc = kv_nb_argv(b->nb, b->spec->shape, &b->argv[b->kpos[i]],
                          b->argv + xfirst, nx, argv);

    b->state = KV_B_CLAIMING;
    b->claim = i;
    b->kst[i] = KV_K_NONE;
    kv_route_call_cb(b->c, b->nb, argc, argv, kv_block_claimed_cb, b->serial);
}

static void kv_block_drop_stash(kv_blocked_t *b);
static void kv_block_finish_served(kv_blocked_t *b, const kv_str_t *key,
                                   const char *r, size_t len);

/* Finish b with what an owner served it while it was busy (its stash);
 * 0 when there is none. */
static int kv_block_serve_stash(kv_blocked_t *b)
{
    kv_buf_t st = b->stash;
    kv_str_t key, r;
    char undo;

    if (st.len == 0) {
        return 0;
    }
    b->stash.data = NULL;
    b->stash.len = b->stash.cap = b->stash.pos = 0;
    kv_served_unpack(st.data, st.len, &key, &undo, &r);
    kv_block_finish_served(b, &key, r.p, r.len);
    kv_buf_free(&st);
    return 1;
}

static void kv_block_unregistered_cb(uint64_t serial, const char *reply,
                                     size_t len)
{
    kv_block_event(KV_EV_UNREGISTERED, kv_block_me(), -1, serial, reply, len);
}

/* Every owner of an expiring b confirmed: what one served before it
 * dropped b wins (the push came first there), else the timeout reply. */
static void kv_block_expired(kv_blocked_t *b)
{
    if (b->c != NULL && !(b->c->flags & KV_CLIENT_CLOSING) &&
        kv_block_serve_stash(b)) {
        return;
    }
    kv_block_drop_stash(b);
    kv_block_finish(b, KV_BLOCK_TIMEOUT_REPLY,
                    sizeof(KV_BLOCK_TIMEOUT_REPLY) - 1);
}

/*
 * b timed out. Its timeout reply waits until every other owner has
 * confirmed that it dropped b's registration ("@bunreg" as a request):
 * a client that got its null reply and then pushed to the key, itself or
 * through anybody, must find the element there, not taken by a
 * registration the owner had not dropped yet. Served meanwhile (the
 * owner's push came first) is what the client gets.
 */
static void kv_block_expire(kv_blocked_t *b)
{
    int me = kv_block_me();

    b->state = KV_B_EXPIRING;
    b->nwait = 0;
    for (int s = 0; s < kv_worker.nslots; s++) {
        char ser[24];
        kv_str_t argv[2] = { { "@bunreg", 7 }, { ser, 0 } };

        if (!(b->shards & (1ULL << s))) {
            continue;
        }
        if (s == me) {
            kv_owner_unregister(me, b->serial);
            continue;
        }
        argv[1].len = kv_u64str(ser, b->serial);
        b->nwait++;
        kv_route_request(s, b->db, 2, argv, kv_block_unregistered_cb,
                         b->serial);
    }
    /* Nothing left to unregister when it finishes. */
    b->shards = 0;
    if (b->nwait == 0) {
        kv_block_expired(b);
    }
}

/* Every owner has answered and no claim is out: serve, fail, or wait. */
static void kv_block_decide(kv_blocked_t *b)
{
    static const char wrongtype[] = "-WRONGTYPE Operation against a key "
                                    "holding the wrong kind of value\r\n";

    if (b->nwait > 0 || b->state == KV_B_CLAIMING) {
        return;
    }
    if (b->c == NULL || (b->c->flags & KV_CLIENT_CLOSING)) {
        kv_block_drop_stash(b);
        kv_block_finish(b, NULL, 0);
        return;
    }
    for (int i = 0; i < b->nkeys; i++) {
        if (b->kst[i] == KV_K_WRONGTYPE && b->first) {
            kv_block_drop_stash(b);
            kv_block_finish(b, wrongtype, sizeof(wrongtype) - 1);
            return;
        }
        if (b->kst[i] == KV_K_RESERVED) {
            b->first = 0;
            kv_block_claim(b, i);
            return;
        }
    }
    b->first = 0;
    if (kv_block_serve_stash(b)) {
        return; /* served by an owner while we were busy */
    }
    if (b->timed_out) {
        kv_block_expire(b);
        return;
    }
    b->state = KV_B_WAITING;
}


/* ---- giving back what a vanished client was served ------------------ */

/* A RESP2 header of type t at *p: its number; *p moves past it. */
static int kv_resp_head(const char **p, const char *end, char t,
                        long long *n)
{
    const char *cr = *p < end ? memchr(*p, '\r', (size_t) (end - *p)) : NULL;

    if (cr == NULL || **p != t || cr + 2 > end ||
        !kv_string2ll(*p + 1, (size_t) (cr - *p - 1), n)) {
        return KV_ERROR;
    }
    *p = cr + 2;
    return KV_OK;
}

static int kv_resp_bulk(const char **p, const char *end, kv_str_t *out)
{
    long long n;

    if (kv_resp_head(p, end, '$', &n) != KV_OK || n < 0 ||
        (long long) (end - *p) < n + 2) {
        return KV_ERROR;
    }
    out->p = *p;
    out->len = (size_t) n;
    *p += n + 2;
    return KV_OK;
}

static void kv_block_ignore_cb(uint64_t arg, const char *reply, size_t len)
{
    (void) arg;
    if (len > 0 && reply[0] == '-') {
        kv_log(KV_LOG_WARN, 0, "giving back what a disconnected client was "
               "served failed: %.*s", (int) (len > 2 ? len - 2 : len), reply);
    }
}

/*
 * The claim of a client that disconnected meanwhile popped r: put it back
 * where it came from (LPUSH / RPUSH in the order that restores the list,
 * ZADD with its scores), so a disconnect loses nothing. What BLMOVE moved
 * stays in its destination, as if the client had been served.
 */
static void kv_block_give_back(int db, const kv_str_t *key, char undo,
                               const char *r, size_t len)
{
    const char *p = r, *end = r + len;
    kv_str_t *argv = NULL, v;
    long long n = 1, argc = 2;
    int zset = undo == 'z', nested = 0, ok = 1;
    const kv_cmd_t *cmd;
    kv_client_t fake;

    if (undo == 'n' || len == 0 || r[0] == '-') {
        return; /* a move (it is in its destination), or nothing taken */
    }
    /* LPOP: a bulk; ZPOPMIN: [member, score]; LMPOP and ZMPOP: [key,
     * [elements]] (ZMPOP's elements are [member, score] pairs). */
    if (r[0] == '*') {
        const char *q = p;
        ok = kv_resp_head(&q, end, '*', &n) == KV_OK && n == 2 &&
             kv_resp_bulk(&q, end, &v) == KV_OK;
        if (ok && q < end && *q == '*') {
            p = q;
            nested = 1;
            ok = kv_resp_head(&p, end, '*', &n) == KV_OK && n > 0 &&
                 n < (long long) (len / 4) + 1;
        } else if (ok && zset) {
            p += 4; /* ZPOPMIN's "*2\r\n" */
            n = 1;
        } else {
            ok = 0;
        }
    }
    if (ok) {
        argv = kv_malloc(sizeof(kv_str_t) * (size_t) (2 + 2 * n));
    }
    if (argv == NULL) {
        kv_log(KV_LOG_ERR, 0, "cannot give back what a blocked client that "
                              "left was served");
        return;
    }
    argv[1] = *key;
    for (long long i = 0; i < n && ok; i++) {
        kv_str_t m, score;
        long long two;

        if (!zset) {
            /* Popped first goes back last: the list is as it was. */
            ok = kv_resp_bulk(&p, end, &argv[2 + (n - 1 - i)]) == KV_OK;
            argc++;
            continue;
        }
        if (nested) {
            ok = kv_resp_head(&p, end, '*', &two) == KV_OK && two == 2;
        }
        ok = ok && kv_resp_bulk(&p, end, &m) == KV_OK &&
             kv_resp_bulk(&p, end, &score) == KV_OK;
        argv[argc++] = score;
        argv[argc++] = m;
    }
    if (zset) {
        argv[0].p = "zadd";
        argv[0].len = 4;
    } else {
        argv[0].p = undo == 'l' ? "lpush" : "rpush";
        argv[0].len = 5;
    }
    cmd = kv_cmd_lookup(argv[0].p, argv[0].len);
    if (ok && cmd != NULL) {
        memset(&fake, 0, sizeof(fake));
        fake.io.fd = -1;
        fake.flags = KV_CLIENT_FAKE;
        fake.db = kv_db_get(db);
        kv_route_call_cb(&fake, cmd, (int) argc, argv, kv_block_ignore_cb, 0);
        kv_buf_free(&fake.obuf);
    }
    kv_free(argv);
}

/* Give back b's stash, if any. */
static void kv_block_drop_stash(kv_blocked_t *b)
{
    kv_str_t key, r;
    char undo;

    if (b->stash.len == 0) {
        return;
    }
    kv_served_unpack(b->stash.data, b->stash.len, &key, &undo, &r);
    kv_block_give_back(b->db, &key, undo, r.p, r.len);
    kv_buf_free(&b->stash);
}

/* How b would give back what its non-blocking form took. */
static char kv_block_undo(const kv_blocked_t *b)
{
    return kv_undo(b->spec->nb, b->spec->shape == KV_BS_NUMKEYS
                                    ? &b->argv[b->numkeys_end]
                                    : NULL);
}

/* Finish b with what the non-blocking form replied for key: the
 * blocking command's own reply shape. */
static void kv_block_finish_served(kv_blocked_t *b, const kv_str_t *key,
                                   const char *r, size_t len)
{
    kv_buf_t out = { 0 };
    char head[32];

    if (b->c == NULL || (b->c->flags & KV_CLIENT_CLOSING)) {
        /* It left meanwhile: nobody reads the reply. */
        kv_block_give_back(b->db, key, kv_block_undo(b), r, len);
        kv_block_finish(b, NULL, 0);
        return;
    }
    if (r[0] != '-' && b->spec->reply != KV_BR_SAME) {
        int n = b->spec->reply == KV_BR_KEYED ? 2 : 3;
        size_t skip = 0, hl;

        if (b->spec->reply == KV_BR_FLAT && len > 4) {
            skip = 4; /* ZPOPMIN's "*2\r\n" */
        }
        (void) kv_buf_append(&out, n == 2 ? "*2\r\n" : "*3\r\n", 4);
        head[0] = '$';
        hl = 1 + kv_ll2str(head + 1, (long long) key->len);
        (void) kv_buf_append(&out, head, hl);
        (void) kv_buf_append(&out, "\r\n", 2);
        (void) kv_buf_append(&out, key->p, key->len);
        (void) kv_buf_append(&out, "\r\n", 2);
        (void) kv_buf_append(&out, r + skip, len - skip);
        kv_block_finish(b, out.data, out.len);
        kv_buf_free(&out);
        return;
    }
    kv_block_finish(b, r, len);
}

static void kv_block_claimed(kv_blocked_t *b, const char *r, size_t len)
{
    int i = b->claim;
    const kv_str_t *key = &b->argv[b->kpos[i]];

    b->state = KV_B_REGISTERING; /* neither waiting nor claiming */
    if (kv_block_nothing(r, len)) {
        /* Somebody was quicker: keep our place, try what else we hold. */
        kv_post_release(b->kshard[i], b->db, b->serial, key);
        kv_block_decide(b);
        return;
    }
    kv_block_drop_stash(b); /* served twice: the claim wins */
    kv_block_finish_served(b, key, r, len);
}

/* An owner served b (its registration there is gone): the reply, unless
 * b is gone or busy deciding, which keeps it for later or gives it back. */
static void kv_block_served(int db, uint64_t serial, const char *d,
                            size_t len)
{
    kv_blocked_t *b = kv_blocked_find(serial);
    kv_str_t key, r;
    char undo;

    kv_served_unpack(d, len, &key, &undo, &r);
    if (b == NULL) {
        /* It timed out or left before this arrived: give it back. */
        kv_block_give_back(db, &key, undo, r.p, r.len);
        return;
    }
    if (b->state == KV_B_WAITING) {
        kv_block_finish_served(b, &key, r.p, r.len);
        return;
    }
    if (b->stash.len > 0) {
        kv_block_give_back(db, &key, undo, r.p, r.len);
        return;
    }
    if (kv_buf_append(&b->stash, d, len) != KV_OK) {
        kv_block_give_back(db, &key, undo, r.p, r.len);
    }
}

/* An owner reserved key for b: claim it when b is free to. */
static void kv_block_offered(int from, uint64_t serial, const char *key,
                             size_t len)
{
    kv_blocked_t *b = kv_blocked_find(serial);

    if (b == NULL) {
        /* Served, timed out or gone: free the reservation. */
        kv_post_unreg(from, 0, serial);
        return;
    }
    for (int i = 0; i < b->nkeys; i++) {
        const kv_str_t *k = &b->argv[b->kpos[i]];
        if (k->len == len && memcmp(k->p, key, len) == 0) {
            b->kst[i] = KV_K_RESERVED;
            break;
        }
    }
    if (b->state == KV_B_WAITING) {
        kv_block_decide(b);
    }
}

/* The statuses an owner answered to "@breg" (in key order). */
static void kv_block_statuses(kv_blocked_t *b, int owner, const char *st,
                              size_t len)
{
    size_t j = 0;

    for (int i = 0; i < b->nkeys; i++) {
        if (b->kshard[i] != owner) {
            continue;
        }
        b->kst[i] = j < len && (st[j] == KV_K_RESERVED ||
                                st[j] == KV_K_WRONGTYPE)
                        ? st[j]
                        : KV_K_NONE;
        j++;
    }
}

static void kv_block_register_at(kv_blocked_t *b, int s);

/* The request's argument for kv_block_registered_cb(). */
typedef struct {
    uint64_t serial;
    int owner;
} kv_breq_t;

static void kv_block_registered_cb(uint64_t arg, const char *reply,
                                   size_t len)
{
    kv_breq_t *rq = (kv_breq_t *) (uintptr_t) arg;

    kv_block_event(KV_EV_REGISTERED, rq->owner, -1, rq->serial, reply, len);
    kv_free(rq);
}

/* An owner's answer to "@breg" (kv_owner_register()'s). */
static void kv_block_answer(kv_blocked_t *b, int owner, const char *a,
                            size_t len)
{
    if (len > 0 && a[0] == 'S') {
        kv_block_served(b->db, b->serial, a + 1, len - 1);
    } else if (len > 0) {
        kv_block_statuses(b, owner, a + 1, len - 1);
    }
}

static void kv_block_registered(kv_blocked_t *b, int owner, const char *r,
                                size_t len)
{
    const char *p = r;
    kv_str_t a;

    if (kv_resp_bulk(&p, r + len, &a) != KV_OK || a.len == 0) {
        /* The owner died having taken it (or was short of memory):
         * register again; a replacement answers. */
        kv_log(KV_LOG_WARN, 0, "registering a blocked client at worker %d "
               "failed: %.*s", owner, (int) (len > 2 ? len - 2 : len), r);
        b->regwait &= ~(1ULL << owner);
        b->nwait--;
        kv_block_register_at(b, owner);
        return;
    }
    b->regwait &= ~(1ULL << owner);
    b->nwait--;
    kv_block_answer(b, owner, a.p, a.len);
    if (b->state != KV_B_CLAIMING) {
        b->state = KV_B_REGISTERING;
        kv_block_decide(b);
    }
}

/* Register b's keys at owner s (here: at once). */
static void kv_block_register_at(kv_blocked_t *b, int s)
{
    kv_str_t stack[24], *argv = stack;
    char ser[24], kind[8], shape[8], nextra[8];
    int n = 0, xfirst, nx = kv_block_extra(b, &xfirst);
    kv_bregspec_t rs;

    if (b->nkeys + nx + 8 > (int) KV_ARRAY_LEN(stack)) {
        argv = kv_malloc(sizeof(*argv) * (size_t) (b->nkeys + nx + 8));
        if (argv == NULL) {
            kv_log(KV_LOG_ERR, 0, "out of memory registering a blocked "
                                  "client");
            return;
        }
    }
    argv[n].p = "@breg";
    argv[n++].len = 5;
    argv[n].p = ser;
    argv[n++].len = kv_u64str(ser, b->serial);
    argv[n].p = kind;
    argv[n++].len = kv_ll2str(kind, b->spec->kind);
    argv[n].p = shape;
    argv[n++].len = kv_ll2str(shape, b->spec->shape);
    argv[n].p = b->nb->name;
    argv[n++].len = strlen(b->nb->name);
    argv[n].p = nextra;
    argv[n++].len = kv_ll2str(nextra, nx);
    for (int j = 0; j < nx; j++) {
        argv[n++] = b->argv[xfirst + j];
    }
    argv[n].p = b->single ? "1" : "0";
    argv[n++].len = 1;
    rs.kind = b->spec->kind;
    rs.shape = b->spec->shape;
    rs.nb = b->nb;
    rs.nextra = nx;
    rs.extra = &argv[6];
    for (int i = 0; i < b->nkeys; i++) {
        if (b->kshard[i] == s) {
            argv[n++] = b->argv[b->kpos[i]];
        }
    }
    b->shards |= 1ULL << s;
    if (s == kv_block_me()) {
        kv_buf_t out = { 0 };
        int first = 7 + nx;
        if (kv_owner_register(s, b->serial, b->db, &rs, b->single,
                              argv + first, n - first, &out) != KV_OK) {
            kv_log(KV_LOG_ERR, 0, "out of memory registering a blocked "
                                  "client");
        } else {
            kv_block_answer(b, s, out.data, out.len);
        }
        kv_buf_free(&out);
    } else {
        kv_breq_t *rq = kv_malloc(sizeof(*rq));
        if (rq == NULL) {
            kv_log(KV_LOG_ERR, 0, "out of memory registering a blocked "
                                  "client");
        } else {
            rq->serial = b->serial;
            rq->owner = s;
            b->regwait |= 1ULL << s;
            b->nwait++;
            kv_route_request(s, b->db, n, argv, kv_block_registered_cb,
                             (uint64_t) (uintptr_t) rq);
        }
    }
    if (argv != stack) {
        kv_free(argv);
    }
}

/* A copy of the command, the keys it waits on, and their owners. */
static kv_blocked_t *kv_blocked_new(kv_client_t *c, const kv_bspec_t *spec,
                                    int kfirst, int klast)
{
    size_t bytes = 0, off;
    int nk = klast - kfirst + 1;
    kv_blocked_t *b;
    char *p;

    for (int i = 0; i < c->argc; i++) {
        bytes += c->argv[i].len;
    }
    off = sizeof(*b) + sizeof(kv_str_t) * (size_t) c->argc +
          (sizeof(int) * 2 + 1) * (size_t) nk;
    b = kv_calloc(1, off + bytes);
    if (b == NULL) {
        return NULL;
    }
    b->argv = (kv_str_t *) (b + 1);
    b->kpos = (int *) (b->argv + c->argc);
    b->kshard = b->kpos + nk;
    b->kst = (char *) (b->kshard + nk);
    p = (char *) b + off;
    for (int i = 0; i < c->argc; i++) {
        memcpy(p, c->argv[i].p, c->argv[i].len);
        b->argv[i].p = p;
        b->argv[i].len = c->argv[i].len;
        p += c->argv[i].len;
    }
    b->argc = c->argc;
    for (int j = kfirst; j <= klast; j++) {
        int dup = 0;
        for (int i = 0; i < b->nkeys && !dup; i++) {
            const kv_str_t *k = &b->argv[b->kpos[i]];
            dup = k->len == b->argv[j].len &&
                  memcmp(k->p, b->argv[j].p, k->len) == 0;
        }
        if (!dup) {
            b->kpos[b->nkeys] = j;
            b->kshard[b->nkeys] = kv_key_shard(b->argv[j].p, b->argv[j].len,
                                               kv_worker.nslots);
            b->kst[b->nkeys] = KV_K_NONE;
            b->nkeys++;
        }
    }
    b->single = 1;
    for (int i = 1; i < b->nkeys; i++) {
        if (b->kshard[i] != b->kshard[0]) {
            b->single = 0;
        }
    }
    b->spec = spec;
    b->c = c;
    b->db = c->db->id;
    b->hidx = SIZE_MAX;
    b->first = 1;
    b->state = KV_B_REGISTERING;
    return b;
}

void kv_block_call(kv_client_t *c, const kv_cmd_t *cmd)
{
    const kv_bspec_t *spec = NULL;
    const kv_cmd_t *nb;
    const char *err = NULL;
    long long ms = 0, numkeys = 0;
    int kfirst = 1, klast = 1, numkeys_end = 0;
    kv_str_t argv[5]; /* BLMOVE's LMOVE */
    kv_blocked_t *b;

    for (size_t i = 0; i < KV_ARRAY_LEN(kv_bspecs); i++) {
        if (strcmp(kv_bspecs[i].name, cmd->name) == 0) {
            spec = &kv_bspecs[i];
        }
    }
    nb = spec != NULL ? kv_cmd_lookup(spec->nb, strlen(spec->nb)) : NULL;
    if (nb == NULL || kv_block_init() != KV_OK) {
        kv_block_reply_error(c, "internal error: unknown blocking command");
        return;
    }
    /* The arguments, checked in Redis's order. */
    switch (spec->shape) {
    case KV_BS_KEYS:
        err = kv_block_timeout(&c->argv[c->argc - 1], &ms);
        klast = c->argc - 2;
        break;
    case KV_BS_NUMKEYS:
        /* numkeys, the direction, COUNT; the timeout last. */
        {
            /* The rest as the non-blocking form takes it. */
            kv_str_t *rest = kv_malloc(sizeof(kv_str_t) * (size_t) c->argc);
            if (rest == NULL) {
                kv_reply_oom(c);
                return;
            }
            rest[0].p = spec->nb;
            rest[0].len = strlen(spec->nb);
            memcpy(rest + 1, c->argv + 2,
                   sizeof(kv_str_t) * (size_t) (c->argc - 2));
            if (kv_block_check_args(c, nb, c->argc - 1, rest) != KV_OK) {
                kv_free(rest);
                return;
            }
            kv_free(rest);
        }
        err = kv_block_timeout(&c->argv[1], &ms);
        (void) kv_string2ll(c->argv[2].p, c->argv[2].len, &numkeys);
        kfirst = 3;
        klast = 2 + (int) numkeys;
        numkeys_end = klast + 1;
        break;
    default:
        if (c->argc == 6) { /* BLMOVE: the positions come first */
            argv[0].p = spec->nb;
            argv[0].len = strlen(spec->nb);
            memcpy(argv + 1, c->argv + 1, sizeof(kv_str_t) * 4);
            if (kv_block_check_args(c, nb, 5, argv) != KV_OK) {
                return;
            }
        }
        err = kv_block_timeout(&c->argv[c->argc - 1], &ms);
        break;
    }
    if (err != NULL) {
        kv_block_reply_error(c, err);
        return;
    }
    b = kv_blocked_new(c, spec, kfirst, klast);
    if (b != NULL) {
        b->reply = kv_route_hold(c);
    }
    if (b == NULL || b->reply == NULL) {
        kv_free(b);
        kv_reply_oom(c);
        return;
    }
    b->nb = nb;
    b->numkeys_end = numkeys_end;
    b->serial = ((uint64_t) kv_route_generation() << 32) | ++kv_blk.counter;
    b->de.hash = kv_dict_hash(&b->serial, sizeof(b->serial));
    if (kv_dict_add(&kv_blk.byserial, &b->de) != KV_OK &&
        kv_dict_size(&kv_blk.byserial) == 0) {
        kv_route_fill(b->reply, "-OOM command not allowed when used memory "
                                "> 'maxmemory'.\r\n", 58);
        kv_free(b);
        return;
    }
    kv_blk.nblocked++;
    c->blocked = b;
    if (ms > 0) {
        int64_t now = kv_mono_ms();
        b->deadline = ms > INT64_MAX - now ? INT64_MAX : now + ms;
        if (kv_heap_add(b) != KV_OK) {
            b->deadline = 0; /* no memory for the timer: wait forever */
        }
    }
    for (int s = 0; s < kv_worker.nslots; s++) {
        for (int i = 0; i < b->nkeys; i++) {
            if (b->kshard[i] == s) {
                kv_block_register_at(b, s);
                break;
            }
        }
    }
    kv_block_decide(b);
}

void kv_cmd_blocking(kv_client_t *c)
{
    /* route.c sends blocking commands to kv_block_call(). */
    kv_block_call(c, c->cmd);
}

void kv_block_client_gone(kv_client_t *c)
{
    kv_blocked_t *b = c->blocked;

    if (b == NULL) {
        return;
    }
    c->blocked = NULL;
    kv_route_abandon(b->reply);
    b->reply = NULL;
    b->c = NULL;
    if (b->state == KV_B_WAITING) {
        kv_block_finish(b, NULL, 0);
    }
    /* Otherwise the registration or claim under way finishes it. */
}

int64_t kv_block_timeouts(int64_t now)
{
    while (kv_blk.nheap > 0 && kv_blk.heap[0]->deadline <= now) {
        kv_blocked_t *b = kv_blk.heap[0];

        kv_heap_remove(b);
        b->timed_out = 1;
        if (b->state == KV_B_WAITING) {
            kv_block_expire(b);
        }
        /* Registering or claiming: kv_block_decide() expires it. */
    }
    return kv_blk.nheap > 0 ? kv_blk.heap[0]->deadline - now : -1;
}

void kv_block_peer_died(int peer)
{
    kv_dict_iter_t it;
    kv_dict_entry_t *e;
    kv_blocked_t **list = NULL;
    size_t n = 0, cap = 0;

    if (!kv_blk.init) {
        return;
    }
    /* Its clients' waiters here. */
    for (;;) {
        kv_breg_t *dead = NULL;
        kv_dict_iter_init(&it, &kv_blk.regs);
        while ((e = kv_dict_iter_next(&it)) != NULL) {
            if (((kv_breg_t *) e)->home == peer) {
                dead = (kv_breg_t *) e;
                break;
            }
        }
        kv_dict_iter_done(&it);
        if (dead == NULL) {
            break;
        }
        kv_owner_unregister(dead->home, dead->serial);
    }
    /* Our clients that waited there: register with the replacement. */
    kv_dict_iter_init(&it, &kv_blk.byserial);
    while ((e = kv_dict_iter_next(&it)) != NULL) {
        kv_blocked_t *b = (kv_blocked_t *) e;
        if ((b->shards & (1ULL << peer)) && !(b->regwait & (1ULL << peer))) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                kv_blocked_t **nl = kv_realloc(list, nc * sizeof(*nl));
                if (nl == NULL) {
                    break;
                }
                list = nl;
                cap = nc;
            }
            list[n++] = b;
        }
    }
    kv_dict_iter_done(&it);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < list[i]->nkeys; k++) {
            if (list[i]->kshard[k] == peer) {
                list[i]->kst[k] = KV_K_NONE;
            }
        }
        kv_block_register_at(list[i], peer);
    }
    kv_free(list);
}

/* ---- the pump ------------------------------------------------------------ */

int kv_block_has_work(void)
{
    return kv_blk.ready_head != NULL || kv_blk.ev_head != NULL;
}

int kv_block_pump(void)
{
    int did = 0;

    if (kv_blk.pumping || kv_route_nested > 0) {
        return 0;
    }
    kv_blk.pumping = 1;
    while (kv_block_has_work()) {
        kv_bkey_t *bk;
        kv_bevent_t *ev;

        while ((bk = kv_blk.ready_head) != NULL) {
            kv_blk.ready_head = bk->next_ready;
            if (kv_blk.ready_head == NULL) {
                kv_blk.ready_tail = NULL;
            }
            bk->queued = 0;
            kv_bkey_serve(bk);
            did++;
        }
        while ((ev = kv_blk.ev_head) != NULL) {
            kv_blocked_t *b;

            kv_blk.ev_head = ev->next;
            if (kv_blk.ev_head == NULL) {
                kv_blk.ev_tail = NULL;
            }
            did++;
            if (ev->type == KV_EV_OFFER) {
                kv_block_offered(ev->from, ev->serial, ev->data, ev->len);
            } else if (ev->type == KV_EV_SERVED) {
                kv_block_served(ev->db, ev->serial, ev->data, ev->len);
            } else if ((b = kv_blocked_find(ev->serial)) != NULL) {
                if (ev->type == KV_EV_CLAIMED) {
                    kv_block_claimed(b, ev->data, ev->len);
                } else if (ev->type == KV_EV_UNREGISTERED) {
                    if (b->state == KV_B_EXPIRING && --b->nwait == 0) {
                        kv_block_expired(b);
                    }
                } else {
                    kv_block_registered(b, ev->from, ev->data, ev->len);
                }
            }
            kv_free(ev);
        }
    }
    kv_blk.pumping = 0;
    return did;
}
