/* hold_rename.c — for tests, through LD_PRELOAD: a rename of a file whose name holds
 * ".partial-" (an output written, not yet in place) first creates the file HOLD_RENAME_MARK
 * names, holding the partial file's name, then waits until a signal ends the process. A test
 * signals the run at that moment, which a race could hit only now and then. Without
 * HOLD_RENAME_MARK in the environment every rename goes through; with HOLD_RENAME_AFTER=N the
 * first N renames of partial files go through (so that N outputs are whole when it holds). */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hold(const char *from)
{
    static int seen; /* partial files renamed so far (the tests' runs rename from one thread) */
    const char *mark = getenv("HOLD_RENAME_MARK"), *after = getenv("HOLD_RENAME_AFTER");
    if (!mark || !strstr(from, ".partial-")) return;
    if (after && seen++ < atoi(after)) return;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", mark);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        (void)!write(fd, from, strlen(from));
        close(fd);
        int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
        if (real) real(tmp, mark); /* the mark appears whole */
    }
    for (;;) pause();
}

int rename(const char *from, const char *to)
{
    hold(from);
    int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    return real(from, to);
}

int renameat2(int fd_from, const char *from, int fd_to, const char *to, unsigned flags)
{
    hold(from);
    int (*real)(int, const char *, int, const char *, unsigned) =
        (int (*)(int, const char *, int, const char *, unsigned))dlsym(RTLD_NEXT, "renameat2");
    return real(fd_from, from, fd_to, to, flags);
}
