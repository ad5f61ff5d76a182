/*
 * args.h: the kevyd command line.
 *
 *   kevyd [-?hvVtTq] [-s signal] [-c file]
 */
#ifndef KV_ARGS_H
#define KV_ARGS_H

#include "kevyd.h"

typedef enum {
    KV_ACT_RUN = 0,
    KV_ACT_HELP,
    KV_ACT_VERSION,      /* -v */
    KV_ACT_VERSION_FULL, /* -V */
    KV_ACT_TEST,         /* -t */
    KV_ACT_DUMP,         /* -T */
    KV_ACT_SIGNAL        /* -s */
} kv_action_t;

typedef enum {
    KV_SIG_NONE = 0,
    KV_SIG_RELOAD,
    KV_SIG_STOP,
    KV_SIG_QUIT,
    KV_SIG_REOPEN
} kv_signal_t;

typedef struct {
    kv_action_t action;
    kv_signal_t signal;
    const char *conf_file; /* KV_CONF_PATH when -c is absent */
    int quiet;             /* -q */
} kv_args_t;

/*
 * Parse argv. On error returns KV_ERROR and writes a message such as
 *   option "-s" requires parameter
 *   invalid option: "-x"
 *   invalid option: "-s foo"
 * into err. Options may be grouped ("-tq") and values attached ("-cfile")
 * as with nginx.
 */
int kv_args_parse(kv_args_t *args, int argc, char *const argv[], char *err,
                  size_t errlen);

/* "reload" -> KV_SIG_RELOAD; KV_SIG_NONE when unknown. */
kv_signal_t kv_args_signal(const char *name);
const char *kv_args_signal_name(kv_signal_t sig);

void kv_args_usage(FILE *out);

#endif /* KV_ARGS_H */
