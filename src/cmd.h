/*
 * cmd.h: the command table.
 *
 * One table (cmd.c) names every command: name, arity (Redis's convention:
 * N exactly N arguments counting the name, -N at least N), flags, key
 * positions, handler, and subcommands for container commands (COMMAND,
 * CONFIG, CLIENT ...). Dispatch, arity errors, COMMAND COUNT (and, later,
 * COMMAND INFO/DOCS, routing and AOF) are derived from it.
 */
#ifndef KV_CMD_H
#define KV_CMD_H

#include "client.h"

typedef void (*kv_cmd_proc_pt)(kv_client_t *c);

/* flags, with Redis's names */
#define KV_CMD_WRITE 0x0001
#define KV_CMD_READONLY 0x0002
#define KV_CMD_DENYOOM 0x0004
#define KV_CMD_ADMIN 0x0008
#define KV_CMD_PUBSUB 0x0010
#define KV_CMD_NOSCRIPT 0x0020
#define KV_CMD_BLOCKING 0x0040
#define KV_CMD_LOADING 0x0080
#define KV_CMD_STALE 0x0100
#define KV_CMD_FAST 0x0200
#define KV_CMD_NO_AUTH 0x0400
#define KV_CMD_SENTINEL 0x0800
#define KV_CMD_ALLOW_ANY 0x1000 /* allowed in any client state */

typedef struct kv_cmd_s kv_cmd_t;

struct kv_cmd_s {
    const char *name;     /* lower case */
    int arity;
    unsigned flags;
    int first_key, last_key, key_step;
    kv_cmd_proc_pt proc;
    const kv_cmd_t *subcommands; /* NULL-name terminated, or NULL */
    const char *fullname;        /* "command|count" for subcommands */
};

extern const kv_cmd_t kv_commands[];
extern const size_t kv_ncommands;

/* Case-insensitive lookup of a top-level command. */
const kv_cmd_t *kv_cmd_lookup(const char *name, size_t len);

/* Look up, check arity, run c->argv. Unknown: Redis's exact error. */
void kv_cmd_call(kv_client_t *c);

/* handlers (t_server.c) */
void kv_cmd_ping(kv_client_t *c);
void kv_cmd_echo(kv_client_t *c);
void kv_cmd_quit(kv_client_t *c);
void kv_cmd_command(kv_client_t *c);
void kv_cmd_command_count(kv_client_t *c);
void kv_cmd_info(kv_client_t *c);
void kv_cmd_shutdown(kv_client_t *c);

/* Case-insensitive compare of a kv_str_t argument with a C string. */
int kv_arg_is(const kv_str_t *a, const char *s);

#endif /* KV_CMD_H */
