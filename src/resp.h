/*
 * resp.h: the RESP2 request parser and the reply writer.
 *
 * The parser is resumable: it keeps how far it got in the current command
 * (declared argument count, length of the bulk being read, the offsets of
 * the arguments already complete) so a command that arrives in many reads is
 * scanned once, not once per read. Arguments of multibulk commands are
 * (offset, length) pairs into the caller's buffer, so no byte is copied;
 * inline commands are unescaped into the parser's own scratch buffer.
 *
 * Errors are Redis's, word for word ("Protocol error: invalid bulk
 * length"), and the connection must be closed after replying with them.
 * Memory is bounded by what the client actually sent: a declared count of
 * a million arguments allocates nothing until they arrive.
 */
#ifndef KV_RESP_H
#define KV_RESP_H

#include "kevyd.h"

/* Lines of a request header (and inline requests) are at most this long. */
#define KV_PROTO_INLINE_MAX (64 * 1024)
/* kv_resp_parser_reset() frees argument arrays larger than this. */
#define KV_RESP_KEEP_ARGS 1024

typedef struct {
    const char *p;
    size_t len;
} kv_str_t;

typedef struct {
    long long max_bulk_len; /* proto-max-bulk-len */
} kv_resp_limits_t;

typedef struct {
    size_t cur;     /* scan position inside the current command */
    int mbulk;      /* arguments still to read; 0: between commands */
    long long bulk; /* length of the bulk being read, -1: need "$n" */
    int argc;       /* arguments complete so far */
    int cap;
    size_t *off;   /* argument i: buf + off[2i], length off[2i + 1] */
    int is_inline; /* the finished command's args live in ibuf */
    size_t start;  /* a finished multibulk command: its first byte, as an
                      offset into the caller's buffer (it spans [start,
                      *pos)); meaningless for an inline one */
    char *ibuf;    /* unescaped inline arguments */
    size_t ibuf_cap;
    kv_str_t *argv; /* the finished command, valid until the next call */
    int argv_cap;
} kv_resp_parser_t;

void kv_resp_parser_init(kv_resp_parser_t *p);
void kv_resp_parser_free(kv_resp_parser_t *p);
/* Forget any partly parsed command, keeping the memory unless a large
 * command made it grow past KV_RESP_KEEP_ARGS arguments. */
void kv_resp_parser_reset(kv_resp_parser_t *p);

/*
 * Parse the next command from buf[*pos .. len). Returns
 *   KV_OK     a command is complete: p->argv[0 .. argc) and *argc set,
 *             *pos moved past it;
 *   KV_AGAIN  more input is needed (*pos may have moved past empty
 *             commands, never into a command that is not complete: the
 *             bytes from *pos on must be kept);
 *   KV_ERROR  protocol error: *err is Redis's message, without "-ERR ".
 * buf must stay unchanged between calls except for bytes appended, or a
 * prefix removed with kv_resp_shift().
 */
int kv_resp_parse(kv_resp_parser_t *p, const char *buf, size_t len, size_t *pos,
                  const kv_resp_limits_t *lim, int *argc, const char **err);

/* The caller removed n bytes from the front of its buffer. */
void kv_resp_shift(kv_resp_parser_t *p, size_t n);

/* 1 while a command is partly parsed. */
int kv_resp_in_command(const kv_resp_parser_t *p);

/*
 * Redis's string2ll: strict decimal, optional '-', no leading zeros, no
 * spaces, no '+', fits in a long long. Returns 1 on success.
 */
int kv_string2ll(const char *s, size_t len, long long *out);
/*
 * The decimal digits s[0 .. len) as a number, refusing leading zeros
 * (but "0"), signs, spaces and overflow past max. Returns 1 on success.
 */
int kv_parse_digits(const char *s, size_t len, unsigned long long max,
                    unsigned long long *out);
/* Writes the decimal form of v into buf (at least 21 bytes), returns len. */
size_t kv_ll2str(char *buf, long long v);

/* Split an inline request like sdssplitargs; -1 on unbalanced quotes. */
int kv_resp_split_inline(kv_resp_parser_t *p, const char *line, size_t len);

#endif /* KV_RESP_H */
