/* serve_mhd.h — libmicrohttpd opened with dlopen when `accel serve` starts, not linked. Linked,
 * it and the TLS stack it brings (GnuTLS, nettle, p11-kit, libtasn1, …) were loaded, relocated
 * and initialised by every accel command: 1.1 ms of each process's start (`accel version`
 * 1.54 ms linked, 0.45 ms without). Included instead of <microhttpd.h>: the MHD_* functions
 * the server calls become calls through the table sv_mhd_load() fills; the header still gives
 * their types, so the build needs libmicrohttpd-dev as before. */
#ifndef ACCEL_SERVE_MHD_H
#define ACCEL_SERVE_MHD_H

#include <microhttpd.h>

#include "core/internal.h"
#include "ops/audio/lazy_lib.h"

#define SV_MHD_FUNCS(X)                                                                          \
    X(MHD_start_daemon) X(MHD_stop_daemon) X(MHD_quiesce_daemon) X(MHD_get_connection_info)     \
    X(MHD_get_connection_values) X(MHD_lookup_connection_value) X(MHD_suspend_connection)       \
    X(MHD_resume_connection) X(MHD_create_response_from_buffer) X(MHD_add_response_header)      \
    X(MHD_queue_response) X(MHD_destroy_response)

typedef struct sv_mhd {
    SV_MHD_FUNCS(AUDIO_LAZY_PTR)
} sv_mhd;
extern sv_mhd sv_mhd_fn;

/* Opens libmicrohttpd (once, thread-safe). ACCEL_ERR_UNAVAILABLE, with "libmicrohttpd is not
 * available (<loader's message>); install libmicrohttpd12" as the last error, when it cannot. */
accel_status sv_mhd_load(void);
/* Tests: the soname to open instead (before the first sv_mhd_load). */
void sv_mhd_set_soname(const char *soname);

#define MHD_start_daemon sv_mhd_fn.MHD_start_daemon
#define MHD_stop_daemon sv_mhd_fn.MHD_stop_daemon
#define MHD_quiesce_daemon sv_mhd_fn.MHD_quiesce_daemon
#define MHD_get_connection_info sv_mhd_fn.MHD_get_connection_info
#define MHD_get_connection_values sv_mhd_fn.MHD_get_connection_values
#define MHD_lookup_connection_value sv_mhd_fn.MHD_lookup_connection_value
#define MHD_suspend_connection sv_mhd_fn.MHD_suspend_connection
#define MHD_resume_connection sv_mhd_fn.MHD_resume_connection
#define MHD_create_response_from_buffer sv_mhd_fn.MHD_create_response_from_buffer
#define MHD_add_response_header sv_mhd_fn.MHD_add_response_header
#define MHD_queue_response sv_mhd_fn.MHD_queue_response
#define MHD_destroy_response sv_mhd_fn.MHD_destroy_response

#endif
