/*
 * listen.c: opening the listeners (master only).
 *
 * SO_REUSEPORT lets every worker slot own a socket on the same address,
 * but it would also let a second kevyd (or anything else of the same user
 * that sets it) quietly share our port. So before the group is bound, the
 * address is probed with a plain socket: if that bind fails with
 * EADDRINUSE, somebody is there and we refuse to start.
 */
#include "listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"

typedef struct {
    struct sockaddr_storage sa;
    socklen_t len;
    char name[128];
} kv_addr_t;

static int kv_listen_parse(const char *host, int port, kv_addr_t *a)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *) &a->sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &a->sa;

    memset(a, 0, sizeof(*a));
    if (strcmp(host, "*") == 0) {
        host = "0.0.0.0";
    }
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t) port);
        a->len = sizeof(*in4);
        snprintf(a->name, sizeof(a->name), "%s:%d", host, port);
        return KV_OK;
    }
    if (strcmp(host, "::*") == 0) {
        host = "::";
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t) port);
        a->len = sizeof(*in6);
        snprintf(a->name, sizeof(a->name), "[%s]:%d", host, port);
        return KV_OK;
    }
    return KV_ERROR;
}

static int kv_listen_socket(const kv_addr_t *a, int reuseport, int backlog)
{
    int fd, on = 1;

    fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        kv_log(KV_LOG_EMERG, errno, "socket() for %s failed", a->name);
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) {
        kv_log(KV_LOG_EMERG, errno, "setsockopt(SO_REUSEADDR) %s failed",
               a->name);
        close(fd);
        return -1;
    }
    if (reuseport &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) {
        kv_log(KV_LOG_EMERG, errno, "setsockopt(SO_REUSEPORT) %s failed",
               a->name);
        close(fd);
        return -1;
    }
    if (a->sa.ss_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) {
        kv_log(KV_LOG_EMERG, errno, "setsockopt(IPV6_V6ONLY) %s failed",
               a->name);
        close(fd);
        return -1;
    }
    if (bind(fd, (const struct sockaddr *) &a->sa, a->len) < 0) {
        kv_log(KV_LOG_EMERG, errno, "bind() to %s failed", a->name);
        close(fd);
        return -1;
    }
    if (backlog > 0 && listen(fd, backlog) < 0) {
        kv_log(KV_LOG_EMERG, errno, "listen() on %s failed", a->name);
        close(fd);
        return -1;
    }
    return fd;
}

static int kv_listen_unix(kv_listen_set_t *set, const kv_conf_t *conf)
{
    struct sockaddr_un un;
    kv_listen_t *l = &set->ls[set->n];
    int fd;

    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    if (strlen(conf->unixsocket) >= sizeof(un.sun_path)) {
        kv_log(KV_LOG_EMERG, 0, "unixsocket \"%s\" is too long",
               conf->unixsocket);
        return KV_ERROR;
    }
    strcpy(un.sun_path, conf->unixsocket);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        kv_log(KV_LOG_EMERG, errno, "socket(AF_UNIX) failed");
        return KV_ERROR;
    }
    /* Like Redis, a socket file left by a previous run is replaced. */
    (void) unlink(conf->unixsocket);
    if (bind(fd, (struct sockaddr *) &un, sizeof(un)) < 0) {
        kv_log(KV_LOG_EMERG, errno, "bind() to %s failed", conf->unixsocket);
        close(fd);
        return KV_ERROR;
    }
    if (conf->unixsocketperm != 0 &&
        chmod(conf->unixsocket, (mode_t) conf->unixsocketperm) < 0) {
        kv_log(KV_LOG_EMERG, errno, "chmod() \"%s\" failed", conf->unixsocket);
        close(fd);
        return KV_ERROR;
    }
    if (listen(fd, conf->tcp_backlog) < 0) {
        kv_log(KV_LOG_EMERG, errno, "listen() on %s failed", conf->unixsocket);
        close(fd);
        return KV_ERROR;
    }
    l->fd = fd;
    l->slot = -1;
    l->is_unix = 1;
    /* sun_path is shorter than name, checked above: no truncation. */
    memcpy(l->name, un.sun_path, sizeof(un.sun_path));
    set->n++;
    return KV_OK;
}

int kv_listen_open(kv_listen_set_t *set, const kv_conf_t *conf, int nslots)
{
    char hosts[KV_CONF_STR_MAX], *save = NULL, *h;
    int nbind = 0;

    set->n = 0;
    if (conf->port != 0) {
        snprintf(hosts, sizeof(hosts), "%s", conf->bind);
        for (h = strtok_r(hosts, " \t", &save); h != NULL;
             h = strtok_r(NULL, " \t", &save)) {
            kv_addr_t a;
            int probe;

            if (++nbind > KV_MAX_BIND) {
                kv_log(KV_LOG_EMERG, 0, "too many bind addresses (max %d)",
                       KV_MAX_BIND);
                goto failed;
            }
            if (kv_listen_parse(h, conf->port, &a) != KV_OK) {
                kv_log(KV_LOG_EMERG, 0, "invalid bind address \"%s\"", h);
                goto failed;
            }
            probe = kv_listen_socket(&a, 0, 0);
            if (probe < 0) {
                goto failed;
            }
            close(probe);
            for (int s = 0; s < nslots; s++) {
                kv_listen_t *l = &set->ls[set->n];
                l->fd = kv_listen_socket(&a, 1, conf->tcp_backlog);
                if (l->fd < 0) {
                    goto failed;
                }
                l->slot = s;
                l->is_unix = 0;
                snprintf(l->name, sizeof(l->name), "%s", a.name);
                set->n++;
            }
            kv_log(KV_LOG_NOTICE, 0, "listening on %s (%d sockets)", a.name,
                   nslots);
        }
    }
    if (conf->unixsocket[0] != '\0') {
        if (kv_listen_unix(set, conf) != KV_OK) {
            goto failed;
        }
        kv_log(KV_LOG_NOTICE, 0, "listening on unix socket %s",
               conf->unixsocket);
    }
    return KV_OK;

failed:
    kv_listen_close(set);
    return KV_ERROR;
}

void kv_listen_close(kv_listen_set_t *set)
{
    for (int i = 0; i < set->n; i++) {
        if (set->ls[i].fd >= 0) {
            close(set->ls[i].fd);
            set->ls[i].fd = -1;
        }
    }
    set->n = 0;
}

void kv_listen_keep_slot(kv_listen_set_t *set, int slot)
{
    for (int i = 0; i < set->n; i++) {
        if (set->ls[i].slot >= 0 && set->ls[i].slot != slot &&
            set->ls[i].fd >= 0) {
            close(set->ls[i].fd);
            set->ls[i].fd = -1;
        }
    }
}
