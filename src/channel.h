/*
 * channel.h: the master-worker channel, one SOCK_SEQPACKET socketpair per
 * worker slot. Messages are fixed-size records, so one recv() is always
 * one whole message:
 *
 *   master -> worker   QUIT (graceful stop: drain clients), TERMINATE
 *                      (exit now: every worker has drained), REOPEN
 *                      (logs), CONFIG (arg: epoch to apply), PEER_DIED
 *                      (slot: the dead worker, arg: how far it had read
 *                      the ring from the receiver)
 *   worker -> master   READY, CONFIG_ACK (arg: epoch applied),
 *                      SHUTDOWN (a client sent SHUTDOWN; arg: flags),
 *                      DRAINED (stopping, no clients and no requests of
 *                      its own left; it still serves other workers)
 *
 * Both ends are non-blocking; the master's end is close-on-exec.
 */
#ifndef KV_CHANNEL_H
#define KV_CHANNEL_H

#include "kevyd.h"

typedef enum {
    KV_CH_QUIT = 1,
    KV_CH_TERMINATE,
    KV_CH_REOPEN,
    KV_CH_CONFIG,
    KV_CH_READY,
    KV_CH_CONFIG_ACK,
    KV_CH_SHUTDOWN,
    KV_CH_PEER_DIED,
    KV_CH_DRAINED
} kv_channel_cmd_t;

typedef struct {
    uint32_t cmd;
    int32_t slot;
    int32_t pid;
    uint32_t pad;
    uint64_t arg;
} kv_channel_msg_t;

/* fds[0] is the master's end, fds[1] the worker's. */
int kv_channel_open(int fds[2]);
/* KV_OK, KV_AGAIN (would block) or KV_ERROR (peer gone). */
int kv_channel_write(int fd, uint32_t cmd, int slot, uint64_t arg);
/* KV_OK, KV_AGAIN (nothing to read) or KV_ERROR (closed or broken). */
int kv_channel_read(int fd, kv_channel_msg_t *msg);
const char *kv_channel_cmd_name(uint32_t cmd);

#endif /* KV_CHANNEL_H */
