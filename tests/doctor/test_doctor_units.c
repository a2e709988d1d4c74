/* The doctor's pieces that need no fake machine: the fix for a device node the user cannot
 * open (every branch), the "where the loader looked" text, the exit code rule, the text
 * output, and a whole in-process run that must not map any vendor library into this process
 * (every load happens in probe children). */
#include "test.h"
#include "core/internal.h"
#include "discover/doctor.h"
#include "discover/doctor_checks.h"

#include <stdlib.h>
#include <sys/stat.h>

static void test_node_fix(void)
{
    char fix[640];
    accel__doc_node_fix("/dev/nvidia0", S_IFCHR | 0600, "root", 0, 0, "ana", fix, sizeof fix);
    ASSERT_CONTAINS(fix, "not read-write for its group");
    ASSERT_CONTAINS(fix, "NVreg_DeviceFileMode");
    accel__doc_node_fix("/dev/kfd", S_IFCHR | 0660, "render", 0, 1, "ana", fix, sizeof fix);
    ASSERT_CONTAINS(fix, "in group render in /etc/group but not in this session");
    ASSERT_CONTAINS(fix, "newgrp render");
    accel__doc_node_fix("/dev/dri/renderD128", S_IFCHR | 0660, "render", 0, 0, "ana", fix,
                        sizeof fix);
    ASSERT_STR_EQ(fix, "add yourself to group render: sudo usermod -aG render ana, then log in again");
    accel__doc_node_fix("/dev/kfd", S_IFCHR | 0660, "render", 1, 1, "ana", fix, sizeof fix);
    ASSERT_CONTAINS(fix, "access is denied although you are in group render");
}

static void test_searched_text(void)
{
    accel__lib_info li;
    memset(&li, 0, sizeof li);
    const char *places[][3] = {
        {"LD_LIBRARY_PATH", "/opt/a", ""},
        {"LD_LIBRARY_PATH", "/opt/b", ""},
        {"ld.so cache", "/etc/ld.so.cache", "12 entries for this ABI"},
        {"default directory", "/lib/x86_64-linux-gnu", ""},
        {"default directory", "/usr/lib", ""},
    };
    for (int i = 0; i < 5; i++) {
        accel__strlcpy(li.searched[i].how, places[i][0], sizeof li.searched[i].how);
        accel__strlcpy(li.searched[i].where, places[i][1], sizeof li.searched[i].where);
        accel__strlcpy(li.searched[i].note, places[i][2], sizeof li.searched[i].note);
    }
    li.n_searched = 5;
    char text[1024];
    accel__lib_searched_text(&li, text, sizeof text);
    ASSERT_STR_EQ(text, "LD_LIBRARY_PATH (/opt/a, /opt/b); ld.so cache /etc/ld.so.cache (12 "
                        "entries for this ABI); default directories (/lib/x86_64-linux-gnu, "
                        "/usr/lib)");
    accel__strlcpy(li.searched[0].how, "LD_LIBRARY_PATH", sizeof li.searched[0].how);
    li.searched[0].where[0] = '\0';
    accel__strlcpy(li.searched[0].note, "unset", sizeof li.searched[0].note);
    li.searched[1] = li.searched[2];
    li.n_searched = 2;
    accel__lib_searched_text(&li, text, sizeof text);
    ASSERT_STR_EQ(text, "LD_LIBRARY_PATH (unset); ld.so cache /etc/ld.so.cache (12 entries for "
                        "this ABI)");
}

static void test_exit_code_and_text(void)
{
    accel__doc_check c[4];
    memset(c, 0, sizeof c);
    accel__doc_report r;
    memset(&r, 0, sizeof r);
    r.checks = c;
    r.n = 4;
    const accel__doc_status st[4] = {ACCEL__DOC_PASS, ACCEL__DOC_WARN, ACCEL__DOC_FAIL,
                                     ACCEL__DOC_INFO};
    for (int i = 0; i < 4; i++) {
        c[i].status = st[i];
        snprintf(c[i].id, sizeof c[i].id, "check%d", i);
        snprintf(c[i].component, sizeof c[i].component, "component %d", i);
        snprintf(c[i].seen, sizeof c[i].seen, "seen %d", i);
    }
    accel__strlcpy(c[2].fix, "do this", sizeof c[2].fix);
    r.n_pass = 1;
    r.n_info = 1;
    ASSERT_EQ_INT(accel__doctor_exit_code(&r), 0); /* INFO alone leaves it 0 */
    r.n_warn = 1;
    ASSERT_EQ_INT(accel__doctor_exit_code(&r), 1);
    r.n_fail = 1;
    ASSERT_EQ_INT(accel__doctor_exit_code(&r), 2);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    accel__doctor_print_text(&r, f);
    fclose(f);
    ASSERT_STR_EQ(buf, "PASS  component 0: seen 0\n"
                       "WARN  component 1: seen 1\n"
                       "FAIL  component 2: seen 2 -- fix: do this\n"
                       "INFO  component 3: seen 3\n"
                       "1/3 checks passed, 1 for information, 1 warning, 1 failure (exit code 2)\n");
    free(buf);
}

/* NVIDIA's pip wheels: site-packages/nvidia/<name>/lib → nvidia-<name>-cuNN. */
static void test_wheels(void)
{
    char pkg[160], dir[1024];
    ASSERT_EQ_INT(accel__doc_wheel_of("/home/a/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/"
                                      "libcudnn.so.9",
                                      12, pkg, sizeof pkg, dir, sizeof dir),
                  1);
    ASSERT_STR_EQ(pkg, "nvidia-cudnn-cu12");
    ASSERT_STR_EQ(dir, "/home/a/venv/lib/python3.11/site-packages/nvidia/cudnn/lib");
    ASSERT_EQ_INT(accel__doc_wheel_of("/usr/lib/python3/dist-packages/nvidia/cuda_runtime/lib/"
                                      "libcudart.so.11.0",
                                      11, pkg, sizeof pkg, dir, sizeof dir),
                  1);
    ASSERT_STR_EQ(pkg, "nvidia-cuda-runtime-cu11");
    ASSERT_EQ_INT(accel__doc_wheel_of("/usr/local/cuda-12.4/lib64/libcudnn.so.9", 12, pkg,
                                      sizeof pkg, dir, sizeof dir),
                  0);
    ASSERT_EQ_INT(accel__doc_wheel_of("/x/site-packages/nvidia/libcudnn.so.9", 12, pkg, sizeof pkg,
                                      dir, sizeof dir),
                  0); /* not the <name>/lib layout */

    /* CUDA major unknown: read from the runtime wheel beside it */
    char tmp[] = "/tmp/accel-wheel-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmp) != NULL);
    char path[1200];
    const char *dirs[] = {"site-packages", "site-packages/nvidia", "site-packages/nvidia/cudnn",
                          "site-packages/nvidia/cudnn/lib", "site-packages/nvidia/cuda_runtime",
                          "site-packages/nvidia/cuda_runtime/lib"};
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp, dirs[i]);
        ASSERT_EQ_INT(mkdir(path, 0755), 0);
    }
    snprintf(path, sizeof path, "%s/site-packages/nvidia/cuda_runtime/lib/libcudart.so.12", tmp);
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
    snprintf(path, sizeof path, "%s/site-packages/nvidia/cudnn/lib/libcudnn.so.9", tmp);
    ASSERT_EQ_INT(accel__doc_wheel_of(path, 0, pkg, sizeof pkg, dir, sizeof dir), 1);
    ASSERT_STR_EQ(pkg, "nvidia-cudnn-cu12");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    ASSERT_EQ_INT(system(cmd), 0);
}

/* What a library printed is quoted inside its own check, labelled. */
static void test_attach_output(void)
{
    accel__doc_check c;
    memset(&c, 0, sizeof c);
    accel__strlcpy(c.seen, "loads", sizeof c.seen);
    accel__doc_attach_output(&c, "libfoo.so.1", "");
    ASSERT_STR_EQ(c.seen, "loads");
    accel__doc_attach_output(&c, "libfoo.so.1", "hello from foo");
    ASSERT_STR_EQ(c.seen, "loads; libfoo.so.1 printed during the probe: \"hello from foo\"");
    ASSERT_STR_EQ(c.probe_output, "hello from foo");
}

/* A full run in this process: consistent tally, accel's own checks first, and no vendor
 * library mapped here afterwards. */
static void test_in_process_run(void)
{
    accel__doc_report *r = NULL;
    accel__doc_options opt = {1};
    ASSERT_OK(accel__doctor_run(&opt, &r));
    if (!r) return;
    ASSERT_TRUE(r->n >= 10);
    ASSERT_EQ_INT(r->n_pass + r->n_info + r->n_warn + r->n_fail, r->n);
    ASSERT_STR_EQ(r->checks[0].id, "accel.version");
    ASSERT_STR_EQ(r->checks[1].id, "accel.config");
    ASSERT_STR_EQ(r->checks[2].id, "accel.cache");
    int libcuda = 0, cudnn_subs = 0, compat = 0, runtimes = 0;
    for (size_t i = 0; i < r->n; i++) {
        const accel__doc_check *c = &r->checks[i];
        ASSERT_TRUE(c->seen[0] != '\0');
        int fixable = c->status == ACCEL__DOC_WARN || c->status == ACCEL__DOC_FAIL;
        if (fixable && !c->fix[0])
            TEST_FAIL_("%s is %s without a fix: %s", c->id, accel__doc_status_name(c->status),
                       c->seen);
        if (!fixable && c->fix[0])
            TEST_FAIL_("%s is %s but has a fix: %s", c->id, accel__doc_status_name(c->status),
                       c->fix);
        if (strcmp(c->id, "lib:libcuda.so.1") == 0) libcuda = 1;
        if (strncmp(c->id, "lib:libcudnn_", 13) == 0) cudnn_subs++;
        if (strncmp(c->id, "cuda.compat", 11) == 0) compat = 1;
        if (strcmp(c->id, "runtimes.optional") == 0) runtimes = 1;
        if (strncmp(c->id, "lib:", 4) == 0) ASSERT_TRUE(c->lib != NULL);
    }
    ASSERT_EQ_INT(libcuda, 1);
    ASSERT_TRUE(cudnn_subs >= 7);
    ASSERT_EQ_INT(compat, 1);
    ASSERT_EQ_INT(runtimes, 1);
    accel__doctor_free(r);

    char *maps = NULL;
    size_t n = 0;
    ASSERT_OK(accel__read_file("/proc/self/maps", &maps, &n));
    static const char *const vendor[] = {"libcuda.so", "libcudart", "libcudnn", "libcublas",
                                         "libnvidia-ml", "libamdhip64", "libnvrtc", NULL};
    for (int i = 0; maps && vendor[i]; i++)
        if (strstr(maps, vendor[i])) TEST_FAIL_("%s is mapped into the doctor's process", vendor[i]);
    free(maps);
}

int main(void)
{
    test_node_fix();
    test_searched_text();
    test_exit_code_and_text();
    test_wheels();
    test_attach_output();
    test_in_process_run();
    TEST_DONE();
}
