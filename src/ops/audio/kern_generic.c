/* kern_generic.c — the audio kernel for any CPU (the compiler's baseline vector ISA). */
#define KERN_SUFFIX _generic
#include "kern_impl.h"

audio_kernel_fn accel__audio_kernel_generic(void) { return kernel_generic; }

float accel__audio_ln(float x) { return kln_generic(x); }
