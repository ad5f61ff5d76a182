/*
 * cmd.h: the command table.
 *
 * One table (cmd.c) names every command: name, arity (Redis's convention:
 * N exactly N arguments counting the name, -N at least N), flags, key
 * positions, handler, and subcommands for container commands (COMMAND,
 * CONFIG, CLIENT ...). Dispatch, arity errors, routing and COMMAND (with
 * the metadata Redis publishes about each command: cmdmeta.h) are derived
 * from it.
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
/* Keys are not at fixed positions (numkeys): the router asks
 * kv_cmd_key_positions() instead of reading first/last/step. */
#define KV_CMD_MOVABLEKEYS 0x2000

typedef struct kv_cmd_s kv_cmd_t;

struct kv_cmd_s {
    const char *name; /* lower case */
    int arity;
    unsigned flags;
    int first_key, last_key, key_step;
    kv_cmd_proc_pt proc;
    const kv_cmd_t *subcommands; /* NULL-name terminated, or NULL */
    const char *fullname;        /* "command|count" for subcommands */
    int fold;                    /* KV_FOLD_* of route.h */
};

extern const kv_cmd_t kv_commands[];
extern const size_t kv_ncommands;

/* Case-insensitive lookup of a top-level command. */
const kv_cmd_t *kv_cmd_lookup(const char *name, size_t len);

/* Look up (subcommand included) and check arity; on failure the error is
 * replied and NULL returned. Redis's exact texts. */
const kv_cmd_t *kv_cmd_resolve(kv_client_t *c);
/* A client's command: resolve it, then route it (route.c). */
void kv_cmd_call(kv_client_t *c);
/* A protocol error, replied after the replies still outstanding. */
void kv_reply_error_in_turn(kv_client_t *c, const char *err);
/* A command forwarded by another worker: resolve and run it here; also
 * knows the internal commands ("@randomkey"). */
void kv_cmd_run(kv_client_t *c);
/*
 * Every key position of cmd called with argv[0 .. argc) (argv[0] is the
 * command's name), found with its key specs or its own key finder, as
 * COMMAND GETKEYS would. Returns the count and a kv_malloc'ed array in
 * *out (kv_free it), 0 when there are no keys, -1 when the arguments do
 * not fit the specs. (t_command.c)
 */
int kv_cmd_key_positions(const kv_cmd_t *cmd, const kv_str_t *argv, int argc,
                         int **out);

/* The internal command named by a (for fan-outs). */
const kv_cmd_t *kv_cmd_internal(const kv_str_t *a);

/* ---- helpers shared by the command files (cmd.c) ---- */

/* Redis's getLongLongFromObjectOrReply(): strict integer, or the reply
 * "value is not an integer or out of range" (or msg when not NULL). */
int kv_get_ll_or_reply(kv_client_t *c, const kv_str_t *a, long long *v,
                       const char *msg);
/* getLongFromObjectOrReply(): the same on LP64. */
int kv_get_long_or_reply(kv_client_t *c, const kv_str_t *a, long long *v,
                         const char *msg);
/* getIntFromObjectOrReply(): also "value is out of range" past INT. */
int kv_get_int_or_reply(kv_client_t *c, const kv_str_t *a, long long *v,
                        const char *msg);
/* The length printf's "%.*s" would print: up to a NUL byte, at most max. */
int kv_arg_cstrlen(const kv_str_t *a, int max);

void kv_reply_wrongtype(kv_client_t *c);
/*
 * The count arguments of HRANDFIELD / ZRANDMEMBER key [count [word]]:
 * the count, and whether word (WITHVALUES, WITHSCORES) was given, with
 * Redis's errors. KV_ERROR after replying.
 */
int kv_get_randcount_or_reply(kv_client_t *c, const char *word,
                              long long *count, int *with);

/* Reply one element picked by kv_reply_random_picks() (with its value or
 * score when with). */
typedef void (*kv_pick_reply_pt)(kv_client_t *c, const void *e, int with);
/*
 * The reply of HRANDFIELD / ZRANDMEMBER key count [WITH...] for the n
 * elements of all (size bytes each): a negative count l picks -l that may
 * repeat (stopped at proto-max-bulk-len: kv_reply_too_large()); a
 * positive one picks that many distinct ones (a partial Fisher-Yates
 * shuffle of all), or every element in its order (from the end when
 * reverse) when it asks for at least n. l is not 0.
 */
void kv_reply_random_picks(kv_client_t *c, long long l, int with, void *all,
                           size_t n, size_t size, int reverse,
                           kv_pick_reply_pt reply);

/*
 * The arguments of LMPOP / ZMPOP: numkeys key [key ...] W0|W1 [COUNT n],
 * numkeys at argv[1]: Redis's errors in Redis's order (KV_ERROR after
 * replying). *where is 0 for w0 ("left", "min"), 1 for w1; *count is 1
 * when COUNT is not given.
 */
int kv_get_mpop_args_or_reply(kv_client_t *c, const char *w0, const char *w1,
                              long long *numkeys, int *where,
                              long long *count);

/* The success reply of commands with an NX form: :1 for it, +OK else. */
void kv_reply_done(kv_client_t *c, int nx);
void kv_reply_oom(kv_client_t *c);
/* "wrong number of arguments for '<fullname>' command" */
void kv_reply_arity_error(kv_client_t *c);
/* "invalid expire time in '<fullname>' command" */
void kv_reply_expire_error(kv_client_t *c);

/* A write changed the keyspace (dirty counter; AOF and keyspace
 * notifications hook in here). */
void kv_keyspace_changed(kv_client_t *c);

/* "string", "list", ... for TYPE and SCAN TYPE. */
const char *kv_type_name(int type);

/* SCAN helpers (t_keys.c): the options, and one shard's step. */
typedef void (*kv_scan_emit_pt)(const kv_str_t *key, void *arg);
int kv_scan_parse(kv_client_t *c, int first, const kv_str_t **match,
                  long long *count, const kv_str_t **type);
uint64_t kv_scan_shard(kv_client_t *c, uint64_t cursor, const kv_str_t *match,
                       long long count, const kv_str_t *type,
                       kv_scan_emit_pt emit, void *arg);

/* handlers (t_server.c) */
void kv_cmd_ping(kv_client_t *c);
void kv_cmd_echo(kv_client_t *c);
void kv_cmd_quit(kv_client_t *c);
void kv_cmd_info(kv_client_t *c);
void kv_cmd_shutdown(kv_client_t *c);
void kv_cmd_time(kv_client_t *c);
void kv_cmd_int_randomkey(kv_client_t *c);

/* handlers (t_client.c) */
void kv_cmd_hello(kv_client_t *c);
void kv_cmd_reset(kv_client_t *c);
void kv_cmd_client_id(kv_client_t *c);
void kv_cmd_client_getname(kv_client_t *c);
void kv_cmd_client_setname(kv_client_t *c);
void kv_cmd_client_info(kv_client_t *c);
void kv_cmd_client_list(kv_client_t *c);
void kv_cmd_client_kill(kv_client_t *c);
void kv_cmd_client_noevict(kv_client_t *c);
void kv_cmd_client_help(kv_client_t *c);
void kv_cmd_int_clientkill(kv_client_t *c);
int kv_client_kill_parse(kv_client_t *c, int first, long long *id,
                         const kv_str_t **addr, const kv_str_t **laddr,
                         int *skipme, int *none);

/* handlers (t_config.c) */
void kv_cmd_config_get(kv_client_t *c);
void kv_cmd_config_set(kv_client_t *c);
void kv_cmd_config_resetstat(kv_client_t *c);
void kv_cmd_config_help(kv_client_t *c);
void kv_cmd_select(kv_client_t *c);
void kv_cmd_dbsize(kv_client_t *c);

/* handlers (t_command.c) */
void kv_cmd_command(kv_client_t *c);
void kv_cmd_command_count(kv_client_t *c);
void kv_cmd_command_docs(kv_client_t *c);
void kv_cmd_command_getkeys(kv_client_t *c);
void kv_cmd_command_getkeysandflags(kv_client_t *c);
void kv_cmd_command_help(kv_client_t *c);
void kv_cmd_command_info(kv_client_t *c);
void kv_cmd_command_list(kv_client_t *c);
/* Whether COMMAND GETKEYS has a key finder of its own for the command. */
int kv_command_has_getkeys_proc(const char *fullname);

/* handlers (t_string.c) */
void kv_cmd_get(kv_client_t *c);
void kv_cmd_set(kv_client_t *c);
void kv_cmd_setnx(kv_client_t *c);
void kv_cmd_setex(kv_client_t *c);
void kv_cmd_psetex(kv_client_t *c);
void kv_cmd_getset(kv_client_t *c);
void kv_cmd_getdel(kv_client_t *c);
void kv_cmd_getex(kv_client_t *c);
void kv_cmd_mget(kv_client_t *c);
void kv_cmd_mset(kv_client_t *c);
void kv_cmd_msetnx(kv_client_t *c);
void kv_cmd_append(kv_client_t *c);
void kv_cmd_strlen(kv_client_t *c);
void kv_cmd_getrange(kv_client_t *c);
void kv_cmd_setrange(kv_client_t *c);
void kv_cmd_incr(kv_client_t *c);
void kv_cmd_decr(kv_client_t *c);
void kv_cmd_incrby(kv_client_t *c);
void kv_cmd_decrby(kv_client_t *c);
void kv_cmd_incrbyfloat(kv_client_t *c);
void kv_cmd_lcs(kv_client_t *c);
/* LCS's options and reply for values already fetched (also across
 * shards, by xshard.c). */
void kv_lcs_reply(kv_client_t *c, int wrongtype, const char *a, size_t la,
                  const char *b, size_t lb);

/* handlers (t_list.c) */
void kv_cmd_lpush(kv_client_t *c);
void kv_cmd_rpush(kv_client_t *c);
void kv_cmd_lpushx(kv_client_t *c);
void kv_cmd_rpushx(kv_client_t *c);
void kv_cmd_linsert(kv_client_t *c);
void kv_cmd_llen(kv_client_t *c);
void kv_cmd_lindex(kv_client_t *c);
void kv_cmd_lrange(kv_client_t *c);
void kv_cmd_lpos(kv_client_t *c);
void kv_cmd_lpop(kv_client_t *c);
void kv_cmd_rpop(kv_client_t *c);
void kv_cmd_lmpop(kv_client_t *c);
void kv_cmd_lset(kv_client_t *c);
void kv_cmd_ltrim(kv_client_t *c);
void kv_cmd_lrem(kv_client_t *c);
void kv_cmd_lmove(kv_client_t *c);
void kv_cmd_rpoplpush(kv_client_t *c);

/* handlers (t_hash.c) */
void kv_cmd_hset(kv_client_t *c);
void kv_cmd_hsetnx(kv_client_t *c);
void kv_cmd_hget(kv_client_t *c);
void kv_cmd_hmget(kv_client_t *c);
void kv_cmd_hmset(kv_client_t *c);
void kv_cmd_hdel(kv_client_t *c);
void kv_cmd_hexists(kv_client_t *c);
void kv_cmd_hlen(kv_client_t *c);
void kv_cmd_hstrlen(kv_client_t *c);
void kv_cmd_hkeys(kv_client_t *c);
void kv_cmd_hvals(kv_client_t *c);
void kv_cmd_hgetall(kv_client_t *c);
void kv_cmd_hincrby(kv_client_t *c);
void kv_cmd_hincrbyfloat(kv_client_t *c);
void kv_cmd_hrandfield(kv_client_t *c);
void kv_cmd_hscan(kv_client_t *c);
/* HSCAN and ZSCAN (and other per-key scans): the cursor, the MATCH /
 * COUNT options, with Redis's errors (TYPE is SCAN's only); whether an
 * element matches; the head of a reply of n elements. */
int kv_scan_value_cursor(kv_client_t *c, const kv_str_t *a,
                         unsigned long long *cursor);
int kv_scan_value_parse(kv_client_t *c, int first, const kv_str_t **match,
                        long long *count);
int kv_scan_value_match(const kv_str_t *match, const char *p, size_t len);
void kv_scan_value_reply_head(kv_client_t *c, unsigned long long cursor,
                              long long n);

/* A field's value in a hash key: 1 found (*v, *vl set, valid while the
 * hash is unchanged), 0 not. (t_hash.c) */
int kv_hash_get(const kv_key_t *k, const char *f, size_t fl, const char **v,
                size_t *vl);

/* handlers (t_set.c) */
void kv_cmd_sadd(kv_client_t *c);
void kv_cmd_srem(kv_client_t *c);
void kv_cmd_scard(kv_client_t *c);
void kv_cmd_sismember(kv_client_t *c);
void kv_cmd_smismember(kv_client_t *c);
void kv_cmd_smembers(kv_client_t *c);
void kv_cmd_spop(kv_client_t *c);
void kv_cmd_srandmember(kv_client_t *c);
void kv_cmd_smove(kv_client_t *c);
void kv_cmd_sinter(kv_client_t *c);
void kv_cmd_sintercard(kv_client_t *c);
void kv_cmd_sinterstore(kv_client_t *c);
void kv_cmd_sunion(kv_client_t *c);
void kv_cmd_sunionstore(kv_client_t *c);
void kv_cmd_sdiff(kv_client_t *c);
void kv_cmd_sdiffstore(kv_client_t *c);
void kv_cmd_sscan(kv_client_t *c);

/* handlers (t_zset.c) */
void kv_cmd_zadd(kv_client_t *c);
void kv_cmd_zincrby(kv_client_t *c);
void kv_cmd_zrem(kv_client_t *c);
void kv_cmd_zcard(kv_client_t *c);
void kv_cmd_zcount(kv_client_t *c);
void kv_cmd_zlexcount(kv_client_t *c);
void kv_cmd_zscore(kv_client_t *c);
void kv_cmd_zmscore(kv_client_t *c);
void kv_cmd_zrank(kv_client_t *c);
void kv_cmd_zrevrank(kv_client_t *c);
void kv_cmd_zrange(kv_client_t *c);
void kv_cmd_zrangestore(kv_client_t *c);
void kv_cmd_zrevrange(kv_client_t *c);
void kv_cmd_zrangebyscore(kv_client_t *c);
void kv_cmd_zrevrangebyscore(kv_client_t *c);
void kv_cmd_zrangebylex(kv_client_t *c);
void kv_cmd_zrevrangebylex(kv_client_t *c);
void kv_cmd_zremrangebyrank(kv_client_t *c);
void kv_cmd_zremrangebyscore(kv_client_t *c);
void kv_cmd_zremrangebylex(kv_client_t *c);
void kv_cmd_zpopmin(kv_client_t *c);
void kv_cmd_zpopmax(kv_client_t *c);
void kv_cmd_zmpop(kv_client_t *c);
void kv_cmd_zrandmember(kv_client_t *c);
void kv_cmd_zunion(kv_client_t *c);
void kv_cmd_zinter(kv_client_t *c);
void kv_cmd_zdiff(kv_client_t *c);
void kv_cmd_zunionstore(kv_client_t *c);
void kv_cmd_zinterstore(kv_client_t *c);
void kv_cmd_zdiffstore(kv_client_t *c);
void kv_cmd_zintercard(kv_client_t *c);
void kv_cmd_zscan(kv_client_t *c);

/* handlers (t_sort.c) */
void kv_cmd_sort(kv_client_t *c);
void kv_cmd_sort_ro(kv_client_t *c);

/* SORT's options as its handler parses them, for the router and the
 * cross-shard path: the patterns and the destination point into argv. */
typedef struct {
    int desc, alpha;
    int dontsort; /* a BY without '*' */
    long long limit_start, limit_count;
    const kv_str_t *by;    /* the last BY, or NULL */
    const kv_str_t *store; /* the last STORE, or NULL */
    const kv_str_t **gets; /* the GET patterns, in order */
    int ngets;
} kv_sort_args_t;

/* Parse argv (argv[1] is the key); KV_ERROR with the error to reply in
 * *err. Free with kv_sort_args_free() (also after KV_ERROR: a no-op). */
int kv_sort_parse(const kv_str_t *argv, int argc, int readonly,
                  kv_sort_args_t *a, const char **err);
void kv_sort_args_free(kv_sort_args_t *a);
/* The patterns through which SORT reads keys (a BY it sorts by, the GETs
 * but "#" and those without '*'), into pats (room for ngets + 1); their
 * number. */
int kv_sort_reads_keys(const kv_sort_args_t *a, const kv_str_t **pats);
/* The hash slot of every key a reading pattern names, when its {tag}
 * fixes it (as in "{user}:weight_*"), else -1. */
int kv_sort_pattern_slot(const kv_str_t *p);
/* Every key the reading patterns name for the elements of the list, set
 * or sorted set at key in db (duplicates included), to emit; nothing for
 * a missing key or another type. Stops at emit's first KV_ERROR. */
typedef int (*kv_sort_key_pt)(const char *key, size_t len, void *arg);
int kv_sort_keys(kv_db_t *db, const kv_str_t *key, const kv_sort_args_t *a,
                 kv_sort_key_pt emit, void *arg);

/* handlers (t_keys.c) */
void kv_cmd_del(kv_client_t *c);
void kv_cmd_unlink(kv_client_t *c);
void kv_cmd_exists(kv_client_t *c);
void kv_cmd_touch(kv_client_t *c);
void kv_cmd_type(kv_client_t *c);
void kv_cmd_expire(kv_client_t *c);
void kv_cmd_pexpire(kv_client_t *c);
void kv_cmd_expireat(kv_client_t *c);
void kv_cmd_pexpireat(kv_client_t *c);
void kv_cmd_ttl(kv_client_t *c);
void kv_cmd_pttl(kv_client_t *c);
void kv_cmd_expiretime(kv_client_t *c);
void kv_cmd_pexpiretime(kv_client_t *c);
void kv_cmd_persist(kv_client_t *c);
void kv_cmd_keys(kv_client_t *c);
void kv_cmd_scan(kv_client_t *c);
void kv_cmd_randomkey(kv_client_t *c);
void kv_cmd_flushdb(kv_client_t *c);
void kv_cmd_flushall(kv_client_t *c);
void kv_cmd_rename(kv_client_t *c);
void kv_cmd_renamenx(kv_client_t *c);
void kv_cmd_copy(kv_client_t *c);
void kv_cmd_move(kv_client_t *c);
void kv_cmd_swapdb(kv_client_t *c);
void kv_cmd_object_encoding(kv_client_t *c);
void kv_cmd_object_refcount(kv_client_t *c);
void kv_cmd_object_idletime(kv_client_t *c);
void kv_cmd_object_freq(kv_client_t *c);
void kv_cmd_object_help(kv_client_t *c);

/* Redis's addReplyHelp(): "<NAME> <subcommand> ..." then the lines, then
 * the HELP line itself, as status replies. */
void kv_reply_help(kv_client_t *c, const char *const *lines);

/* Case-insensitive compare of a kv_str_t argument with a C string. */
int kv_arg_is(const kv_str_t *a, const char *s);

#endif /* KV_CMD_H */
