/* fake_cudnn.c — a stand-in libcudnn.so.9 (file libcudnn.so.9.1.0). Like the real front
 * library it cannot work without libcudnn_ops.so.9: when that cannot be loaded it prints the
 * real library's message and aborts the process, here already in its constructor, which is
 * the harshest form of the failure. With the sub-library present it answers the calls the
 * doctor's probe makes. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

size_t cudnnGetVersion(void);
size_t cudnnGetCudartVersion(void);
const char *cudnnGetErrorString(int s);
int cudnnCreateTensorDescriptor(void **d);
int cudnnDestroyTensorDescriptor(void *d);

static int (*ops_create)(void **d);

__attribute__((constructor)) static void load_ops(void)
{
    void *ops = dlopen("libcudnn_ops.so.9", RTLD_NOW | RTLD_LOCAL);
    if (!ops) {
        fprintf(stderr, "Could not load library libcudnn_ops.so.9. Error: %s\n", dlerror());
        abort();
    }
    *(void **)(&ops_create) = dlsym(ops, "cudnnCreateTensorDescriptor");
}

size_t cudnnGetVersion(void) { return 90100; }
size_t cudnnGetCudartVersion(void) { return 12040; }
const char *cudnnGetErrorString(int s) { return s ? "CUDNN_STATUS_NOT_INITIALIZED" : "CUDNN_STATUS_SUCCESS"; }

int cudnnCreateTensorDescriptor(void **d)
{
    if (!ops_create) return 1001; /* CUDNN_STATUS_NOT_INITIALIZED */
    return ops_create(d);
}

int cudnnDestroyTensorDescriptor(void *d)
{
    free(d);
    return 0;
}
