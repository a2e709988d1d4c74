/* util.c — clocks, strings, small files and hashing. It calls nothing above the error list
 * (status.c): the cache location, which reads the configuration, is in cache_dir.c. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double accel__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void accel__strlcpy(char *dst, const char *src, size_t cap)
{
    if (!cap) return;
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

int accel__read_text(const char *path, char *buf, size_t cap)
{
    if (!cap) return -1;
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t' ||
                     buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return 0;
}

static const char *root_from_env(const char *var, const char *def)
{
    const char *v = getenv(var);
    return (v && *v) ? v : def;
}

const char *accel__sysfs_root(void) { return root_from_env(ACCEL__ENV_SYSFS_ROOT, "/sys"); }
const char *accel__procfs_root(void) { return root_from_env(ACCEL__ENV_PROCFS_ROOT, "/proc"); }

uint64_t accel__hash64(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037ull ^ seed; /* FNV-1a 64-bit offset basis */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull; /* FNV 64-bit prime */
    }
    return h;
}

void accel__file_identity(const char *path, char *buf, size_t cap)
{
    struct stat st;
    if (!path || stat(path, &st) != 0) {
        snprintf(buf, cap, "%s:absent", path ? path : "");
        return;
    }
    snprintf(buf, cap, "%s:%llu:%llu:%lld:%lld.%09ld", path, (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
             (long)st.st_mtim.tv_nsec);
}

int accel__rename_over(const char *tmp, const char *path)
{
#ifdef RENAME_EXCHANGE
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
            unlink(tmp); /* the old file, now under the temporary name */
            return 0;
        }
        /* EINVAL: a file system without the exchange; ENOENT: the old file just went */
    }
#endif
    return rename(tmp, path);
}

accel_status accel__write_file_atomic(const char *path, const void *data, size_t n, int mode)
{
    char tmp[4096];
    int k = snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    RETURN_ERROR_IF(k < 0 || (size_t)k >= sizeof tmp, ACCEL_ERR_INVALID_ARG, "path too long: %s",
                    path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    RETURN_ERROR_IF(fd < 0, ACCEL_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left < ACCEL__WRITE_PIECE ? left : ACCEL__WRITE_PIECE);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return ACCEL_ERROR(ACCEL_ERR_IO, "cannot write %s: %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    close(fd);
    if (accel__rename_over(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return ACCEL_ERROR(ACCEL_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(e));
    }
    return ACCEL_OK;
}

accel_status accel__read_file(const char *path, char **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    /* O_NONBLOCK: a FIFO put where a cache file belongs must not block the open; only regular
     * files are read (procfs and sysfs files are regular too) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    RETURN_ERROR_IF(fd < 0, errno == ENOENT ? ACCEL_ERR_NOT_FOUND : ACCEL_ERR_IO,
                    "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return ACCEL_ERROR(ACCEL_ERR_IO, "cannot read %s: not a regular file", path);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        close(fd);
        return ACCEL_ERROR(ACCEL_ERR_IO, "cannot read %s: %s", path, strerror(e));
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (len + 1 < cap) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    RETURN_ERROR_IF(!buf, ACCEL_ERR_NO_MEMORY, "out of memory reading %s", path);
    if (err) {
        free(buf);
        return ACCEL_ERROR(ACCEL_ERR_IO, "read error on %s", path);
    }
    buf[len] = '\0';
    *data = buf;
    *n = len;
    return ACCEL_OK;
}

/* ---- per-thread scratch ---- */

typedef struct thread_scratch {
    void *p[ACCEL__SCRATCH_SLOTS];
    size_t cap[ACCEL__SCRATCH_SLOTS];
} thread_scratch;

static pthread_key_t scratch_key;
static int scratch_key_ok;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *v)
{
    thread_scratch *t = v;
    for (int i = 0; i < ACCEL__SCRATCH_SLOTS; i++) free(t->p[i]);
    free(t);
}

static void scratch_init(void) { scratch_key_ok = pthread_key_create(&scratch_key, scratch_free) == 0; }

void *accel__thread_scratch(int slot, size_t bytes)
{
    if (slot < 0 || slot >= ACCEL__SCRATCH_SLOTS) return NULL;
    size_t n = (bytes + 63) & ~(size_t)63;
    if (n == 0) n = 64;
    pthread_once(&scratch_once, scratch_init);
    if (!scratch_key_ok) return NULL;
    thread_scratch *t = pthread_getspecific(scratch_key);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t) return NULL;
        if (pthread_setspecific(scratch_key, t) != 0) {
            free(t);
            return NULL;
        }
    }
    if (t->cap[slot] < n) {
        free(t->p[slot]);
        t->p[slot] = aligned_alloc(64, n);
        t->cap[slot] = t->p[slot] ? n : 0;
#ifdef MADV_POPULATE_WRITE
        /* mapped at once: one call where touching faults page by page (the first call's) */
        long pg = sysconf(_SC_PAGESIZE);
        if (t->p[slot] && n >= 65536) accel__advise_inside(t->p[slot], n, pg > 0 ? (size_t)pg : 4096, MADV_POPULATE_WRITE);
#endif
    }
    return t->p[slot];
}

/* ---- large buffers ---- */

void accel__advise_inside(void *p, size_t n, size_t align, int advice)
{
    const uintptr_t m = (uintptr_t)align - 1;
    const uintptr_t a = ((uintptr_t)p + m) & ~m, e = ((uintptr_t)p + n) & ~m;
    if (p && e > a) (void)madvise((void *)a, e - a, advice);
}

void *accel__big_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < ((size_t)1 << 20) || bytes > SIZE_MAX - huge) {
        void *p = malloc(bytes ? bytes : 1);
#ifdef MADV_POPULATE_WRITE
        long pg = sysconf(_SC_PAGESIZE);
        if (p && bytes >= 65536) accel__advise_inside(p, bytes, pg > 0 ? (size_t)pg : 4096, MADV_POPULATE_WRITE);
#endif
        return p;
    }
    size_t n = (bytes + huge - 1) & ~(huge - 1);
    void *p = aligned_alloc(huge, n);
    if (!p) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, n, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
    (void)madvise(p, n, MADV_POPULATE_WRITE);
#endif
    return p;
}
