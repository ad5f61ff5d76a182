/*
 * route.h: where a command runs.
 *
 * A client is served by the worker that accepted it (its origin). For each
 * command the origin computes the shard of every key (crc16.h):
 *
 *   - no keys, or every key local:  run here, now;
 *   - every key on one other shard:  forward the command (re-encoded as
 *     RESP) to that shard, which runs it and sends the raw reply back;
 *   - keys on several shards, or a command about every shard (DBSIZE,
 *     KEYS, FLUSHALL, SCAN, RANDOMKEY ...):  fan out one sub-command per
 *     shard, fold the sub-replies into one reply (the command table names
 *     the fold).
 *
 * Replies leave in command order. A client keeps a queue of pending
 * replies: the first command whose reply is not known holds back every
 * later reply, local ones included (they are captured into their pending
 * entry). Each shard sees one connection's commands in the order they were
 * sent (rings are FIFO, local ones run at once), so effects happen in
 * order too.
 *
 *   kv_pending_t
 *     next        the client's reply queue
 *     c           the client, NULL once it disconnected (the reply is
 *                 then dropped when it arrives)
 *     reply       the reply bytes, once done
 *     parent      for a part of a fan-out: the entry it folds into
 *     tnext       the FIFO of requests outstanding at one target shard
 *     seq, pos    the request number at that target, and where in the
 *                 ring it went (for the death protocol of shard.h)
 */
#ifndef KV_ROUTE_H
#define KV_ROUTE_H

#include "cmd.h"
#include "shard.h"

/* How the sub-replies of a fanned-out command become one reply. */
enum {
    KV_FOLD_NONE = 0, /* keys must be on one shard */
    KV_FOLD_SUM,      /* DEL EXISTS TOUCH UNLINK: keys split, sum */
    KV_FOLD_MGET,     /* keys split, values back in argument order */
    KV_FOLD_MSET,     /* key/value pairs split, +OK when all are */
    KV_FOLD_ALL_SUM,  /* every shard, sum (DBSIZE) */
    KV_FOLD_ALL_OK,   /* every shard, +OK when all are (FLUSHALL ...) */
    KV_FOLD_ALL_CAT,  /* every shard, arrays concatenated (KEYS) */
    KV_FOLD_SCAN,     /* the shard the cursor names */
    KV_FOLD_RANDOM,   /* a key from a shard chosen by size */
    KV_FOLD_INFO,     /* every shard, numeric fields summed */
    KV_FOLD_ATOMIC,   /* several shards, atomically: xshard.c */
    KV_FOLD_ALL_TEXT, /* every shard, bulk strings joined (CLIENT LIST) */
    KV_FOLD_KILL      /* CLIENT KILL: "@clientkill" everywhere, summed */
};

/* A SCAN cursor keeps the shard in its low bits (KV_MAX_WORKERS = 64). */
#define KV_SCAN_SHARD_BITS 6
/* Key positions of up to this many arguments are kept on the stack. */
#define KV_ROUTE_MAX_STACK_KEYS 64

typedef struct kv_pending_s kv_pending_t;

int kv_route_init(int slot, int nslots);
/* Run cmd (resolved, arity checked) for c, wherever its keys are. */
void kv_route_call(kv_client_t *c, const kv_cmd_t *cmd);
/* A message from another worker (the handler given to shard.c). */
void kv_route_message(int from, const kv_msg_hdr_t *hdr, const char *data,
                      size_t len);
/* The master says worker peer died having read ring (me, peer) up to pos. */
void kv_route_peer_died(int peer, uint64_t pos);
/* c is going away: its pending replies will be dropped. */
void kv_route_client_gone(kv_client_t *c);
/* Move the finished replies at the head of c's queue to its output. */
void kv_route_drain(kv_client_t *c);

/*
 * Run a command on shard target (this one included) and wait for its
 * reply, serving meanwhile only the rings of the shards in mask. KV_ERROR
 * when target died first. For the cross-shard commands of xshard.c.
 */
int kv_route_sync(int target, int db, int argc, kv_str_t *argv, kv_buf_t *out,
                  uint64_t mask);
/* The worker whose request is running now (in a forwarded command). */
int kv_route_current_origin(void);
/* The nested wait of a synchronous cross-shard step: sleep until another
 * worker rings (at most KV_XSHARD_WAIT_MS), then mark the expiry clock
 * stale, since the wait may have been long. */
void kv_route_wait(void);
/* Send the reply of the running forwarded command now (for "@pause"). */
void kv_route_reply_now(kv_client_t *c);
/* A reply produced outside c->obuf, in order with c's other replies:
 * begin returns the buffer to fill, end publishes it. */
kv_buf_t *kv_route_begin_reply(kv_client_t *c);
void kv_route_end_reply(kv_client_t *c);

/* ---- for block.c ---- */

/* A reply, handed over instead of queued for a client. */
typedef void (*kv_route_cb_pt)(uint64_t arg, const char *reply, size_t len);
/* Run cmd with argv as c's command, wherever its keys live, and give the
 * reply to cb (now, when every key is here; later otherwise) instead of
 * c's reply queue. */
void kv_route_call_cb(kv_client_t *c, const kv_cmd_t *cmd, int argc,
                      kv_str_t *argv, kv_route_cb_pt cb, uint64_t arg);
/* Run argv on worker target (not this one); its reply goes to cb (an
 * error reply if target dies having taken it). */
void kv_route_request(int target, int db, int argc, const kv_str_t *argv,
                      kv_route_cb_pt cb, uint64_t arg);
/* Have worker target run argv, without a reply (KV_MSG_NOTE). */
int kv_route_note(int target, int db, int argc, const kv_str_t *argv);
/* A place in c's reply queue, filled later (or abandoned when c goes). */
kv_pending_t *kv_route_hold(kv_client_t *c);
void kv_route_fill(kv_pending_t *p, const char *reply, size_t len);
void kv_route_abandon(kv_pending_t *p);
/* This worker's generation (kv_shard_generation() of its slot). */
uint32_t kv_route_generation(void);
/* > 0 while a synchronous wait serves the rings from inside a command
 * (kv_route_sync(), a paused shard): nothing may start then. */
extern int kv_route_nested;

#endif /* KV_ROUTE_H */
