/*
 * t_client.c: commands about the connection itself: HELLO, RESET, and the
 * CLIENT family, after Redis 7.0's networking.c.
 *
 * A client lives on the worker that accepted it, but CLIENT LIST and
 * CLIENT KILL are about every client of the server: the router asks every
 * worker ("@clientkill" for KILL) and joins the answers. Client ids come
 * from one counter in shared memory, so they are unique server-wide.
 */
#include "cmd.h"

#include "alloc.h"
#include "block.h"
#include "log.h"
#include "route.h"
#include "worker.h"

/* Redis's clientSetNameOrReply(): visible ASCII only, "" removes it. */
static int kv_client_set_name(kv_client_t *c, const kv_str_t *name)
{
    char *copy;

    if (name->len == 0) {
        kv_free(c->name);
        c->name = NULL;
        return KV_OK;
    }
    for (size_t i = 0; i < name->len; i++) {
        if (name->p[i] < '!' || name->p[i] > '~') {
            kv_reply_error(c, "Client names cannot contain spaces, newlines "
                              "or special characters.");
            return KV_ERROR;
        }
    }
    copy = kv_strndup(name->p, name->len);
    if (copy == NULL) {
        kv_reply_oom(c);
        return KV_ERROR;
    }
    kv_free(c->name);
    c->name = copy;
    return KV_OK;
}

/* HELLO [protover [AUTH username password] [SETNAME clientname]] */
void kv_cmd_hello(kv_client_t *c)
{
    long long ver = 0;
    int next = 1;

    if (c->argc >= 2) {
        if (kv_get_ll_or_reply(
                c, &c->argv[next++], &ver,
                "Protocol version is not an integer or out of range") !=
            KV_OK) {
            return;
        }
        /* RESP3 is not spoken yet: refused the way Redis refuses a
         * version it does not know, and the connection stays RESP2. */
        if (ver != 2) {
            kv_reply_error(c, "-NOPROTO unsupported protocol version");
            return;
        }
    }
    for (int j = next; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (kv_arg_is(&c->argv[j], "auth") && more >= 2) {
            /* No ACL users yet: "default" has no password, as in a Redis
             * without requirepass; anybody else does not exist. */
            if (!kv_arg_is(&c->argv[j + 1], "default")) {
                kv_reply_error(c, "-WRONGPASS invalid username-password "
                                  "pair or user is disabled.");
                return;
            }
            j += 2;
        } else if (kv_arg_is(&c->argv[j], "setname") && more >= 1) {
            if (kv_client_set_name(c, &c->argv[j + 1]) != KV_OK) {
                return;
            }
            j++;
        } else {
            kv_reply_errorf(c, "Syntax error in HELLO option '%.*s'",
                            kv_arg_cstrlen(&c->argv[j], INT_MAX), c->argv[j].p);
            return;
        }
    }
    kv_reply_array(c, 14);
    kv_reply_bulk(c, "server", 6);
    kv_reply_bulk(c, "redis", 5);
    kv_reply_bulk(c, "version", 7);
    kv_reply_bulk(c, KV_REDIS_VERSION, strlen(KV_REDIS_VERSION));
    kv_reply_bulk(c, "proto", 5);
    kv_reply_int(c, 2);
    kv_reply_bulk(c, "id", 2);
    kv_reply_int(c, (long long) c->id);
    kv_reply_bulk(c, "mode", 4);
    kv_reply_bulk(c, "standalone", 10);
    kv_reply_bulk(c, "role", 4);
    kv_reply_bulk(c, "master", 6);
    kv_reply_bulk(c, "modules", 7);
    kv_reply_array(c, 0);
}

/* RESET: back to a fresh connection's state. */
void kv_cmd_reset(kv_client_t *c)
{
    kv_client_select(c, 0);
    kv_free(c->name);
    c->name = NULL;
    kv_reply_status(c, "RESET");
}

void kv_cmd_client_id(kv_client_t *c)
{
    kv_reply_int(c, (long long) c->id);
}

void kv_cmd_client_getname(kv_client_t *c)
{
    if (c->name == NULL) {
        kv_reply_null(c);
    } else {
        kv_reply_bulk(c, c->name, strlen(c->name));
    }
}

void kv_cmd_client_setname(kv_client_t *c)
{
    if (kv_client_set_name(c, &c->argv[2]) == KV_OK) {
        kv_reply_ok(c);
    }
}

/* One CLIENT LIST line, in Redis 7.0's field order. */
static void kv_client_info(kv_buf_t *out, kv_client_t *cl)
{
    char line[1024];
    int64_t now = kv_mono_ms();
    int n;

    n = snprintf(
        line, sizeof(line),
        "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s "
        "db=%d sub=0 psub=0 ssub=0 multi=-1 qbuf=%zu qbuf-free=%zu "
        "argv-mem=0 multi-mem=0 rbs=%zu rbp=0 obl=0 oll=0 omem=%zu "
        "tot-mem=%zu events=r cmd=%s user=default redir=-1 resp=2\n",
        (unsigned long long) cl->id, cl->addr, cl->laddr, cl->io.fd,
        cl->name ? cl->name : "", (long long) (now - cl->created_ms) / 1000,
        (long long) (now - cl->last_cmd_ms) / 1000,
        kv_block_is_waiting(cl) ? "b" : "N", cl->db ? cl->db->id : 0,
        kv_buf_pending(&cl->qbuf), cl->qbuf.cap - cl->qbuf.len, cl->qbuf.cap,
        cl->obuf.cap, sizeof(*cl) + cl->qbuf.cap + cl->obuf.cap,
        cl->lastcmd ? cl->lastcmd : "NULL");
    if (n > 0) {
        (void) kv_buf_append(out, line,
                             (size_t) n < sizeof(line) ? (size_t) n
                                                       : sizeof(line) - 1);
    }
}

void kv_cmd_client_info(kv_client_t *c)
{
    kv_buf_t out = { 0 };

    kv_client_info(&out, c);
    kv_reply_bulk(c, out.data, out.len);
    kv_buf_free(&out);
}

/* CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]: the
 * clients of this worker; the router joins every worker's list. */
void kv_cmd_client_list(kv_client_t *c)
{
    kv_buf_t out = { 0 };
    int by_id = 0, normal = 1;

    if (c->argc == 4 && kv_arg_is(&c->argv[2], "type")) {
        if (kv_arg_is(&c->argv[3], "normal")) {
            normal = 1;
        } else if (kv_arg_is(&c->argv[3], "master") ||
                   kv_arg_is(&c->argv[3], "replica") ||
                   kv_arg_is(&c->argv[3], "slave") ||
                   kv_arg_is(&c->argv[3], "pubsub")) {
            normal = 0; /* kevyd has no such clients yet */
        } else {
            kv_reply_errorf(c, "Unknown client type '%.*s'",
                            kv_arg_cstrlen(&c->argv[3], INT_MAX), c->argv[3].p);
            return;
        }
    } else if (c->argc > 3 && kv_arg_is(&c->argv[2], "id")) {
        long long id;
        for (int j = 3; j < c->argc; j++) {
            if (kv_get_ll_or_reply(c, &c->argv[j], &id, "Invalid client ID") !=
                KV_OK) {
                return;
            }
        }
        by_id = 1;
    } else if (c->argc != 2) {
        kv_reply_error(c, "syntax error");
        return;
    }
    for (kv_client_t *cl = kv_worker.clients; cl != NULL && normal;
         cl = cl->next) {
        if (by_id) {
            int want = 0;
            for (int j = 3; j < c->argc && !want; j++) {
                long long id;
                want = kv_string2ll(c->argv[j].p, c->argv[j].len, &id) &&
                       (uint64_t) id == cl->id;
            }
            if (!want) {
                continue;
            }
        }
        kv_client_info(&out, cl);
    }
    kv_reply_bulk(c, out.data ? out.data : "", out.len);
    kv_buf_free(&out);
}

/*
 * CLIENT KILL addr | CLIENT KILL [ID id] [ADDR a] [LADDR a] [TYPE t]
 * [USER u] [SKIPME yes|no]: the options are checked here; each worker then
 * kills its matching clients ("@clientkill caller-id args...") and the
 * router adds up the counts.
 */
int kv_client_kill_parse(kv_client_t *c, int first, long long *id,
                         const kv_str_t **addr, const kv_str_t **laddr,
                         int *skipme, int *none)
{
    int old = c->argc - first == 1;

    *id = 0;
    *addr = *laddr = NULL;
    *skipme = !old;
    *none = 0;
    if (old) {
        *addr = &c->argv[first];
        return KV_OK;
    }
    for (int i = first; i < c->argc; i += 2) {
        int more = c->argc > i + 1;
        const kv_str_t *o = &c->argv[i];
        if (kv_arg_is(o, "id") && more) {
            if (!kv_string2ll(c->argv[i + 1].p, c->argv[i + 1].len, id) ||
                *id < 1) {
                kv_reply_error(c, "client-id should be greater than 0");
                return KV_ERROR;
            }
        } else if (kv_arg_is(o, "type") && more) {
            const kv_str_t *t = &c->argv[i + 1];
            if (kv_arg_is(t, "normal")) {
                continue;
            }
            if (kv_arg_is(t, "master") || kv_arg_is(t, "replica") ||
                kv_arg_is(t, "slave") || kv_arg_is(t, "pubsub")) {
                *none = 1;
                continue;
            }
            kv_reply_errorf(c, "Unknown client type '%.*s'",
                            kv_arg_cstrlen(t, INT_MAX), t->p);
            return KV_ERROR;
        } else if (kv_arg_is(o, "addr") && more) {
            *addr = &c->argv[i + 1];
        } else if (kv_arg_is(o, "laddr") && more) {
            *laddr = &c->argv[i + 1];
        } else if (kv_arg_is(o, "user") && more) {
            if (!kv_arg_is(&c->argv[i + 1], "default")) {
                kv_reply_errorf(c, "No such user '%.*s'",
                                kv_arg_cstrlen(&c->argv[i + 1], INT_MAX),
                                c->argv[i + 1].p);
                return KV_ERROR;
            }
        } else if (kv_arg_is(o, "skipme") && more) {
            if (kv_arg_is(&c->argv[i + 1], "yes")) {
                *skipme = 1;
            } else if (kv_arg_is(&c->argv[i + 1], "no")) {
                *skipme = 0;
            } else {
                kv_reply_error(c, "syntax error");
                return KV_ERROR;
            }
        } else {
            kv_reply_error(c, "syntax error");
            return KV_ERROR;
        }
    }
    return KV_OK;
}

static int kv_str_eq(const kv_str_t *a, const char *s)
{
    return a->len == strlen(s) && memcmp(a->p, s, a->len) == 0;
}

/* Kill this worker's clients that match; returns how many. */
static long long kv_client_kill_local(kv_client_t *self, uint64_t caller,
                                      long long id, const kv_str_t *addr,
                                      const kv_str_t *laddr, int skipme,
                                      int none)
{
    long long killed = 0;

    if (none) {
        return 0;
    }
    for (kv_client_t *cl = kv_worker.clients; cl != NULL; cl = cl->next) {
        if (cl->flags & KV_CLIENT_CLOSING) {
            continue;
        }
        if ((id && (uint64_t) id != cl->id) ||
            (addr && !kv_str_eq(addr, cl->addr)) ||
            (laddr && !kv_str_eq(laddr, cl->laddr)) ||
            (skipme && cl->id == caller)) {
            continue;
        }
        killed++;
        if (cl == self || cl->id == caller) {
            /* The caller itself: its reply goes out first. */
            cl->flags |= KV_CLIENT_CLOSE_AFTER_REPLY;
        } else {
            kv_client_close(cl);
        }
    }
    return killed;
}

/* CLIENT KILL on one worker (the only one, or the only one asked). */
void kv_cmd_client_kill(kv_client_t *c)
{
    const kv_str_t *addr, *laddr;
    long long id, killed;
    int skipme, none;

    if (kv_client_kill_parse(c, 2, &id, &addr, &laddr, &skipme, &none) !=
        KV_OK) {
        return;
    }
    killed = kv_client_kill_local(c, c->id, id, addr, laddr, skipme, none);
    if (c->argc == 3) {
        if (killed == 0) {
            kv_reply_error(c, "No such client");
        } else {
            kv_reply_ok(c);
        }
    } else {
        kv_reply_int(c, killed);
    }
}

/* "@clientkill caller-id args...": this worker's share of a CLIENT KILL,
 * as a count (the options were checked by the origin). */
void kv_cmd_int_clientkill(kv_client_t *c)
{
    const kv_str_t *addr, *laddr;
    long long id, caller = 0;
    int skipme, none;

    /* "@clientkill caller args..." has its options where "CLIENT KILL
     * args..." has them: from argv[2] on. */
    (void) kv_string2ll(c->argv[1].p, c->argv[1].len, &caller);
    if (kv_client_kill_parse(c, 2, &id, &addr, &laddr, &skipme, &none) !=
        KV_OK) {
        return;
    }
    kv_reply_int(c, kv_client_kill_local(c, (uint64_t) caller, id, addr, laddr,
                                         skipme, none));
}

void kv_cmd_client_noevict(kv_client_t *c)
{
    if (kv_arg_is(&c->argv[2], "on") || kv_arg_is(&c->argv[2], "off")) {
        kv_reply_ok(c);
    } else {
        kv_reply_error(c, "syntax error");
    }
}

void kv_cmd_client_help(kv_client_t *c)
{
    static const char *const help[] = {
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        NULL
    };

    kv_reply_help(c, help);
}
