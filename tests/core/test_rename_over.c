/* accel__rename_over: puts a finished file in place as rename(2) would — over nothing, over an
 * older file (swapped out and removed, so that ext4 does not start writing the new one to disk
 * at the rename), over a symbolic link (the link is replaced, its target kept) — and refuses a
 * directory as rename does, leaving both in place. */
#include "test.h"
#include "core/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[600];

static void put(const char *name, const char *text)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ASSERT_TRUE(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void expect(const char *name, const char *text)
{
    char p[700], buf[100] = "";
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r");
    if (!f) {
        TEST_FAIL_("%s: cannot open: %s", name, strerror(errno));
        return;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    if (strcmp(buf, text) != 0) TEST_FAIL_("%s holds '%s', want '%s'", name, buf, text);
}

static int exists(const char *name)
{
    char p[700];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &sb) == 0;
}

static int replace(const char *tmp, const char *path)
{
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/%s", dir, tmp);
    snprintf(b, sizeof b, "%s/%s", dir, path);
    return accel__rename_over(a, b);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test-rename-over-%ld", ACCEL_TEST_BUILD, (long)getpid());
    ASSERT_TRUE(mkdir(dir, 0777) == 0);
    char p[700], q[700];

    /* to a new name */
    put("a.tmp", "new");
    ASSERT_EQ_INT(replace("a.tmp", "a.npy"), 0);
    expect("a.npy", "new");
    ASSERT_TRUE(!exists("a.tmp"));

    /* over an older file: the new inode takes the name, the old one is gone from the directory,
     * a reader that had it open still reads the old bytes, a hard link keeps them */
    put("b.npy", "old");
    snprintf(p, sizeof p, "%s/b.npy", dir);
    snprintf(q, sizeof q, "%s/b.link", dir);
    ASSERT_TRUE(link(p, q) == 0);
    int fd = open(p, O_RDONLY);
    ASSERT_TRUE(fd >= 0);
    put("b.tmp", "newer");
    struct stat tmp_sb, sb;
    snprintf(q, sizeof q, "%s/b.tmp", dir);
    ASSERT_TRUE(stat(q, &tmp_sb) == 0);
    ASSERT_EQ_INT(replace("b.tmp", "b.npy"), 0);
    expect("b.npy", "newer");
    expect("b.link", "old");
    ASSERT_TRUE(!exists("b.tmp"));
    ASSERT_TRUE(stat(p, &sb) == 0 && sb.st_ino == tmp_sb.st_ino);
    char buf[8] = "";
    ASSERT_EQ_INT((int)read(fd, buf, 3), 3);
    ASSERT_TRUE(memcmp(buf, "old", 3) == 0);
    close(fd);

    /* over a symbolic link: the link is replaced, its target untouched */
    put("target", "kept");
    snprintf(p, sizeof p, "%s/target", dir);
    snprintf(q, sizeof q, "%s/c.npy", dir);
    ASSERT_TRUE(symlink(p, q) == 0);
    put("c.tmp", "file");
    ASSERT_EQ_INT(replace("c.tmp", "c.npy"), 0);
    ASSERT_TRUE(lstat(q, &sb) == 0 && S_ISREG(sb.st_mode));
    expect("c.npy", "file");
    expect("target", "kept");

    /* over a directory: refused as rename refuses it, both left as they were */
    snprintf(p, sizeof p, "%s/d.npy", dir);
    ASSERT_TRUE(mkdir(p, 0777) == 0);
    put("d.tmp", "x");
    errno = 0;
    ASSERT_EQ_INT(replace("d.tmp", "d.npy"), -1);
    ASSERT_TRUE(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
    ASSERT_TRUE(stat(p, &sb) == 0 && S_ISDIR(sb.st_mode));
    expect("d.tmp", "x");
    rmdir(p);

    /* a missing temporary file: the error rename gives, the old file kept */
    put("e.npy", "e");
    errno = 0;
    ASSERT_EQ_INT(replace("e.tmp", "e.npy"), -1);
    ASSERT_EQ_INT(errno, ENOENT);
    expect("e.npy", "e");

    const char *left[] = {"a.npy", "b.npy", "b.link", "target", "c.npy", "d.tmp", "e.npy"};
    for (size_t i = 0; i < sizeof left / sizeof *left; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, left[i]);
        unlink(p);
    }
    ASSERT_TRUE(rmdir(dir) == 0);
    TEST_DONE();
}
