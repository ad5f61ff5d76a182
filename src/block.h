/*
 * block.h: the blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP
 * BZPOPMIN BZPOPMAX BZMPOP), on keys that may live on any worker.
 *
 * Two roles. The HOME of a blocked client is the worker it is connected
 * to; the OWNER of a key is the worker whose shard holds it. One worker is
 * often both; the protocol is the same, with direct calls instead of
 * messages.
 *
 * A blocking command at its home:
 *   1. checks its arguments (Redis's errors, in Redis's order), takes a
 *      place in the client's reply queue, and stops reading the client's
 *      further commands (Redis does not run them while it is blocked);
 *   2. registers at the owner of every key ("@breg serial kind key ..."):
 *      the owner appends a waiter to each key's FIFO and answers one
 *      status per key: R (the key has data and is reserved for this
 *      waiter), N (nothing yet), W (the key holds another type);
 *   3. once every status is in, decides as Redis would, in key order: the
 *      first W is a WRONGTYPE error, the first R is claimed;
 *   4. claims a key by running the command's non-blocking form on it
 *      (LPOP key, LMPOP 1 key ..., ZPOPMIN key, LMOVE src dst ...) through
 *      the ordinary router, so it runs where the keys are (across shards
 *      too, for BLMOVE). A reply other than "nothing" is the answer; the
 *      client is unblocked and every owner told ("@bunreg serial"). On
 *      "nothing" (another client popped first) the owner is told to keep
 *      the waiter ("@bdone serial key") and the next reserved key, if
 *      any, is claimed; else the client waits;
 *   5. meanwhile an owner whose key gets data (a key of the waited type is
 *      added to the database: db.c calls kv_block_key_added()) reserves
 *      it for the first waiter of its FIFO that waits for that type and
 *      sends that waiter's home an offer ("@boffer serial key"): a
 *      reservation to claim as in 4. One reservation per key at a time,
 *      so waiters are served in the order they blocked; a reservation
 *      ends with "@bdone" or "@bunreg";
 *   6. a timeout (the home's timer heap) or a disconnect unblocks the
 *      client at its home and unregisters it everywhere. A timeout that
 *      fires while a claim is in flight waits for the claim's answer:
 *      what it popped is the client's reply, never lost.
 *
 * Exactly one waiter is served per element: owners pop nothing on their
 * own; only a claim pops, and a home claims one key at a time. An offer
 * that reaches a home whose client is gone (or an unknown serial) is
 * answered with "@bunreg", which frees the reservation for the next
 * waiter.
 *
 * Messages are KV_MSG_NOTE commands (no reply), except "@breg", a
 * request. A serial names one blocking of one client, unique across the
 * generations of a slot (generation << 32 | counter).
 *
 * A worker that dies: its owners drop its waiters (kv_block_peer_died());
 * its homes' clients that had registered there register again with the
 * replacement; a claim it had taken is answered with the lost-worker
 * error.
 *
 *   home:   kv_blocked_t  one per blocked client, in a dict by serial and
 *                         a heap by deadline
 *   owner:  kv_bkey_t     per database and key with waiters: the FIFO,
 *                         the reservation, a place in the ready queue
 *           kv_waiter_t   one registration's place in one key's FIFO
 *           kv_breg_t     one registration (home, serial): its waiters
 */
#ifndef KV_BLOCK_H
#define KV_BLOCK_H

#include "cmd.h"

typedef struct kv_blocked_s kv_blocked_t;

/* A blocking command from a client (route.c sends them all here). */
void kv_block_call(kv_client_t *c, const kv_cmd_t *cmd);
/* c disconnects (before its pending replies are dropped). */
void kv_block_client_gone(kv_client_t *c);
/* db.c: key k was added to db (type list or zset). */
void kv_block_key_added(kv_db_t *db, const char *key, size_t len);
/* SWAPDB: every waited key of the two databases may have data now. */
void kv_block_dbs_swapped(int a, int b);
/* Serve ready keys and handle offers; returns what it did (0: nothing).
 * Does nothing while kv_route_nested. */
int kv_block_pump(void);
/* Work waiting for kv_block_pump(). */
int kv_block_has_work(void);
/* Time out expired clients; the ms until the next deadline (or -1). */
int64_t kv_block_timeouts(int64_t now_ms);
/* A peer died: drop its waiters, register again there. */
void kv_block_peer_died(int peer);
/* Blocked clients at this worker (INFO blocked_clients), or only those
 * with a timeout (clients_in_timeout_table). */
long long kv_block_count(int timed);

/* Whether c is blocked and every owner of its keys has it in line (CLIENT
 * LIST's flag "b": from then on, a push to any of its keys reaches it). */
int kv_block_is_waiting(const kv_client_t *c);

/* The internal commands of the protocol (cmd.c's table). */
void kv_cmd_int_breg(kv_client_t *c);
void kv_cmd_int_boffer(kv_client_t *c);
void kv_cmd_int_bdone(kv_client_t *c);
void kv_cmd_int_bunreg(kv_client_t *c);

/* The table's handlers for the blocking commands (never run directly:
 * route.c hands them to kv_block_call()). */
void kv_cmd_blocking(kv_client_t *c);

#endif /* KV_BLOCK_H */
