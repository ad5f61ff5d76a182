/*
 * channel.c: fixed-size messages over a SOCK_SEQPACKET socketpair.
 */
#include "channel.h"

#include <sys/socket.h>

#include "log.h"

int kv_channel_open(int fds[2])
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds) < 0) {
        kv_log(KV_LOG_ALERT, errno, "socketpair() failed");
        return KV_ERROR;
    }
    return KV_OK;
}

int kv_channel_write(int fd, uint32_t cmd, int slot, uint64_t arg)
{
    kv_channel_msg_t msg;
    ssize_t n;

    memset(&msg, 0, sizeof(msg));
    msg.cmd = cmd;
    msg.slot = slot;
    msg.pid = (int32_t) getpid();
    msg.arg = arg;
    do {
        n = send(fd, &msg, sizeof(msg), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t) sizeof(msg)) {
        return KV_OK;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        kv_log(KV_LOG_ALERT, 0, "channel full, %s message to slot %d lost",
               kv_channel_cmd_name(cmd), slot);
        return KV_AGAIN;
    }
    if (n < 0 && errno != EPIPE && errno != ECONNRESET) {
        kv_log(KV_LOG_ALERT, errno, "send() on channel failed");
    }
    return KV_ERROR;
}

int kv_channel_read(int fd, kv_channel_msg_t *msg)
{
    ssize_t n;

    do {
        n = recv(fd, msg, sizeof(*msg), 0);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t) sizeof(*msg)) {
        return KV_OK;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return KV_AGAIN;
    }
    if (n < 0 && errno != ECONNRESET) {
        kv_log(KV_LOG_ALERT, errno, "recv() on channel failed");
    } else if (n > 0) {
        kv_log(KV_LOG_ALERT, 0, "short message (%zd bytes) on channel", n);
    }
    return KV_ERROR;
}

const char *kv_channel_cmd_name(uint32_t cmd)
{
    static const char *const names[] = { "?",          "QUIT",     "TERMINATE",
                                         "REOPEN",     "CONFIG",   "READY",
                                         "CONFIG_ACK", "SHUTDOWN", "PEER_DIED",
                                         "DRAINED" };

    if (cmd >= KV_ARRAY_LEN(names)) {
        return "?";
    }
    return names[cmd];
}
