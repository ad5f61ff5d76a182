/*
 * master.h: the master process (see master.c).
 */
#ifndef KV_MASTER_H
#define KV_MASTER_H

#include <signal.h>

#include "conf.h"

/*
 * "kevyd -s reload" asks with KV_SIG_RELOAD_REPLY_REQ sent by sigqueue()
 * (a realtime signal: every request is queued, none is lost), and the
 * master answers each asker with KV_SIG_RELOAD_REPLY, value 0 when the
 * reload was applied and 1 when it was refused. A plain HUP reloads too,
 * without an answer.
 */
#define KV_SIG_RELOAD_REPLY_REQ (SIGRTMIN + 1)
#define KV_SIG_RELOAD_REPLY (SIGRTMIN + 2)

/* Run the master with a loaded configuration; returns an exit status only
 * when start-up fails (afterwards the master exits by itself). */
int kv_master_run(const kv_conf_t *conf, int argc, char *const argv[]);

#endif /* KV_MASTER_H */
