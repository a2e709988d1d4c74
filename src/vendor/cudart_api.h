/* cudart_api.h — the CUDA runtime (libcudart.so.N) behind dlopen, for diagnosis only.
 *
 * accel runs its own work through the driver API and never needs the runtime; `accel doctor`
 * asks the runtime a program would load which CUDA version it is, because a runtime newer than
 * the driver is the most common reason a framework reports "no CUDA GPUs" on a working
 * machine. These calls are made only inside probe children. */
#ifndef ACCEL_CUDART_API_H
#define ACCEL_CUDART_API_H

#include "vendor/lib_probe.h"

typedef int cudaError_t; /* cudaSuccess == 0 */

/* X(return, name, exported symbol, (parameters)) */
#define ACCEL__CUDART_API(X)                                                                \
    X(cudaError_t, cudaRuntimeGetVersion, "cudaRuntimeGetVersion", (int *version))          \
    X(const char *, cudaGetErrorString, "cudaGetErrorString", (cudaError_t e))

typedef struct accel__cudart_api {
#define ACCEL__CUDART_PTR(ret, name, sym, params) ret(*name) params;
    ACCEL__CUDART_API(ACCEL__CUDART_PTR)
#undef ACCEL__CUDART_PTR
} accel__cudart_api;

/* Resolves every entry point from an already opened libcudart handle. ACCEL_ERR_VENDOR naming
 * the first missing symbol. */
accel_status accel__cudart_api_bind(void *lib, accel__cudart_api *api);

/* Probe hook (see accel__lib_probe_hook): reads cudaRuntimeGetVersion() into
 * out->version ("12.4"), out->version_number (12040) and out->cuda_version. */
int accel__cudart_probe(void *lib, accel__probe_chan *chan, accel__lib_probe_out *out);

#endif
