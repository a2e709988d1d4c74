/* cli.c — `python -m accel`: the accel binary's read-only verbs (devices, doctor, select,
 * config), run by the binary's own code (tools/accel/cmd_*.c and the option parser, compiled
 * into this extension), so that their options, help, reports and exit codes are the binary's
 * by construction. What differs is only what names the program: its usage lists these four
 * verbs and says where the others are.
 *
 * _accel.cli(args) runs one command line and returns its exit code. The verbs write with C's
 * stdio to the process's standard output and error (both flushed before returning), so this
 * is for a process that is the command (accel/__main__.py), not for a library call. */
#include "pyaccel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* sorted by name, as the usage lists them */
static const accel_cli_verb verbs[] = {
    {"config", accel_cli_config, &accel_cli_config_help},
    {"devices", accel_cli_devices, &accel_cli_devices_help},
    {"doctor", accel_cli_doctor, &accel_cli_doctor_help},
    {"select", accel_cli_select, &accel_cli_select_help},
};
#define N_VERBS (sizeof verbs / sizeof *verbs)

/* every verb of the binary (the generated list of tools/accel/cmd_*.c) */
static const char *const all_verbs[] = {
#define ACCEL_VERB(n) #n,
#include "cli_verbs.h"
#undef ACCEL_VERB
};

static const accel_cli_verb *find_verb(const char *name)
{
    for (size_t i = 0; i < N_VERBS; i++)
        if (strcmp(name, verbs[i].name) == 0) return &verbs[i];
    return NULL;
}

static int in_binary_only(const char *name)
{
    for (size_t i = 0; i < sizeof all_verbs / sizeof *all_verbs; i++)
        if (strcmp(name, all_verbs[i]) == 0) return !find_verb(name);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: python -m accel <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < N_VERBS; i++) fprintf(f, "  %-10s %s\n", verbs[i].name, *verbs[i].help);
    fprintf(f, "\n`python -m accel help <command>` or `python -m accel <command> --help` describes "
               "a\ncommand's options, as the accel binary's do. Every command takes -o FILE (the\n"
               "report written to FILE atomically); --json and --format table|json|csv|md where\n"
               "the binary takes them. The binary's other commands:\n  ");
    int first = 1;
    for (size_t i = 0; i < sizeof all_verbs / sizeof *all_verbs; i++)
        if (!find_verb(all_verbs[i])) {
            fprintf(f, "%s%s", first ? "" : ", ", all_verbs[i]);
            first = 0;
        }
    fprintf(f, "\n");
}

static int unknown_verb(const char *name)
{
    if (in_binary_only(name)) {
        fprintf(stderr, "accel: error: '%s' is a command of the accel binary; python -m accel has ",
                name);
        for (size_t i = 0; i < N_VERBS; i++) fprintf(stderr, "%s%s", i ? ", " : "", verbs[i].name);
        fprintf(stderr, " (and help)\n");
        return 2;
    }
    const char *names[N_VERBS + 1];
    for (size_t i = 0; i < N_VERBS; i++) names[i] = verbs[i].name;
    names[N_VERBS] = "help";
    cli_error_unknown(NULL, "command", name, names, N_VERBS + 1);
    return 2;
}

static PyObject *py_cli(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *list;
    if (!PyArg_ParseTuple(args, "O:cli", &list)) return NULL;
    PyObject *seq = PySequence_Fast(list, "cli() takes a list of str");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Size(seq);
    /* one spare slot: the NULL that ends argv */
    char **argv = n >= 0 ? calloc((size_t)n + 2, sizeof *argv) : NULL;
    if (!argv) {
        Py_DECREF(seq);
        return n < 0 ? NULL : pa_no_memory("cli: out of memory for %zd arguments", n);
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        /* an argument that is not UTF-8 (sys.argv holds it with surrogates) is given to the
         * verbs as the bytes the binary would have had */
        PyObject *b = item && PyUnicode_Check(item) ? pa_encode_text(item) : NULL;
        const char *s = b ? PyBytes_AsString(b) : NULL;
        if (!s) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "cli() takes a list of str");
            Py_XDECREF(b);
            Py_XDECREF(item);
            goto fail;
        }
        argv[i] = strdup(s);
        Py_DECREF(b);
        Py_DECREF(item);
        if (!argv[i]) {
            pa_no_memory("cli: out of memory for argument %zd", i);
            goto fail;
        }
    }
    Py_DECREF(seq);
    /* the verbs get their own array of the copies (they never touch a Python object) */
    char **copy = calloc((size_t)n + 2, sizeof *copy);
    if (!copy) {
        seq = NULL;
        pa_no_memory("cli: out of memory for %zd arguments", n);
        goto fail;
    }
    memcpy(copy, argv, (size_t)n * sizeof *copy);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    static const accel_cli_program prog = {"python -m accel", verbs, N_VERBS, usage, unknown_verb};
    rc = accel_cli_run(&prog, (int)n, copy);
    fflush(stdout);
    fflush(stderr);
    Py_END_ALLOW_THREADS
    free(copy);
    for (Py_ssize_t i = 0; i < n; i++) free(argv[i]);
    free(argv);
    return PyLong_FromLong(rc);
fail:
    Py_XDECREF(seq);
    for (Py_ssize_t i = 0; i < n; i++) free(argv[i]);
    free(argv);
    return NULL;
}

/* _accel.device_setting(text): the setting that asks for the device `text` names, read as the
 * CLI's --device reads it (tools/accel/cli_device.c): ("ACCEL_BACKEND", KIND) for a kind or
 * alias in any case, ("ACCEL_DEVICE", INDEX or BUS), or None for auto; an accel.ConfigError "device
 * 'tpu': unknown device; did you mean 'cpu'? allowed: …" otherwise (the CLI's words). */
static PyObject *py_device_setting(PyObject *self, PyObject *args)
{
    (void)self;
    pa_path text;
    if (!PyArg_ParseTuple(args, "O&:device_setting", pa_text_arg, &text)) return NULL;
    accel_cli_device d;
    char why[400], msg[520];
    if (accel_cli_device_read(text.text, &d, why, sizeof why) != 0) {
        /* device= also takes what --device does not: an accel.Device */
        snprintf(msg, sizeof msg, "device '%s': %s; or an accel.Device", text.text, why);
        pa_path_release(&text);
        return pa_raise(ACCEL_ERR_CONFIG, msg);
    }
    accel_option opt;
    PyObject *r = NULL;
    if (!accel_cli_device_setting(&d, &opt)) {
        r = Py_None;
        Py_INCREF(r);
    } else { /* a bus id is the text as given: read it before the text goes */
        r = Py_BuildValue("(NN)", pa_decode(opt.key), pa_decode(opt.value));
    }
    pa_path_release(&text);
    return r;
}

static PyMethodDef cli_methods[] = {
    {"cli", py_cli, METH_VARARGS,
     "cli(args, /)\n--\n\nRuns `accel ARGS…` for the read-only verbs (devices, doctor, select,\n"
     "config, help), writing to the process's standard output and error; returns the exit\n"
     "code. For `python -m accel`, a process that is the command."},
    {"device_setting", py_device_setting, METH_VARARGS,
     "device_setting(text, /)\n--\n\nThe setting for a device named as the CLI's --device names "
     "it:\n(\"ACCEL_BACKEND\", kind), (\"ACCEL_DEVICE\", index) or None for auto; "
     "accel.ConfigError\nwith the CLI's reason and the values allowed otherwise."},
    {NULL, NULL, 0, NULL},
};

int pa_cli_init(PyObject *module) { return PyModule_AddFunctions(module, cli_methods); }
