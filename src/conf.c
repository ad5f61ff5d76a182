/*
 * conf.c: the settings table, and reading kevy.conf through libconfig.
 *
 * libconfig 1.5 has two traps this file steps around:
 *  - an integer literal above INT_MAX written without the L suffix is
 *    silently truncated to 32 bits (4294967297 reads as 1). Every integer
 *    setting is therefore re-read from the source text of its line and
 *    compared with what libconfig returned.
 *  - config_lookup_int() on a 64-bit value "succeeds" with 0. We never use
 *    the lookup helpers: each setting's type is checked explicitly.
 */
#include "conf.h"

#include <ctype.h>
#include <libconfig.h>
#include <sched.h>

#include "log.h"
#include "proc.h"
#include "quicklist.h"

#define KV_OFF(field) offsetof(kv_conf_t, field)
#define KV_SZ(field) sizeof(((kv_conf_t *) 0)->field)

static const char *const kv_loglevel_words[] = { "debug",   "verbose", "notice",
                                                 "warning", "nothing", NULL };
static const int kv_loglevel_values[] = { KV_LOG_DEBUG, KV_LOG_INFO,
                                          KV_LOG_NOTICE, KV_LOG_WARN,
                                          KV_LOG_NOTHING };

static const char *const kv_fsync_words[] = { "always", "everysec", "no",
                                              NULL };
static const int kv_fsync_values[] = { KV_FSYNC_ALWAYS, KV_FSYNC_EVERYSEC,
                                       KV_FSYNC_NO };

static const char *const kv_backend_words[] = { "auto", "io_uring", "epoll",
                                                NULL };
static const int kv_backend_values[] = { KV_BACKEND_AUTO, KV_BACKEND_IO_URING,
                                         KV_BACKEND_EPOLL };

#define R KV_CONF_RELOADABLE

/* clang-format off */
const kv_conf_setting_t kv_conf_settings[] = {
    {"port", KV_CT_INT, KV_OFF(port), 0, "6379", 0, 65535,
     NULL, NULL, 0,
     "TCP port to listen on; 0 disables TCP (unixsocket is then required)"},
    {"bind", KV_CT_STRING, KV_OFF(bind), KV_SZ(bind), "127.0.0.1", 0, 0,
     NULL, NULL, 0,
     "space-separated IPv4/IPv6 addresses to listen on"},
    {"unixsocket", KV_CT_PATH, KV_OFF(unixsocket), KV_SZ(unixsocket), "",
     0, 0, NULL, NULL, 0,
     "path of a unix socket shared by all workers; empty: none"},
    {"unixsocketperm", KV_CT_MODE, KV_OFF(unixsocketperm), 0, "0", 0, 0777,
     NULL, NULL, 0,
     "octal permissions of the unix socket; 0 keeps the umask's"},
    {"tcp-backlog", KV_CT_INT, KV_OFF(tcp_backlog), 0, "511", 1, 65535,
     NULL, NULL, 0,
     "listen(2) backlog of each listening socket"},
    {"maxclients", KV_CT_INT, KV_OFF(maxclients), 0, "10000", 1, 1000000,
     NULL, NULL, R,
     "maximum number of connected clients, over all workers"},
    {"timeout", KV_CT_INT, KV_OFF(timeout), 0, "0", 0, INT_MAX,
     NULL, NULL, R,
     "close a client idle for this many seconds; 0 never"},
    {"tcp-keepalive", KV_CT_INT, KV_OFF(tcp_keepalive), 0, "300", 0,
     INT_MAX, NULL, NULL, R,
     "seconds between TCP keepalive probes to clients; 0 disables"},
    {"proto-max-bulk-len", KV_CT_SIZE, KV_OFF(proto_max_bulk_len), 0,
     "512mb", 1024 * 1024, LLONG_MAX, NULL, NULL, R,
     "largest bulk string a client may send"},
    {"client-query-buffer-limit", KV_CT_SIZE,
     KV_OFF(client_query_buffer_limit), 0, "1gb", 1024 * 1024,
     1024LL * 1024 * 1024 * 1024, NULL, NULL, R,
     "largest unparsed input a client may accumulate"},
    {"worker-processes", KV_CT_WORKERS, KV_OFF(worker_processes), 0,
     "auto", 1, KV_MAX_WORKERS, NULL, NULL, 0,
     "number of workers (shards), or \"auto\": one per usable CPU"},
    {"worker-cpu-affinity", KV_CT_STRING, KV_OFF(worker_cpu_affinity),
     KV_SZ(worker_cpu_affinity), "off", 0, 0, NULL, NULL, R,
     "\"off\", \"auto\" (worker N on the Nth usable CPU) or one bit mask a "
     "worker, e.g. \"01 10\""},
    {"worker-spin", KV_CT_BOOL, KV_OFF(worker_spin), 0, "true", 0, 0,
     NULL, NULL, R,
     "a worker that ran out of work busy-waits for more (at most 50 us, "
     "only while that pays and no CPU is contended) before it sleeps"},
    {"shutdown-timeout", KV_CT_INT, KV_OFF(shutdown_timeout), 0, "10", 1,
     3600, NULL, NULL, R,
     "seconds a graceful stop may take before workers are killed"},
    {"io-backend", KV_CT_ENUM, KV_OFF(io_backend), 0, "auto", 0, 0,
     kv_backend_words, kv_backend_values, 0,
     "event backend: \"auto\", \"io_uring\" or \"epoll\""},
    {"hz", KV_CT_INT, KV_OFF(hz), 0, "10", 1, 500, NULL, NULL, R,
     "frequency of each worker's background tasks (idle timeouts)"},
    {"databases", KV_CT_INT, KV_OFF(databases), 0, "16", 1, 1000000,
     NULL, NULL, 0,
     "number of databases (SELECT 0 .. databases-1), each on every shard"},
    {"shard-ring-size", KV_CT_SIZE, KV_OFF(shard_ring_size), 0, "256kb",
     64 * 1024, 64 * 1024 * 1024, NULL, NULL, 0,
     "bytes of each worker-to-worker ring (a power of two); bigger "
     "messages are split, a full ring queues locally"},
    {"daemonize", KV_CT_BOOL, KV_OFF(daemonize), 0, "false", 0, 0,
     NULL, NULL, 0,
     "detach from the terminal and run in the background"},
    {"pidfile", KV_CT_PATH, KV_OFF(pidfile), KV_SZ(pidfile),
     "/run/kevyd.pid", 0, 0, NULL, NULL, 0,
     "file holding the master's pid; used by kevyd -s"},
    {"loglevel", KV_CT_ENUM, KV_OFF(loglevel), 0, "notice", 0, 0,
     kv_loglevel_words, kv_loglevel_values, R,
     "\"debug\", \"verbose\", \"notice\", \"warning\" or \"nothing\""},
    {"logfile", KV_CT_PATH, KV_OFF(logfile), KV_SZ(logfile), "", 0, 0,
     NULL, NULL, R,
     "log file; empty: standard error (/dev/null when daemonized)"},
    {"dir", KV_CT_PATH, KV_OFF(dir), KV_SZ(dir), ".", 0, 0, NULL, NULL, 0,
     "working directory, where data files are kept (created if missing)"},
    {"appendonly", KV_CT_BOOL, KV_OFF(appendonly), 0, "false", 0, 0,
     NULL, NULL, 0,
     "keep an append-only file per shard (not available yet: must be "
     "false)"},
    {"appendfsync", KV_CT_ENUM, KV_OFF(appendfsync), 0, "everysec", 0, 0,
     kv_fsync_words, kv_fsync_values, R,
     "\"always\", \"everysec\" or \"no\""},
    {"hash-max-listpack-entries", KV_CT_INT,
     KV_OFF(hash_max_listpack_entries), 0, "512", 0, INT_MAX, NULL, NULL, R,
     "a hash keeps the compact listpack encoding up to this many fields"},
    {"hash-max-listpack-value", KV_CT_INT, KV_OFF(hash_max_listpack_value), 0,
     "64", 0, INT_MAX, NULL, NULL, R,
     "... and while every field and value is at most this many bytes"},
    {"zset-max-listpack-entries", KV_CT_INT,
     KV_OFF(zset_max_listpack_entries), 0, "128", 0, INT_MAX, NULL, NULL, R,
     "a sorted set keeps the listpack encoding up to this many members"},
    {"zset-max-listpack-value", KV_CT_INT, KV_OFF(zset_max_listpack_value), 0,
     "64", 0, INT_MAX, NULL, NULL, R,
     "... and while every member is at most this many bytes"},
    {"list-max-listpack-size", KV_CT_INT, KV_OFF(list_max_listpack_size), 0,
     "-2", KV_LIST_FILL_MIN, KV_LIST_FILL_MAX, NULL, NULL, R,
     "a list node holds at most this many elements (> 0), or 4, 8, 16, 32 "
     "or 64 KB (-1 .. -5)"},
    {"set-max-intset-entries", KV_CT_INT, KV_OFF(set_max_intset_entries), 0,
     "512", 0, INT_MAX, NULL, NULL, R,
     "a set of integers keeps the compact intset encoding up to this many "
     "members"},
};
/* clang-format on */

#undef R

const size_t kv_conf_nsettings = KV_ARRAY_LEN(kv_conf_settings);

/* The source text of a file, for literal checks. */
typedef struct {
    char *text;
    const char *name;
    const char *incdir; /* given to config_set_include_dir(), or NULL */
} kv_conf_src_t;

const kv_conf_setting_t *kv_conf_find(const char *name)
{
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        if (strcmp(kv_conf_settings[i].name, name) == 0) {
            return &kv_conf_settings[i];
        }
    }
    return NULL;
}

int kv_conf_parse_size(const char *s, long long *out)
{
    const char *p = s;
    long long mul = 1, v = 0;

    while (isspace((unsigned char) *p)) {
        p++;
    }
    if (!isdigit((unsigned char) *p)) {
        return KV_ERROR;
    }
    while (isdigit((unsigned char) *p)) {
        if (v > (LLONG_MAX - (*p - '0')) / 10) {
            return KV_ERROR;
        }
        v = v * 10 + (*p - '0');
        p++;
    }
    if (*p != '\0') {
        if (strcasecmp(p, "b") == 0) {
            mul = 1;
        } else if (strcasecmp(p, "k") == 0) {
            mul = 1000;
        } else if (strcasecmp(p, "kb") == 0) {
            mul = 1024;
        } else if (strcasecmp(p, "m") == 0) {
            mul = 1000 * 1000;
        } else if (strcasecmp(p, "mb") == 0) {
            mul = 1024 * 1024;
        } else if (strcasecmp(p, "g") == 0) {
            mul = 1000LL * 1000 * 1000;
        } else if (strcasecmp(p, "gb") == 0) {
            mul = 1024LL * 1024 * 1024;
        } else {
            return KV_ERROR;
        }
    }
    if (v > LLONG_MAX / mul) {
        return KV_ERROR;
    }
    *out = v * mul;
    return KV_OK;
}

/* Render a size in the largest exact unit, so -T output reads like input. */
static void kv_conf_format_size(long long v, char *buf, size_t len)
{
    static const struct {
        const char *unit;
        long long mul;
    } units[] = { { "gb", 1024LL * 1024 * 1024 },
                  { "mb", 1024 * 1024 },
                  { "kb", 1024 } };

    for (size_t i = 0; i < KV_ARRAY_LEN(units); i++) {
        if (v != 0 && v % units[i].mul == 0) {
            snprintf(buf, len, "\"%lld%s\"", v / units[i].mul, units[i].unit);
            return;
        }
    }
    snprintf(buf, len, "\"%lld\"", v);
}

/* Skip white space and comments; libconfig allows both between tokens. */
static const char *kv_conf_skip(const char *p)
{
    for (;;) {
        while (isspace((unsigned char) *p)) {
            p++;
        }
        if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e != NULL ? e + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

/*
 * Find the top-level setting "name =" (or "name :") in the source text and
 * parse the integer literal after it as 64 bits, as libconfig's scanner
 * does: decimal (a leading zero is still decimal) or 0x hexadecimal.
 * Strings, comments and groups are skipped on the way, so neither a string
 * nor a comment that says "port = 1" is taken for the setting, and comments
 * or line breaks between the name, the "=" and the digits do not hide them.
 * libconfig has accepted the text and refuses duplicate names, so the first
 * top-level match is the setting.
 */
static int kv_conf_literal(const char *text, const char *name, long long *out)
{
    const char *p = text;
    size_t nlen = strlen(name);
    int depth = 0;

    while (*(p = kv_conf_skip(p)) != '\0') {
        if (*p == '"') {
            for (p++; *p != '\0' && *p != '"'; p++) {
                if (*p == '\\' && p[1] != '\0') {
                    p++;
                }
            }
            p += *p == '"';
        } else if (*p == '{' || *p == '[' || *p == '(') {
            depth++;
            p++;
        } else if (*p == '}' || *p == ']' || *p == ')') {
            depth--;
            p++;
        } else if (isalpha((unsigned char) *p) || *p == '*') {
            const char *w = p;
            while (isalnum((unsigned char) *p) || *p == '-' || *p == '_' ||
                   *p == '*') {
                p++;
            }
            if (depth == 0 && (size_t) (p - w) == nlen &&
                memcmp(w, name, nlen) == 0) {
                const char *q = kv_conf_skip(p);
                if (*q == '=' || *q == ':') {
                    const char *v = kv_conf_skip(q + 1);
                    const char *d = v + (*v == '-' || *v == '+');
                    int base =
                        d[0] == '0' && (d[1] == 'x' || d[1] == 'X') ? 16 : 10;
                    char *end;
                    long long n;

                    errno = 0;
                    n = strtoll(v, &end, base);
                    if (end == v || errno == ERANGE) {
                        return KV_ERROR;
                    }
                    *out = n;
                    return KV_OK;
                }
            }
        } else {
            p++;
        }
    }
    return KV_ERROR;
}

static char *kv_conf_slurp(const char *file);
static int kv_conf_errf(char *err, size_t errlen, const char *file, int line,
                        const char *fmt, ...) KV_PRINTF(5, 6);

static int kv_conf_errf(char *err, size_t errlen, const char *file, int line,
                        const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    n = strlen(err);
    if (file != NULL && n < errlen) {
        if (line > 0) {
            snprintf(err + n, errlen - n, " in %s:%d", file, line);
        } else {
            snprintf(err + n, errlen - n, " in %s", file);
        }
    }
    return KV_ERROR;
}

/* Join dir and a relative path; absolute paths and "" are kept. */
static int kv_conf_resolve(char *path, size_t size, const char *base)
{
    char tmp[KV_CONF_PATH_MAX];

    if (path[0] == '\0' || path[0] == '/' || base == NULL) {
        return KV_OK;
    }
    if ((size_t) snprintf(tmp, sizeof(tmp), "%s/%s", base, path) >=
        sizeof(tmp)) {
        return KV_ERROR;
    }
    if (strlen(tmp) >= size) {
        return KV_ERROR;
    }
    strcpy(path, tmp);
    return KV_OK;
}

/*
 * Store the textual form of a value (a default, or a string from the file)
 * into conf. Integers given as libconfig integers go through
 * kv_conf_set_int() instead.
 */
static int kv_conf_set_int(kv_conf_t *conf, const kv_conf_setting_t *s,
                           long long v, char *err, size_t errlen)
{
    if (v < s->min || v > s->max) {
        if (s->type == KV_CT_MODE) {
            snprintf(err, errlen, "\"%s\" must be an octal mode up to 0777",
                     s->name);
        } else {
            snprintf(err, errlen, "\"%s\" must be between %lld and %lld",
                     s->name, s->min, s->max);
        }
        return KV_ERROR;
    }
    if (s->type == KV_CT_SIZE) {
        *(long long *) ((char *) conf + s->offset) = v;
    } else {
        *(int *) ((char *) conf + s->offset) = (int) v;
    }
    return KV_OK;
}

static int kv_conf_set_text(kv_conf_t *conf, const kv_conf_setting_t *s,
                            const char *text, char *err, size_t errlen)
{
    char *field = (char *) conf + s->offset;
    long long v;
    char *end;

    switch (s->type) {
    case KV_CT_INT:
        errno = 0;
        v = strtoll(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE) {
            snprintf(err, errlen, "\"%s\" must be an integer", s->name);
            return KV_ERROR;
        }
        return kv_conf_set_int(conf, s, v, err, errlen);

    case KV_CT_MODE:
        errno = 0;
        v = strtoll(text, &end, 8);
        if (end == text || *end != '\0' || errno == ERANGE) {
            snprintf(err, errlen, "\"%s\" must be an octal mode such as 770",
                     s->name);
            return KV_ERROR;
        }
        return kv_conf_set_int(conf, s, v, err, errlen);

    case KV_CT_SIZE:
        if (kv_conf_parse_size(text, &v) != KV_OK) {
            snprintf(err, errlen,
                     "\"%s\" must be a size such as \"64mb\" (units: b k "
                     "kb m mb g gb)",
                     s->name);
            return KV_ERROR;
        }
        return kv_conf_set_int(conf, s, v, err, errlen);

    case KV_CT_BOOL:
        if (strcasecmp(text, "yes") == 0 || strcasecmp(text, "true") == 0) {
            *(int *) field = 1;
        } else if (strcasecmp(text, "no") == 0 ||
                   strcasecmp(text, "false") == 0) {
            *(int *) field = 0;
        } else {
            snprintf(err, errlen, "\"%s\" must be true or false", s->name);
            return KV_ERROR;
        }
        return KV_OK;

    case KV_CT_WORKERS:
        if (strcmp(text, "auto") == 0) {
            conf->worker_processes_auto = 1;
            conf->worker_processes = 0;
            return KV_OK;
        }
        errno = 0;
        v = strtoll(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE) {
            snprintf(err, errlen, "\"%s\" must be a number or \"auto\"",
                     s->name);
            return KV_ERROR;
        }
        conf->worker_processes_auto = 0;
        return kv_conf_set_int(conf, s, v, err, errlen);

    case KV_CT_ENUM:
        for (size_t i = 0; s->words[i] != NULL; i++) {
            if (strcmp(text, s->words[i]) == 0) {
                *(int *) field = s->values[i];
                return KV_OK;
            }
        }
        {
            size_t n = (size_t) snprintf(err, errlen, "\"%s\" must be one of",
                                         s->name);
            for (size_t i = 0; s->words[i] != NULL && n < errlen; i++) {
                n += (size_t) snprintf(err + n, errlen - n, "%s \"%s\"",
                                       i ? "," : "", s->words[i]);
            }
        }
        return KV_ERROR;

    case KV_CT_STRING:
    case KV_CT_PATH:
        if (strlen(text) >= s->size) {
            snprintf(err, errlen, "\"%s\" is too long (at most %zu bytes)",
                     s->name, s->size - 1);
            return KV_ERROR;
        }
        strcpy(field, text);
        return KV_OK;
    }
    return KV_ERROR;
}

void kv_conf_defaults(kv_conf_t *conf)
{
    char err[KV_CONF_ERR_MAX];

    memset(conf, 0, sizeof(*conf));
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        /* The table's defaults are valid by construction (unit-tested). */
        (void) kv_conf_set_text(conf, &kv_conf_settings[i],
                                kv_conf_settings[i].def, err, sizeof(err));
    }
}

static int kv_conf_apply(kv_conf_t *conf, config_setting_t *cs,
                         const kv_conf_setting_t *s, const kv_conf_src_t *src,
                         char *err, size_t errlen)
{
    const char *file = config_setting_source_file(cs);
    int line = config_setting_source_line(cs);
    char msg[KV_CONF_ERR_MAX];
    int type = config_setting_type(cs);
    long long v, lit;

    if (file == NULL) {
        file = src->name;
    }

    if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
        if (s->type != KV_CT_INT && s->type != KV_CT_SIZE &&
            s->type != KV_CT_WORKERS && s->type != KV_CT_MODE) {
            return kv_conf_errf(
                err, errlen, file, line, "\"%s\" must be %s", s->name,
                s->type == KV_CT_BOOL ? "true or false"
                                      : "a string in double quotes");
        }
        v = config_setting_get_int64(cs);
        /* The truncation trap: trust the source text, not libconfig. A
         * setting from an @include file is checked against that file,
         * which libconfig names as written after @include and opens
         * relative to the include directory. */
        char *owned = NULL;
        const char *text = src->text;
        if (strcmp(file, src->name) != 0) {
            char path[KV_CONF_PATH_MAX];
            if (src->incdir != NULL) {
                snprintf(path, sizeof(path), "%s/%s", src->incdir, file);
            } else {
                snprintf(path, sizeof(path), "%s", file);
            }
            text = owned = kv_conf_slurp(path);
            if (text == NULL) {
                return kv_conf_errf(err, errlen, file, line,
                                    "cannot re-read \"%s\" (%d: %s)", path,
                                    errno, strerror(errno));
            }
        }
        int bad = kv_conf_literal(text, s->name, &lit) == KV_OK && lit != v;
        free(owned);
        if (bad) {
            return kv_conf_errf(err, errlen, file, line,
                                "\"%s\" is out of range", s->name);
        }
        if (s->type == KV_CT_MODE) {
            /* Written as 770: read the decimal digits as octal digits. */
            char digits[32];
            snprintf(digits, sizeof(digits), "%lld", v);
            if (kv_conf_set_text(conf, s, digits, msg, sizeof(msg)) != KV_OK) {
                return kv_conf_errf(err, errlen, file, line, "%s", msg);
            }
            return KV_OK;
        }
        if (s->type == KV_CT_WORKERS) {
            conf->worker_processes_auto = 0;
        }
        if (kv_conf_set_int(conf, s, v, msg, sizeof(msg)) != KV_OK) {
            return kv_conf_errf(err, errlen, file, line, "%s", msg);
        }
        return KV_OK;
    }

    if (type == CONFIG_TYPE_BOOL) {
        if (s->type != KV_CT_BOOL) {
            return kv_conf_errf(err, errlen, file, line,
                                "\"%s\" must not be a boolean", s->name);
        }
        *(int *) ((char *) conf + s->offset) = config_setting_get_bool(cs);
        return KV_OK;
    }

    if (type == CONFIG_TYPE_STRING) {
        if (s->type == KV_CT_INT) {
            return kv_conf_errf(err, errlen, file, line,
                                "\"%s\" must be an integer (without quotes)",
                                s->name);
        }
        if (kv_conf_set_text(conf, s, config_setting_get_string(cs), msg,
                             sizeof(msg)) != KV_OK) {
            return kv_conf_errf(err, errlen, file, line, "%s", msg);
        }
        return KV_OK;
    }

    return kv_conf_errf(err, errlen, file, line,
                        "\"%s\" must be a single value, not %s", s->name,
                        type == CONFIG_TYPE_FLOAT ? "a float"
                                                  : "a group, array or list");
}

/* Where each setting was written: for messages about its final value. */
typedef struct {
    const char *file;
    int line;
} kv_conf_where_t;

static int kv_conf_errw(char *err, size_t errlen, const char *file,
                        const kv_conf_where_t *where, const char *name,
                        const char *msg)
{
    const kv_conf_setting_t *s = kv_conf_find(name);
    const kv_conf_where_t *w = &where[s - kv_conf_settings];

    if (w->line > 0) {
        return kv_conf_errf(err, errlen, w->file, w->line, "%s", msg);
    }
    return kv_conf_errf(err, errlen, file, 0, "%s", msg);
}

/* Checks that involve several settings or the machine. */
static int kv_conf_finish(kv_conf_t *conf, const char *file,
                          const kv_conf_where_t *where, char *err,
                          size_t errlen)
{
    char base[KV_CONF_PATH_MAX];
    const char *slash;
    static const struct {
        size_t offset, size;
        const char *name;
    } paths[] = {
        { KV_OFF(unixsocket), KV_SZ(unixsocket), "unixsocket" },
        { KV_OFF(pidfile), KV_SZ(pidfile), "pidfile" },
        { KV_OFF(logfile), KV_SZ(logfile), "logfile" },
        { KV_OFF(dir), KV_SZ(dir), "dir" },
    };

    if (conf->port == 0 && conf->unixsocket[0] == '\0') {
        return kv_conf_errw(err, errlen, file, where, "port",
                            "\"port\" is 0 and no \"unixsocket\" is set: "
                            "nothing to listen on");
    }
    if (conf->port != 0 && conf->bind[0] == '\0') {
        return kv_conf_errw(err, errlen, file, where, "bind",
                            "\"bind\" is empty: name at least one address");
    }
    if (conf->appendonly) {
        return kv_conf_errw(err, errlen, file, where, "appendonly",
                            "\"appendonly\" is not available in this "
                            "version of kevyd: set it to false");
    }
#if !KV_HAVE_LIBURING
    if (conf->io_backend == KV_BACKEND_IO_URING) {
        return kv_conf_errw(err, errlen, file, where, "io-backend",
                            "\"io-backend\" \"io_uring\" is not available: "
                            "kevyd was built without liburing "
                            "(--with-epoll-only)");
    }
#endif
    if (conf->shard_ring_size & (conf->shard_ring_size - 1)) {
        return kv_conf_errw(err, errlen, file, where, "shard-ring-size",
                            "\"shard-ring-size\" must be a power of two, "
                            "such as \"256kb\" or \"1mb\"");
    }
    if (!kv_proc_affinity_valid(conf->worker_cpu_affinity)) {
        return kv_conf_errw(err, errlen, file, where, "worker-cpu-affinity",
                            "\"worker-cpu-affinity\" must be \"off\", "
                            "\"auto\" or bit masks such as \"01 10\"");
    }
    if (conf->worker_processes_auto) {
        conf->worker_processes = kv_conf_cpu_count();
        if (conf->worker_processes > KV_MAX_WORKERS) {
            conf->worker_processes = KV_MAX_WORKERS;
        }
    }

    /* Relative paths are relative to the configuration file's directory. */
    base[0] = '\0';
    if (file != NULL) {
        slash = strrchr(file, '/');
        if (slash == NULL) {
            if (getcwd(base, sizeof(base)) == NULL) {
                strcpy(base, ".");
            }
        } else if ((size_t) (slash - file) < sizeof(base)) {
            memcpy(base, file, (size_t) (slash - file));
            base[slash - file] = '\0';
            if (base[0] != '/') {
                char cwd[KV_CONF_PATH_MAX], tmp[KV_CONF_PATH_MAX];
                if (getcwd(cwd, sizeof(cwd)) != NULL &&
                    (size_t) snprintf(tmp, sizeof(tmp), "%s/%s", cwd, base) <
                        sizeof(tmp)) {
                    strcpy(base, tmp);
                }
            }
        }
    }
    for (size_t i = 0; i < KV_ARRAY_LEN(paths); i++) {
        if (kv_conf_resolve((char *) conf + paths[i].offset, paths[i].size,
                            base[0] ? base : NULL) != KV_OK) {
            return kv_conf_errf(err, errlen, file, 0,
                                "\"%s\" is too long once made absolute",
                                paths[i].name);
        }
    }
    if (file != NULL) {
        if (file[0] == '/' || base[0] == '\0') {
            snprintf(conf->conf_file, sizeof(conf->conf_file), "%s", file);
        } else {
            const char *bn = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
            if ((size_t) snprintf(conf->conf_file, sizeof(conf->conf_file),
                                  "%s/%s", base,
                                  bn) >= sizeof(conf->conf_file)) {
                return kv_conf_errf(err, errlen, file, 0,
                                    "the file name is too long");
            }
        }
    }
    return KV_OK;
}

static int kv_conf_walk(kv_conf_t *conf, config_t *cf, const char *name,
                        const kv_conf_src_t *src, kv_conf_where_t *where,
                        char *err, size_t errlen)
{
    config_setting_t *root = config_root_setting(cf);
    int n = config_setting_length(root);

    for (int i = 0; i < n; i++) {
        config_setting_t *cs = config_setting_get_elem(root, (unsigned) i);
        const char *sname = config_setting_name(cs);
        const char *file = config_setting_source_file(cs);
        const kv_conf_setting_t *s = kv_conf_find(sname);

        if (s == NULL) {
            return kv_conf_errf(err, errlen, file ? file : name,
                                config_setting_source_line(cs),
                                "unknown setting \"%s\"", sname);
        }
        if (kv_conf_apply(conf, cs, s, src, err, errlen) != KV_OK) {
            return KV_ERROR;
        }
        where[s - kv_conf_settings].file = file ? file : name;
        where[s - kv_conf_settings].line = config_setting_source_line(cs);
    }
    return KV_OK;
}

static int kv_conf_parse(kv_conf_t *conf, config_t *cf, int ok,
                         const char *name, kv_conf_src_t *src, char *err,
                         size_t errlen)
{
    int rc;

    kv_conf_defaults(conf);
    if (!ok) {
        const char *efile = config_error_file(cf);
        int eline = config_error_line(cf);
        const char *etext = config_error_text(cf);

        if (config_error_type(cf) == CONFIG_ERR_FILE_IO && eline == 0) {
            rc = kv_conf_errf(err, errlen, NULL, 0,
                              "open() \"%s\" failed "
                              "(%d: %s)",
                              name, errno, strerror(errno));
        } else {
            rc = kv_conf_errf(err, errlen, efile ? efile : name, eline, "%s",
                              etext ? etext : "syntax error");
        }
        config_destroy(cf);
        return rc;
    }
    kv_conf_where_t where[KV_ARRAY_LEN(kv_conf_settings)];
    memset(where, 0, sizeof(where));
    rc = kv_conf_walk(conf, cf, name, src, where, err, errlen);
    if (rc == KV_OK) {
        rc = kv_conf_finish(conf, name, where, err, errlen);
    }
    config_destroy(cf);
    return rc;
}

static char *kv_conf_slurp(const char *file)
{
    FILE *f = fopen(file, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL) {
        return NULL;
    }
    do {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap + 65536);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap += 65536;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        /* A directory opens fine and fails here with EISDIR. */
        int e = errno;
        free(buf);
        fclose(f);
        errno = e;
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

int kv_conf_load(kv_conf_t *conf, const char *file, char *err, size_t errlen)
{
    config_t cf;
    kv_conf_src_t src = { kv_conf_slurp(file), file, NULL };
    char dir[KV_CONF_PATH_MAX];
    int ok, rc;

    if (src.text == NULL) {
        return kv_conf_errf(err, errlen, NULL, 0,
                            "open() \"%s\" failed (%d: %s)", file, errno,
                            strerror(errno));
    }
    config_init(&cf);
    {
        /* @include paths are relative to this file's directory. */
        const char *slash = strrchr(file, '/');
        if (slash != NULL && (size_t) (slash - file) < sizeof(dir)) {
            memcpy(dir, file, (size_t) (slash - file));
            dir[slash - file] = '\0';
            src.incdir = dir[0] ? dir : "/";
            config_set_include_dir(&cf, src.incdir);
        }
    }
    ok = config_read_file(&cf, file);
    rc = kv_conf_parse(conf, &cf, ok, file, &src, err, errlen);
    free(src.text);
    return rc;
}

int kv_conf_load_string(kv_conf_t *conf, const char *text, const char *name,
                        char *err, size_t errlen)
{
    config_t cf;
    kv_conf_src_t src;
    int ok, rc;

    src.text = strdup(text);
    src.name = name;
    src.incdir = NULL;
    if (src.text == NULL) {
        return kv_conf_errf(err, errlen, NULL, 0, "out of memory");
    }
    config_init(&cf);
    ok = config_read_string(&cf, text);
    rc = kv_conf_parse(conf, &cf, ok, name, &src, err, errlen);
    free(src.text);
    return rc;
}

int kv_conf_format_value(const kv_conf_t *conf, const kv_conf_setting_t *s,
                         char *buf, size_t len)
{
    const char *field = (const char *) conf + s->offset;
    int v = 0;

    if (s->type != KV_CT_SIZE && s->type != KV_CT_STRING &&
        s->type != KV_CT_PATH) {
        v = *(const int *) field;
    }
    switch (s->type) {
    case KV_CT_INT:
        snprintf(buf, len, "%d", v);
        break;
    case KV_CT_MODE:
        snprintf(buf, len, "\"%04o\"", (unsigned) v);
        break;
    case KV_CT_BOOL:
        snprintf(buf, len, "%s", v ? "true" : "false");
        break;
    case KV_CT_SIZE:
        kv_conf_format_size(*(const long long *) field, buf, len);
        break;
    case KV_CT_WORKERS:
        if (conf->worker_processes_auto) {
            snprintf(buf, len, "\"auto\"");
        } else {
            snprintf(buf, len, "%d", v);
        }
        break;
    case KV_CT_ENUM:
        snprintf(buf, len, "\"?\"");
        for (size_t i = 0; s->words[i] != NULL; i++) {
            if (s->values[i] == v) {
                snprintf(buf, len, "\"%s\"", s->words[i]);
                break;
            }
        }
        break;
    case KV_CT_STRING:
    case KV_CT_PATH: {
        /* libconfig strings: escape backslash and double quote. */
        size_t n = 0;
        if (len < 3) {
            return KV_ERROR;
        }
        buf[n++] = '"';
        for (const char *p = field; *p && n + 3 < len; p++) {
            if (*p == '"' || *p == '\\') {
                buf[n++] = '\\';
            }
            buf[n++] = *p;
        }
        buf[n++] = '"';
        buf[n] = '\0';
        break;
    }
    }
    return KV_OK;
}

void kv_conf_dump(const kv_conf_t *conf, FILE *out)
{
    char val[KV_CONF_PATH_MAX + 8];

    fprintf(out, "# configuration file %s:\n", conf->conf_file);
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];
        kv_conf_format_value(conf, s, val, sizeof(val));
        fprintf(out, "%s = %s;", s->name, val);
        if (s->type == KV_CT_WORKERS && conf->worker_processes_auto) {
            fprintf(out, " # %d", conf->worker_processes);
        }
        fputc('\n', out);
    }
}

const kv_conf_setting_t *kv_conf_fixed_change(const kv_conf_t *old,
                                              const kv_conf_t *new_conf)
{
    for (size_t i = 0; i < kv_conf_nsettings; i++) {
        const kv_conf_setting_t *s = &kv_conf_settings[i];
        const char *a = (const char *) old + s->offset;
        const char *b = (const char *) new_conf + s->offset;
        int same;

        if (s->flags & KV_CONF_RELOADABLE) {
            continue;
        }
        switch (s->type) {
        case KV_CT_STRING:
        case KV_CT_PATH:
            same = strcmp(a, b) == 0;
            break;
        case KV_CT_SIZE:
            same = *(const long long *) a == *(const long long *) b;
            break;
        case KV_CT_WORKERS:
            /* "auto" resolved to the same count is not a change. */
            same = *(const int *) a == *(const int *) b;
            break;
        default:
            same = *(const int *) a == *(const int *) b;
            break;
        }
        if (!same) {
            return s;
        }
    }
    return NULL;
}

int kv_conf_parse_cpu_max(const char *line)
{
    long long quota, period;
    char word[32];

    if (sscanf(line, "%31s %lld", word, &period) != 2 || period <= 0) {
        return -1;
    }
    if (strcmp(word, "max") == 0) {
        return 0;
    }
    if (sscanf(word, "%lld", &quota) != 1 || quota <= 0) {
        return -1;
    }
    /* ceil(quota / period) without overflowing quota + period; a quota
     * beyond INT_MAX CPUs saturates rather than wraps. */
    quota = quota / period + (quota % period != 0);
    return quota > INT_MAX ? INT_MAX : (int) quota;
}

/*
 * The tightest cpu.max on the way from our cgroup up to the root of the
 * unified hierarchy; 0 when no limit is set.
 */
static int kv_conf_cgroup_cpus(void)
{
    char line[KV_CONF_PATH_MAX], path[KV_CONF_PATH_MAX + 64];
    char *rel = NULL;
    int best = 0;
    FILE *f = fopen("/proc/self/cgroup", "r");

    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "0::", 3) == 0) {
            rel = line + 3;
            rel[strcspn(rel, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
    if (rel == NULL) {
        return 0;
    }
    for (;;) {
        char buf[128];
        snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max",
                 strcmp(rel, "/") == 0 ? "" : rel);
        f = fopen(path, "r");
        if (f != NULL) {
            if (fgets(buf, sizeof(buf), f) != NULL) {
                int n = kv_conf_parse_cpu_max(buf);
                if (n > 0 && (best == 0 || n < best)) {
                    best = n;
                }
            }
            fclose(f);
        }
        char *slash = strrchr(rel, '/');
        if (slash == NULL || strcmp(rel, "/") == 0) {
            break;
        }
        if (slash == rel) {
            rel[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    return best;
}

int kv_conf_cpu_count(void)
{
    cpu_set_t set;
    int n = 0, quota;

    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        n = CPU_COUNT(&set);
    }
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int) c : 1;
    }
    quota = kv_conf_cgroup_cpus();
    if (quota > 0 && quota < n) {
        n = quota;
    }
    return n;
}
