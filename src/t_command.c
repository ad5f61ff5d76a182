/*
 * t_command.c: COMMAND and its subcommands (COUNT, INFO, DOCS, LIST,
 * GETKEYS, GETKEYSANDFLAGS, HELP).
 *
 * Everything comes from the command table (cmd.c) joined, by full name,
 * with the metadata Redis publishes about each command (cmdmeta.c): the
 * table gives the names, arity, key triple and subcommands, the metadata
 * the flags, ACL categories, tips, key specs and docs as RESP2 fragments.
 * Only commands kevyd implements are listed; Redis lists them in its dict
 * order, kevyd in the table's (clients do not depend on either).
 *
 * COMMAND GETKEYS follows Redis 7.0's getKeysFromCommandWithSpecs(): the
 * key specs, unless one of them has variable flags (then, as for specs
 * that cannot find the keys, the command's own key finder).
 */
#include "cmd.h"

#include "alloc.h"
#include "cmdmeta.h"
#include "util.h"

const kv_cmdmeta_t *kv_cmdmeta_find(const char *fullname)
{
    size_t lo = 0, hi = kv_ncmdmeta;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(fullname, kv_cmdmeta[mid].name);
        if (r == 0) {
            return &kv_cmdmeta[mid];
        }
        if (r < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

int kv_cmdmeta_has_flag(const kv_cmdmeta_t *m, const char *flag)
{
    char needle[64];
    int n = snprintf(needle, sizeof(needle), "+%s\r\n", flag);

    if (n < 0 || (size_t) n >= sizeof(needle)) {
        return 0;
    }
    return memmem(m->flags, m->flags_len, needle, (size_t) n) != NULL;
}

/* ---------------------------------------------------------------- names */

/* A table name equal to len bytes of p, case-insensitively. */
static int kv_command_name_is(const char *p, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

/* An option as Redis compares it: strcasecmp(), so up to a NUL byte. */
static int kv_command_opt_is(const kv_str_t *a, const char *opt)
{
    const char *nul = memchr(a->p, '\0', a->len);
    size_t n = nul != NULL ? (size_t) (nul - a->p) : a->len;

    return kv_command_name_is(a->p, n, opt);
}

static const kv_cmd_t *kv_command_sub(const kv_cmd_t *cmd, const char *p,
                                      size_t len)
{
    if (cmd->subcommands == NULL) {
        return NULL;
    }
    for (const kv_cmd_t *s = cmd->subcommands; s->name != NULL; s++) {
        if (kv_command_name_is(p, len, s->name)) {
            return s;
        }
    }
    return NULL;
}

/* A command named as COMMAND INFO and DOCS name it: "get", or
 * "container|sub" (one level only, as lookupCommandBySds()). */
static const kv_cmd_t *kv_command_by_fullname(const kv_str_t *a)
{
    const char *bar = memchr(a->p, '|', a->len);
    const kv_cmd_t *cmd;

    if (bar == NULL) {
        return kv_cmd_lookup(a->p, a->len);
    }
    cmd = kv_cmd_lookup(a->p, (size_t) (bar - a->p));
    if (cmd == NULL) {
        return NULL;
    }
    bar++;
    if (memchr(bar, '|', a->len - (size_t) (bar - a->p)) != NULL) {
        return NULL;
    }
    return kv_command_sub(cmd, bar, a->len - (size_t) (bar - a->p));
}

/* ---------------------------------------------------------------- INFO */

static void kv_command_reply_info(kv_client_t *c, const kv_cmd_t *cmd)
{
    const kv_cmdmeta_t *m = kv_cmdmeta_find(cmd->fullname);
    long long nsub = 0;

    if (m == NULL) {
        /* check_cmd makes sure this does not happen */
        kv_reply_null(c);
        return;
    }
    kv_reply_array(c, 10);
    kv_reply_bulk(c, cmd->fullname, strlen(cmd->fullname));
    kv_reply_int(c, cmd->arity);
    kv_reply_raw(c, m->flags, m->flags_len);
    kv_reply_int(c, cmd->first_key);
    kv_reply_int(c, cmd->last_key);
    kv_reply_int(c, cmd->key_step);
    kv_reply_raw(c, m->rest, m->rest_len);
    for (const kv_cmd_t *s = cmd->subcommands; s && s->name; s++) {
        nsub++;
    }
    kv_reply_array(c, nsub);
    for (const kv_cmd_t *s = cmd->subcommands; s && s->name; s++) {
        kv_command_reply_info(c, s);
    }
}

/* COMMAND: every command's INFO. */
void kv_cmd_command(kv_client_t *c)
{
    kv_reply_array(c, (long long) kv_ncommands);
    for (size_t i = 0; i < kv_ncommands; i++) {
        kv_command_reply_info(c, &kv_commands[i]);
    }
}

void kv_cmd_command_count(kv_client_t *c)
{
    kv_reply_int(c, (long long) kv_ncommands);
}

/* COMMAND INFO [name ...]: no name is every command, an unknown one nil. */
void kv_cmd_command_info(kv_client_t *c)
{
    if (c->argc == 2) {
        kv_cmd_command(c);
        return;
    }
    kv_reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        const kv_cmd_t *cmd = kv_command_by_fullname(&c->argv[i]);
        if (cmd == NULL) {
            kv_reply_null(c);
        } else {
            kv_command_reply_info(c, cmd);
        }
    }
}

/* ---------------------------------------------------------------- DOCS */

/* The doc map of a command (a flat array in RESP2); a container's
 * "subcommands" field, last as in Redis, names the ones kevyd has. */
static void kv_command_reply_doc(kv_client_t *c, const kv_cmd_t *cmd)
{
    const kv_cmdmeta_t *m = kv_cmdmeta_find(cmd->fullname);
    long long nsub = 0;

    if (m == NULL) {
        kv_reply_array(c, 0);
        return;
    }
    for (const kv_cmd_t *s = cmd->subcommands; s && s->name; s++) {
        nsub++;
    }
    kv_reply_array(c, 2 * (m->ndocs + (nsub > 0)));
    kv_reply_raw(c, m->docs, m->docs_len);
    if (nsub == 0) {
        return;
    }
    kv_reply_bulk(c, "subcommands", 11);
    kv_reply_array(c, 2 * nsub);
    for (const kv_cmd_t *s = cmd->subcommands; s->name; s++) {
        kv_reply_bulk(c, s->fullname, strlen(s->fullname));
        kv_command_reply_doc(c, s);
    }
}

/* COMMAND DOCS [name ...]: name, doc pairs; unknown names are left out. */
void kv_cmd_command_docs(kv_client_t *c)
{
    const kv_cmd_t *cmd;
    long long n = 0;

    if (c->argc == 2) {
        kv_reply_array(c, 2 * (long long) kv_ncommands);
        for (size_t i = 0; i < kv_ncommands; i++) {
            cmd = &kv_commands[i];
            kv_reply_bulk(c, cmd->fullname, strlen(cmd->fullname));
            kv_command_reply_doc(c, cmd);
        }
        return;
    }
    for (int i = 2; i < c->argc; i++) {
        n += kv_command_by_fullname(&c->argv[i]) != NULL;
    }
    kv_reply_array(c, 2 * n);
    for (int i = 2; i < c->argc; i++) {
        cmd = kv_command_by_fullname(&c->argv[i]);
        if (cmd != NULL) {
            kv_reply_bulk(c, cmd->fullname, strlen(cmd->fullname));
            kv_command_reply_doc(c, cmd);
        }
    }
}

/* ---------------------------------------------------------------- LIST */

enum { KV_LIST_ALL, KV_LIST_MODULE, KV_LIST_ACLCAT, KV_LIST_PATTERN };

typedef struct {
    int type;
    const kv_str_t *arg;
} kv_list_filter_t;

/* Whether a word of the space-separated list equals the argument
 * (case-insensitively, as ACL category names are looked up). */
static int kv_command_has_category(const char *list, const kv_str_t *cat)
{
    const char *p = list;
    const char *nul = memchr(cat->p, '\0', cat->len);
    size_t len = nul != NULL ? (size_t) (nul - cat->p) : cat->len;

    while (*p != '\0') {
        size_t n = strcspn(p, " ");
        if (n == len && strncasecmp(p, cat->p, n) == 0) {
            return 1;
        }
        p += n;
        p += *p == ' ';
    }
    return 0;
}

static int kv_command_listed(const kv_cmd_t *cmd, const kv_list_filter_t *f)
{
    const kv_cmdmeta_t *m;

    switch (f->type) {
    case KV_LIST_ALL:
        return 1;
    case KV_LIST_MODULE:
        /* kevyd loads no modules */
        return 0;
    case KV_LIST_ACLCAT:
        m = kv_cmdmeta_find(cmd->fullname);
        return m != NULL && kv_command_has_category(m->acl, f->arg);
    default:
        return kv_glob_match(f->arg->p, f->arg->len, cmd->fullname,
                             strlen(cmd->fullname), 1);
    }
}

/* Count (reply == 0) or reply the names listed: a container is judged
 * apart from its subcommands. */
static long long kv_command_list(kv_client_t *c, const kv_list_filter_t *f,
                                 int reply)
{
    long long n = 0;

    for (size_t i = 0; i < kv_ncommands; i++) {
        const kv_cmd_t *cmd = &kv_commands[i];
        for (const kv_cmd_t *s = cmd; s != NULL && s->name != NULL;
             s = s == cmd ? cmd->subcommands : s + 1) {
            if (!kv_command_listed(s, f)) {
                continue;
            }
            n++;
            if (reply) {
                kv_reply_bulk(c, s->fullname, strlen(s->fullname));
            }
        }
    }
    return n;
}

/* COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern] */
void kv_cmd_command_list(kv_client_t *c)
{
    kv_list_filter_t f = { KV_LIST_ALL, NULL };

    if (c->argc > 2) {
        /* FILTERBY and its two arguments must be all there is */
        if (c->argc != 5 || !kv_command_opt_is(&c->argv[2], "filterby")) {
            kv_reply_error(c, "syntax error");
            return;
        }
        if (kv_command_opt_is(&c->argv[3], "module")) {
            f.type = KV_LIST_MODULE;
        } else if (kv_command_opt_is(&c->argv[3], "aclcat")) {
            f.type = KV_LIST_ACLCAT;
        } else if (kv_command_opt_is(&c->argv[3], "pattern")) {
            f.type = KV_LIST_PATTERN;
        } else {
            kv_reply_error(c, "syntax error");
            return;
        }
        f.arg = &c->argv[4];
    }
    kv_reply_array(c, kv_command_list(c, &f, 0));
    kv_command_list(c, &f, 1);
}

/* ---------------------------------------------------------------- GETKEYS */

typedef struct {
    int pos;        /* in the command given to GETKEYS: 0 is its name */
    unsigned flags; /* KV_KS_* */
} kv_keyref_t;

/* Redis's getKeysUsingKeySpecs() without partial results: the keys the
 * specs find, or -1 when one of them cannot find them (its arguments are
 * wrong, or it is incomplete). keys has room for nkeyspecs * argc. */
static int kv_command_keys_by_specs(const kv_cmdmeta_t *m, int arity,
                                    const kv_str_t *argv, int argc,
                                    kv_keyref_t *keys)
{
    int n = 0;

    for (int j = 0; j < m->nkeyspecs; j++) {
        const kv_keyspec_t *ks = &m->keyspecs[j];
        int first = 0, last, step;

        if (ks->flags & KV_KS_NOT_KEY) {
            continue;
        }
        if (ks->bs_type == KV_KS_BS_INDEX) {
            first = ks->bs_pos;
        } else if (ks->bs_type == KV_KS_BS_KEYWORD) {
            /* Forwards from startfrom to the next-to-last argument, or
             * backwards from argc + startfrom to the second one. */
            int from = ks->bs_pos > 0 ? ks->bs_pos : argc + ks->bs_pos;
            int to = ks->bs_pos > 0 ? argc - 1 : 1;
            for (int i = from; i != to; i += from <= to ? 1 : -1) {
                if (i >= argc || i < 1) {
                    break;
                }
                if (kv_command_opt_is(&argv[i], ks->keyword)) {
                    first = i + 1;
                    break;
                }
            }
            if (first == 0) {
                continue; /* no keyword, no keys */
            }
        } else {
            return -1;
        }

        if (ks->fk_type == KV_KS_FK_RANGE) {
            step = ks->fk_b;
            if (ks->fk_a >= 0) {
                last = first + ks->fk_a;
            } else if (ks->fk_c == 0) {
                last = argc + ks->fk_a;
            } else {
                /* lastkey is -1: a part (1/limit) of the rest */
                last = first + ((argc - first) / ks->fk_c + ks->fk_a);
            }
        } else if (ks->fk_type == KV_KS_FK_KEYNUM) {
            long long numkeys;
            int idx = first + ks->fk_a;
            step = ks->fk_c;
            if (ks->fk_a >= argc || idx >= argc) {
                return -1;
            }
            if (!kv_string2ll(argv[idx].p, argv[idx].len, &numkeys) ||
                numkeys < 0) {
                return -1;
            }
            first += ks->fk_b;
            /* Redis computes this in an int */
            last =
                (int) (unsigned) ((unsigned) first + (unsigned) numkeys - 1u);
        } else {
            return -1;
        }

        if (last >= argc || last < first || first >= argc || step <= 0) {
            return -1;
        }
        for (int i = first; i <= last; i += step) {
            if (i >= argc || i < first) {
                /* a variadic command given too few arguments */
                if (arity < 0) {
                    continue;
                }
                return -1;
            }
            keys[n].pos = i;
            keys[n].flags = ks->flags;
            n++;
        }
        if (ks->flags & KV_KS_INCOMPLETE) {
            return -1;
        }
    }
    return n;
}

/* SET: the key, RW when GET reads the old value, OW otherwise (the key
 * spec says "variable_flags"). */
static int kv_command_keys_set(const kv_str_t *argv, int argc,
                               kv_keyref_t *keys)
{
    keys[0].pos = 1;
    keys[0].flags = KV_KS_OW | KV_KS_UPDATE;
    for (int i = 3; i < argc; i++) {
        if (kv_command_opt_is(&argv[i], "get")) {
            keys[0].flags = KV_KS_RW | KV_KS_ACCESS | KV_KS_UPDATE;
            break;
        }
    }
    return 1;
}

/*
 * SORT: Redis's sortGetKeys(). The key, then the destination of the last
 * STORE that has an argument after it. LIMIT skips two arguments, GET and
 * BY one, but STORE none: "SORT k STORE get STORE d" names "get" here,
 * while the command itself stores into "d" (the router parses SORT as the
 * command does, kv_sort_parse()).
 */
static int kv_command_keys_sort(const kv_str_t *argv, int argc,
                                kv_keyref_t *keys)
{
    int n = 1;

    keys[0].pos = 1;
    keys[0].flags = KV_KS_RO | KV_KS_ACCESS;
    for (int i = 2; i < argc; i++) {
        if (kv_command_opt_is(&argv[i], "limit")) {
            i += 2;
        } else if (kv_command_opt_is(&argv[i], "get") ||
                   kv_command_opt_is(&argv[i], "by")) {
            i++;
        } else if (kv_command_opt_is(&argv[i], "store") && i + 1 < argc) {
            keys[1].pos = i + 1;
            keys[1].flags = KV_KS_OW | KV_KS_UPDATE;
            n = 2;
        }
    }
    return n;
}

/* SORT_RO: only the key (its BY and GET keys are not known). */
static int kv_command_keys_sort_ro(const kv_str_t *argv, int argc,
                                   kv_keyref_t *keys)
{
    KV_UNUSED(argv);
    KV_UNUSED(argc);
    keys[0].pos = 1;
    keys[0].flags = KV_KS_RO | KV_KS_ACCESS;
    return 1;
}

typedef int (*kv_getkeys_pt)(const kv_str_t *argv, int argc, kv_keyref_t *keys);

/* The commands whose keys their specs cannot tell (Redis's getkeys_proc
 * of the commands whose specs are incomplete or have variable flags). */
static const struct {
    const char *name;
    kv_getkeys_pt proc;
} kv_command_getkeys_procs[] = {
    { "set", kv_command_keys_set },
    { "sort", kv_command_keys_sort },
    { "sort_ro", kv_command_keys_sort_ro },
};

static kv_getkeys_pt kv_command_getkeys_proc(const char *fullname)
{
    for (size_t i = 0; i < KV_ARRAY_LEN(kv_command_getkeys_procs); i++) {
        if (strcmp(kv_command_getkeys_procs[i].name, fullname) == 0) {
            return kv_command_getkeys_procs[i].proc;
        }
    }
    return NULL;
}

int kv_command_has_getkeys_proc(const char *fullname)
{
    return kv_command_getkeys_proc(fullname) != NULL;
}

/* Bit i of the KV_KS_* flags is names[i]. */
_Static_assert(KV_KS_RO == 1 && KV_KS_VARIABLE_FLAGS == 1 << 10,
               "KV_KS_* are the bits of kv_command_reply_key_flags()");

static void kv_command_reply_key_flags(kv_client_t *c, unsigned flags)
{
    static const char *const names[] = {
        "RO",     "RW",     "OW",      "RM",         "access",        "update",
        "insert", "delete", "not_key", "incomplete", "variable_flags"
    };
    long long n = 0;

    for (size_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        n += (flags >> i) & 1;
    }
    kv_reply_array(c, n);
    for (size_t i = 0; i < KV_ARRAY_LEN(names); i++) {
        if ((flags >> i) & 1) {
            kv_reply_status(c, names[i]);
        }
    }
}

/* COMMAND GETKEYS|GETKEYSANDFLAGS command [arg ...] */
static void kv_command_getkeys(kv_client_t *c, int with_flags)
{
    const kv_str_t *argv = c->argv + 2;
    int argc = c->argc - 2, n = -1, has_spec = 0, var_flags = 0;
    const kv_cmd_t *cmd = kv_cmd_lookup(argv[0].p, argv[0].len);
    const kv_cmdmeta_t *m;
    kv_getkeys_pt proc;
    kv_keyref_t *keys;

    if (cmd != NULL && cmd->subcommands != NULL && argc >= 2) {
        cmd = kv_command_sub(cmd, argv[1].p, argv[1].len);
    }
    m = cmd != NULL ? kv_cmdmeta_find(cmd->fullname) : NULL;
    if (m == NULL) {
        kv_reply_error(c, "Invalid command specified");
        return;
    }
    for (int j = 0; j < m->nkeyspecs; j++) {
        has_spec |= !(m->keyspecs[j].flags & KV_KS_NOT_KEY);
        var_flags |= !!(m->keyspecs[j].flags & KV_KS_VARIABLE_FLAGS);
    }
    proc = kv_command_getkeys_proc(cmd->fullname);
    if (!has_spec && proc == NULL) {
        kv_reply_error(c, "The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        kv_reply_error(c, "Invalid number of arguments specified for command");
        return;
    }

    keys = kv_malloc(sizeof(*keys) * ((size_t) m->nkeyspecs * argc + 1));
    if (keys == NULL) {
        kv_reply_oom(c);
        return;
    }
    if (has_spec && !var_flags) {
        n = kv_command_keys_by_specs(m, cmd->arity, argv, argc, keys);
    }
    if (n < 0) {
        n = proc != NULL ? proc(argv, argc, keys) : 0;
    }
    if (n == 0) {
        if (kv_cmdmeta_has_flag(m, "no_mandatory_keys")) {
            kv_reply_array(c, 0);
        } else {
            kv_reply_error(c, "Invalid arguments specified for command");
        }
        kv_free(keys);
        return;
    }
    kv_reply_array(c, n);
    for (int i = 0; i < n; i++) {
        const kv_str_t *k = &argv[keys[i].pos];
        if (with_flags) {
            kv_reply_array(c, 2);
            kv_reply_bulk(c, k->p, k->len);
            kv_command_reply_key_flags(c, keys[i].flags);
        } else {
            kv_reply_bulk(c, k->p, k->len);
        }
    }
    kv_free(keys);
}

void kv_cmd_command_getkeys(kv_client_t *c)
{
    kv_command_getkeys(c, 0);
}

void kv_cmd_command_getkeysandflags(kv_client_t *c)
{
    kv_command_getkeys(c, 1);
}

/* ---------------------------------------------------------------- HELP */

void kv_cmd_command_help(kv_client_t *c)
{
    static const char *const help[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL
    };

    kv_reply_help(c, help);
}

int kv_cmd_key_positions(const kv_cmd_t *cmd, const kv_str_t *argv,
                         int argc, int **out)
{
    const kv_cmdmeta_t *m = kv_cmdmeta_find(cmd->fullname);
    kv_getkeys_pt proc = kv_command_getkeys_proc(cmd->fullname);
    kv_keyref_t *keys;
    int n = -1, *pos;

    *out = NULL;
    if (m == NULL) {
        return 0;
    }
    keys = kv_malloc(sizeof(*keys) * ((size_t) m->nkeyspecs * argc + 1));
    if (keys == NULL) {
        return -1;
    }
    if (proc != NULL) {
        n = proc(argv, argc, keys);
    } else {
        n = kv_command_keys_by_specs(m, cmd->arity, argv, argc, keys);
    }
    if (n <= 0) {
        kv_free(keys);
        return n;
    }
    pos = kv_malloc(sizeof(int) * (size_t) n);
    if (pos == NULL) {
        kv_free(keys);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        pos[i] = keys[i].pos;
    }
    kv_free(keys);
    *out = pos;
    return n;
}
