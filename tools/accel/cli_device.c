/* cli_device.c — --device D read once for every verb that runs on one device (cli_device.h).
 * Needs only the library, so that its fuzz target compiles it alone. */
#include "cli_device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
    d->text = text;
    d->kind = NULL;
    d->index = -1;
    d->bus = NULL;
    if (!text || strcasecmp(text, "auto") == 0) return 0;
    if (!*text) return device_refused(text, "an empty device name", why, cap);
    const char *p = text + (*text == '-' || *text == '+');
    size_t digits = strspn(p, "0123456789");
    if (digits && !p[digits]) {
        /* digits only: " 1" and "+1" are no index `accel devices` prints */
        if (*text == '-') return device_refused(text, "a device index is 0 or more", why, cap);
        if (*text == '+') return device_refused(text, "a device index is digits only", why, cap);
        errno = 0;
        long v = strtol(text, NULL, 10);
        /* past 2^63 - 1 ACCEL_DEVICE refuses it: refused here in --device's words */
        if (errno == ERANGE) return device_refused(text, "no device has an index this large", why, cap);
        d->index = v;
        return 0;
    }
    /* bench's words for several devices: not "did you mean 'cpu'?" for gpu */
    if (strcasecmp(text, "gpu") == 0 || strcasecmp(text, "all") == 0)
        return device_refused(text, "names several devices, as only `accel bench` takes", why, cap);
    d->kind = accel__backend_find(text); /* a name or alias, any case */
    if (d->kind) return 0;
    /* read as ACCEL_DEVICE's check and the selection read it: a spelling accepted here is one
     * the library matches */
    uint64_t bus;
    if (accel__pci_bus_id_parse(text, &bus) == 0) {
        d->bus = text;
        return 0;
    }
    if (strchr(text, ':'))
        return device_refused(text, "not a PCI bus id ([DOMAIN:]BUS:DEVICE.FUNCTION, hexadecimal)",
                              why, cap);
    return device_refused(text, "unknown device", why, cap);
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
