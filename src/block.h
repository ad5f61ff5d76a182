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
 *   2. registers at the owner of every key ("@breg serial kind shape nb
 *      extra... single key ..."): the non-blocking form of the command
 *      (LPOP, LMPOP 1 key LEFT COUNT 2, ZPOPMIN, LMOVE src dst ...) is
 *      part of the registration;
 *   3. when all its keys are on that owner ("single"), the owner serves
 *      it at once if one of them has data, exactly as Redis would
 *      (answer "S" and the reply); otherwise it appends a waiter to each
 *      key's FIFO and answers one status per key: R (the key has data and
 *      is reserved for this waiter), N (nothing yet), W (another type);
 *   4. once every owner has answered, the home decides as Redis would, in
 *      key order: the first W is a WRONGTYPE error, the first R is
 *      claimed: the home runs the non-blocking form on it through the
 *      ordinary router ("nothing" there: "@bdone serial key" keeps the
 *      waiter in line and the next R is claimed; else it is the reply);
 *   5. a key of the waited type added to an owner's database
 *      (kv_block_key_added()) makes the owner serve the key's waiters in
 *      the order they blocked, right after the command that added it, as
 *      Redis does: it runs each one's non-blocking form itself while the
 *      key has data, drops the registration, and sends the reply to its
 *      home ("@bserved serial key undo reply"). A waiter the owner cannot
 *      serve alone (BLMOVE to a key on another shard) is offered the key
 *      instead ("@boffer serial key"): its home claims it as in 4, and
 *      the key's later waiters wait until it has;
 *   6. a timeout (the home's timer heap) or a disconnect unblocks the
 *      client at its home and unregisters it everywhere ("@bunreg"). A
 *      timeout's null reply waits for every owner's confirmation (the
 *      "@bunreg" is a request then): once the client has it, nothing it
 *      pushes afterwards can be taken by the expired registration. An
 *      owner that served the waiter before the "@bunreg" came (its push
 *      was first) wins: the client gets that reply instead.
 *
 * A reply that reaches a home whose client timed out, left, or was
 * already served by another owner (a waiter on keys of several shards) is
 * given back: the elements pushed back where they were popped from (undo
 * says how), so nothing is lost and nothing is served twice.
 *
 * An offer that reaches a home whose client is gone (or an unknown
 * serial) is answered with "@bunreg", which frees the reservation for the
 * next waiter.
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
void kv_cmd_int_bserved(kv_client_t *c);

/* The table's handlers for the blocking commands (never run directly:
 * route.c hands them to kv_block_call()). */
void kv_cmd_blocking(kv_client_t *c);

#endif /* KV_BLOCK_H */
