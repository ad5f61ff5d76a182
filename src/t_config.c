/*
 * t_config.c: CONFIG GET / SET / RESETSTAT / HELP, answered from the one
 * settings table of conf.c, with values formatted the way Redis prints
 * them (yes/no, bytes, octal permissions).
 *
 * CONFIG SET is not supported yet: kevy.conf is owned by the master and a
 * live change must reach every worker, including ones respawned later.
 * Until that lands, the file plus "kevyd -s reload" is the way to change a
 * live setting, and CONFIG SET says so instead of pretending.
 */
#include "cmd.h"

#include "db.h"
#include "util.h"
#include "worker.h"

/* A setting's value as CONFIG GET shows it. */
static size_t kv_config_value(const kv_conf_setting_t *s, char *buf, size_t len)
{
    const char *field = (const char *) &kv_worker.conf + s->offset;
    int v = 0;

    if (s->type != KV_CT_SIZE && s->type != KV_CT_STRING &&
        s->type != KV_CT_PATH) {
        v = *(const int *) field;
    }
    switch (s->type) {
    case KV_CT_BOOL:
        return (size_t) snprintf(buf, len, "%s", v ? "yes" : "no");
    case KV_CT_SIZE:
        return (size_t) snprintf(buf, len, "%lld", *(const long long *) field);
    case KV_CT_MODE:
        return (size_t) snprintf(buf, len, "%o", (unsigned) v);
    case KV_CT_ENUM:
        for (size_t i = 0; s->words[i] != NULL; i++) {
            if (s->values[i] == v) {
                return (size_t) snprintf(buf, len, "%s", s->words[i]);
            }
        }
        return 0;
    case KV_CT_STRING:
    case KV_CT_PATH:
        return (size_t) snprintf(buf, len, "%s", field);
    default:
        return (size_t) snprintf(buf, len, "%d", v);
    }
}

/*
 * Redis parameters of features kevyd does not have yet, answered with the
 * value Redis gives with the feature off, so that clients which read them
 * (redis-benchmark asks for "save" and "appendonly") see a server without
 * persistence, which is what kevyd is. A feature that lands moves its
 * parameter into the settings table of conf.c.
 */
static const struct {
    const char *name;
    const char *value;
} kv_config_fixed[] = {
    { "save", "" }, /* no snapshots: Redis with --save '' */
};

#define KV_CONFIG_NFIXED KV_ARRAY_LEN(kv_config_fixed)

/* CONFIG GET parameter [parameter ...]: a name without glob characters is
 * looked up (and echoed as given); a pattern matches names, no case. */
void kv_cmd_config_get(kv_client_t *c)
{
    char used[256] = { 0 }, val[KV_CONF_PATH_MAX + 8];
    size_t mark = kv_reply_deferred_len(c), n = 0;
    size_t total = kv_conf_nsettings + KV_CONFIG_NFIXED;

    for (int i = 2; i < c->argc; i++) {
        const kv_str_t *pat = &c->argv[i];
        int glob = memchr(pat->p, '*', pat->len) ||
                   memchr(pat->p, '?', pat->len) ||
                   memchr(pat->p, '[', pat->len);

        for (size_t k = 0; k < total && k < sizeof(used); k++) {
            const char *name, *fixed = NULL;
            size_t vl;

            if (k < kv_conf_nsettings) {
                name = kv_conf_settings[k].name;
            } else {
                name = kv_config_fixed[k - kv_conf_nsettings].name;
                fixed = kv_config_fixed[k - kv_conf_nsettings].value;
            }
            if (used[k]) {
                continue;
            }
            if (glob ? !kv_glob_match(pat->p, pat->len, name, strlen(name), 1)
                     : !kv_arg_is(pat, name)) {
                continue;
            }
            used[k] = 1;
            if (glob) {
                kv_reply_bulk(c, name, strlen(name));
            } else {
                kv_reply_bulk(c, pat->p, pat->len);
            }
            if (fixed != NULL) {
                kv_reply_bulk(c, fixed, strlen(fixed));
            } else {
                vl = kv_config_value(&kv_conf_settings[k], val, sizeof(val));
                kv_reply_bulk(c, val, vl < sizeof(val) ? vl : sizeof(val) - 1);
            }
            n += 2;
        }
    }
    kv_reply_set_deferred_len(c, mark, '*', (long long) n);
}

void kv_cmd_config_set(kv_client_t *c)
{
    const kv_conf_setting_t *s = NULL;

    if ((c->argc - 2) % 2 != 0) {
        kv_reply_arity_error(c);
        return;
    }
    for (size_t k = 0; k < kv_conf_nsettings; k++) {
        if (kv_arg_is(&c->argv[2], kv_conf_settings[k].name)) {
            s = &kv_conf_settings[k];
        }
    }
    if (s == NULL) {
        kv_reply_errorf(c,
                        "Unknown option or number of arguments for CONFIG "
                        "SET - '%.*s'",
                        kv_arg_cstrlen(&c->argv[2], INT_MAX), c->argv[2].p);
        return;
    }
    if (!(s->flags & KV_CONF_RELOADABLE)) {
        kv_reply_errorf(c,
                        "CONFIG SET failed (possibly related to argument "
                        "'%s') - can't set immutable config",
                        s->name);
        return;
    }
    kv_reply_errorf(c,
                    "CONFIG SET failed (possibly related to argument '%s') "
                    "- not supported by kevyd yet: change kevy.conf and "
                    "run kevyd -s reload",
                    s->name);
}

void kv_cmd_config_resetstat(kv_client_t *c)
{
    kv_worker.total_connections = 0;
    kv_worker.total_commands = 0;
    kv_worker.rejected_connections = 0;
    kv_worker.stat_reads = kv_worker.stat_writes = 0;
    kv_worker.stat_net_input_bytes = kv_worker.stat_net_output_bytes = 0;
    kv_stat_expired_keys = 0;
    kv_stat_keyspace_hits = 0;
    kv_stat_keyspace_misses = 0;
    kv_reply_ok(c);
}

void kv_cmd_config_help(kv_client_t *c)
{
    static const char *const help[] = {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their "
        "values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        NULL
    };

    kv_reply_help(c, help);
}
