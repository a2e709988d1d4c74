/* config_file.h — the configuration file layer (internal to config.c).
 *
 * Format (read with inih): `KEY = VALUE` lines with the same names as the environment
 * (ACCEL_BACKEND, GPU_BACKEND, ACCEL_<OP>_GPU, …; case-insensitive), at top level or in an
 * [accel] section; `;` or `#` start a comment line, ` ;` an inline comment; one pair of
 * matching quotes around a value is removed; an empty value leaves the key unset. */
#ifndef ACCEL_CONFIG_FILE_H
#define ACCEL_CONFIG_FILE_H

#include "core/internal.h"

#include <stddef.h>
#include <stdio.h>

/* Called once per key in file order; `source` is "file:PATH:LINE". A non-OK status stops the
 * read and is returned (its message already set). */
typedef accel_status (*accel__config_setter)(void *user, const char *key, const char *value,
                                             const char *source);

/* 1 when this build can read configuration files (built with libinih). */
int accel__config_file_supported(void);

/* The default file: $XDG_CONFIG_HOME/accel/config.ini when XDG_CONFIG_HOME is an absolute
 * path, else $HOME/.config/accel/config.ini. @return 0, or -1 when neither is set. */
int accel__config_file_default(char *buf, size_t cap);

/* Reads `path`, calling set() for each key. A file that cannot be opened, a malformed line,
 * a section other than [accel], or a build without INI support give ACCEL_ERR_CONFIG with a
 * message naming PATH:LINE. */
accel_status accel__config_file_read(const char *path, accel__config_setter set, void *user);

/* The same on an open stream (which must be seekable, for the text of a malformed line);
 * `path` names it in messages. A line holding a NUL byte is an ACCEL_ERR_CONFIG naming it. */
accel_status accel__config_file_read_stream(FILE *f, const char *path, accel__config_setter set,
                                            void *user);

#endif
