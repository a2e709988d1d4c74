/* devices_query.h — `accel devices --query FIELDS` and `--watch SECONDS`: the devices' live
 * figures as rows, once or repeatedly, in the manner of `nvidia-smi --query-gpu=… -l N`
 * (docs/devices.md lists the fields). */
#ifndef ACCEL_DEVICES_QUERY_H
#define ACCEL_DEVICES_QUERY_H

#include "cli.h"

/* Checks a comma-separated field list; 0, or 2 after printing the unknown field, the nearest
 * one and those allowed. NULL is the default list. */
int accel_cli_devices_query_check(const char *fields);

/* Writes the rows for `fields` (NULL: the default list) to o->f in o->fmt; with watch > 0,
 * again every `watch` seconds until SIGINT/SIGTERM or `iterations` (< 0: no limit) rows of
 * rows. Returns the exit status (0). */
int accel_cli_devices_query(accel_ctx *ctx, const char *fields, double watch, long long iterations,
                            cli_out *o);

/* The fields, for the help text. */
extern const char accel_cli_devices_fields[];

#endif
