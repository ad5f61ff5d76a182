/*
 * conf.h: kevy.conf, the settings table and the effective configuration.
 *
 * One table (kv_conf_settings[] in conf.c) names every setting: its type,
 * default, range, whether a reload may change it, and one line of doc.
 * Parsing, validation, "kevyd -T", CONFIG GET and the documentation checks
 * in t/unit/check_conf.c are all derived from it.
 *
 * kv_conf_t is plain old data (no pointers): the master copies it into the
 * shared-memory live-config block on reload and workers copy it out.
 *
 * Relative paths (dir, logfile, pidfile, unixsocket) are resolved against
 * the directory of the configuration file, so "kevyd -s stop -c FILE" finds
 * the same pid file from any working directory.
 */
#ifndef KV_CONF_H
#define KV_CONF_H

#include "kevyd.h"

#define KV_CONF_PATH_MAX 4096
#define KV_CONF_STR_MAX 512
#define KV_CONF_ERR_MAX 1024

typedef enum {
    KV_CT_INT,     /* integer literal, range checked */
    KV_CT_BOOL,    /* true/false, or the strings "yes"/"no" */
    KV_CT_SIZE,    /* "64mb", "1gb", "512k" or a plain integer (bytes) */
    KV_CT_STRING,  /* free text */
    KV_CT_PATH,    /* a file or directory name, resolved to absolute */
    KV_CT_ENUM,    /* one of a fixed set of words */
    KV_CT_WORKERS, /* a positive integer or "auto" */
    KV_CT_MODE     /* a file mode in octal digits: 770 or "0770" */
} kv_conf_type_t;

enum { KV_FSYNC_ALWAYS, KV_FSYNC_EVERYSEC, KV_FSYNC_NO };
enum { KV_BACKEND_AUTO, KV_BACKEND_IO_URING, KV_BACKEND_EPOLL };

typedef struct {
    /* network */
    int port;
    char bind[KV_CONF_STR_MAX];
    char unixsocket[KV_CONF_PATH_MAX];
    int unixsocketperm;
    int tcp_backlog;
    int maxclients;
    int timeout;
    int tcp_keepalive;
    /* limits of the protocol */
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    /* processes */
    int worker_processes;      /* resolved count, never 0 after load */
    int worker_processes_auto; /* 1 when the file said "auto" */
    char worker_cpu_affinity[KV_CONF_STR_MAX];
    int worker_spin; /* busy-wait briefly for work before sleeping */
    int shutdown_timeout;
    int io_backend;
    int hz;
    int databases;
    long long shard_ring_size;
    int daemonize;
    char pidfile[KV_CONF_PATH_MAX];
    /* logging */
    int loglevel; /* a KV_LOG_* level from log.h */
    char logfile[KV_CONF_PATH_MAX];
    /* persistence */
    char dir[KV_CONF_PATH_MAX];
    int appendonly;
    int appendfsync;
    /* encodings of small values */
    int hash_max_listpack_entries;
    int hash_max_listpack_value;
    int zset_max_listpack_entries;
    int zset_max_listpack_value;
    int list_max_listpack_size; /* fill of a list's nodes */
    int set_max_intset_entries;
    /* not settings: where this configuration came from */
    char conf_file[KV_CONF_PATH_MAX];
} kv_conf_t;

#define KV_CONF_RELOADABLE 0x1

typedef struct {
    const char *name;
    kv_conf_type_t type;
    size_t offset;            /* into kv_conf_t */
    size_t size;              /* of the field, for strings */
    const char *def;          /* the default, written as in the file */
    long long min, max;       /* for INT, SIZE, WORKERS */
    const char *const *words; /* for ENUM, NULL terminated */
    const int *values;        /* for ENUM, parallel to words */
    unsigned flags;
    const char *doc;
} kv_conf_setting_t;

extern const kv_conf_setting_t kv_conf_settings[];
extern const size_t kv_conf_nsettings;

/* Fill conf with every default. conf_file is left empty. */
void kv_conf_defaults(kv_conf_t *conf);

/*
 * Read and validate FILE into conf (defaults first, then the file).
 * On failure returns KV_ERROR and writes one line such as
 *   unknown setting "prot" in /etc/kevy.conf:12
 * into err (no trailing newline); conf is then unspecified.
 */
int kv_conf_load(kv_conf_t *conf, const char *file, char *err, size_t errlen);

/* Same, from a string (for tests); name is used in messages. */
int kv_conf_load_string(kv_conf_t *conf, const char *text, const char *name,
                        char *err, size_t errlen);

/* Parse a size with Redis's units (b k kb m mb g gb, case-insensitive). */
int kv_conf_parse_size(const char *s, long long *out);

/* Format setting s of conf as it would be written in kevy.conf. */
int kv_conf_format_value(const kv_conf_t *conf, const kv_conf_setting_t *s,
                         char *buf, size_t len);

/* Write every setting as "name = value;" lines (kevyd -T); re-readable. */
void kv_conf_dump(const kv_conf_t *conf, FILE *out);

const kv_conf_setting_t *kv_conf_find(const char *name);

/*
 * The first setting that differs between old and new and may not change
 * on reload, or NULL when new may be applied live.
 */
const kv_conf_setting_t *kv_conf_fixed_change(const kv_conf_t *old,
                                              const kv_conf_t *new_conf);

/* CPUs this process may use: sched_getaffinity and cgroup v2 cpu.max. */
int kv_conf_cpu_count(void);

/* ceil(quota/period) from a cgroup v2 cpu.max line; 0 for "max"; -1 bad. */
int kv_conf_parse_cpu_max(const char *line);

#endif /* KV_CONF_H */
