/*
 * listen.h: the listening sockets, all opened by the master before it
 * forks. Each worker slot gets its own SO_REUSEPORT socket per bind
 * address, so a worker that dies leaves its accept queue behind for its
 * replacement; a unix socket, when configured, is shared by every worker.
 */
#ifndef KV_LISTEN_H
#define KV_LISTEN_H

#include "conf.h"

#define KV_MAX_BIND 16
#define KV_MAX_LISTEN (KV_MAX_WORKERS * KV_MAX_BIND + 1)

typedef struct {
    int fd;
    int slot; /* owning worker slot, -1: shared by all */
    int is_unix;
    char name[128]; /* "127.0.0.1:6379", "[::1]:6379", "/path.sock" */
} kv_listen_t;

typedef struct {
    kv_listen_t ls[KV_MAX_LISTEN];
    int n;
} kv_listen_set_t;

/* Open every listener for nslots workers; logs and returns KV_ERROR. */
int kv_listen_open(kv_listen_set_t *set, const kv_conf_t *conf, int nslots);
void kv_listen_close(kv_listen_set_t *set);
/* In a worker: close the sockets of other slots. */
void kv_listen_keep_slot(kv_listen_set_t *set, int slot);

#endif /* KV_LISTEN_H */
