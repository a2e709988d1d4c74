/* cli_device.c — --device D read once for every verb that runs on one device (cli_device.h).
 * Needs only the library, so that its fuzz target compiles it alone. */
#include "cli_device.h"

#include <stdio.h>
#include <string.h>

/* "REASON; allowed: …" in `why`: one message for every verb and for the Python package's
 * device=, the kinds from the backend table (as ACCEL_BACKEND's error names them), with the
 * nearest kind when D reads as a misspelt one. Returns -1. */
static int device_refused(const char *text, const char *reason, char *why, size_t cap)
{
    char names[200];
    accel__backend_names(names, sizeof names, ", ", 1);
    const char *near = strcmp(reason, "unknown device") == 0 ? accel__device_nearest(text, 0) : NULL;
    snprintf(why, cap,
             "%s; %s%s%sallowed: auto, %s, or a device index or PCI bus id such as 0000:01:00.0 "
             "(`accel devices` lists them)",
             reason, near ? "did you mean '" : "", near ? near : "", near ? "'? " : "", names);
    return -1;
}

int accel_cli_device_read(const char *text, accel_cli_device *d, char *why, size_t cap)
{
    accel__device_word w;
    const char *reason = accel__device_word_read(text, 0, &w); /* the library's one reading */
    *d = (accel_cli_device){text, w.kind, w.index, w.what == ACCEL__DEVICE_BUS ? text : NULL};
    return reason ? device_refused(text, reason, why, cap) : 0;
}

int accel_cli_device_parse(const char *verb, const char *text, accel_cli_device *d)
{
    char why[400];
    if (accel_cli_device_read(text, d, why, sizeof why) == 0) return 0;
    fprintf(stderr, "accel %s: error: --device %s%s%s: %s\n", verb, *text ? "" : "'", text,
            *text ? "" : "'", why);
    return 2;
}

size_t accel_cli_device_setting(const accel_cli_device *d, accel_option *opt)
{
    if (d->index >= 0 || d->bus) {
        *opt = (accel_option){"ACCEL_DEVICE", d->text};
        return 1;
    }
    if (d->kind) {
        *opt = (accel_option){"ACCEL_BACKEND", d->kind->name};
        return 1;
    }
    return 0;
}

int accel_cli_device_names(const accel_cli_device *d, const accel_device_info *info)
{
    if (d->kind) return info->kind == d->kind->kind && info->usable;
    if (d->index >= 0) return info->index == d->index;
    if (d->bus) return accel__device_matches(info, d->bus);
    return 1;
}
