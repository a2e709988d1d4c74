/* fuzz_fault — ACCEL_FAULT's rule list (src/core/fault.c): KIND@SITE[:N[+]] items. What is
 * accepted must be a rule the checks can use. */
#include "fuzz.h"
#include "core/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fuzz_cstr(data, size);
    accel__fault_rule rules[ACCEL__FAULT_MAX_RULES];
    char why[320];
    why[0] = '\0';
    int n = accel__fault_parse(spec, rules, ACCEL__FAULT_MAX_RULES, why, sizeof why);
    FUZZ_CHECK(n >= -1 && n <= ACCEL__FAULT_MAX_RULES);
    FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL);
    if (n < 0) FUZZ_CHECK(why[0] != '\0');
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(memchr(rules[i].site, '\0', sizeof rules[i].site) != NULL);
        FUZZ_CHECK(rules[i].site[0] != '\0');
        FUZZ_CHECK((int)rules[i].kind >= 0 && (int)rules[i].kind <= ACCEL__FAULT_KERNEL);
        FUZZ_CHECK(!rules[i].from_nth || rules[i].nth >= 1);
        (void)accel__fault_status(rules[i].kind);
    }
    free(spec);
    return 0;
}
