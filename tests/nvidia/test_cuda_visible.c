/* CUDA_VISIBLE_DEVICES read the driver's way, resolved against a machine's GPUs, explained;
 * and PCI bus id normalisation (CUDA, NVML and sysfs spell the same address differently). */
#include "test.h"
#include "discover/cuda.h"

static const char *const uuids[] = {
    "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6",
    "GPU-8932aaaa-0000-0000-0000-000000000001",
    "GPU-1234abcd-0000-0000-0000-000000000002",
};

static void parse_cases(void)
{
    accel__cuda_visible v;

    accel__cuda_visible_parse(NULL, &v);
    ASSERT_EQ_INT(v.kind, ACCEL__CVD_UNSET);

    accel__cuda_visible_parse("", &v); /* set but empty: hides everything */
    ASSERT_EQ_INT(v.kind, ACCEL__CVD_ORDINALS);
    ASSERT_EQ_INT(v.n, 0);

    accel__cuda_visible_parse("2,0", &v);
    ASSERT_EQ_INT(v.n, 2);
    ASSERT_EQ_INT(v.ordinal[0], 2);
    ASSERT_EQ_INT(v.ordinal[1], 0);
    ASSERT_EQ_INT(v.stopped_at, -1);

    accel__cuda_visible_parse(" 1 , 0", &v); /* blanks around indices are trimmed */
    ASSERT_EQ_INT(v.n, 2);
    ASSERT_EQ_INT(v.ordinal[0], 1);

    accel__cuda_visible_parse("1gpu2,2ampere", &v); /* strtoul: leading digits count */
    ASSERT_EQ_INT(v.n, 2);
    ASSERT_EQ_INT(v.ordinal[0], 1);
    ASSERT_EQ_INT(v.ordinal[1], 2);

    accel__cuda_visible_parse("0,2,-1,1", &v); /* a negative entry ends the list */
    ASSERT_EQ_INT(v.n, 2);
    ASSERT_EQ_INT(v.stopped_at, 2);
    ASSERT_STR_EQ(v.stop_entry, "-1");
    ASSERT_EQ_INT(v.n_raw, 4);

    accel__cuda_visible_parse("-1", &v);
    ASSERT_EQ_INT(v.n, 0);
    ASSERT_EQ_INT(v.stopped_at, 0);

    accel__cuda_visible_parse("0,x,1", &v);
    ASSERT_EQ_INT(v.n, 1);
    ASSERT_EQ_INT(v.stopped_at, 1);

    accel__cuda_visible_parse("0,1,0", &v); /* a repeated entry: the driver shows none */
    ASSERT_EQ_INT(v.n, 0);
    ASSERT_EQ_INT(v.repeated, 1);

    accel__cuda_visible_parse("GPU-8932f937,GPU-1234", &v);
    ASSERT_EQ_INT(v.kind, ACCEL__CVD_UUIDS);
    ASSERT_EQ_INT(v.n, 2);
    ASSERT_STR_EQ(v.id[1], "GPU-1234");

    accel__cuda_visible_parse("GPU-8932f937,1", &v); /* kinds do not mix: "1" ends it */
    ASSERT_EQ_INT(v.n, 1);
    ASSERT_EQ_INT(v.stopped_at, 1);

    accel__cuda_visible_parse("MIG-4f1d9a2c-1111-2222-3333-444444444444", &v);
    ASSERT_EQ_INT(v.kind, ACCEL__CVD_MIG);
    ASSERT_EQ_INT(v.n, 1);
}

static void resolve_cases(void)
{
    accel__cuda_visible v;
    int map[ACCEL__CVD_MAX];
    char why[256];

    accel__cuda_visible_parse(NULL, &v);
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, uuids, map, why, sizeof why), 3);

    accel__cuda_visible_parse("2,0", &v);
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, uuids, map, why, sizeof why), 2);
    ASSERT_EQ_INT(map[0], 2);
    ASSERT_EQ_INT(map[1], 0);
    ASSERT_STR_EQ(why, "");

    accel__cuda_visible_parse("1,5,0", &v); /* 5 does not exist: reading stops there */
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, uuids, map, why, sizeof why), 1);
    ASSERT_CONTAINS(why, "names device 5, but this machine has 3 NVIDIA GPUs (0..2)");

    accel__cuda_visible_parse("GPU-1234", &v); /* a unique prefix */
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, uuids, map, why, sizeof why), 1);
    ASSERT_EQ_INT(map[0], 2);

    accel__cuda_visible_parse("GPU-8932", &v); /* a prefix of two UUIDs: ambiguous */
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, uuids, map, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "more than one");

    accel__cuda_visible_parse("GPU-ffff", &v);
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, uuids, map, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "matches no GPU");

    accel__cuda_visible_parse("GPU-1234,GPU-1234a", &v); /* two spellings, one device */
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, uuids, map, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "named twice");

    accel__cuda_visible_parse("GPU-1234", &v); /* UUIDs unknown: cannot tell */
    ASSERT_EQ_INT(accel__cuda_visible_resolve(&v, 3, NULL, map, why, sizeof why), -1);
}

static void explain_cases(void)
{
    accel__cuda_visible v;
    char buf[512];

    accel__cuda_visible_parse(NULL, &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, 2, NULL, buf, sizeof buf), ACCEL__CVD_FINE);
    ASSERT_STR_EQ(buf, "");

    accel__cuda_visible_parse("", &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, 2, NULL, buf, sizeof buf), ACCEL__CVD_HIDES_ALL);
    ASSERT_STR_EQ(buf, "CUDA_VISIBLE_DEVICES=\"\" is set but empty: it hides every CUDA device");

    accel__cuda_visible_parse("-1", &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, -1, NULL, buf, sizeof buf), ACCEL__CVD_HIDES_ALL);
    ASSERT_CONTAINS(buf, "CUDA_VISIBLE_DEVICES=-1 hides every CUDA device");

    accel__cuda_visible_parse("5", &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, 2, NULL, buf, sizeof buf), ACCEL__CVD_HIDES_ALL);
    ASSERT_STR_EQ(buf, "CUDA_VISIBLE_DEVICES=5: entry 0 names device 5, but this machine has 2 "
                       "NVIDIA GPUs (0..1): no CUDA device is visible");

    accel__cuda_visible_parse("1,5", &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, 2, NULL, buf, sizeof buf),
                  ACCEL__CVD_PARTLY_IGNORED);
    ASSERT_CONTAINS(buf, "only device 1 is visible");

    accel__cuda_visible_parse("1,0", &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, 2, NULL, buf, sizeof buf), ACCEL__CVD_FINE);
    ASSERT_STR_EQ(buf, "CUDA_VISIBLE_DEVICES=1,0 shows devices 1, 0 as CUDA devices 0..1");

    accel__cuda_visible_parse("0,0", &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, 2, NULL, buf, sizeof buf), ACCEL__CVD_HIDES_ALL);
    ASSERT_CONTAINS(buf, "repeats the entry '0'");

    accel__cuda_visible_parse("GPU-1234", &v);
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, 3, uuids, buf, sizeof buf), ACCEL__CVD_FINE);
    ASSERT_STR_EQ(buf, "CUDA_VISIBLE_DEVICES=GPU-1234 shows device 2 as CUDA device 0");

    accel__cuda_visible_parse("0,none", &v); /* GPU count unknown: the parse alone speaks */
    ASSERT_EQ_INT(accel__cuda_visible_explain(&v, -1, NULL, buf, sizeof buf),
                  ACCEL__CVD_PARTLY_IGNORED);
    ASSERT_CONTAINS(buf, "entries from 'none' on are ignored");
}

static void pci_cases(void)
{
    char out[32];
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("0000:0A:00.0", out, sizeof out), 0);
    ASSERT_STR_EQ(out, "0000:0a:00.0");
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("00000000:41:00.0", out, sizeof out), 0);
    ASSERT_STR_EQ(out, "0000:41:00.0");
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("41:1f.7", out, sizeof out), 0);
    ASSERT_STR_EQ(out, "0000:41:1f.7");
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("10000:01:00.0", out, sizeof out), 0);
    ASSERT_STR_EQ(out, "00010000:01:00.0");
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("0000:41:00", out, sizeof out), -1);
    ASSERT_STR_EQ(out, "");
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("0000:41:20.0", out, sizeof out), -1); /* dev > 31 */
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("0000:41:00.8", out, sizeof out), -1); /* fn > 7 */
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("GPU-41", out, sizeof out), -1);
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("0:0:41:00.0", out, sizeof out), -1);
    ASSERT_EQ_INT(accel__pci_bus_id_normalise("", out, sizeof out), -1);
    ASSERT_EQ_INT(accel__pci_bus_id_normalise(NULL, out, sizeof out), -1);
    /* read by accel__pci_bus_id_parse, as ACCEL_DEVICE and --device are: no sign, no space,
     * no 0x, nothing after the function */
    const char *const refused[] = {"+1:00.0", " 1:00.0", "0x1:00.0", "01:00.0 ", "01:00.0x",
                                   "100000000:01:00.0", "01:100.0"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        uint64_t v;
        ASSERT_EQ_INT(accel__pci_bus_id_normalise(refused[i], out, sizeof out), -1);
        ASSERT_EQ_INT(accel__pci_bus_id_parse(refused[i], &v), -1);
    }
}

int main(void)
{
    parse_cases();
    resolve_cases();
    explain_cases();
    pci_cases();
    TEST_DONE();
}
