/* op_table.c — the lookups of the operation table (core/internal.h) by name and by index.
 *
 * The table itself is data in src/ops/registry.c. Configuration (ACCEL_<OP>_GPU keys),
 * selection, operation names and benchmark cases look operations up here, so no file of the
 * core calls into src/ops/: calls go downwards only (docs/architecture.md, checked by
 * tests/layers/check_call_loops.py). */
#include "internal.h"

#include <string.h>

size_t accel__op_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < accel__op_table_len; i++)
        if (accel__op_table[i]) n++;
    return n;
}

const accel__op *accel__op_at(size_t i)
{
    for (size_t k = 0; k < accel__op_table_len; k++) {
        if (!accel__op_table[k]) continue;
        if (i == 0) return accel__op_table[k];
        i--;
    }
    return NULL;
}

const accel__op *accel__op_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < accel__op_table_len; i++)
        if (accel__op_table[i] && strcmp(accel__op_table[i]->name, name) == 0)
            return accel__op_table[i];
    return NULL;
}
