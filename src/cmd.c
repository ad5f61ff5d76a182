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

#include "log.h"

#define KV_CMD_END {NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL}

/* clang-format off */
static const kv_cmd_t kv_command_subcommands[] = {
    {"count", 2, KV_CMD_LOADING | KV_CMD_STALE, 0, 0, 0,
     kv_cmd_command_count, NULL, "command|count"},
    KV_CMD_END};

/* Sorted by name: kv_cmd_lookup() bisects. */
const kv_cmd_t kv_commands[] = {
    {"command", -1, KV_CMD_LOADING | KV_CMD_STALE, 0, 0, 0, kv_cmd_command,
     kv_command_subcommands, "command"},
    {"echo", 2, KV_CMD_FAST, 0, 0, 0, kv_cmd_echo, NULL, "echo"},
    {"info", -1, KV_CMD_LOADING | KV_CMD_STALE, 0, 0, 0, kv_cmd_info, NULL,
     "info"},
    {"ping", -1, KV_CMD_FAST | KV_CMD_SENTINEL, 0, 0, 0, kv_cmd_ping, NULL,
     "ping"},
    {"quit", -1, KV_CMD_ALLOW_ANY, 0, 0, 0, kv_cmd_quit, NULL, "quit"},
    {"shutdown", -1, KV_CMD_ADMIN | KV_CMD_NOSCRIPT | KV_CMD_LOADING |
     KV_CMD_STALE, 0, 0, 0, kv_cmd_shutdown, NULL, "shutdown"},
};
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

const kv_cmd_t *kv_cmd_lookup(const char *name, size_t len)
{
    size_t lo = 0, hi = kv_ncommands;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = kv_cmd_namecmp(name, len, kv_commands[mid].name);
        if (r == 0) {
            return &kv_commands[mid];
        }
        if (r < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
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
static int kv_cmd_cstrlen(const kv_str_t *a, int max)
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
        int len = kv_cmd_cstrlen(&c->argv[i], 128 - (int) n);
        n += (size_t) snprintf(args + n, sizeof(args) - n, "'%.*s' ", len,
                               c->argv[i].p);
    }
    kv_reply_errorf(c, "unknown command '%.*s', with args beginning with: %s",
                    kv_cmd_cstrlen(&c->argv[0], 128), c->argv[0].p, args);
}

void kv_cmd_call(kv_client_t *c)
{
    const kv_cmd_t *cmd = kv_cmd_lookup(c->argv[0].p, c->argv[0].len);

    if (cmd == NULL) {
        kv_cmd_unknown(c);
        return;
    }
    if (cmd->subcommands != NULL && c->argc >= 2) {
        const kv_cmd_t *sub = kv_cmd_lookup_sub(cmd, &c->argv[1]);
        if (sub == NULL) {
            char upper[32];
            size_t i;
            for (i = 0; cmd->name[i] != '\0' && i < sizeof(upper) - 1; i++) {
                upper[i] = (char) toupper((unsigned char) cmd->name[i]);
            }
            upper[i] = '\0';
            kv_reply_errorf(c, "unknown subcommand '%.*s'. Try %s HELP.",
                            kv_cmd_cstrlen(&c->argv[1], 128), c->argv[1].p,
                            upper);
            return;
        }
        cmd = sub;
    }
    if ((cmd->arity > 0 && cmd->arity != c->argc) ||
        (c->argc < -cmd->arity)) {
        kv_reply_errorf(c, "wrong number of arguments for '%s' command",
                        cmd->fullname);
        return;
    }
    cmd->proc(c);
}
