/* fuzz_cli_device — `--device D` as every verb that runs on one device reads it, and the
 * Python package's device= (tools/accel/cli_device.c: accel_cli_device_read and _parse, the
 * setting it becomes, and whether it names a device). The input is D. Whatever the text:
 *   - a parse that succeeds gives exactly one of auto, a kind, an index or a bus id: auto only
 *     for "auto" in any case; a kind only as the backend table finds the text; an index only
 *     from digits, 0 or more, the number they spell; a bus id only for text the library's
 *     parser reads, kept as given;
 *   - a text refused returns 2 and leaves no kind, index nor bus id; the reading without
 *     printing refuses the same texts, its reason a terminated line ending in the values
 *     allowed;
 *   - the setting it becomes is none for auto, ACCEL_BACKEND=<the kind's name>, or
 *     ACCEL_DEVICE=<the text>, and the configuration accepts it (what --device takes,
 *     ACCEL_DEVICE takes);
 *   - round trips: an index names the device of that index and not the next; a bus id names
 *     a device whose bus id is the same address in sysfs's spelling, and not one a function
 *     along nor one without a bus id; a kind names a usable device of its kind, not an
 *     unusable one; auto names any.
 * The refusals go to standard error, which the run discards:
 * fuzz.sh flags: -close_fd_mask=3 -max_len=128
 *
 * Seeds: the values of docs/cli.md's "Devices" and ACCEL_DEVICE's forms
 * (scripts/fuzz_seeds.sh). */
#include "fuzz.h"

/* the reader is part of the accel program, not of the library: compiled in here */
#include "../../tools/accel/cli_device.c"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    /* the setting alone decides what the configuration accepts: no ACCEL_* from the
     * environment, no configuration file */
    fuzz_no_settings();
    return 0;
}

static int all_digits(const char *s) { return *s && !s[strspn(s, "0123456789")]; }

/* What the parse gave is one reading, the one the text has. */
static void check_reading(const char *text, const accel_cli_device *d)
{
    FUZZ_CHECK(d->text == text);
    int auto_ = !d->kind && d->index < 0 && !d->bus;
    FUZZ_CHECK(auto_ + !!d->kind + (d->index >= 0) + !!d->bus == 1);
    FUZZ_CHECK(auto_ == (strcasecmp(text, "auto") == 0));
    if (d->kind) FUZZ_CHECK(d->kind == accel__backend_find(text));
    if (d->index >= 0) {
        FUZZ_CHECK(all_digits(text));
        errno = 0;
        long v = strtol(text, NULL, 10);
        FUZZ_CHECK(errno == 0 && d->index == v);
    }
    uint64_t bus;
    if (d->bus) FUZZ_CHECK(d->bus == text && accel__pci_bus_id_parse(text, &bus) == 0);
}

/* The setting is the one the reading asks for, and the configuration takes it. */
static void check_setting(const accel_cli_device *d)
{
    accel_option opt = {NULL, NULL};
    size_t n = accel_cli_device_setting(d, &opt);
    if (!d->kind && d->index < 0 && !d->bus) {
        FUZZ_CHECK(n == 0);
        return;
    }
    FUZZ_CHECK(n == 1);
    if (d->kind)
        FUZZ_CHECK(!strcmp(opt.key, "ACCEL_BACKEND") && !strcmp(opt.value, d->kind->name));
    else
        FUZZ_CHECK(!strcmp(opt.key, "ACCEL_DEVICE") && opt.value == d->text);
    accel__config *cfg = NULL;
    accel_status st = accel__config_load(&cfg, &opt, 1);
    FUZZ_CHECK(st == ACCEL_OK && cfg);
    accel__config_free(cfg);
}

/* The bus id `v` (as accel__pci_bus_id_parse gives it) in sysfs's spelling. */
static void bus_text(uint64_t v, char *out, size_t cap)
{
    unsigned long dom = (unsigned long)(v >> 16);
    snprintf(out, cap, dom > 0xffff ? "%08lx:%02x:%02x.%x" : "%04lx:%02x:%02x.%x", dom,
             (unsigned)(v >> 8) & 0xff, (unsigned)(v >> 3) & 0x1f, (unsigned)v & 7);
}

/* Whether the reading names made-up devices as it must. */
static void check_names(const accel_cli_device *d)
{
    accel_device_info info;
    memset(&info, 0, sizeof info);
    info.kind = ACCEL_KIND_CPU;
    info.usable = 1;
    info.index = 3;
    if (d->kind) {
        info.kind = d->kind->kind;
        FUZZ_CHECK(accel_cli_device_names(d, &info));
        info.usable = 0;
        FUZZ_CHECK(!accel_cli_device_names(d, &info));
    } else if (d->index >= 0) {
        if (d->index > INT_MAX - 1) return; /* no device has such an index */
        info.index = (int)d->index;
        FUZZ_CHECK(accel_cli_device_names(d, &info));
        info.index++;
        FUZZ_CHECK(!accel_cli_device_names(d, &info));
    } else if (d->bus) {
        uint64_t v = 0;
        FUZZ_CHECK(accel__pci_bus_id_parse(d->bus, &v) == 0);
        FUZZ_CHECK(!accel_cli_device_names(d, &info)); /* no bus id */
        bus_text(v, info.pci_bus_id, sizeof info.pci_bus_id);
        FUZZ_CHECK(accel_cli_device_names(d, &info));
        bus_text(v ^ 1, info.pci_bus_id, sizeof info.pci_bus_id);
        FUZZ_CHECK(!accel_cli_device_names(d, &info));
    } else {
        FUZZ_CHECK(accel_cli_device_names(d, &info));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    accel_cli_device d;
    if (size == 0) { /* --device not given: auto */
        FUZZ_CHECK(accel_cli_device_parse("fuzz", NULL, &d) == 0);
        FUZZ_CHECK(!d.text && !d.kind && d.index == -1 && !d.bus);
        check_setting(&d);
    }
    char *text = fuzz_cstr(data, size);
    int rc = accel_cli_device_parse("fuzz", text, &d);
    FUZZ_CHECK(rc == 0 || rc == 2);
    accel_cli_device r;
    char why[400];
    memset(why, 'x', sizeof why);
    FUZZ_CHECK(accel_cli_device_read(text, &r, why, sizeof why) == (rc ? -1 : 0));
    if (rc) FUZZ_CHECK(memchr(why, '\0', sizeof why) && strstr(why, "allowed: auto, ") &&
                       strstr(why, "(`accel devices` lists them)"));
    if (rc == 0) {
        check_reading(text, &d);
        check_setting(&d);
        check_names(&d);
    } else {
        FUZZ_CHECK(!d.kind && d.index == -1 && !d.bus);
    }
    accel__clear_error();
    free(text);
    return 0;
}
