/* One output convention: --json prints JSON on standard output for every verb; -o FILE writes
 * the report atomically (no temporary file left, the human form still on screen when FILE
 * holds another format); a failed write — a missing directory, a directory, a full file size
 * limit, SIGINT — leaves nothing behind and names the path and the reason; devices, bench,
 * stats, select --explain and config --show take --format table|json|csv|md; a failed write
 * to standard output fails the command, and -o naming standard output, a FIFO or a device
 * writes to it. */
#include "cli_test.h"

#include <signal.h>
#include <sys/resource.h>

static void json_everywhere(const char *const *env)
{
    const char *const *cmds[] = {
        (const char *const[]){"version", "--json", NULL},
        (const char *const[]){"devices", "--json", NULL},
        (const char *const[]){"select", "--json", NULL},
        (const char *const[]){"select", "--op", "whisper", "--explain", "--json", NULL},
        (const char *const[]){"config", "--show", "--json", NULL},
        (const char *const[]){"config", "--get", "ACCEL_BACKEND", "--json", NULL},
        (const char *const[]){"plan", "--op", "fbank", "--duration", "60", "--rate", "16000",
                              "--json", NULL},
        (const char *const[]){"stats", "--op", "noop", "--json", NULL},
        (const char *const[]){"bench", "--list", "--json", NULL},
        (const char *const[]){"bench", "--op", "noop", "--device", "cpu", "--iterations", "1",
                              "--json", NULL},
        (const char *const[]){"cache", "show", "--json", NULL},
        (const char *const[]){"cache", "path", "--json", NULL},
        (const char *const[]){"audio", "vad", ACCEL_TEST_DATA "/audio/speech_a.wav", "--json",
                              NULL},
        (const char *const[]){"audio", "features", "--demo", "1", "--json", NULL},
        (const char *const[]){"doctor", "--json", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        cli_result r = run_accel(env, cmds[i]);
        if (strcmp(cmds[i][0], "doctor") != 0) EXPECT_EXIT(r, 0); /* the doctor's code is its verdict */
        char what[128];
        snprintf(what, sizeof what, "accel %s %s", cmds[i][0], cmds[i][1]);
        ASSERT_JSON(r.out, what);
        cli_free(&r);
    }
}

static void formats(const char *const *env)
{
    struct {
        const char *const *argv;
        const char *csv_head, *md_head;
    } t[] = {
        {(const char *const[]){"devices", "--format", NULL, NULL}, "index,kind,name,arch,",
         "| # | kind | name |"},
        {(const char *const[]){"stats", "--op", "convert-f16,noop", "--format", NULL, NULL},
         "operation,calls,unavailable,", "| operation | calls |"},
        {(const char *const[]){"select", "--explain", "--format", NULL, NULL},
         "chosen,index,kind,name,score,eligible,rule", "| chosen | index | kind | name |"},
        {(const char *const[]){"config", "--show", "--format", NULL, NULL}, "key,value,source,note",
         "| key | value | source | note |"},
        {(const char *const[]){"bench", "--op", "noop", "--device", "cpu", "--iterations", "1",
                               "--format", NULL, NULL},
         "operation,size,items,device,", "| operation | size | items |"},
        {(const char *const[]){"bench", "--list", "--format", NULL, NULL},
         "operation,family,small,medium,large", "| operation | family |"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        const char *argv[16];
        size_t n = 0;
        while (t[i].argv[n]) argv[n] = t[i].argv[n], n++;
        argv[n + 1] = NULL;
        argv[n] = "csv";
        cli_result r = run_accel(env, argv);
        EXPECT_EXIT(r, 0);
        if (strncmp(r.out, t[i].csv_head, strlen(t[i].csv_head)) != 0)
            TEST_FAIL_("accel %s --format csv starts \"%.60s\", want \"%s\"", argv[0], r.out,
                       t[i].csv_head);
        ASSERT_CONTAINS(r.out, "\r\n"); /* RFC 4180 line ends */
        cli_free(&r);
        argv[n] = "md";
        r = run_accel(env, argv);
        EXPECT_EXIT(r, 0);
        if (strncmp(r.out, t[i].md_head, strlen(t[i].md_head)) != 0)
            TEST_FAIL_("accel %s --format md starts \"%.60s\", want \"%s\"", argv[0], r.out,
                       t[i].md_head);
        ASSERT_CONTAINS(r.out, "| --- |");
        cli_free(&r);
        argv[n] = "json";
        r = run_accel(env, argv);
        EXPECT_EXIT(r, 0);
        ASSERT_JSON(r.out, argv[0]);
        cli_free(&r);
    }
    cli_result r = RUN(env, "devices", "--json", "--format", "csv");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "--json and --format csv disagree");
    cli_free(&r);
    /* a verb whose report is not a table takes no --format */
    r = RUN(env, "plan", "--op", "noop", "--format", "csv");
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "unknown option '--format'");
    cli_free(&r);
}

/* Removes the scratch directory's temporary files (names starting with '.'). */
static void remove_hidden(void)
{
    DIR *d = opendir(scratch_dir);
    struct dirent *e;
    char path[4400];
    while (d && (e = readdir(d)))
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", scratch_dir, e->d_name);
            unlink(path);
        }
    if (d) closedir(d);
}

static void output_files(const char *const *env)
{
    /* JSON to the file, the table on screen, nothing else left */
    const char *f = scratch("devices.json");
    cli_result r = RUN(env, "devices", "--json", "-o", f);
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "KIND");
    char *text = slurp(f);
    ASSERT_TRUE(text && text[0] == '{');
    if (text) ASSERT_JSON(text, "devices -o");
    free(text);
    ASSERT_EQ_INT(hidden_files(), 0);
    cli_free(&r);
    /* the table itself to the file: the screen stays empty; --output=FILE is the same */
    f = scratch("version.txt");
    r = RUN(env, "version", "--output=", NULL);
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "-o needs a file name");
    cli_free(&r);
    char opt[600];
    snprintf(opt, sizeof opt, "--output=%s", f);
    r = RUN(env, "version", opt);
    EXPECT_EXIT(r, 0);
    ASSERT_STR_EQ(r.out, "");
    text = slurp(f);
    ASSERT_TRUE(text && strncmp(text, "accel ", 6) == 0);
    free(text);
    cli_free(&r);
    /* a name of 255 bytes, the most a directory entry holds: its temporary name (12 bytes
     * longer) is made of its first bytes, and it is written whole */
    char longname[256];
    memset(longname, 'n', 250);
    memcpy(longname + 250, ".json", 6);
    f = scratch(longname);
    r = RUN(env, "version", "--json", "-o", f);
    EXPECT_EXIT(r, 0);
    text = slurp(f);
    ASSERT_TRUE(text && text[0] == '{');
    free(text);
    ASSERT_EQ_INT(hidden_files(), 0);
    unlink(f);
    cli_free(&r);
    /* an existing file is replaced whole */
    f = scratch("stats.csv");
    FILE *old = fopen(f, "w");
    if (old) {
        fputs("old content that is much longer than the new report will ever be ... ... ...\n", old);
        for (int i = 0; i < 200; i++) fputs("padding padding padding padding\n", old);
        fclose(old);
    }
    r = RUN(env, "stats", "--op", "noop", "--format", "csv", "-o", f);
    EXPECT_EXIT(r, 0);
    text = slurp(f);
    ASSERT_TRUE(text && strncmp(text, "operation,calls", 15) == 0);
    /* the JSON's names, as every CSV header (it was "time lost ms") */
    if (text) ASSERT_CONTAINS(text, ",failures,time_lost_ms\r\n");
    if (text) ASSERT_NOT_CONTAINS(text, "padding");
    free(text);
    ASSERT_CONTAINS(r.out, "fallbacks seen"); /* csv in the file, the table on screen */
    cli_free(&r);
    /* bench: the report and the chart, both atomically */
    const char *bj = scratch("bench.json"), *bs = scratch("bench.svg");
    r = RUN(env, "bench", "--op", "noop", "--device", "cpu", "--iterations", "1", "--json",
            "-o", bj, "--svg", bs);
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "operation");
    text = slurp(bj);
    ASSERT_TRUE(text != NULL);
    if (text) ASSERT_CONTAINS(text, "\"tool\": \"accel bench\"");
    free(text);
    text = slurp(bs);
    ASSERT_TRUE(text && strstr(text, "<svg"));
    free(text);
    ASSERT_EQ_INT(hidden_files(), 0);
    cli_free(&r);
    /* the chart where the report goes: refused before anything is timed, the report intact
     * (it was renamed over the report, or written into the JSON on standard output) */
    char bj_dot[600];
    snprintf(bj_dot, sizeof bj_dot, "%s/./bench.json", scratch_dir);
    const char *const clash[][2] = {{bj, "the report's file (-o)"},
                                    {bj_dot, "the report's file (-o)"},
                                    {"-", "standard output"}};
    for (size_t i = 0; i < sizeof clash / sizeof *clash; i++) {
        r = RUN(env, "bench", "--op", "noop", "--device", "cpu", "--iterations", "1", "--json",
                "-o", i < 2 ? bj : "-", "--svg", clash[i][0]);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, clash[i][1]);
        ASSERT_CONTAINS(r.err, "give the chart a file of its own");
        ASSERT_NOT_CONTAINS(r.err, "bench: noop");
        ASSERT_NOT_CONTAINS(r.out, "<svg");
        cli_free(&r);
    }
    text = slurp(bj);
    ASSERT_TRUE(text && strstr(text, "\"tool\": \"accel bench\""));
    free(text);
    ASSERT_EQ_INT(hidden_files(), 0);

    /* failures: the path and the reason, exit 2, nothing left */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/dir/report.json", scratch_dir);
    r = RUN(env, "select", "--json", "-o", missing);
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "cannot write ");
    ASSERT_CONTAINS(r.err, missing);
    ASSERT_CONTAINS(r.err, "No such file or directory");
    cli_free(&r);
    r = RUN(env, "bench", "--op", "noop", "--json", "-o", scratch_dir);
    EXPECT_EXIT(r, 2);
    ASSERT_CONTAINS(r.err, "it is a directory");
    ASSERT_NOT_CONTAINS(r.err, "bench: noop"); /* refused before anything was timed */
    cli_free(&r);

    /* a write that fails half way (the file size limit): no file, no temporary file */
    cli_result probe = RUN(env, "bench", "--list");
    size_t table = strlen(probe.out);
    cli_free(&probe);
    probe = RUN(env, "bench", "--list", "--json");
    size_t json = strlen(probe.out);
    cli_free(&probe);
    if (json > table + 200) {
        f = scratch("list.json");
        struct rlimit old_lim, lim;
        getrlimit(RLIMIT_FSIZE, &old_lim);
        lim = old_lim;
        lim.rlim_cur = (table + json) / 2;
        /* SIGXFSZ at its default (ending the process), as a shell starts a command: the tool
         * ignores it itself, so that the write fails with EFBIG and is reported */
        signal(SIGXFSZ, SIG_DFL);
        setrlimit(RLIMIT_FSIZE, &lim);
        r = RUN(env, "bench", "--list", "--json", "-o", f);
        setrlimit(RLIMIT_FSIZE, &old_lim);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "cannot write ");
        ASSERT_CONTAINS(r.err, "File too large");
        ASSERT_TRUE(access(f, F_OK) != 0);
        ASSERT_EQ_INT(hidden_files(), 0);
        cli_free(&r);
    } else {
        TEST_FAIL_("bench --list --json (%zu bytes) is not longer than its table (%zu)", json,
                   table);
    }

    /* SIGINT while the report is being made: the temporary file goes with the process */
    f = scratch("interrupted.json");
    char *const argv[] = {(char *)ACCEL_TEST_BUILD "/accel", "bench", "--op", "whisper-80",
                          "--size", "large", "--device", "cpu", "--iterations", "1000",
                          "--json", "-o", (char *)f, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0) {
        int seen = 0;
        for (int i = 0; i < 2000 && !seen; i++) { /* up to 20 s for the temporary file */
            seen = hidden_files() > 0;
            if (!seen) usleep(10000);
        }
        ASSERT_TRUE(seen);
        kill(pid, SIGINT);
        int status = 0;
        waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
        ASSERT_EQ_INT(hidden_files(), 0);
        ASSERT_TRUE(access(f, F_OK) != 0);
    } else {
        TEST_FAIL_("could not start accel bench");
    }

    /* SIGINT the moment the temporary file appears, a hundred times: the file is watched from
     * its creation (a signal between mkstemp and the watch left it behind in about one run
     * of seven) */
    f = scratch("raced.json");
    char *const rargv[] = {(char *)ACCEL_TEST_BUILD "/accel", "bench", "--list", "--json", "-o",
                           (char *)f, NULL};
    int left = 0, runs = 0;
    for (int k = 0; k < 100; k++) {
        if (posix_spawn(&pid, rargv[0], &fa, NULL, rargv, environ) != 0) break;
        runs++;
        int status = 0;
        double t0 = cli_now_s_();
        while (hidden_files() == 0 && waitpid(pid, &status, WNOHANG) == 0 && cli_now_s_() - t0 < 10) {
        }
        kill(pid, SIGINT);
        waitpid(pid, &status, 0);
        if (hidden_files() > 0) {
            left++;
            remove_hidden();
        }
        unlink(f);
    }
    ASSERT_EQ_INT(runs, 100);
    if (left) TEST_FAIL_("SIGINT at the temporary file's creation left it behind in %d of %d runs", left, runs);
    posix_spawn_file_actions_destroy(&fa);
}

/* Standard output is a report too: a failed write there (a full disk behind `>`) fails the
 * command; -o naming standard output under another name, a FIFO or a device writes to it
 * rather than renaming a file over its name. */
static void output_streams(const char *const *env)
{
    const char *const *cmds[] = {
        (const char *const[]){"version", "--json", NULL},
        (const char *const[]){"devices", "--json", NULL},
        (const char *const[]){"config", "--show", NULL},
        (const char *const[]){"select", "--explain", NULL},
        (const char *const[]){"devices", "--query", "index", "--watch", "0.05", NULL},
        /* help, usage and --version: printed, not reports, but lost all the same */
        (const char *const[]){"help", NULL},
        (const char *const[]){"help", "image", NULL},
        (const char *const[]){"devices", "--help", NULL},
        (const char *const[]){"--version", NULL},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char line[512];
        size_t k = (size_t)snprintf(line, sizeof line, "ACCEL_BACKEND=cpu '%s/accel'",
                                    ACCEL_TEST_BUILD);
        for (size_t j = 0; cmds[i][j]; j++)
            k += (size_t)snprintf(line + k, sizeof line - k, " %s", cmds[i][j]);
        snprintf(line + k, sizeof line - k, " > /dev/full");
        char *const argv[] = {"/bin/sh", "-c", line, NULL};
        cli_result r = test_spawn(argv, NULL, 60); /* the watch ends at its first failed write */
        if (r.timed_out) TEST_FAIL_("%s: still running after 60 s", line);
        EXPECT_EXIT(r, 2);
        ASSERT_CONTAINS(r.err, "cannot write standard output: No space left on device");
        cli_free(&r);
    }

    /* a link to standard output: the report goes there, the link stays */
    const char *link = scratch("stdout-link");
    if (symlink("/proc/self/fd/1", link) != 0) TEST_FAIL_("symlink %s failed", link);
    cli_result r = RUN(env, "version", "--json", "-o", link);
    EXPECT_EXIT(r, 0);
    ASSERT_CONTAINS(r.out, "\"version\"");
    ASSERT_JSON(r.out, "version -o /proc/self/fd/1");
    struct stat st;
    ASSERT_TRUE(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    cli_free(&r);
    unlink(link);

    /* a FIFO: its reader gets the report; the FIFO is not replaced by a file */
    const char *fifo = scratch("report.fifo"), *got = scratch("from-fifo.json");
    if (mkfifo(fifo, 0600) != 0) TEST_FAIL_("mkfifo %s failed", fifo);
    char reader[1200];
    snprintf(reader, sizeof reader, "timeout 30 cat '%s' > '%s'", fifo, got);
    char *const rargv[] = {"/bin/sh", "-c", reader, NULL};
    pid_t pid;
    if (posix_spawn(&pid, rargv[0], NULL, NULL, rargv, environ) == 0) {
        r = RUN(env, "select", "--json", "-o", fifo);
        EXPECT_EXIT(r, 0);
        int status = 0;
        waitpid(pid, &status, 0);
        char *text = slurp(got);
        ASSERT_TRUE(text != NULL);
        if (text) ASSERT_JSON(text, "select -o FIFO");
        free(text);
        ASSERT_TRUE(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
        ASSERT_EQ_INT(hidden_files(), 0);
        cli_free(&r);
    } else {
        TEST_FAIL_("could not start the FIFO's reader");
    }
}

int main(void)
{
    cli_isolate_env();
    const char *const env[] = {"ACCEL_BACKEND=cpu", NULL};
    json_everywhere(env);
    formats(env);
    output_files(env);
    output_streams(env);
    scratch_remove();
    TEST_DONE();
}
