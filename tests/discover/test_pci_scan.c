/* PCI scan on a captured sysfs tree (tests/data/sysfs-pci): two NVIDIA GPUs with the nvidia
 * driver bound, one AMD GPU with no driver, a SATA controller and an ASPEED BMC display that
 * must both be ignored; then a root with no PCI bus at all. */
#include "test.h"
#include "discover/pci.h"

#include <stdlib.h>

int main(void)
{
    accel__pci_gpu *g = NULL;
    size_t n = 99;
    ASSERT_OK(accel__pci_scan_root(ACCEL_TEST_DATA "/sysfs-pci", &g, &n));
    ASSERT_EQ_INT(n, 3);
    if (n == 3) {
        /* sorted by bus id */
        ASSERT_STR_EQ(g[0].bus_id, "0000:01:00.0");
        ASSERT_EQ_INT(g[0].vendor_id, 0x10de);
        ASSERT_EQ_INT(g[0].device_id, 0x2330);
        ASSERT_EQ_INT(g[0].class_code, 0x030000);
        ASSERT_STR_EQ(g[0].vendor, "NVIDIA");
        ASSERT_STR_EQ(g[0].driver, "nvidia");

        ASSERT_STR_EQ(g[1].bus_id, "0000:41:00.0");
        ASSERT_EQ_INT(g[1].class_code, 0x030200);
        ASSERT_STR_EQ(g[1].driver, "nvidia");

        ASSERT_STR_EQ(g[2].bus_id, "0000:c3:00.0");
        ASSERT_EQ_INT(g[2].vendor_id, 0x1002);
        ASSERT_EQ_INT(g[2].device_id, 0x740f);
        ASSERT_EQ_INT(g[2].class_code, 0x038000);
        ASSERT_STR_EQ(g[2].vendor, "AMD");
        ASSERT_STR_EQ(g[2].driver, ""); /* present on the bus, no driver bound */
    }
    free(g);

    /* The environment redirect reaches the same tree. */
    setenv("ACCEL_SYSFS_ROOT", ACCEL_TEST_DATA "/sysfs-pci", 1);
    g = NULL;
    ASSERT_OK(accel__pci_scan(&g, &n));
    ASSERT_EQ_INT(n, 3);
    free(g);

    /* No sysfs (a container without /sys, a non-Linux root): zero GPUs, not an error. */
    setenv("ACCEL_SYSFS_ROOT", ACCEL_TEST_DATA "/no-such-sysfs", 1);
    g = (accel__pci_gpu *)&n; /* must be reset to NULL */
    n = 99;
    ASSERT_OK(accel__pci_scan(&g, &n));
    ASSERT_EQ_INT(n, 0);
    ASSERT_TRUE(g == NULL);

    /* CUDA and NVML spell the domain with 8 digits, sysfs with 4; some tools drop it. */
    ASSERT_TRUE(accel__pci_bus_id_equal("00000000:01:00.0", "0000:01:00.0"));
    ASSERT_TRUE(accel__pci_bus_id_equal("01:00.0", "0000:01:00.0"));
    ASSERT_TRUE(accel__pci_bus_id_equal("0000:C3:00.0", "0000:c3:00.0"));
    ASSERT_TRUE(!accel__pci_bus_id_equal("0000:01:00.1", "0000:01:00.0"));
    ASSERT_TRUE(!accel__pci_bus_id_equal("0001:01:00.0", "0000:01:00.0"));
    ASSERT_TRUE(!accel__pci_bus_id_equal("", ""));
    ASSERT_TRUE(!accel__pci_bus_id_equal("0000:01:00", "0000:01:00"));
    /* hexadecimal digits, ':' and '.' only: sscanf's own leniency (spaces, signs, 0x) is
     * no spelling of a bus id */
    uint64_t x;
    ASSERT_TRUE(accel__pci_bus_id_parse("0000:01:1f.7", &x) == 0);
    static const char *const bad[] = {" 01:00.0", "+01:00.0", "-0:01:00.0", "0x1:00.0",
                                      "01: 00.0", "01:00.0 ", "01:00.0x", "0:100:00.0",
                                      "01:20.0", "01:00.8", "zz:00.0", "01:00", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (accel__pci_bus_id_parse(bad[i], &x) == 0) TEST_FAIL_("'%s' read as a bus id", bad[i]);
    ASSERT_STR_EQ(accel__pci_vendor_name(0x8086), "Intel");
    ASSERT_STR_EQ(accel__pci_vendor_name(0x1af4), "");
    TEST_DONE();
}
