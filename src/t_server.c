/*
 * t_server.c: connection and server commands of this stage: PING, ECHO,
 * QUIT, COMMAND COUNT, INFO, SHUTDOWN.
 */
#include "cmd.h"

#include <sys/utsname.h>

#include "alloc.h"
#include "block.h"
#include "db.h"
#include "log.h"
#include "worker.h"

void kv_cmd_ping(kv_client_t *c)
{
    if (c->argc > 2) {
        kv_reply_errorf(c, "wrong number of arguments for '%s' command",
                        "ping");
        return;
    }
    if (c->argc == 1) {
        kv_reply_raw(c, "+PONG\r\n", 7);
    } else {
        kv_reply_bulk(c, c->argv[1].p, c->argv[1].len);
    }
}

void kv_cmd_echo(kv_client_t *c)
{
    kv_reply_bulk(c, c->argv[1].p, c->argv[1].len);
}

void kv_cmd_quit(kv_client_t *c)
{
    kv_reply_ok(c);
    c->flags |= KV_CLIENT_CLOSE_AFTER_REPLY;
}

typedef struct {
    char *p;
    size_t len, cap;
} kv_info_t;

static void kv_info_add(kv_info_t *info, const char *fmt, ...) KV_PRINTF(2, 3);

static void kv_info_add(kv_info_t *info, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (info->p == NULL) {
        return;
    }
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(info->p + info->len, info->cap - info->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            return;
        }
        if ((size_t) n < info->cap - info->len) {
            info->len += (size_t) n;
            return;
        }
        char *np = kv_realloc(info->p, info->cap * 2 + (size_t) n);
        if (np == NULL) {
            return;
        }
        info->p = np;
        info->cap = info->cap * 2 + (size_t) n;
    }
}

static void kv_info_server(kv_info_t *info)
{
    struct utsname un;
    int64_t uptime = (kv_mono_ms() - kv_worker.start_ms) / 1000;

    uname(&un);
    kv_info_add(info,
                "# Server\r\n"
                "redis_version:%s\r\n"
                "redis_git_sha1:00000000\r\n"
                "redis_git_dirty:0\r\n"
                "redis_build_id:0\r\n"
                "redis_mode:standalone\r\n"
                "kevyd_version:%s\r\n"
                "os:%s %s %s\r\n"
                "arch_bits:%d\r\n"
                "monotonic_clock:POSIX clock_gettime\r\n"
                "multiplexing_api:%s\r\n"
                "atomicvar_api:c11-builtin\r\n"
                "gcc_version:%d.%d.%d\r\n"
                "process_id:%d\r\n"
                "process_supervised:no\r\n"
                "run_id:%s\r\n"
                "tcp_port:%d\r\n"
                "server_time_usec:%lld\r\n"
                "uptime_in_seconds:%lld\r\n"
                "uptime_in_days:%lld\r\n"
                "hz:%d\r\n"
                "configured_hz:%d\r\n"
                "executable:%s\r\n"
                "config_file:%s\r\n"
                "io_threads_active:0\r\n"
                "master_pid:%d\r\n"
                "worker_id:%d\r\n"
                "worker_processes:%d\r\n",
                KV_REDIS_VERSION, KV_VERSION, un.sysname, un.release,
                un.machine, (int) (sizeof(long) * 8), kv_worker.loop.ops->name,
#ifdef __GNUC__
                __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
                0, 0, 0,
#endif
                (int) getpid(), kv_worker.run_id, kv_worker.conf.port,
                (long long) kv_wall_us(), (long long) uptime,
                (long long) (uptime / 86400), kv_worker.conf.hz,
                kv_worker.conf.hz, kv_worker.executable,
                kv_worker.conf.conf_file, (int) getppid(), kv_worker.slot,
                kv_worker.nslots);
}

static void kv_info_clients(kv_info_t *info)
{
    kv_info_add(info,
                "# Clients\r\n"
                "connected_clients:%u\r\n"
                "cluster_connections:0\r\n"
                "maxclients:%d\r\n"
                "client_recent_max_input_buffer:0\r\n"
                "client_recent_max_output_buffer:0\r\n"
                "blocked_clients:%lld\r\n"
                "tracking_clients:0\r\n"
                "clients_in_timeout_table:%lld\r\n",
                kv_worker.nclients, kv_worker.conf.maxclients,
                kv_block_count(0), kv_block_count(1));
}

static void kv_info_memory(kv_info_t *info)
{
    kv_info_add(info,
                "# Memory\r\n"
                "used_memory:%zu\r\n"
                "maxmemory:0\r\n"
                "maxmemory_policy:noeviction\r\n",
                kv_used_memory());
}

static void kv_info_stats(kv_info_t *info)
{
    kv_info_add(info,
                "# Stats\r\n"
                "total_connections_received:%llu\r\n"
                "total_commands_processed:%llu\r\n"
                "total_net_input_bytes:%llu\r\n"
                "total_net_output_bytes:%llu\r\n"
                "rejected_connections:%llu\r\n"
                "expired_keys:%llu\r\n"
                "evicted_keys:0\r\n"
                "keyspace_hits:%llu\r\n"
                "keyspace_misses:%llu\r\n"
                "total_reads_processed:%llu\r\n"
                "total_writes_processed:%llu\r\n",
                kv_worker.total_connections, kv_worker.total_commands,
                kv_worker.stat_net_input_bytes,
                kv_worker.stat_net_output_bytes,
                kv_worker.rejected_connections, kv_stat_expired_keys,
                kv_stat_keyspace_hits, kv_stat_keyspace_misses,
                kv_worker.stat_reads, kv_worker.stat_writes);
}

static void kv_info_keyspace(kv_info_t *info)
{
    kv_info_add(info, "# Keyspace\r\n");
    for (int i = 0; i < kv_db_count(); i++) {
        kv_db_t *db = kv_db_get(i);
        uint64_t keys = kv_dict_size(&db->dict);
        if (keys > 0) {
            kv_info_add(info, "db%d:keys=%llu,expires=%u,avg_ttl=%lld\r\n", i,
                        (unsigned long long) keys, db->nvol, db->avg_ttl);
        }
    }
}

typedef struct {
    const char *name;
    void (*fn)(kv_info_t *info);
    int in_default;
} kv_info_section_t;

static const kv_info_section_t kv_info_sections[] = {
    { "server", kv_info_server, 1 },     { "clients", kv_info_clients, 1 },
    { "memory", kv_info_memory, 1 },     { "stats", kv_info_stats, 1 },
    { "keyspace", kv_info_keyspace, 1 },
};

/*
 * INFO [section ...]: "default", "all" and "everything" name every
 * section kevyd has; unknown sections print nothing, as in Redis. With
 * several workers each one prints its own and the router adds them up.
 */
void kv_cmd_info(kv_client_t *c)
{
    kv_info_t info = { kv_malloc(1024), 0, 1024 };
    int want[KV_ARRAY_LEN(kv_info_sections)] = { 0 }, printed = 0;

    if (info.p == NULL) {
        kv_reply_oom(c);
        return;
    }
    for (size_t s = 0; s < KV_ARRAY_LEN(kv_info_sections); s++) {
        if (c->argc == 1) {
            want[s] = kv_info_sections[s].in_default;
        }
        for (int i = 1; i < c->argc; i++) {
            if (kv_arg_is(&c->argv[i], kv_info_sections[s].name) ||
                kv_arg_is(&c->argv[i], "default") ||
                kv_arg_is(&c->argv[i], "all") ||
                kv_arg_is(&c->argv[i], "everything")) {
                want[s] = 1;
            }
        }
    }
    for (size_t s = 0; s < KV_ARRAY_LEN(kv_info_sections); s++) {
        if (want[s]) {
            if (printed++) {
                kv_info_add(&info, "\r\n");
            }
            kv_info_sections[s].fn(&info);
        }
    }
    kv_reply_bulk(c, info.p, info.len);
    kv_free(info.p);
}

/* "@randomkey": [dbsize, RANDOMKEY] of this shard, for the router. */
void kv_cmd_int_randomkey(kv_client_t *c)
{
    kv_reply_array(c, 2);
    kv_reply_int(c, (long long) kv_dict_size(&c->db->dict));
    kv_cmd_randomkey(c);
}

/*
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: relayed to the master,
 * which stops every worker gracefully, exactly as on SIGTERM. There is
 * nothing to save in this version, so SAVE is refused rather than
 * pretending to have saved.
 */
void kv_cmd_shutdown(kv_client_t *c)
{
    int save = 0, abort_ = 0;

    for (int i = 1; i < c->argc; i++) {
        if (kv_arg_is(&c->argv[i], "nosave")) {
            continue;
        } else if (kv_arg_is(&c->argv[i], "save")) {
            save = 1;
        } else if (kv_arg_is(&c->argv[i], "now") ||
                   kv_arg_is(&c->argv[i], "force")) {
            continue;
        } else if (kv_arg_is(&c->argv[i], "abort")) {
            abort_ = 1;
        } else {
            kv_reply_error(c, "syntax error");
            return;
        }
    }
    if (abort_) {
        if (c->argc != 2) {
            kv_reply_error(c, "syntax error");
        } else {
            kv_reply_error(c, "No shutdown in progress.");
        }
        return;
    }
    if (save) {
        kv_log(KV_LOG_WARN, 0,
               "SHUTDOWN SAVE refused: this version has no "
               "persistence");
        kv_reply_error(c, "Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    kv_log(KV_LOG_NOTICE, 0, "SHUTDOWN requested by client %llu (%s)",
           (unsigned long long) c->id, c->addr);
    if (kv_worker_request_shutdown(0) != KV_OK) {
        kv_reply_error(c, "Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    /* Like Redis: no reply, the connection closes as the server stops. */
}

void kv_cmd_time(kv_client_t *c)
{
    int64_t us = kv_wall_us();
    char buf[32];
    size_t n;

    kv_reply_array(c, 2);
    n = kv_ll2str(buf, us / 1000000);
    kv_reply_bulk(c, buf, n);
    n = kv_ll2str(buf, us % 1000000);
    kv_reply_bulk(c, buf, n);
}
