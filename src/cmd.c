/*
 * cmd.c: the command table and dispatch.
 *
 * Dispatch follows Redis 7.0's processCommand(): look the name up (case-
 * insensitively), for a container command look the subcommand up, check
 * arity, then run. The error texts are Redis's, including the quirks
 * (the 128-byte truncations, CR/LF turned into spaces).
 */
#include "cmd.h"

#include <ctype.h>

#include "block.h"
#include "log.h"
#include "route.h"
#include "xshard.h"

#define KV_CMD_END                                                             \
    {                                                                          \
        NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0                               \
    }

/* clang-format off */
#define W KV_CMD_WRITE
#define R KV_CMD_READONLY
#define M KV_CMD_DENYOOM
#define F KV_CMD_FAST
#define A KV_CMD_ADMIN
#define L KV_CMD_LOADING
#define S KV_CMD_STALE
#define B KV_CMD_BLOCKING
#define N KV_CMD_NOSCRIPT

static const kv_cmd_t kv_command_subcommands[] = {
    {"count", 2, L | S, 0, 0, 0, kv_cmd_command_count, NULL,
     "command|count", 0},
    {"docs", -2, L | S, 0, 0, 0, kv_cmd_command_docs, NULL,
     "command|docs", 0},
    {"getkeys", -4, L | S, 0, 0, 0, kv_cmd_command_getkeys, NULL,
     "command|getkeys", 0},
    {"getkeysandflags", -4, L | S, 0, 0, 0, kv_cmd_command_getkeysandflags,
     NULL, "command|getkeysandflags", 0},
    {"help", 2, L | S, 0, 0, 0, kv_cmd_command_help, NULL, "command|help", 0},
    {"info", -2, L | S, 0, 0, 0, kv_cmd_command_info, NULL,
     "command|info", 0},
    {"list", -2, L | S, 0, 0, 0, kv_cmd_command_list, NULL,
     "command|list", 0},
    KV_CMD_END};

static const kv_cmd_t kv_client_subcommands[] = {
    {"getname", 2, KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_client_getname,
     NULL, "client|getname", 0},
    {"help", 2, L | S, 0, 0, 0, kv_cmd_client_help, NULL, "client|help", 0},
    {"id", 2, KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_client_id, NULL,
     "client|id", 0},
    {"info", 2, KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_client_info, NULL,
     "client|info", 0},
    {"kill", -3, A | KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_client_kill,
     NULL, "client|kill", KV_FOLD_KILL},
    {"list", -2, A | KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_client_list,
     NULL, "client|list", KV_FOLD_ALL_TEXT},
    {"no-evict", 3, A | KV_CMD_NOSCRIPT | L | S, 0, 0, 0,
     kv_cmd_client_noevict, NULL, "client|no-evict", 0},
    {"setname", 3, KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_client_setname,
     NULL, "client|setname", 0},
    KV_CMD_END};

static const kv_cmd_t kv_config_subcommands[] = {
    {"get", -3, A | KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_config_get,
     NULL, "config|get", 0},
    {"help", 2, L | S, 0, 0, 0, kv_cmd_config_help, NULL, "config|help", 0},
    {"resetstat", 2, A | KV_CMD_NOSCRIPT | L | S, 0, 0, 0,
     kv_cmd_config_resetstat, NULL, "config|resetstat", KV_FOLD_ALL_OK},
    {"set", -4, A | KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_config_set,
     NULL, "config|set", 0},
    KV_CMD_END};

static const kv_cmd_t kv_object_subcommands[] = {
    {"encoding", 3, R, 2, 2, 1, kv_cmd_object_encoding, NULL,
     "object|encoding", 0},
    {"freq", 3, R, 2, 2, 1, kv_cmd_object_freq, NULL, "object|freq", 0},
    {"idletime", 3, R, 2, 2, 1, kv_cmd_object_idletime, NULL,
     "object|idletime", 0},
    {"help", 2, L | S, 0, 0, 0, kv_cmd_object_help, NULL, "object|help", 0},
    {"refcount", 3, R, 2, 2, 1, kv_cmd_object_refcount, NULL,
     "object|refcount", 0},
    KV_CMD_END};

/* Sorted by name: kv_cmd_lookup() bisects (a unit test checks the order).
 * Key positions follow Redis's legacy (first, last, step) triple. */
const kv_cmd_t kv_commands[] = {
    {"append", 3, W | M | F, 1, 1, 1, kv_cmd_append, NULL, "append", 0},
    {"blmove", 6, W | M | N | B, 1, 2, 1, kv_cmd_blocking, NULL, "blmove", 0},
    {"blmpop", -5, W | B | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_blocking, NULL,
     "blmpop", 0},
    {"blpop", -3, W | N | B, 1, -2, 1, kv_cmd_blocking, NULL, "blpop", 0},
    {"brpop", -3, W | N | B, 1, -2, 1, kv_cmd_blocking, NULL, "brpop", 0},
    {"brpoplpush", 4, W | M | N | B, 1, 2, 1, kv_cmd_blocking, NULL,
     "brpoplpush", 0},
    {"bzmpop", -5, W | B | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_blocking, NULL,
     "bzmpop", 0},
    {"bzpopmax", -3, W | F | N | B, 1, -2, 1, kv_cmd_blocking, NULL,
     "bzpopmax", 0},
    {"bzpopmin", -3, W | F | N | B, 1, -2, 1, kv_cmd_blocking, NULL,
     "bzpopmin", 0},
    {"client", -2, 0, 0, 0, 0, NULL, kv_client_subcommands, "client", 0},
    {"command", -1, L | S, 0, 0, 0, kv_cmd_command,
     kv_command_subcommands, "command", 0},
    {"config", -2, 0, 0, 0, 0, NULL, kv_config_subcommands, "config", 0},
    {"copy", -3, W | M, 1, 2, 1, kv_cmd_copy, NULL, "copy", 0},
    {"dbsize", 1, R | F, 0, 0, 0, kv_cmd_dbsize, NULL,
     "dbsize", KV_FOLD_ALL_SUM},
    {"decr", 2, W | M | F, 1, 1, 1, kv_cmd_decr, NULL, "decr", 0},
    {"decrby", 3, W | M | F, 1, 1, 1, kv_cmd_decrby, NULL, "decrby", 0},
    {"del", -2, W, 1, -1, 1, kv_cmd_del, NULL, "del", KV_FOLD_SUM},
    {"echo", 2, L | S | F, 0, 0, 0, kv_cmd_echo, NULL, "echo", 0},
    {"exists", -2, R | F, 1, -1, 1, kv_cmd_exists, NULL, "exists", KV_FOLD_SUM},
    {"expire", -3, W | F, 1, 1, 1, kv_cmd_expire, NULL, "expire", 0},
    {"expireat", -3, W | F, 1, 1, 1, kv_cmd_expireat, NULL, "expireat", 0},
    {"expiretime", 2, R | F, 1, 1, 1, kv_cmd_expiretime, NULL,
     "expiretime", 0},
    {"flushall", -1, W, 0, 0, 0, kv_cmd_flushall, NULL,
     "flushall", KV_FOLD_ALL_OK},
    {"flushdb", -1, W, 0, 0, 0, kv_cmd_flushdb, NULL,
     "flushdb", KV_FOLD_ALL_OK},
    {"get", 2, R | F, 1, 1, 1, kv_cmd_get, NULL, "get", 0},
    {"getdel", 2, W | F, 1, 1, 1, kv_cmd_getdel, NULL, "getdel", 0},
    {"getex", -2, W | F, 1, 1, 1, kv_cmd_getex, NULL, "getex", 0},
    {"getrange", 4, R, 1, 1, 1, kv_cmd_getrange, NULL, "getrange", 0},
    {"getset", 3, W | M | F, 1, 1, 1, kv_cmd_getset, NULL, "getset", 0},
    {"hdel", -3, W | F, 1, 1, 1, kv_cmd_hdel, NULL, "hdel", 0},
    {"hello", -1, KV_CMD_NOSCRIPT | L | S | F | KV_CMD_NO_AUTH, 0, 0, 0,
     kv_cmd_hello, NULL, "hello", 0},
    {"hexists", 3, R | F, 1, 1, 1, kv_cmd_hexists, NULL, "hexists", 0},
    {"hget", 3, R | F, 1, 1, 1, kv_cmd_hget, NULL, "hget", 0},
    {"hgetall", 2, R, 1, 1, 1, kv_cmd_hgetall, NULL, "hgetall", 0},
    {"hincrby", 4, W | M | F, 1, 1, 1, kv_cmd_hincrby, NULL, "hincrby", 0},
    {"hincrbyfloat", 4, W | M | F, 1, 1, 1, kv_cmd_hincrbyfloat, NULL,
     "hincrbyfloat", 0},
    {"hkeys", 2, R, 1, 1, 1, kv_cmd_hkeys, NULL, "hkeys", 0},
    {"hlen", 2, R | F, 1, 1, 1, kv_cmd_hlen, NULL, "hlen", 0},
    {"hmget", -3, R | F, 1, 1, 1, kv_cmd_hmget, NULL, "hmget", 0},
    {"hmset", -4, W | M | F, 1, 1, 1, kv_cmd_hmset, NULL, "hmset", 0},
    {"hrandfield", -2, R, 1, 1, 1, kv_cmd_hrandfield, NULL, "hrandfield", 0},
    {"hscan", -3, R, 1, 1, 1, kv_cmd_hscan, NULL, "hscan", 0},
    {"hset", -4, W | M | F, 1, 1, 1, kv_cmd_hset, NULL, "hset", 0},
    {"hsetnx", 4, W | M | F, 1, 1, 1, kv_cmd_hsetnx, NULL, "hsetnx", 0},
    {"hstrlen", 3, R | F, 1, 1, 1, kv_cmd_hstrlen, NULL, "hstrlen", 0},
    {"hvals", 2, R, 1, 1, 1, kv_cmd_hvals, NULL, "hvals", 0},
    {"incr", 2, W | M | F, 1, 1, 1, kv_cmd_incr, NULL, "incr", 0},
    {"incrby", 3, W | M | F, 1, 1, 1, kv_cmd_incrby, NULL, "incrby", 0},
    {"incrbyfloat", 3, W | M | F, 1, 1, 1, kv_cmd_incrbyfloat, NULL,
     "incrbyfloat", 0},
    {"info", -1, L | S, 0, 0, 0, kv_cmd_info, NULL, "info", KV_FOLD_INFO},
    {"keys", 2, R, 0, 0, 0, kv_cmd_keys, NULL, "keys", KV_FOLD_ALL_CAT},
    {"lcs", -3, R, 1, 2, 1, kv_cmd_lcs, NULL, "lcs", 0},
    {"lindex", 3, R, 1, 1, 1, kv_cmd_lindex, NULL, "lindex", 0},
    {"linsert", 5, W | M, 1, 1, 1, kv_cmd_linsert, NULL, "linsert", 0},
    {"llen", 2, R | F, 1, 1, 1, kv_cmd_llen, NULL, "llen", 0},
    {"lmove", 5, W | M, 1, 2, 1, kv_cmd_lmove, NULL, "lmove", 0},
    {"lmpop", -4, W | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_lmpop, NULL,
     "lmpop", 0},
    {"lpop", -2, W | F, 1, 1, 1, kv_cmd_lpop, NULL, "lpop", 0},
    {"lpos", -3, R, 1, 1, 1, kv_cmd_lpos, NULL, "lpos", 0},
    {"lpush", -3, W | M | F, 1, 1, 1, kv_cmd_lpush, NULL, "lpush", 0},
    {"lpushx", -3, W | M | F, 1, 1, 1, kv_cmd_lpushx, NULL, "lpushx", 0},
    {"lrange", 4, R, 1, 1, 1, kv_cmd_lrange, NULL, "lrange", 0},
    {"lrem", 4, W, 1, 1, 1, kv_cmd_lrem, NULL, "lrem", 0},
    {"lset", 4, W | M, 1, 1, 1, kv_cmd_lset, NULL, "lset", 0},
    {"ltrim", 4, W, 1, 1, 1, kv_cmd_ltrim, NULL, "ltrim", 0},
    {"mget", -2, R | F, 1, -1, 1, kv_cmd_mget, NULL, "mget", KV_FOLD_MGET},
    {"move", 3, W | F, 1, 1, 1, kv_cmd_move, NULL, "move", 0},
    {"mset", -3, W | M, 1, -1, 2, kv_cmd_mset, NULL, "mset", KV_FOLD_MSET},
    {"msetnx", -3, W | M, 1, -1, 2, kv_cmd_msetnx, NULL, "msetnx",
     KV_FOLD_ATOMIC},
    {"object", -2, 0, 0, 0, 0, NULL, kv_object_subcommands, "object", 0},
    {"persist", 2, W | F, 1, 1, 1, kv_cmd_persist, NULL, "persist", 0},
    {"pexpire", -3, W | F, 1, 1, 1, kv_cmd_pexpire, NULL, "pexpire", 0},
    {"pexpireat", -3, W | F, 1, 1, 1, kv_cmd_pexpireat, NULL,
     "pexpireat", 0},
    {"pexpiretime", 2, R | F, 1, 1, 1, kv_cmd_pexpiretime, NULL,
     "pexpiretime", 0},
    {"ping", -1, F, 0, 0, 0, kv_cmd_ping, NULL, "ping", 0},
    {"psetex", 4, W | M, 1, 1, 1, kv_cmd_psetex, NULL, "psetex", 0},
    {"pttl", 2, R | F, 1, 1, 1, kv_cmd_pttl, NULL, "pttl", 0},
    {"quit", -1,
     KV_CMD_ALLOW_ANY | KV_CMD_NOSCRIPT | L | S | F | KV_CMD_NO_AUTH, 0, 0,
     0, kv_cmd_quit, NULL, "quit", 0},
    {"randomkey", 1, R, 0, 0, 0, kv_cmd_randomkey, NULL,
     "randomkey", KV_FOLD_RANDOM},
    {"rename", 3, W, 1, 2, 1, kv_cmd_rename, NULL, "rename", 0},
    {"renamenx", 3, W | F, 1, 2, 1, kv_cmd_renamenx, NULL, "renamenx", 0},
    {"reset", 1, KV_CMD_NOSCRIPT | L | S | F | KV_CMD_NO_AUTH, 0, 0, 0,
     kv_cmd_reset, NULL, "reset", 0},
    {"rpop", -2, W | F, 1, 1, 1, kv_cmd_rpop, NULL, "rpop", 0},
    {"rpoplpush", 3, W | M, 1, 2, 1, kv_cmd_rpoplpush, NULL, "rpoplpush",
     0},
    {"rpush", -3, W | M | F, 1, 1, 1, kv_cmd_rpush, NULL, "rpush", 0},
    {"rpushx", -3, W | M | F, 1, 1, 1, kv_cmd_rpushx, NULL, "rpushx", 0},
    {"sadd", -3, W | M | F, 1, 1, 1, kv_cmd_sadd, NULL, "sadd", 0},
    {"scan", -2, R, 0, 0, 0, kv_cmd_scan, NULL, "scan", KV_FOLD_SCAN},
    {"scard", 2, R | F, 1, 1, 1, kv_cmd_scard, NULL, "scard", 0},
    {"sdiff", -2, R, 1, -1, 1, kv_cmd_sdiff, NULL, "sdiff", 0},
    {"sdiffstore", -3, W | M, 1, -1, 1, kv_cmd_sdiffstore, NULL,
     "sdiffstore", 0},
    {"select", 2, L | S | F, 0, 0, 0, kv_cmd_select, NULL, "select", 0},
    {"set", -3, W | M, 1, 1, 1, kv_cmd_set, NULL, "set", 0},
    {"setex", 4, W | M, 1, 1, 1, kv_cmd_setex, NULL, "setex", 0},
    {"setnx", 3, W | M | F, 1, 1, 1, kv_cmd_setnx, NULL, "setnx", 0},
    {"setrange", 4, W | M, 1, 1, 1, kv_cmd_setrange, NULL, "setrange", 0},
    {"shutdown", -1, A | KV_CMD_NOSCRIPT | L | S, 0, 0, 0, kv_cmd_shutdown,
     NULL, "shutdown", 0},
    {"sinter", -2, R, 1, -1, 1, kv_cmd_sinter, NULL, "sinter", 0},
    {"sintercard", -3, R | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_sintercard,
     NULL, "sintercard", 0},
    {"sinterstore", -3, W | M, 1, -1, 1, kv_cmd_sinterstore, NULL,
     "sinterstore", 0},
    {"sismember", 3, R | F, 1, 1, 1, kv_cmd_sismember, NULL, "sismember", 0},
    {"smembers", 2, R, 1, 1, 1, kv_cmd_smembers, NULL, "smembers", 0},
    {"smismember", -3, R | F, 1, 1, 1, kv_cmd_smismember, NULL,
     "smismember", 0},
    {"smove", 4, W | F, 1, 2, 1, kv_cmd_smove, NULL, "smove", 0},
    {"sort", -2, W | M | KV_CMD_MOVABLEKEYS, 1, 1, 1, kv_cmd_sort, NULL,
     "sort", 0},
    {"sort_ro", -2, R | KV_CMD_MOVABLEKEYS, 1, 1, 1, kv_cmd_sort_ro, NULL,
     "sort_ro", 0},
    {"spop", -2, W | F, 1, 1, 1, kv_cmd_spop, NULL, "spop", 0},
    {"srandmember", -2, R, 1, 1, 1, kv_cmd_srandmember, NULL,
     "srandmember", 0},
    {"srem", -3, W | F, 1, 1, 1, kv_cmd_srem, NULL, "srem", 0},
    {"sscan", -3, R, 1, 1, 1, kv_cmd_sscan, NULL, "sscan", 0},
    {"strlen", 2, R | F, 1, 1, 1, kv_cmd_strlen, NULL, "strlen", 0},
    {"substr", 4, R, 1, 1, 1, kv_cmd_getrange, NULL, "substr", 0},
    {"sunion", -2, R, 1, -1, 1, kv_cmd_sunion, NULL, "sunion", 0},
    {"sunionstore", -3, W | M, 1, -1, 1, kv_cmd_sunionstore, NULL,
     "sunionstore", 0},
    {"swapdb", 3, W | F, 0, 0, 0, kv_cmd_swapdb, NULL,
     "swapdb", KV_FOLD_ALL_OK},
    {"time", 1, L | S | F, 0, 0, 0, kv_cmd_time, NULL, "time", 0},
    {"touch", -2, R | F, 1, -1, 1, kv_cmd_touch, NULL, "touch", KV_FOLD_SUM},
    {"ttl", 2, R | F, 1, 1, 1, kv_cmd_ttl, NULL, "ttl", 0},
    {"type", 2, R | F, 1, 1, 1, kv_cmd_type, NULL, "type", 0},
    {"unlink", -2, W | F, 1, -1, 1, kv_cmd_unlink, NULL, "unlink", KV_FOLD_SUM},
    {"zadd", -4, W | M | F, 1, 1, 1, kv_cmd_zadd, NULL, "zadd", 0},
    {"zcard", 2, R | F, 1, 1, 1, kv_cmd_zcard, NULL, "zcard", 0},
    {"zcount", 4, R | F, 1, 1, 1, kv_cmd_zcount, NULL, "zcount", 0},
    {"zdiff", -3, R | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_zdiff, NULL,
     "zdiff", 0},
    {"zdiffstore", -4, W | M | KV_CMD_MOVABLEKEYS, 1, 1, 1, kv_cmd_zdiffstore,
     NULL, "zdiffstore", 0},
    {"zincrby", 4, W | M | F, 1, 1, 1, kv_cmd_zincrby, NULL, "zincrby", 0},
    {"zinter", -3, R | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_zinter, NULL,
     "zinter", 0},
    {"zintercard", -3, R | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_zintercard,
     NULL, "zintercard", 0},
    {"zinterstore", -4, W | M | KV_CMD_MOVABLEKEYS, 1, 1, 1,
     kv_cmd_zinterstore, NULL, "zinterstore", 0},
    {"zlexcount", 4, R | F, 1, 1, 1, kv_cmd_zlexcount, NULL, "zlexcount", 0},
    {"zmpop", -4, W | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_zmpop, NULL,
     "zmpop", 0},
    {"zmscore", -3, R | F, 1, 1, 1, kv_cmd_zmscore, NULL, "zmscore", 0},
    {"zpopmax", -2, W | F, 1, 1, 1, kv_cmd_zpopmax, NULL, "zpopmax", 0},
    {"zpopmin", -2, W | F, 1, 1, 1, kv_cmd_zpopmin, NULL, "zpopmin", 0},
    {"zrandmember", -2, R, 1, 1, 1, kv_cmd_zrandmember, NULL,
     "zrandmember", 0},
    {"zrange", -4, R, 1, 1, 1, kv_cmd_zrange, NULL, "zrange", 0},
    {"zrangebylex", -4, R, 1, 1, 1, kv_cmd_zrangebylex, NULL,
     "zrangebylex", 0},
    {"zrangebyscore", -4, R, 1, 1, 1, kv_cmd_zrangebyscore, NULL,
     "zrangebyscore", 0},
    {"zrangestore", -5, W | M, 1, 2, 1, kv_cmd_zrangestore, NULL,
     "zrangestore", 0},
    {"zrank", 3, R | F, 1, 1, 1, kv_cmd_zrank, NULL, "zrank", 0},
    {"zrem", -3, W | F, 1, 1, 1, kv_cmd_zrem, NULL, "zrem", 0},
    {"zremrangebylex", 4, W, 1, 1, 1, kv_cmd_zremrangebylex, NULL,
     "zremrangebylex", 0},
    {"zremrangebyrank", 4, W, 1, 1, 1, kv_cmd_zremrangebyrank, NULL,
     "zremrangebyrank", 0},
    {"zremrangebyscore", 4, W, 1, 1, 1, kv_cmd_zremrangebyscore, NULL,
     "zremrangebyscore", 0},
    {"zrevrange", -4, R, 1, 1, 1, kv_cmd_zrevrange, NULL, "zrevrange", 0},
    {"zrevrangebylex", -4, R, 1, 1, 1, kv_cmd_zrevrangebylex, NULL,
     "zrevrangebylex", 0},
    {"zrevrangebyscore", -4, R, 1, 1, 1, kv_cmd_zrevrangebyscore, NULL,
     "zrevrangebyscore", 0},
    {"zrevrank", 3, R | F, 1, 1, 1, kv_cmd_zrevrank, NULL, "zrevrank", 0},
    {"zscan", -3, R, 1, 1, 1, kv_cmd_zscan, NULL, "zscan", 0},
    {"zscore", 3, R | F, 1, 1, 1, kv_cmd_zscore, NULL, "zscore", 0},
    {"zunion", -3, R | KV_CMD_MOVABLEKEYS, 0, 0, 0, kv_cmd_zunion, NULL,
     "zunion", 0},
    {"zunionstore", -4, W | M | KV_CMD_MOVABLEKEYS, 1, 1, 1,
     kv_cmd_zunionstore, NULL, "zunionstore", 0},
};

#undef W
#undef R
#undef M
#undef F
#undef A
#undef L
#undef S
#undef B
#undef N
/* clang-format on */

const size_t kv_ncommands = KV_ARRAY_LEN(kv_commands);

/* Compare a client-supplied name with a lower-case table name. */
static int kv_cmd_namecmp(const char *name, size_t len, const char *tname)
{
    size_t i;

    for (i = 0; i < len && tname[i] != '\0'; i++) {
        int a = tolower((unsigned char) name[i]);
        if (a != (unsigned char) tname[i]) {
            return a - (unsigned char) tname[i];
        }
    }
    if (i < len) {
        return 1;
    }
    return tname[i] == '\0' ? 0 : -1;
}

/*
 * The name index: every request looks its command up, so kv_commands[]
 * (sorted, for COMMAND and the tests) is indexed by an open-addressed hash
 * table of the case-folded names, built on the first lookup. Linear
 * probing at a load of at most a half: a lookup hashes the name once and
 * almost always compares it with one entry only, where bisecting the
 * table compared it with eight.
 *
 * Folding is ASCII's (the C locale's tolower()): only 'A'..'Z' change.
 * The hash folds with "| 0x20", which maps more bytes together, but two
 * names equal under tolower() always hash alike, and the final
 * comparison is exact.
 */
#define KV_CMD_INDEX_SLOTS 1024 /* a power of two, >= 2 * kv_ncommands */
#define KV_CMD_NAME_MAX 64      /* longer names are no command */

static uint16_t kv_cmd_index[KV_CMD_INDEX_SLOTS]; /* kv_commands[i]: i + 1 */
static uint8_t kv_cmd_namelen[KV_ARRAY_LEN(kv_commands)];
static int kv_cmd_index_built;

static inline uint32_t kv_cmd_name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (size_t i = 0; i < len; i++) {
        h = (h ^ ((unsigned char) name[i] | 0x20)) * 16777619u;
    }
    return h ^ (h >> 15);
}

static void kv_cmd_index_build(void)
{
    uint32_t mask = KV_CMD_INDEX_SLOTS - 1;

    /* The sizes are constants: a table that outgrows them is a bug that
     * no run may survive. */
    if (kv_ncommands * 2 > KV_CMD_INDEX_SLOTS) {
        kv_log(KV_LOG_EMERG, 0, "%zu commands: KV_CMD_INDEX_SLOTS is too small",
               kv_ncommands);
        abort();
    }
    for (size_t i = 0; i < kv_ncommands; i++) {
        size_t len = strlen(kv_commands[i].name);
        uint32_t h;

        if (len > KV_CMD_NAME_MAX) {
            kv_log(KV_LOG_EMERG, 0, "command name \"%s\" is too long",
                   kv_commands[i].name);
            abort();
        }
        kv_cmd_namelen[i] = (uint8_t) len;
        h = kv_cmd_name_hash(kv_commands[i].name, len) & mask;
        while (kv_cmd_index[h] != 0) {
            h = (h + 1) & mask;
        }
        kv_cmd_index[h] = (uint16_t) (i + 1);
    }
    kv_cmd_index_built = 1;
}

const kv_cmd_t *kv_cmd_lookup(const char *name, size_t len)
{
    uint32_t mask = KV_CMD_INDEX_SLOTS - 1, h;
    unsigned slot;

    if (KV_UNLIKELY(!kv_cmd_index_built)) {
        kv_cmd_index_build();
    }
    if (len == 0 || len > KV_CMD_NAME_MAX) {
        return NULL;
    }
    h = kv_cmd_name_hash(name, len) & mask;
    while ((slot = kv_cmd_index[h]) != 0) {
        const char *t = kv_commands[slot - 1].name;
        size_t i;

        if (kv_cmd_namelen[slot - 1] == len) {
            for (i = 0; i < len; i++) {
                unsigned char a = (unsigned char) name[i];
                if ((unsigned) (a - 'A') < 26u) {
                    a = (unsigned char) (a + ('a' - 'A'));
                }
                if (a != (unsigned char) t[i]) {
                    break;
                }
            }
            if (i == len) {
                return &kv_commands[slot - 1];
            }
        }
        h = (h + 1) & mask;
    }
    return NULL;
}

static const kv_cmd_t *kv_cmd_lookup_sub(const kv_cmd_t *base,
                                         const kv_str_t *arg)
{
    for (const kv_cmd_t *s = base->subcommands; s->name != NULL; s++) {
        if (kv_cmd_namecmp(arg->p, arg->len, s->name) == 0) {
            return s;
        }
    }
    return NULL;
}

int kv_arg_is(const kv_str_t *a, const char *s)
{
    return strlen(s) == a->len && strncasecmp(a->p, s, a->len) == 0;
}

/* printf's "%.*s" of an argument stops at a NUL byte, as Redis's does. */
int kv_arg_cstrlen(const kv_str_t *a, int max)
{
    const char *nul = memchr(a->p, '\0', a->len);
    size_t n = nul != NULL ? (size_t) (nul - a->p) : a->len;

    return n > (size_t) max ? max : (int) n;
}

static void kv_cmd_unknown(kv_client_t *c)
{
    char args[512];
    size_t n = 0;

    args[0] = '\0';
    for (int i = 1; i < c->argc && n < 128; i++) {
        int len = kv_arg_cstrlen(&c->argv[i], 128 - (int) n);
        n += (size_t) snprintf(args + n, sizeof(args) - n, "'%.*s' ", len,
                               c->argv[i].p);
    }
    kv_reply_errorf(c, "unknown command '%.*s', with args beginning with: %s",
                    kv_arg_cstrlen(&c->argv[0], 128), c->argv[0].p, args);
}

/* kv_cmd_resolve(), replying its errors or (reply 0) not. */
static const kv_cmd_t *kv_cmd_find(kv_client_t *c, int reply)
{
    const kv_cmd_t *cmd = kv_cmd_lookup(c->argv[0].p, c->argv[0].len);

    if (cmd == NULL) {
        if (reply) {
            kv_cmd_unknown(c);
        }
        return NULL;
    }
    if (cmd->subcommands != NULL && c->argc >= 2) {
        const kv_cmd_t *sub = kv_cmd_lookup_sub(cmd, &c->argv[1]);
        if (sub == NULL && !reply) {
            return NULL;
        }
        if (sub == NULL) {
            char upper[32];
            size_t i;
            for (i = 0; cmd->name[i] != '\0' && i < sizeof(upper) - 1; i++) {
                upper[i] = (char) toupper((unsigned char) cmd->name[i]);
            }
            upper[i] = '\0';
            kv_reply_errorf(c, "unknown subcommand '%.*s'. Try %s HELP.",
                            kv_arg_cstrlen(&c->argv[1], 128), c->argv[1].p,
                            upper);
            return NULL;
        }
        cmd = sub;
    }
    if ((cmd->arity > 0 && cmd->arity != c->argc) || (c->argc < -cmd->arity)) {
        if (reply) {
            kv_reply_errorf(c, "wrong number of arguments for '%s' command",
                            cmd->fullname);
        }
        return NULL;
    }
    if (cmd->proc == NULL) {
        /* A container called without a subcommand (OBJECT alone is
         * caught by its arity). */
        if (reply) {
            c->cmd = cmd;
            kv_reply_arity_error(c);
        }
        return NULL;
    }
    c->cmd = cmd;
    c->lastcmd = cmd->fullname;
    return cmd;
}

const kv_cmd_t *kv_cmd_resolve(kv_client_t *c)
{
    return kv_cmd_find(c, 1);
}

/*
 * A client's error answers in its turn like any reply: with replies of
 * earlier commands still outstanding at other shards, an error written at
 * once would overtake them. So a command that cannot run (unknown name,
 * wrong arity ...) and a protocol error are routed like a keyless
 * command: they run where the client is, after what it sent before. The
 * unresolved command's handler resolves the name again, this time
 * replying the error.
 */
static const char *kv_cmd_in_turn_error;

static void kv_cmd_unresolved(kv_client_t *c)
{
    (void) kv_cmd_find(c, 1);
}

static void kv_cmd_protocol_error(kv_client_t *c)
{
    kv_reply_error(c, kv_cmd_in_turn_error);
}

static const kv_cmd_t kv_cmd_unresolved_entry = {
    "@unresolved", 0, 0, 0, 0, 0, kv_cmd_unresolved, NULL, "@unresolved", 0
};
static const kv_cmd_t kv_cmd_protocol_error_entry = {
    "@protoerr", 0, 0, 0, 0, 0, kv_cmd_protocol_error, NULL, "@protoerr", 0
};

void kv_cmd_call(kv_client_t *c)
{
    const kv_cmd_t *cmd = kv_cmd_find(c, 0);

    kv_route_call(c, cmd != NULL ? cmd : &kv_cmd_unresolved_entry);
}

void kv_reply_error_in_turn(kv_client_t *c, const char *err)
{
    kv_cmd_in_turn_error = err;
    kv_route_call(c, &kv_cmd_protocol_error_entry);
    kv_cmd_in_turn_error = NULL;
}

/* Commands only workers send each other: not in kv_commands[], so no
 * client can name them. */
static const kv_cmd_t kv_internal_commands[] = {
    { "@randomkey", 1, 0, 0, 0, 0, kv_cmd_int_randomkey, NULL, "randomkey", 0 },
    { "@pause", 2, 0, 0, 0, 0, kv_cmd_int_pause, NULL, "@pause", 0 },
    { "@clientkill", -3, 0, 0, 0, 0, kv_cmd_int_clientkill, NULL, "client|kill",
      0 },
    { "@resume", 1, 0, 0, 0, 0, kv_cmd_int_resume, NULL, "@resume", 0 },
    { "@dump", 2, 0, 0, 0, 0, kv_cmd_int_dump, NULL, "@dump", 0 },
    { "@mdump", -2, 0, 0, 0, 0, kv_cmd_int_mdump, NULL, "@mdump", 0 },
    { "@restore", 5, KV_CMD_WRITE, 0, 0, 0, kv_cmd_int_restore, NULL,
      "@restore", 0 },
    { "@breg", -4, 0, 0, 0, 0, kv_cmd_int_breg, NULL, "@breg", 0 },
    { "@boffer", 3, 0, 0, 0, 0, kv_cmd_int_boffer, NULL, "@boffer", 0 },
    { "@bdone", 3, 0, 0, 0, 0, kv_cmd_int_bdone, NULL, "@bdone", 0 },
    { "@bunreg", 2, 0, 0, 0, 0, kv_cmd_int_bunreg, NULL, "@bunreg", 0 },
    { "@bserved", 5, 0, 0, 0, 0, kv_cmd_int_bserved, NULL, "@bserved", 0 },
    KV_CMD_END
};

const kv_cmd_t *kv_cmd_internal(const kv_str_t *a)
{
    for (const kv_cmd_t *k = kv_internal_commands; k->name != NULL; k++) {
        if (kv_arg_is(a, k->name)) {
            return k;
        }
    }
    return NULL;
}

void kv_cmd_run(kv_client_t *c)
{
    const kv_cmd_t *cmd;

    if (c->argc > 0 && c->argv[0].len > 0 && c->argv[0].p[0] == '@') {
        cmd = kv_cmd_internal(&c->argv[0]);
        if (cmd != NULL) {
            c->cmd = cmd;
            if ((cmd->arity > 0 && c->argc != cmd->arity) ||
                c->argc < -cmd->arity) {
                kv_reply_error(c, "internal error: bad arity");
                return;
            }
            cmd->proc(c);
            return;
        }
    }
    cmd = kv_cmd_resolve(c);
    if (cmd != NULL) {
        cmd->proc(c);
    }
}

int kv_get_ll_or_reply(kv_client_t *c, const kv_str_t *a, long long *v,
                       const char *msg)
{
    if (!kv_string2ll(a->p, a->len, v)) {
        kv_reply_error(c,
                       msg ? msg : "value is not an integer or out of range");
        return KV_ERROR;
    }
    return KV_OK;
}

int kv_get_long_or_reply(kv_client_t *c, const kv_str_t *a, long long *v,
                         const char *msg)
{
    return kv_get_ll_or_reply(c, a, v, msg);
}

int kv_get_int_or_reply(kv_client_t *c, const kv_str_t *a, long long *v,
                        const char *msg)
{
    if (kv_get_ll_or_reply(c, a, v, msg) != KV_OK) {
        return KV_ERROR;
    }
    if (*v < INT_MIN || *v > INT_MAX) {
        kv_reply_error(c, msg ? msg
                              : "value is out of range, value must between "
                                "-2147483648 and 2147483647");
        return KV_ERROR;
    }
    return KV_OK;
}

void kv_reply_wrongtype(kv_client_t *c)
{
    kv_reply_error(c, "-WRONGTYPE Operation against a key holding the "
                      "wrong kind of value");
}

void kv_reply_random_picks(kv_client_t *c, long long l, int with, void *all,
                           size_t n, size_t size, int reverse,
                           kv_pick_reply_pt reply)
{
    unsigned long long count =
        l >= 0 ? (unsigned long long) l : (unsigned long long) -l;
    char *a = all, tmp[64];
    int per = with ? 2 : 1;

    if (l < 0 || count == 1) {
        size_t mark = kv_reply_deferred_len(c);
        kv_reply_array(c, (long long) count * per);
        while (count-- > 0) {
            if ((count & 255) == 0 && kv_reply_too_large(c, mark)) {
                return;
            }
            reply(c, a + (kv_random64() % n) * size, with);
        }
        return;
    }
    if (count >= n) {
        kv_reply_array(c, (long long) n * per);
        for (size_t i = 0; i < n; i++) {
            reply(c, a + (reverse ? n - 1 - i : i) * size, with);
        }
        return;
    }
    kv_reply_array(c, (long long) count * per);
    for (size_t i = 0; i < count && size <= sizeof(tmp); i++) {
        size_t j = i + (size_t) (kv_random64() % (n - i));
        memcpy(tmp, a + i * size, size);
        memcpy(a + i * size, a + j * size, size);
        memcpy(a + j * size, tmp, size);
        reply(c, a + i * size, with);
    }
}

int kv_get_mpop_args_or_reply(kv_client_t *c, const char *w0, const char *w1,
                              long long *numkeys, int *where,
                              long long *count)
{
    int where_idx;

    if (!kv_string2ll(c->argv[1].p, c->argv[1].len, numkeys) ||
        *numkeys < 1) {
        kv_reply_error(c, "numkeys should be greater than 0");
        return KV_ERROR;
    }
    /* The direction must follow the keys (no overflow computing where). */
    if (*numkeys >= c->argc - 2) {
        kv_reply_error(c, "syntax error");
        return KV_ERROR;
    }
    where_idx = 2 + (int) *numkeys;
    if (kv_arg_is(&c->argv[where_idx], w0)) {
        *where = 0;
    } else if (kv_arg_is(&c->argv[where_idx], w1)) {
        *where = 1;
    } else {
        kv_reply_error(c, "syntax error");
        return KV_ERROR;
    }
    *count = -1;
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (*count == -1 && kv_arg_is(&c->argv[j], "count") &&
            j + 1 < c->argc) {
            j++;
            if (!kv_string2ll(c->argv[j].p, c->argv[j].len, count) ||
                *count < 1) {
                kv_reply_error(c, "count should be greater than 0");
                return KV_ERROR;
            }
        } else {
            kv_reply_error(c, "syntax error");
            return KV_ERROR;
        }
    }
    if (*count == -1) {
        *count = 1;
    }
    return KV_OK;
}

int kv_get_randcount_or_reply(kv_client_t *c, const char *word,
                              long long *count, int *with)
{
    long long l;

    if (kv_get_ll_or_reply(c, &c->argv[2], &l, NULL) != KV_OK) {
        return KV_ERROR;
    }
    if (l < -LLONG_MAX) {
        kv_reply_errorf(c,
                        "value is out of range, value must between %lld "
                        "and %lld",
                        -LLONG_MAX, LLONG_MAX);
        return KV_ERROR;
    }
    if (c->argc > 4 || (c->argc == 4 && !kv_arg_is(&c->argv[3], word))) {
        kv_reply_error(c, "syntax error");
        return KV_ERROR;
    }
    /* With values each pick is two elements: the count must double. */
    if (c->argc == 4 && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
        kv_reply_error(c, "value is out of range");
        return KV_ERROR;
    }
    *count = l;
    *with = c->argc == 4;
    return KV_OK;
}

void kv_reply_done(kv_client_t *c, int nx)
{
    if (nx) {
        kv_reply_int(c, 1);
    } else {
        kv_reply_ok(c);
    }
}

void kv_reply_oom(kv_client_t *c)
{
    kv_reply_error(c, "-OOM command not allowed when used memory > "
                      "'maxmemory'.");
}

void kv_reply_arity_error(kv_client_t *c)
{
    kv_reply_errorf(c, "wrong number of arguments for '%s' command",
                    c->cmd ? c->cmd->fullname : "?");
}

void kv_reply_expire_error(kv_client_t *c)
{
    kv_reply_errorf(c, "invalid expire time in '%s' command",
                    c->cmd ? c->cmd->fullname : "?");
}

unsigned long long kv_stat_dirty;

void kv_keyspace_changed(kv_client_t *c)
{
    kv_stat_dirty++;
}

void kv_reply_help(kv_client_t *c, const char *const *lines)
{
    char head[128], upper[32];
    const char *name = c->cmd != NULL ? c->cmd->fullname : "?";
    size_t i, n = 0;

    /* "object|help" -> "OBJECT" */
    for (i = 0; name[i] != '\0' && name[i] != '|' && i < sizeof(upper) - 1;
         i++) {
        upper[i] = (char) toupper((unsigned char) name[i]);
    }
    upper[i] = '\0';
    while (lines[n] != NULL) {
        n++;
    }
    kv_reply_array(c, (long long) n + 3); /* head, lines, HELP x2 */
    snprintf(
        head, sizeof(head),
        "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", upper);
    kv_reply_status(c, head);
    for (i = 0; i < n; i++) {
        kv_reply_status(c, lines[i]);
    }
    kv_reply_status(c, "HELP");
    kv_reply_status(c, "    Prints this help.");
}
