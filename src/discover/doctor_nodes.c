/* doctor_nodes.c — device nodes and the groups that open them.
 *
 * CUDA opens /dev/nvidiactl, /dev/nvidia-uvm and /dev/nvidiaN; ROCm opens /dev/kfd and
 * /dev/dri/renderDN; OpenCL drivers for Intel and AMD GPUs open the render nodes. A node that
 * exists but that this user cannot open read-write looks to every framework like "no GPU",
 * so the doctor names the node, its group, and whether the user is in that group only in
 * /etc/group (log in again) or not at all (usermod). */
#include "discover/doctor_checks.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char bad[640];  /* nodes that cannot be opened, with why */
    char fix[640];
    int n_ok, n_bad;
} node_tally;

/* Why this user cannot open `path` read-write, and the fix, from its mode and group. */
static void explain_denied(const char *path, const struct stat *st, node_tally *t)
{
    struct group *gr = getgrgid(st->st_gid);
    const char *gname = gr && gr->gr_name ? gr->gr_name : "?";
    char gcopy[64];
    accel__strlcpy(gcopy, gname, sizeof gcopy);
    int in_session = 0;
    gid_t groups[256];
    int ng = getgroups(256, groups);
    for (int i = 0; i < ng; i++)
        if (groups[i] == st->st_gid) in_session = 1;
    if (getegid() == st->st_gid) in_session = 1;
    int in_etc = 0;
    struct passwd *pw = getpwuid(geteuid());
    char user[64] = "$USER";
    if (pw && pw->pw_name) accel__strlcpy(user, pw->pw_name, sizeof user);
    gr = getgrgid(st->st_gid); /* again: getpwuid may reuse static storage */
    if (gr && gr->gr_mem)
        for (char **m = gr->gr_mem; *m; m++)
            if (strcmp(*m, user) == 0) in_etc = 1;
    if (pw && pw->pw_gid == st->st_gid) in_etc = 1;

    size_t n = strlen(t->bad);
    snprintf(t->bad + n, sizeof t->bad - n, "%s%s (mode %03o, group %s)", n ? ", " : "", path,
             (unsigned)(st->st_mode & 0777), gcopy);
    t->n_bad++;
    if (!t->fix[0])
        accel__doc_node_fix(path, (unsigned)st->st_mode, gcopy, in_session, in_etc, user, t->fix,
                            sizeof t->fix);
}

void accel__doc_node_fix(const char *path, unsigned mode, const char *group, int in_session,
                         int in_etc_group, const char *user, char *fix, size_t cap)
{
    int group_rw = (mode & (S_IRGRP | S_IWGRP)) == (S_IRGRP | S_IWGRP);
    if (!group_rw)
        snprintf(fix, cap,
                 "%s is not read-write for its group: fix the udev rule that creates it (for "
                 "NVIDIA: NVreg_DeviceFileMode=0666 in /etc/modprobe.d/nvidia.conf)",
                 path);
    else if (in_etc_group && !in_session)
        snprintf(fix, cap,
                 "you are in group %s in /etc/group but not in this session: log out and in "
                 "again (or run newgrp %s)",
                 group, group);
    else if (!in_session)
        snprintf(fix, cap, "add yourself to group %s: sudo usermod -aG %s %s, then log in again",
                 group, group, user);
    else
        snprintf(fix, cap,
                 "check %s: access is denied although you are in group %s (ACLs, SELinux/"
                 "AppArmor or a container device cgroup)",
                 path, group);
}

static void check_node(const char *path, node_tally *t)
{
    struct stat st;
    if (stat(path, &st) != 0) return;
    if (access(path, R_OK | W_OK) == 0) {
        t->n_ok++;
        return;
    }
    explain_denied(path, &st, t);
}

/* Nodes in `dir` whose names start with `prefix` and continue with a digit. */
static int list_nodes(const char *dir, const char *prefix, char names[][64], int cap)
{
    DIR *dp = opendir(dir);
    if (!dp) return 0;
    int n = 0;
    size_t pl = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(dp)) != NULL && n < cap) {
        if (strncmp(e->d_name, prefix, pl) != 0) continue;
        if (e->d_name[pl] < '0' || e->d_name[pl] > '9') continue;
        snprintf(names[n++], 64, "%s/%s", dir, e->d_name);
    }
    closedir(dp);
    return n;
}

static void check_nvidia_nodes(accel__doc_state *s)
{
    node_tally t = {0};
    char gpus[64][64];
    int n_gpu = list_nodes("/dev", "nvidia", gpus, 64);
    struct stat st;
    int have_ctl = stat("/dev/nvidiactl", &st) == 0, have_uvm = stat("/dev/nvidia-uvm", &st) == 0;
    if (!s->nvidia_stack && !have_ctl && !n_gpu) {
        accel__doc_add(s, ACCEL__DOC_INFO, "devnodes.nvidia", "NVIDIA device nodes", NULL,
                       "none, and none needed (no NVIDIA GPU or driver)");
        return;
    }
    check_node("/dev/nvidiactl", &t);
    check_node("/dev/nvidia-uvm", &t);
    for (int i = 0; i < n_gpu; i++) check_node(gpus[i], &t);
    char missing[160] = "";
    if (!have_ctl) strcat(missing, "/dev/nvidiactl ");
    if (!have_uvm) strcat(missing, "/dev/nvidia-uvm ");
    if (!n_gpu) strcat(missing, "/dev/nvidia0.. ");
    if (missing[0]) {
        missing[strlen(missing) - 1] = '\0';
        /* libcuda creates missing nodes through the setuid nvidia-modprobe helper when it is
         * installed, so absent nodes are only fatal without it. */
        int helper = access("/usr/bin/nvidia-modprobe", X_OK) == 0 ||
                     access("/usr/sbin/nvidia-modprobe", X_OK) == 0;
        if (helper && !t.n_bad) {
            accel__doc_add(s, ACCEL__DOC_WARN, "devnodes.nvidia", "NVIDIA device nodes",
                           "nothing to do unless CUDA then fails; modprobe nvidia nvidia-uvm "
                           "creates them now",
                           "missing: %s; nvidia-modprobe is installed and creates them on first "
                           "CUDA use",
                           missing);
            return;
        }
        accel__doc_add(s, ACCEL__DOC_FAIL, "devnodes.nvidia", "NVIDIA device nodes",
                       "load the modules so the nodes appear: modprobe nvidia nvidia-uvm (or "
                       "nvidia-modprobe -c 0 -u, package nvidia-modprobe); in a container, pass "
                       "the devices in (--gpus all)",
                       "missing: %s%s%s", missing, t.n_bad ? "; not accessible: " : "", t.bad);
        return;
    }
    if (t.n_bad) {
        accel__doc_add(s, ACCEL__DOC_FAIL, "devnodes.nvidia", "NVIDIA device nodes", t.fix,
                       "cannot be opened read-write by this user: %s", t.bad);
        return;
    }
    accel__doc_add(s, ACCEL__DOC_PASS, "devnodes.nvidia", "NVIDIA device nodes", NULL,
                   "/dev/nvidiactl, /dev/nvidia-uvm and %d GPU node(s) are read-write for this "
                   "user",
                   n_gpu);
}

static void check_amd_nodes(accel__doc_state *s)
{
    struct stat st;
    int have_kfd = stat("/dev/kfd", &st) == 0;
    if (!s->amd_stack && !have_kfd) {
        accel__doc_add(s, ACCEL__DOC_INFO, "devnodes.kfd", "AMD compute node /dev/kfd", NULL,
                       "absent, and not needed (no AMD GPU or amdgpu driver)");
        return;
    }
    if (!have_kfd) {
        accel__doc_add(s, ACCEL__DOC_FAIL, "devnodes.kfd", "AMD compute node /dev/kfd",
                       "load amdgpu (modprobe amdgpu); in a container pass --device=/dev/kfd",
                       "missing: ROCm cannot reach the AMD GPU");
        return;
    }
    node_tally t = {0};
    check_node("/dev/kfd", &t);
    if (t.n_bad)
        accel__doc_add(s, ACCEL__DOC_FAIL, "devnodes.kfd", "AMD compute node /dev/kfd", t.fix,
                       "cannot be opened read-write by this user: %s", t.bad);
    else
        accel__doc_add(s, ACCEL__DOC_PASS, "devnodes.kfd", "AMD compute node /dev/kfd", NULL,
                       "read-write for this user");
}

static void check_render_nodes(accel__doc_state *s)
{
    char nodes[64][64];
    int n = list_nodes("/dev/dri", "renderD", nodes, 64);
    int gpu = s->amd_stack || s->r->intel_on_pci;
    if (!n) {
        if (gpu)
            accel__doc_add(s, s->amd_stack ? ACCEL__DOC_FAIL : ACCEL__DOC_WARN, "devnodes.render",
                           "GPU render nodes /dev/dri/renderD*",
                           "load the GPU's kernel driver (amdgpu, i915/xe); in a container pass "
                           "--device=/dev/dri",
                           "none: ROCm and the Mesa/Intel OpenCL drivers cannot reach the GPU");
        else
            accel__doc_add(s, ACCEL__DOC_INFO, "devnodes.render",
                           "GPU render nodes /dev/dri/renderD*", NULL,
                           "none, and none needed (no AMD or Intel GPU)");
        return;
    }
    node_tally t = {0};
    for (int i = 0; i < n; i++) check_node(nodes[i], &t);
    if (t.n_bad)
        accel__doc_add(s, s->amd_stack ? ACCEL__DOC_FAIL : ACCEL__DOC_WARN, "devnodes.render",
                       "GPU render nodes /dev/dri/renderD*", t.fix,
                       "cannot be opened read-write by this user: %s", t.bad);
    else
        accel__doc_add(s, ACCEL__DOC_PASS, "devnodes.render", "GPU render nodes /dev/dri/renderD*",
                       NULL, "%d node(s), read-write for this user", n);
}

void accel__doc_check_nodes(accel__doc_state *s)
{
    check_nvidia_nodes(s);
    check_amd_nodes(s);
    check_render_nodes(s);
}
