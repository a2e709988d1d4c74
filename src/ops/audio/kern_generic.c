/* kern_generic.c — the audio kernel for any CPU (the compiler's baseline vector ISA). */
#define KERN_SUFFIX generic
#include "kern_impl.h"

const audio_isa *accel__audio_isa_generic(void) { return &isa_tablegeneric; }

float accel__audio_ln(float x) { return klngeneric(x); }
