/*
 * client.h: a connected client, its buffers, and the reply writer.
 *
 * Input:  recv completions append to qbuf; every complete command in it is
 *         parsed (resp.c) and run at once, in order.
 * Output: replies are appended to obuf; once per loop turn the worker
 *         sends each client's pending output with one send. A client
 *         whose next reply is still being made by another worker keeps
 *         the replies that are ready until it comes (see "Holding output"
 *         in client.c): one send for a pipelined batch, not one per part.
 *
 * A client whose pending output passes KV_CLIENT_OBUF_PAUSE stops running
 * commands and stops reading until the output drains: a client that
 * pipelines without reading its replies is slowed down, never given
 * unbounded memory.
 */
#ifndef KV_CLIENT_H
#define KV_CLIENT_H

#include "buf.h"
#include "db.h"
#include "event.h"
#include "resp.h"

#define KV_CLIENT_OBUF_PAUSE (4 * 1024 * 1024)
/* An idle client's buffers larger than this are given back. */
#define KV_CLIENT_BUF_KEEP (64 * 1024)

/* flags */
#define KV_CLIENT_CLOSE_AFTER_REPLY 0x01
#define KV_CLIENT_CLOSING 0x02 /* kv_io_close() called */
#define KV_CLIENT_SENDING 0x04 /* a send is in flight */
#define KV_CLIENT_QUEUED 0x08  /* on the worker's write queue */
#define KV_CLIENT_PAUSED 0x10  /* output backlog: not reading */
#define KV_CLIENT_UNIX 0x20    /* connected over the unix socket */
#define KV_CLIENT_FAKE 0x40    /* runs other workers' commands: no fd */
#define KV_CLIENT_NOREPLY 0x80 /* its reply was already sent */
#define KV_CLIENT_INPUT 0x100  /* kv_client_process_input() is running */
#define KV_CLIENT_RESUME 0x200 /* resume it from the loop (see resume) */
#define KV_CLIENT_HELD 0x400   /* on the worker's list of held output */

/* Ready output waits at most this long for the replies of other workers
 * that come after it in the same pipeline (client.c, "Holding output"). */
#define KV_CLIENT_HOLD_MS 1

/* A client with this many replies outstanding at other shards stops
 * reading until some arrive (pipelines deeper than this still work). */
#define KV_CLIENT_MAX_PENDING 4096

typedef struct kv_client_s kv_client_t;
struct kv_cmd_s;
struct kv_pending_s;
struct kv_blocked_s;

struct kv_client_s {
    kv_io_t io;
    uint64_t id;
    unsigned flags;
    int64_t created_ms;
    int64_t last_ms; /* last input, for timeout */
    kv_buf_t qbuf;
    kv_buf_t obuf;
    /* The output being sent. The kernel may read it until the send
     * completes (io_uring reads it then, not when kv_io_send() is called),
     * so it must not move: replies made meanwhile go to obuf, which
     * realloc() may move at will. */
    kv_buf_t sbuf;
    size_t inflight; /* bytes of sbuf in the send in flight */
    struct iovec iov;
    kv_resp_parser_t parser;
    int argc;
    kv_str_t *argv;             /* the command being run */
    /* The command as the client sent it (RESP multibulk), while argv is
     * still the one parsed from it (raw_argv): forwarded as is. */
    const char *raw;
    size_t raw_len;
    const kv_str_t *raw_argv;
    const struct kv_cmd_s *cmd; /* ... and its table entry */
    kv_db_t *db;                /* SELECTed database */
    char *name;                 /* CLIENT SETNAME, NULL when none */
    int64_t last_cmd_ms;
    struct kv_pending_s *pend_head, *pend_tail; /* replies in order */
    unsigned npending;
    kv_client_t *prev, *next; /* the worker's list of clients */
    kv_client_t *next_write;  /* the worker's write queue */
    kv_client_t *next_held;   /* the worker's list of held output */
    int64_t held_us;          /* when its output was first held, or 0 */
    char addr[64];
    char laddr[64];
    const char *lastcmd; /* full name of the last command, CLIENT LIST */
    /* A blocking command waits (block.h): no further command runs. */
    struct kv_blocked_s *blocked;
};

void kv_client_accept(kv_io_t *lio, int fd);
void kv_client_close(kv_client_t *c);
/* Run whatever complete commands qbuf holds. */
void kv_client_process_input(kv_client_t *c);
/* Its blocking command has its reply: run the commands that waited. */
void kv_client_unblocked(kv_client_t *c);
/* Output was added outside of input processing (a reply arrived from
 * another shard): queue the write, resume a paused client, or close. */
void kv_client_output_changed(kv_client_t *c);
/* Send the pending output of every queued client (once per loop turn),
 * except output held for replies from other workers (kv_worker.held_head,
 * looked at again by the next call). */
void kv_clients_flush(void);
/* Graceful stop: stop reading, close each client once its output is out. */
void kv_clients_stop(void);
/* Close clients idle for longer than timeout seconds. */
void kv_clients_cron(int64_t now_ms);

/* The reply writer. Errors follow addReplyError(): "-ERR " is prepended
 * unless the text starts with '-' (e.g. "-WRONGTYPE ..."), and CR/LF in
 * formatted errors become spaces so the protocol stays intact. */
void kv_reply_raw(kv_client_t *c, const char *p, size_t n);
void kv_reply_status(kv_client_t *c, const char *s);
void kv_reply_error(kv_client_t *c, const char *s);
void kv_reply_errorf(kv_client_t *c, const char *fmt, ...) KV_PRINTF(2, 3);
void kv_reply_bulk(kv_client_t *c, const char *p, size_t n);
void kv_reply_null(kv_client_t *c);
void kv_reply_int(kv_client_t *c, long long v);
void kv_reply_array(kv_client_t *c, long long n);
void kv_reply_ok(kv_client_t *c);
/* The bulk of a string key's value. */
void kv_reply_string_key(kv_client_t *c, kv_key_t *k);

/*
 * A reply whose length is known only after its elements: take a mark
 * before writing them, then insert the "*N" header at the mark.
 */
size_t kv_reply_deferred_len(kv_client_t *c);
void kv_reply_set_deferred_len(kv_client_t *c, size_t mark, char type,
                               long long n);
/* Insert raw bytes at mark (an earlier kv_reply_deferred_len()). */
void kv_reply_insert(kv_client_t *c, size_t mark, const char *p, size_t n);

/*
 * For replies whose size the client picks (SRANDMEMBER key -1000000000):
 * true once what was written since mark passes proto-max-bulk-len. The
 * partial reply is then replaced by an error and a real client's
 * connection closes after it (Redis would build the reply whatever its
 * size). Callers check every few hundred elements and stop on true.
 */
int kv_reply_too_large(kv_client_t *c, size_t mark);
#define KV_REPLY_TOO_LARGE                                                     \
    "-ERR reply too large: it would pass proto-max-bulk-len, closing the "    \
    "connection\r\n"


/* SELECT */
void kv_client_select(kv_client_t *c, int id);

#endif /* KV_CLIENT_H */
