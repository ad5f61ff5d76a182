/*
 * args.c: the kevyd command line, parsed nginx's way: single-letter
 * options, groupable ("-tq"), values attached or separate ("-cfile",
 * "-c file").
 */
#include "args.h"

static const char *const kv_signal_names[] = { [KV_SIG_NONE] = "",
                                               [KV_SIG_RELOAD] = "reload",
                                               [KV_SIG_STOP] = "stop",
                                               [KV_SIG_QUIT] = "quit",
                                               [KV_SIG_REOPEN] = "reopen" };

kv_signal_t kv_args_signal(const char *name)
{
    for (size_t i = 1; i < KV_ARRAY_LEN(kv_signal_names); i++) {
        if (strcmp(name, kv_signal_names[i]) == 0) {
            return (kv_signal_t) i;
        }
    }
    return KV_SIG_NONE;
}

const char *kv_args_signal_name(kv_signal_t sig)
{
    if ((size_t) sig >= KV_ARRAY_LEN(kv_signal_names)) {
        return "";
    }
    return kv_signal_names[sig];
}

void kv_args_usage(FILE *out)
{
    fprintf(out,
            "Usage: " KV_NAME " [-?hvVtTq] [-s signal] [-c filename]\n"
            "\n"
            "Options:\n"
            "  -?,-h         : this help\n"
            "  -v            : show version and exit\n"
            "  -V            : show version and configure options then exit\n"
            "  -t            : test configuration and exit\n"
            "  -T            : test configuration, dump it and exit\n"
            "  -q            : suppress non-error messages during "
            "configuration testing\n"
            "  -s signal     : send signal to a master process: "
            "stop, quit, reopen, reload\n"
            "  -c filename   : set configuration file (default: "
            "%s)\n",
            KV_CONF_PATH);
}

/* Record a new action, refusing two different ones (-t with -s ...). */
static int kv_args_action(kv_args_t *args, kv_action_t act, char *err,
                          size_t errlen)
{
    if (args->action != KV_ACT_RUN && args->action != act &&
        act != KV_ACT_HELP && args->action != KV_ACT_HELP) {
        /* -T includes -t; the version flags are harmless together. */
        if ((args->action == KV_ACT_TEST && act == KV_ACT_DUMP) ||
            (args->action == KV_ACT_VERSION && act == KV_ACT_VERSION_FULL)) {
            args->action = act;
            return KV_OK;
        }
        if ((args->action == KV_ACT_DUMP && act == KV_ACT_TEST) ||
            (args->action == KV_ACT_VERSION_FULL && act == KV_ACT_VERSION)) {
            return KV_OK;
        }
        snprintf(err, errlen, "conflicting options");
        return KV_ERROR;
    }
    if (args->action != KV_ACT_HELP) {
        args->action = act;
    }
    return KV_OK;
}

int kv_args_parse(kv_args_t *args, int argc, char *const argv[], char *err,
                  size_t errlen)
{
    memset(args, 0, sizeof(*args));
    args->action = KV_ACT_RUN;
    args->conf_file = KV_CONF_PATH;

    for (int i = 1; i < argc; i++) {
        const char *p = argv[i];

        if (*p++ != '-' || *p == '\0') {
            snprintf(err, errlen, "invalid option: \"%s\"", argv[i]);
            return KV_ERROR;
        }
        while (*p) {
            char opt = *p++;
            const char *val = NULL;
            int rc = KV_OK;

            switch (opt) {
            case '?':
            case 'h':
                rc = kv_args_action(args, KV_ACT_HELP, err, errlen);
                break;
            case 'v':
                rc = kv_args_action(args, KV_ACT_VERSION, err, errlen);
                break;
            case 'V':
                rc = kv_args_action(args, KV_ACT_VERSION_FULL, err, errlen);
                break;
            case 't':
                rc = kv_args_action(args, KV_ACT_TEST, err, errlen);
                break;
            case 'T':
                rc = kv_args_action(args, KV_ACT_DUMP, err, errlen);
                break;
            case 'q':
                args->quiet = 1;
                break;
            case 'c':
            case 's':
                if (*p) {
                    val = p;
                } else if (i + 1 < argc) {
                    val = argv[++i];
                } else {
                    snprintf(err, errlen, "option \"-%c\" requires %s", opt,
                             opt == 'c' ? "file name" : "parameter");
                    return KV_ERROR;
                }
                p = "";
                if (opt == 'c') {
                    if (val[0] == '\0') {
                        snprintf(err, errlen,
                                 "option \"-c\" requires file name");
                        return KV_ERROR;
                    }
                    args->conf_file = val;
                    break;
                }
                args->signal = kv_args_signal(val);
                if (args->signal == KV_SIG_NONE) {
                    snprintf(err, errlen, "invalid option: \"-s %s\"", val);
                    return KV_ERROR;
                }
                rc = kv_args_action(args, KV_ACT_SIGNAL, err, errlen);
                break;
            default:
                snprintf(err, errlen, "invalid option: \"%s\"", argv[i]);
                return KV_ERROR;
            }
            if (rc != KV_OK) {
                return rc;
            }
        }
    }
    return KV_OK;
}
