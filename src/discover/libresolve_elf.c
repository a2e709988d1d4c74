/* libresolve_elf.c — what the loader checks in a candidate file before using it: ELF class
 * and machine (a 32-bit copy first on LD_LIBRARY_PATH is passed over, not loaded), and the
 * DT_SONAME that names a library's family. Read with pread, never mapped or loaded. */
#include "discover/libresolve.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------- */

static int read_at(int fd, void *buf, size_t n, off_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, off + (off_t)done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        done += (size_t)r;
    }
    return 0;
}

/* This process's ELF class and machine, from its own executable; read once (CUDA discovery
 * resolves libraries on every context creation, possibly from several threads). */
static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static int self_ok;
static unsigned char self_cls;
static unsigned self_mach;

static void self_read(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    ElfW(Ehdr) eh;
    if (fd >= 0 && read_at(fd, &eh, sizeof eh, 0) == 0 &&
        memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0) {
        self_cls = eh.e_ident[EI_CLASS];
        self_mach = eh.e_machine;
        self_ok = 1;
    }
    if (fd >= 0) close(fd);
}

static int self_machine(unsigned char *cls, unsigned *machine)
{
    pthread_once(&self_once, self_read);
    *cls = self_cls;
    *machine = self_mach;
    return self_ok ? 0 : -1;
}

int accel__elf_soname(const char *path, char *soname, size_t cap, char *why, size_t why_cap)
{
    if (cap) soname[0] = '\0';
    if (why_cap) why[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_cap, "cannot open: %s", strerror(errno));
        return -1;
    }
    int rc = -1;
    unsigned char ident[EI_NIDENT];
    unsigned char my_cls = 0;
    unsigned my_machine = 0;
    ElfW(Ehdr) eh;
    ElfW(Phdr) *ph = NULL;
    ElfW(Dyn) *dyn = NULL;
    if (read_at(fd, ident, sizeof ident, 0) != 0 || memcmp(ident, ELFMAG, SELFMAG) != 0) {
        snprintf(why, why_cap, "not an ELF file");
        goto out;
    }
    if (self_machine(&my_cls, &my_machine) == 0 && ident[EI_CLASS] != my_cls) {
        snprintf(why, why_cap, "wrong ELF class (%d-bit)", ident[EI_CLASS] == ELFCLASS32 ? 32 : 64);
        rc = 1;
        goto out;
    }
    if (read_at(fd, &eh, sizeof eh, 0) != 0) {
        snprintf(why, why_cap, "truncated ELF header");
        goto out;
    }
    if (my_machine && eh.e_machine != my_machine) {
        snprintf(why, why_cap, "built for another machine (e_machine %u)", (unsigned)eh.e_machine);
        rc = 1;
        goto out;
    }
    rc = 0; /* usable by this process from here on; the soname is a bonus */
    if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 || eh.e_phnum > 256) goto out;
    ph = calloc(eh.e_phnum, sizeof *ph);
    if (!ph || read_at(fd, ph, eh.e_phnum * sizeof *ph, (off_t)eh.e_phoff) != 0) goto out;
    const ElfW(Phdr) *pdyn = NULL;
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_DYNAMIC) pdyn = &ph[i];
    if (!pdyn || pdyn->p_filesz == 0 || pdyn->p_filesz > (1u << 20)) goto out;
    size_t ndyn = pdyn->p_filesz / sizeof(ElfW(Dyn));
    dyn = malloc(ndyn * sizeof *dyn);
    if (!dyn || read_at(fd, dyn, ndyn * sizeof *dyn, (off_t)pdyn->p_offset) != 0) goto out;
    unsigned long long strtab = 0, sonoff = 0;
    int have_son = 0;
    for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
        if (dyn[i].d_tag == DT_STRTAB) strtab = dyn[i].d_un.d_ptr;
        if (dyn[i].d_tag == DT_SONAME) {
            sonoff = dyn[i].d_un.d_val;
            have_son = 1;
        }
    }
    if (!have_son || !strtab) goto out;
    /* DT_STRTAB is an address; the PT_LOAD segment holding it gives the file offset. */
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD) continue;
        if (strtab < ph[i].p_vaddr || strtab >= ph[i].p_vaddr + ph[i].p_filesz) continue;
        off_t off = (off_t)(strtab - ph[i].p_vaddr + ph[i].p_offset + sonoff);
        char buf[256];
        ssize_t r = pread(fd, buf, sizeof buf - 1, off);
        if (r > 0) {
            buf[r] = '\0';
            if (memchr(buf, '\0', (size_t)r)) accel__strlcpy(soname, buf, cap);
        }
        break;
    }
out:
    free(ph);
    free(dyn);
    close(fd);
    return rc;
}
