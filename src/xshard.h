/*
 * xshard.h: commands that must be atomic over keys on several shards
 * (MSETNX, RENAME, RENAMENX, COPY; later SMOVE, LMOVE, *STORE, EXEC).
 *
 * Protocol (one such command at a time in the whole server):
 *
 *   1. The origin takes the cross-shard lock, a word in the shared-memory
 *      header (0 free, slot + 1 held). While it waits it keeps serving the
 *      other workers' messages, so a holder that wants to pause it is never
 *      kept waiting.
 *   2. It sends "@pause" to every other shard involved. A paused worker
 *      answers, then serves nothing but the messages of the lock holder's
 *      ring (no clients, no other rings, no expiry cycle) until "@resume"
 *      arrives or the holder dies.
 *   3. The origin itself serves nothing but the replies of those shards,
 *      and runs the command's steps one by one ("@dump", "EXISTS", "MSET",
 *      "@restore", "DEL" ...). No other client can see or change the keys
 *      in between: the command is atomic, as in Redis.
 *   4. It sends "@resume" everywhere and releases the lock.
 *
 * Failure: the master releases the lock of a worker that died holding it;
 * a paused worker resumes when the holder's generation changes; an origin
 * whose helper died stops, resumes the others and answers with an error.
 *
 * The cost is one round trip per step while the involved shards stand
 * still, so these commands are slower than single-shard ones: keys that
 * must move together should share a {hashtag}, exactly as in Redis Cluster.
 */
#ifndef KV_XSHARD_H
#define KV_XSHARD_H

#include "cmd.h"
#include "shard.h"

/* Longest sleep of a nested wait before its checks run again (the
 * doorbell normally ends it much sooner). */
#define KV_XSHARD_WAIT_MS 10

/* Run cmd for c, whose keys are on several shards. */
void kv_xshard_call(kv_client_t *c, const kv_cmd_t *cmd);

/*
 * Any other command over keys on several shards, generically: under the
 * same lock and pause, a copy of every key (pos[]: their argv positions)
 * is gathered into the scratch database, the command's own code runs
 * there, and for a write command every key is written back to its shard
 * (or deleted there when the command removed it). Slower than the
 * specific paths, but atomic and exactly the single-shard semantics.
 */
void kv_xshard_generic(kv_client_t *c, const kv_cmd_t *cmd, const int *pos,
                       int npos);
/*
 * SORT and SORT_RO when the keys their BY and GET patterns name, or the
 * STORE destination, may be on other shards than the key sorted: under
 * the lock and a pause of every shard, the key and every string or hash
 * its patterns name for its elements are gathered into the scratch
 * database, SORT's own handler runs there, and the destination is
 * written back.
 */
void kv_xshard_sort(kv_client_t *c, const kv_cmd_t *cmd);
/* 1 for the commands kv_xshard_call() knows. */
int kv_xshard_supported(const kv_cmd_t *cmd);

/* The handlers of "@pause" / "@resume" and the value movers. */
void kv_cmd_int_pause(kv_client_t *c);
void kv_cmd_int_resume(kv_client_t *c);
void kv_cmd_int_dump(kv_client_t *c);
void kv_cmd_int_mdump(kv_client_t *c);
void kv_cmd_int_restore(kv_client_t *c);

/* Master: the worker holding the lock died. */
void kv_xshard_release_dead(kv_shm_t *shm, int slot);

#endif /* KV_XSHARD_H */
