/* cli_device.h — --device D of a verb that runs on one device (audio, image, plan, serve,
 * stats), one vocabulary (docs/cli.md, "Devices"):
 *   auto   the policy's choice: the same as leaving --device out;
 *   KIND   a name or alias of the backend table (cuda, rocm or hip, opencl, metal or mps,
 *          cpu; any case): the device the library selects under ACCEL_BACKEND=KIND;
 *   INDEX  a device as `accel devices` numbers it, digits only (ACCEL_DEVICE=INDEX);
 *   BUS    a PCI bus id as ACCEL_DEVICE reads one (0000:01:00.0, 00000000:01:00.0, 01:00.0):
 *          ACCEL_DEVICE=BUS.
 * `accel bench`, which times several devices, takes a list of these plus all and gpu; the
 * Python package's device= takes these too. Apart from cli.h, which needs the build's
 * generated verb list, so that the reading compiles alone (a fuzz target). */
#ifndef ACCEL_CLI_DEVICE_H
#define ACCEL_CLI_DEVICE_H

#include "accel.h"
#include "core/internal.h"

typedef struct accel_cli_device {
    const char *text;                /* as given; NULL when not given */
    const accel__backend_desc *kind; /* KIND; NULL otherwise */
    long index;                      /* INDEX; -1 otherwise */
    const char *bus;                 /* BUS: the text as given; NULL otherwise */
} accel_cli_device;

/* Reads `text` (NULL: not given, the same as auto) into *d. Returns 0, or 2 after printing
 * "accel VERB: error: --device TEXT: REASON; allowed: auto, <the backend names>, or a device
 * index or PCI bus id …" (a negative index, an unknown or empty name, a malformed bus id). */
int accel_cli_device_parse(const char *verb, const char *text, accel_cli_device *d);

/* The same reading without printing (also the Python package's device=): 0, or -1 with `why`
 * holding "REASON; [did you mean 'X'? ]allowed: …" as the line above ends. */
int accel_cli_device_read(const char *text, accel_cli_device *d, char *why, size_t cap);

/* The setting that asks the library for `d`: ACCEL_DEVICE=INDEX or BUS, or ACCEL_BACKEND=KIND,
 * written to *opt (its value points into d->text). Returns 1, or 0 for auto. */
size_t accel_cli_device_setting(const accel_cli_device *d, accel_option *opt);

/* 1 when `d` names the device `info` describes: auto any, a kind its usable devices of that
 * kind, an index or a bus id the device ACCEL_DEVICE would name (accel__device_matches). */
int accel_cli_device_names(const accel_cli_device *d, const accel_device_info *info);

#endif
