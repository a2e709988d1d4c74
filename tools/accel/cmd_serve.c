/* cmd_serve.c — `accel serve`: accel over HTTP (docs/serve.md).
 *
 *   accel serve [--listen HOST:PORT] [--device D] [--workers N] [--queue N]
 *               [--body-limit-mb MB] [--time-limit S] [--client-timeout S]
 *
 * The options are the settings ACCEL_SERVE_* given on the command line: they are validated by
 * the configuration like every other setting (the error names the key and the values
 * allowed) and win over the environment and the file. The bearer token is a setting only
 * (ACCEL_SERVE_TOKEN): a command line is visible to every user of the machine.
 *
 * The server itself lives in tools/accel/serve/ and needs libmicrohttpd; a build without it
 * still has this verb, which then says what to install.
 * Exit codes: 0 stopped cleanly (SIGTERM or SIGINT, everything in flight answered), 1 could
 * not start (or not built in), 2 usage or configuration error. */
#include "cli.h"

#ifdef ACCEL_HAVE_MICROHTTPD
#include "serve/serve.h"
#endif

#include <stdlib.h>
#include <string.h>

const char *const accel_cli_serve_help =
    "serve status, Prometheus metrics, operations and a dashboard over HTTP ([--listen HOST:PORT])";

enum { O_LISTEN, O_DEVICE, O_WORKERS, O_QUEUE, O_BODY, O_TIME, O_CLIENT, N_OPTS };
static const cli_opt opts[] = {
    [O_LISTEN] = {"--listen", NULL, CLI_STR, "HOST:PORT",
                  "where to listen (ACCEL_SERVE_LISTEN; default 127.0.0.1:8765;\n"
                  "[::1]:PORT for IPv6; port 0: any free port)", 0, 0, NULL, 0},
    [O_DEVICE] = CLI_OPT_DEVICE("default auto;\n"
                                "sets ACCEL_BACKEND (a kind) or ACCEL_DEVICE (an index or a bus id)"),
    [O_WORKERS] = {"--workers", NULL, CLI_INT, "N",
                   "threads running operations (ACCEL_SERVE_WORKERS; default: the\nusable cores)",
                   1, 256, NULL, 0},
    [O_QUEUE] = {"--queue", NULL, CLI_INT, "N",
                 "operation requests that may wait; one more gets 503 (ACCEL_SERVE_QUEUE;\n"
                 "default 64)", 0, 100000, NULL, 0},
    [O_BODY] = {"--body-limit-mb", NULL, CLI_NUM, "MB",
                "the largest request body, 413 beyond (ACCEL_SERVE_BODY_LIMIT_MB;\ndefault 64)",
                0, 4096, NULL, CLI_MIN_EXCLUSIVE},
    [O_TIME] = {"--time-limit", NULL, CLI_NUM, "SECONDS",
                "the longest an operation request may take, queue included; 503\nbeyond "
                "(ACCEL_SERVE_TIME_LIMIT_S; default 60)", 0, 86400, NULL, CLI_MIN_EXCLUSIVE},
    [O_CLIENT] = {"--client-timeout", NULL, CLI_NUM, "SECONDS",
                  "time to send a request, 408 beyond; idle connections close\n"
                  "(ACCEL_SERVE_CLIENT_TIMEOUT_S; default 30)", 0, 3600, NULL, CLI_MIN_EXCLUSIVE},
};
static const cli_verb verb = {
    .name = "serve",
    .synopsis = "[--listen HOST:PORT] [--device D] [--workers N] [--queue N]\n"
                "                   [--body-limit-mb MB] [--time-limit S] [--client-timeout S]",
    .about = "Endpoints: GET / (dashboard), /healthz, /readyz, /status, /metrics (Prometheus);\n"
             "POST /v1/audio/features?preset=P[&padding=M][&windows=1], /v1/image/quality,\n"
             "/v1/image/blob?model=scrfd|arcface[&size=S] with the file as the body.\n"
             "With ACCEL_SERVE_TOKEN set, everything but /, /healthz and /readyz needs\n"
             "'Authorization: Bearer <token>'. One log line per request on standard error.\n"
             "SIGTERM or SIGINT: stop accepting, finish what is in flight, exit 0.",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 stopped cleanly, 1 could not start, 2 usage or configuration error\n"
              "docs/serve.md describes the endpoints, the metrics and the settings",
};

int accel_cli_serve(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    accel_cli_device dev;
    if (accel_cli_device_parse("serve", a.v[O_DEVICE].set ? a.v[O_DEVICE].s : NULL, &dev) != 0)
        return 2;
#ifndef ACCEL_HAVE_MICROHTTPD
    accel_cli_error("serve", "this accel was built without libmicrohttpd, so `accel serve` is not "
                             "built in: install the Debian package libmicrohttpd-dev (scripts/deps.sh "
                             "build does) and rebuild");
    return 1;
#else
    /* the command line's values become settings (they win over the environment and the
     * file) and are validated with them */
    accel_option o[8];
    size_t n = 0;
    static const struct {
        int opt;
        const char *key;
    } keys[] = {{O_LISTEN, "ACCEL_SERVE_LISTEN"},      {O_WORKERS, "ACCEL_SERVE_WORKERS"},
                {O_QUEUE, "ACCEL_SERVE_QUEUE"},        {O_BODY, "ACCEL_SERVE_BODY_LIMIT_MB"},
                {O_TIME, "ACCEL_SERVE_TIME_LIMIT_S"}, {O_CLIENT, "ACCEL_SERVE_CLIENT_TIMEOUT_S"}};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (a.v[keys[i].opt].set) o[n++] = (accel_option){keys[i].key, a.v[keys[i].opt].s};
    n += accel_cli_device_setting(&dev, &o[n]);
    accel_ctx *cfg_ctx = NULL;
    accel_status st = accel_ctx_create(&cfg_ctx, o, n, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP);
    if (st != ACCEL_OK) {
        const char *why = accel_last_error(NULL)[0] ? accel_last_error(NULL) : accel_strerror(st);
        /* a value from the command line is named as it was given there, not as the setting
         * it became ("ACCEL_SERVE_LISTEN=x (from api): …" → "--listen x: …") */
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            if (!a.v[keys[i].opt].set) continue;
            char head[700];
            int k = snprintf(head, sizeof head, "%s=%s (from api): ", keys[i].key, a.v[keys[i].opt].s);
            if (k > 0 && (size_t)k < sizeof head && strncmp(why, head, (size_t)k) == 0) {
                accel_cli_error("serve", "%s %s: %s", opts[keys[i].opt].name, a.v[keys[i].opt].s, why + k);
                return 2;
            }
        }
        accel_cli_error("serve", "%s", why);
        return st == ACCEL_ERR_CONFIG ? 2 : 1;
    }
    sv_config c;
    memset(&c, 0, sizeof c);
    accel__strlcpy(c.listen, accel__cfg_str(cfg_ctx, ACCEL__CFG_SERVE_LISTEN), sizeof c.listen);
    /* named in the server's messages as the configuration's errors name it */
    if (a.v[O_LISTEN].set)
        snprintf(c.listen_name, sizeof c.listen_name, "--listen %s", c.listen);
    else
        snprintf(c.listen_name, sizeof c.listen_name, "ACCEL_SERVE_LISTEN=%s (from %s)", c.listen,
                 accel__cfg_source(cfg_ctx, ACCEL__CFG_SERVE_LISTEN));
    accel__strlcpy(c.token, accel__cfg_str(cfg_ctx, ACCEL__CFG_SERVE_TOKEN), sizeof c.token);
    long long w = accel__cfg_int(cfg_ctx, ACCEL__CFG_SERVE_WORKERS);
    if (w < 1) {
        const accel_device_info *cpu = NULL;
        size_t nd = 0;
        accel_device_count(cfg_ctx, &nd);
        if (nd && accel_device_get(cfg_ctx, nd - 1, &cpu) == ACCEL_OK && cpu->usable_cores > 0)
            w = cpu->usable_cores;
        else
            w = 1;
    }
    c.workers = (int)w;
    c.queue = (int)accel__cfg_int(cfg_ctx, ACCEL__CFG_SERVE_QUEUE);
    c.body_limit = (int64_t)(accel__cfg_double(cfg_ctx, ACCEL__CFG_SERVE_BODY_LIMIT_MB) * 1024 * 1024);
    c.time_limit_s = accel__cfg_double(cfg_ctx, ACCEL__CFG_SERVE_TIME_LIMIT_S);
    c.client_timeout_s = accel__cfg_double(cfg_ctx, ACCEL__CFG_SERVE_CLIENT_TIMEOUT_S);
    accel_ctx_destroy(cfg_ctx);
    c.options = o;
    c.n_options = n;
    return sv_run(&c);
#endif
}
