/* fuzz_cpuinfo — /proc/cpuinfo and /proc/meminfo as text (src/discover/cpu_info.c), as a
 * captured procfs tree gives them. Sizes must come out as bytes or -1, never wrapped.
 * fuzz.sh flags: -max_len=4096 */
#include "fuzz.h"
#include "discover/cpu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    accel__cpuinfo ci;
    accel__cpuinfo_parse(text, &ci);
    FUZZ_CHECK(memchr(ci.name, '\0', sizeof ci.name) && memchr(ci.vendor, '\0', sizeof ci.vendor));
    FUZZ_CHECK(ci.logical_cores >= 0 && ci.physical_cores >= 0);
    (void)accel__cpu_simd_mask(ci.features);
    (void)accel__x86_level(ci.features);
    int64_t total = 0, avail = 0;
    int rc = accel__meminfo_parse(text, &total, &avail);
    FUZZ_CHECK(total >= -1 && avail >= -1);
    FUZZ_CHECK((rc == 0) == (total >= 0));
    free(text);
    return 0;
}
