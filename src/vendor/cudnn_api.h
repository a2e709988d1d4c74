/* cudnn_api.h — cuDNN (libcudnn.so.N) behind dlopen, for diagnosis only.
 *
 * cuDNN 8 and 9 ship as a small front library (libcudnn.so.N) that loads its sub-libraries
 * (libcudnn_ops.so.N, libcudnn_cnn.so.N, …) when a function that lives there is first called;
 * when one is missing the front library prints "Could not load library libcudnn_ops.so.9" and
 * aborts the process. The doctor's probe child therefore makes one such call, which touches no
 * GPU: creating and destroying a tensor descriptor. Calls are made only inside probe
 * children. */
#ifndef ACCEL_CUDNN_API_H
#define ACCEL_CUDNN_API_H

#include "vendor/lib_probe.h"

#include <stddef.h>

typedef int cudnnStatus_t; /* CUDNN_STATUS_SUCCESS == 0 */
typedef struct cudnnTensorStruct *cudnnTensorDescriptor_t;

/* X(return, name, exported symbol, (parameters)) */
#define ACCEL__CUDNN_API(X)                                                                 \
    X(size_t, cudnnGetVersion, "cudnnGetVersion", (void))                                   \
    X(size_t, cudnnGetCudartVersion, "cudnnGetCudartVersion", (void))                       \
    X(const char *, cudnnGetErrorString, "cudnnGetErrorString", (cudnnStatus_t s))          \
    X(cudnnStatus_t, cudnnCreateTensorDescriptor, "cudnnCreateTensorDescriptor",            \
      (cudnnTensorDescriptor_t * d))                                                        \
    X(cudnnStatus_t, cudnnDestroyTensorDescriptor, "cudnnDestroyTensorDescriptor",          \
      (cudnnTensorDescriptor_t d))

typedef struct accel__cudnn_api {
#define ACCEL__CUDNN_PTR(ret, name, sym, params) ret(*name) params;
    ACCEL__CUDNN_API(ACCEL__CUDNN_PTR)
#undef ACCEL__CUDNN_PTR
} accel__cudnn_api;

/* Resolves every entry point from an opened libcudnn handle; ACCEL_ERR_VENDOR naming the
 * first missing symbol. */
accel_status accel__cudnn_api_bind(void *lib, accel__cudnn_api *api);

/* Text of a cudnnGetVersion() value: 90100 → "9.1.0" (cuDNN ≥ 9: major*10000+minor*100+patch;
 * before: major*1000+minor*100+patch). */
void accel__cudnn_version_text(size_t v, char *buf, size_t cap);

/* Probe hook (see accel__lib_probe_hook): version, the CUDA runtime version cuDNN was built
 * for (out->cuda_version), then a tensor descriptor created and destroyed, which makes cuDNN
 * load libcudnn_ops. */
int accel__cudnn_probe(void *lib, accel__probe_chan *chan, accel__lib_probe_out *out);

#endif
