/* cmd_config.c — `accel config [--show] [--get KEY]`: the effective configuration, each value
 * with where it came from (api, env, file:PATH:LINE, default). See docs/configuration.md. */
#include "cli.h"

#include <stdlib.h>

const char *const accel_cli_config_help =
    "print the effective configuration and where each value came from ([--show] [--get KEY])";

enum { O_SHOW, O_GET, O_JSON, O_FORMAT, O_OUTPUT, N_OPTS };
static const cli_opt opts[] = {
    [O_SHOW] = {"--show", NULL, CLI_FLAG, NULL, "every key, its value and its source (the default)",
                0, 0, NULL, 0},
    [O_GET] = {"--get", NULL, CLI_STR, "KEY", "one key: its value, a tab, its source", 0, 0, NULL,
               0},
    [O_JSON] = CLI_OPT_JSON,
    [O_FORMAT] = CLI_OPT_FORMAT,
    [O_OUTPUT] = CLI_OPT_OUTPUT,
};
static const cli_verb verb = {
    .name = "config",
    .synopsis = "[--show] [--get KEY] [--json | --format table|json|csv|md] [-o FILE]",
    .about = "Sources, strongest first: api, env, file:PATH:LINE, default.\n"
             "The file is $ACCEL_CONFIG, else $XDG_CONFIG_HOME/accel/config.ini, else\n"
             "~/.config/accel/config.ini (docs/configuration.md).",
    .opts = opts,
    .n_opts = N_OPTS,
    .footer = "exit status: 0 shown; 1 no context (an unreadable configuration file); 2 usage or\n"
              "configuration error",
};

static void json_entry(accel__json *j, const char *key, const char *value, const char *source,
                       const char *note)
{
    accel__json_begin_object(j, NULL);
    accel__json_str(j, "key", key);
    if (value[0])
        accel__json_str(j, "value", value);
    else
        accel__json_null(j, "value");
    accel__json_str(j, "source", source);
    if (note && note[0]) accel__json_str(j, "note", note);
    accel__json_end_object(j);
}

/* every line of --show, in a format other than the library's own text */
static void show(accel_ctx *ctx, cli_format fmt, FILE *f)
{
    const char *key, *value, *source, *note;
    if (fmt == CLI_FMT_JSON) {
        accel__json j;
        accel__json_init(&j, f, 1);
        accel__json_begin_object(&j, NULL);
        accel__json_begin_array(&j, "settings");
        for (size_t i = 0; accel__cfg_entry(ctx, i, &key, &value, &source, &note); i++)
            json_entry(&j, key, value, source, note);
        accel__json_end_array(&j);
        accel__json_end_object(&j);
        accel__json_finish(&j);
        return;
    }
    static const char *const head[] = {"key", "value", "source", "note"};
    cli_table t;
    cli_table_init(&t, 4, head, "llll");
    for (size_t i = 0; accel__cfg_entry(ctx, i, &key, &value, &source, &note); i++) {
        const char *row[] = {key, value, source, note};
        cli_table_add(&t, row);
    }
    cli_table_write(&t, fmt, f);
    cli_table_free(&t);
}

static int get(accel_ctx *ctx, const char *key, cli_format fmt, FILE *f)
{
    const char *value, *source;
    if (accel_config_get(ctx, key, &value, &source) != ACCEL_OK) {
        /* the nearest key and every key, as for an unknown option */
        const char *names[64], *k, *v, *src, *note;
        size_t n = 0;
        /* ACCEL_CONFIG and every listed key; the ACCEL_<OP>_GPU entries after them stand
         * for one name below */
        for (size_t i = 0; i <= ACCEL__CFG_COUNT && n < 62 &&
                           accel__cfg_entry(ctx, i, &k, &v, &src, &note);
             i++)
            names[n++] = k;
        names[n++] = "GPU_BACKEND";
        names[n++] = "ACCEL_<OP>_GPU";
        cli_error_unknown("config", "configuration key", key, names, n);
        return 2;
    }
    if (accel__cfg_op_key_unknown(key)) {
        /* ACCEL_<OP>_GPU of no operation (a typo, ACCEL_WHISPR_GPU): the keys that do exist */
        const char *names[64];
        char keys[64][96];
        size_t n = 0;
        for (size_t i = 0; i < accel__op_count() && n < 64; i++, n++) {
            accel__cfg_op_gpu_key(accel__op_at(i)->name, keys[n], sizeof keys[n]);
            names[n] = keys[n];
        }
        cli_error_unknown("config", "operation switch", key, names, n);
        return 2;
    }
    if (accel__cfg_secret(key) && value[0]) value = "(set, hidden)"; /* as --show says it */
    if (fmt == CLI_FMT_JSON) {
        accel__json j;
        accel__json_init(&j, f, 1);
        json_entry(&j, key, value, source, NULL);
        accel__json_finish(&j);
    } else if (fmt == CLI_FMT_CSV || fmt == CLI_FMT_MD) {
        static const char *const head[] = {"key", "value", "source"};
        cli_table t;
        cli_table_init(&t, 3, head, "lll");
        const char *row[] = {key, value, source};
        cli_table_add(&t, row);
        cli_table_write(&t, fmt, f);
        cli_table_free(&t);
    } else {
        fprintf(f, "%s\t%s\n", value, source);
    }
    return 0;
}

int accel_cli_config(int argc, char **argv)
{
    cli_args a;
    int pr = cli_parse(&verb, argc, argv, &a);
    cli_args_free(&a);
    if (pr != CLI_OK) return pr == CLI_HELP ? 0 : 2;
    if (a.v[O_SHOW].set && a.v[O_GET].set) { /* not one ignored */
        accel_cli_error(verb.name, "--show and --get: --show prints every key, --get one; give "
                                   "one of them");
        return 2;
    }
    /* The configuration alone: no device is discovered or opened. */
    int open_status;
    accel_ctx *ctx = accel_cli_open(verb.name, ACCEL_CTX_NO_DISCOVERY | ACCEL_CTX_NO_WARMUP, &open_status);
    if (!ctx) return open_status;
    cli_out o;
    if (cli_out_open(&o, verb.name, &a, O_JSON, O_FORMAT, O_OUTPUT) != 0) {
        accel_ctx_destroy(ctx);
        return 2;
    }
    int rc = 0;
    const char *key = a.v[O_GET].set ? a.v[O_GET].s : NULL;
    if (key) {
        rc = get(ctx, key, o.fmt, o.f);
        if (rc == 0 && cli_out_text(&o)) get(ctx, key, CLI_FMT_TABLE, stdout);
    } else {
        char *text = NULL;
        if (accel_config_dump(ctx, &text) == ACCEL_OK) {
            if (o.fmt == CLI_FMT_TABLE)
                fputs(text, o.f);
            else
                show(ctx, o.fmt, o.f);
            if (cli_out_text(&o)) fputs(text, stdout);
            free(text);
        } else {
            accel_cli_error("config", "%s", accel_last_error(ctx));
            rc = 2;
        }
    }
    if (rc)
        cli_out_discard(&o);
    else
        rc = cli_out_close(&o);
    accel_ctx_destroy(ctx);
    return rc;
}
