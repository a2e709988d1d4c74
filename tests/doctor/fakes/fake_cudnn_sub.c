/* fake_cudnn_sub.c — a stand-in cuDNN 9 sub-library (libcudnn_ops.so.9, libcudnn_cnn.so.9, …):
 * present, loadable, and for libcudnn_ops the one entry point the fake front library
 * forwards to. */
#include <stdlib.h>

int cudnnCreateTensorDescriptor(void **d);

int cudnnCreateTensorDescriptor(void **d)
{
    if (!d) return 3; /* CUDNN_STATUS_BAD_PARAM */
    *d = malloc(64);
    return *d ? 0 : 2; /* CUDNN_STATUS_ALLOC_FAILED */
}
