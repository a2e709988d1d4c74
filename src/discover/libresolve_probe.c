/* libresolve_probe.c — a library's trial load, in a probe child: dlopen by soname (so the real
 * loader picks the file, as it will for a program), the link map says which file it took,
 * then the library's own hook (version functions, a first call into a sub-library). A crash
 * or a hang in any of it is a verdict, not a dead host process. */
#include "discover/libresolve.h"

#include "vendor/dl_open.h"

#include <dlfcn.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */

typedef struct {
    const char *soname;
    accel__lib_probe_hook hook;
} load_arg;

static int load_child(void *argp, accel__probe_chan *chan)
{
    const load_arg *a = argp;
    accel__lib_probe_out out;
    memset(&out, 0, sizeof out);
    out.version_number = -1;
    out.cuda_version = -1;
    accel__probe_step(chan, "loading %s", a->soname);
    void *lib = dlopen(a->soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        accel__probe_fail(chan, "dlopen failed: %s", e ? e : "unknown error");
        return 2;
    }
    accel__dl_path(lib, out.loaded_path, sizeof out.loaded_path);
    int rc = 0;
    if (a->hook) rc = a->hook(lib, chan, &out);
    accel__probe_reply(chan, &out, sizeof out);
    /* No dlclose: some vendor libraries crash in their destructors, which would turn a good
     * verdict bad for a reason that never hurts a real program. _exit skips them. */
    return rc;
}

accel_status accel__lib_probe_load(const char *soname, accel__lib_probe_hook hook, int timeout_ms,
                                   accel__lib_load *out)
{
    memset(out, 0, sizeof *out);
    out->attempted = 1;
    load_arg a = {soname, hook};
    accel__probe_result r;
    FORWARD_IF_ERROR(accel__probe_run(soname, load_child, &a, timeout_ms, &r));
    out->ok = r.ok;
    out->crashed = r.signal != 0 || r.timed_out;
    out->elapsed_ms = r.elapsed_ms;
    accel__strlcpy(out->verdict, r.verdict, sizeof out->verdict);
    accel__probe_output_line(r.output, r.output_lost, out->output, sizeof out->output);
    if (r.reply && r.reply_len == sizeof out->out) {
        memcpy(&out->out, r.reply, sizeof out->out);
        out->have_out = 1;
    }
    accel__probe_result_free(&r);
    return ACCEL_OK;
}
