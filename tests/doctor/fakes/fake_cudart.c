/* fake_cudart.c — a stand-in libcudart.so.12 (file libcudart.so.12.4.127) for the doctor's
 * fault scenarios: it reports CUDA runtime 12.4, newer than the fake "old driver" libcuda
 * (11.2) that the same scenario puts beside it. */
int cudaRuntimeGetVersion(int *version);
const char *cudaGetErrorString(int e);

int cudaRuntimeGetVersion(int *version)
{
    if (!version) return 1; /* cudaErrorInvalidValue */
    *version = 12040;
    return 0;
}

const char *cudaGetErrorString(int e) { return e ? "invalid argument" : "no error"; }
