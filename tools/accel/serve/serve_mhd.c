/* serve_mhd.c — libmicrohttpd's entry points, opened on `accel serve`'s start (serve_mhd.h). */
#include "serve_mhd.h"

sv_mhd sv_mhd_fn;

static const char *const mhd_symbols[] = {SV_MHD_FUNCS(AUDIO_LAZY_NAME)};
_Static_assert(sizeof sv_mhd_fn == sizeof mhd_symbols / sizeof *mhd_symbols * sizeof(void *),
               "one pointer per entry point");
/* Debian 12's libmicrohttpd12 (0.9.x keeps this soname) */
static const char *mhd_sonames[] = {"libmicrohttpd.so.12"};
static audio_lazy_lib mhd_lib = {
    .what = "libmicrohttpd",
    .sonames = mhd_sonames,
    .n_sonames = 1,
    .symbols = mhd_symbols,
    .slots = (void **)&sv_mhd_fn,
    .n_symbols = sizeof mhd_symbols / sizeof *mhd_symbols,
    .install = "libmicrohttpd12",
    .once = PTHREAD_ONCE_INIT,
};

void sv_mhd_set_soname(const char *soname) { mhd_sonames[0] = soname; }

accel_status sv_mhd_load(void)
{
    if (accel__audio_lazy_load(&mhd_lib, NULL) == ACCEL_OK) return ACCEL_OK;
    return ACCEL_ERROR(ACCEL_ERR_UNAVAILABLE, "%s", mhd_lib.error);
}
