/* The per-item corpus step through the public API (include/accel.h, "Corpus runs"): manifests
 * (list and CSV, and the errors naming manifest and line), shards (FNV-1a 64, I/N and Slurm's
 * variables), the .npy header reader and the completeness check, output names and their
 * collisions, running audio features and image quality/blob on real files (a corrupt one
 * failing alone), resume skipping complete outputs and redoing cut ones, the clean-up of a
 * dead process's partial file, and the run log's lines. */
#include "test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static void put(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) TEST_FAIL_("cannot write %s", path);
    if (f) fclose(f);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 20);
    *n = fread(b, 1, (1 << 20) - 1, f);
    b[*n] = 0;
    fclose(f);
    return b;
}

static void manifests(void)
{
    accel_manifest *m = NULL;
    const char list[] = "# corpus\n\na.wav\n  # indented comment\ndir/b c.wav\r\n\t\nlast.wav";
    ASSERT_OK(accel_manifest_parse(list, sizeof list - 1, "m.txt", &m));
    ASSERT_EQ_INT(accel_manifest_count(m), 3);
    ASSERT_STR_EQ(accel_manifest_path(m, 0), "a.wav");
    ASSERT_STR_EQ(accel_manifest_path(m, 1), "dir/b c.wav"); /* spaces kept, \r removed */
    ASSERT_STR_EQ(accel_manifest_path(m, 2), "last.wav");
    ASSERT_EQ_INT(accel_manifest_line(m, 1), 5);
    ASSERT_TRUE(accel_manifest_path(m, 3) == NULL);
    accel_manifest_free(m);

    /* CSV by its header: quotes, a comma and a line break inside a field, "" */
    const char csv[] = "id,path,label\r\n1,x.wav,a\r\n2,\"with, comma.wav\",b\n\n3,\"two\nlines \"\"q\"\".wav\",c\n";
    ASSERT_OK(accel_manifest_parse(csv, sizeof csv - 1, "m.txt", &m));
    ASSERT_EQ_INT(accel_manifest_count(m), 3);
    ASSERT_STR_EQ(accel_manifest_path(m, 0), "x.wav");
    ASSERT_STR_EQ(accel_manifest_path(m, 1), "with, comma.wav");
    ASSERT_STR_EQ(accel_manifest_path(m, 2), "two\nlines \"q\".wav");
    ASSERT_EQ_INT(accel_manifest_line(m, 2), 5);
    accel_manifest_free(m);

    /* errors name the manifest, the line and the reason */
    const char unterminated[] = "path\nok.wav\n\"never closed.wav\n";
    ASSERT_STATUS(accel_manifest_parse(unterminated, sizeof unterminated - 1, "m.csv", &m), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "manifest 'm.csv', line 3: unterminated quoted field");
    const char short_rec[] = "id,path\n1,a.wav\n2\n";
    ASSERT_STATUS(accel_manifest_parse(short_rec, sizeof short_rec - 1, "m", &m), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "line 3: no 'path' field");
    const char nocol[] = "id,file\n1,a.wav\n";
    ASSERT_STATUS(accel_manifest_parse(nocol, sizeof nocol - 1, "list.csv", &m), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "no 'path' column");
    const char after[] = "path\n\"a.wav\"x\n";
    ASSERT_STATUS(accel_manifest_parse(after, sizeof after - 1, "m", &m), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "line 2: text after a closing quote");
    const char nul[] = "a.wav\nb\0.wav\n";
    ASSERT_STATUS(accel_manifest_parse(nul, sizeof nul - 1, "m", &m), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "line 2: a NUL byte");
    const char empty[] = "# nothing\n\n";
    ASSERT_STATUS(accel_manifest_parse(empty, sizeof empty - 1, "m", &m), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "no paths");
    ASSERT_TRUE(m == NULL);
    ASSERT_STATUS(accel_manifest_read("/nonexistent/m.txt", &m), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "manifest '/nonexistent/m.txt': no such file");
    /* a NUL ends the reading at once: from a pipe whose writer stays (or /dev/zero), reading
     * on to the end would never return */
    int fds[2];
    ASSERT_TRUE(pipe(fds) == 0);
    ASSERT_TRUE(write(fds[1], "a.wav\nb\0", 9) == 9);
    pid_t reader = fork();
    if (reader == 0) {
        alarm(10);
        dup2(fds[0], 0);
        accel_status st = accel_manifest_read("-", &m);
        _exit(st == ACCEL_ERR_FORMAT && strstr(accel_last_error(NULL), "line 2: a NUL byte") ? 0 : 1);
    }
    int ws = -1;
    waitpid(reader, &ws, 0);
    close(fds[0]);
    close(fds[1]);
    ASSERT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0); /* not killed by its alarm */
    char p[300];
    snprintf(p, sizeof p, "%s/m.txt", tmpdir);
    put(p, "one.wav\ntwo.wav\n", 16);
    ASSERT_OK(accel_manifest_read(p, &m));
    ASSERT_EQ_INT(accel_manifest_count(m), 2);
    accel_manifest_free(m);
}

static void shards(void)
{
    /* FNV-1a 64 of the bytes: the published test vectors */
    ASSERT_TRUE(accel_path_hash("") == 0xcbf29ce484222325ull);
    ASSERT_TRUE(accel_path_hash("a") == 0xaf63dc4c8601ec8cull);
    ASSERT_TRUE(accel_path_hash("foobar") == 0x85944171f73967e8ull);
    ASSERT_EQ_INT(accel_shard_of("foobar", 7), (int)(0x85944171f73967e8ull % 7));
    ASSERT_EQ_INT(accel_shard_of("anything", 1), 0);
    /* every path in exactly one shard, about evenly */
    int count[4] = {0};
    for (int i = 0; i < 4000; i++) {
        char s[32];
        snprintf(s, sizeof s, "clips/%05d.wav", i);
        count[accel_shard_of(s, 4)]++;
    }
    for (int k = 0; k < 4; k++) ASSERT_TRUE(count[k] > 850 && count[k] < 1150);

    uint32_t i = 9, n = 9;
    ASSERT_OK(accel_shard_parse("0/2", &i, &n));
    ASSERT_EQ_INT(i, 0);
    ASSERT_EQ_INT(n, 2);
    ASSERT_OK(accel_shard_parse("3/4", &i, &n));
    ASSERT_EQ_INT(i, 3);
    ASSERT_STATUS(accel_shard_parse("2/2", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "0-based: 0..1");
    ASSERT_STATUS(accel_shard_parse("1/0", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_STATUS(accel_shard_parse("-1/2", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_STATUS(accel_shard_parse("half", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "expected I/N");
    unsetenv("SLURM_ARRAY_TASK_ID");
    ASSERT_STATUS(accel_shard_parse("auto", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "SLURM_ARRAY_TASK_ID is not set");
    setenv("SLURM_ARRAY_TASK_ID", "7", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
    ASSERT_OK(accel_shard_parse("auto", &i, &n));
    ASSERT_EQ_INT(i, 2);
    ASSERT_EQ_INT(n, 4);
    setenv("SLURM_ARRAY_TASK_ID", "9", 1);
    ASSERT_STATUS(accel_shard_parse("auto", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "SLURM_ARRAY_TASK_COUNT=4");
    setenv("SLURM_ARRAY_TASK_ID", "x", 1);
    ASSERT_STATUS(accel_shard_parse("auto", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "SLURM_ARRAY_TASK_ID='x'");
    /* what Slurm sets for --array=1,5 (COUNT 2, MIN 1, MAX 5, STEP 1): the gap is refused by
     * task 1 too, not only by task 5, or shard 1/2 would silently go undone */
    setenv("SLURM_ARRAY_TASK_ID", "1", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
    setenv("SLURM_ARRAY_TASK_MAX", "5", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "2", 1);
    setenv("SLURM_ARRAY_TASK_STEP", "1", 1);
    ASSERT_STATUS(accel_shard_parse("auto", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "SLURM_ARRAY_TASK_MAX=5 is not");
    ASSERT_CONTAINS(accel_last_error(NULL), "--array=0-1");
    /* --array=0-6:3 (COUNT 3, MIN 0, MAX 6, STEP 3): task 6 is shard 2/3 */
    setenv("SLURM_ARRAY_TASK_ID", "6", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
    setenv("SLURM_ARRAY_TASK_MAX", "6", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "3", 1);
    setenv("SLURM_ARRAY_TASK_STEP", "3", 1);
    ASSERT_OK(accel_shard_parse("auto", &i, &n));
    ASSERT_EQ_INT(i, 2);
    ASSERT_EQ_INT(n, 3);
    setenv("SLURM_ARRAY_TASK_MAX", "six", 1);
    ASSERT_STATUS(accel_shard_parse("auto", &i, &n), ACCEL_ERR_CONFIG);
    ASSERT_CONTAINS(accel_last_error(NULL), "SLURM_ARRAY_TASK_MAX='six'");
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_MIN");
    unsetenv("SLURM_ARRAY_TASK_MAX");
    unsetenv("SLURM_ARRAY_TASK_STEP");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
}

static void npy(void)
{
    char h[128];
    memset(h, ' ', sizeof h);
    const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    memcpy(h, "\x93NUMPY\x01\x00\x76\x00", 10);
    memcpy(h + 10, dict, sizeof dict - 1);
    h[127] = '\n';
    accel_npy_info info = {.struct_size = sizeof info};
    ASSERT_OK(accel_npy_header_parse(h, sizeof h, &info));
    ASSERT_STR_EQ(info.descr, "<f4");
    ASSERT_EQ_INT(info.ndim, 2);
    ASSERT_EQ_INT(info.shape[1], 3);
    ASSERT_EQ_INT(info.header_bytes, 128);
    ASSERT_EQ_INT(info.data_bytes, 24);
    ASSERT_STATUS(accel_npy_header_parse(h, 100, &info), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "truncated");
    char bad[128];
    memcpy(bad, h, sizeof h);
    memcpy(bad + 10 + 12, "O8", 2); /* descr '<O8': an object array */
    ASSERT_STATUS(accel_npy_header_parse(bad, sizeof bad, &info), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "'descr' is not a simple dtype");

    char path[300];
    snprintf(path, sizeof path, "%s/x.npy", tmpdir);
    char whole[128 + 24] = {0};
    memcpy(whole, h, 128);
    put(path, whole, sizeof whole);
    ASSERT_OK(accel_output_complete(path, &info));
    put(path, whole, sizeof whole - 1);
    ASSERT_STATUS(accel_output_complete(path, NULL), ACCEL_ERR_FORMAT);
    ASSERT_CONTAINS(accel_last_error(NULL), "151 bytes, the header announces 152");
    snprintf(path, sizeof path, "%s/none.npy", tmpdir);
    ASSERT_STATUS(accel_output_complete(path, NULL), ACCEL_ERR_NOT_FOUND);
    snprintf(path, sizeof path, "%s/q.json", tmpdir);
    put(path, "{\"a\": 1}\n", 9);
    ASSERT_OK(accel_output_complete(path, NULL));
    put(path, "{\"a\": 1", 7);
    ASSERT_STATUS(accel_output_complete(path, NULL), ACCEL_ERR_FORMAT);
}

static void names(accel_ctx *ctx)
{
    accel_corpus *c = NULL;
    char out[300], p[4096];
    snprintf(out, sizeof out, "%s/names", tmpdir);
    ASSERT_OK(accel_corpus_create(ctx, "vggish", NULL, 0, out, 0, &c));
    ASSERT_OK(accel_corpus_output(c, "dir/a.b.wav", p, sizeof p));
    char want[400];
    snprintf(want, sizeof want, "%s/a.b.npy", out);
    ASSERT_STR_EQ(p, want);
    const char *ok[] = {"x/one.wav", "y/two.wav"}, *clash[] = {"x/one.wav", "z/b.wav", "y/one.flac"},
               *twice[] = {"a.wav", "a.wav"};
    ASSERT_OK(accel_corpus_check(c, ok, 2));
    ASSERT_STATUS(accel_corpus_check(c, clash, 3), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "'x/one.wav' (input 1) and 'y/one.flac' (input 3) would both write");
    ASSERT_STATUS(accel_corpus_check(c, twice, 2), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "'a.wav' is listed twice (inputs 1 and 2)");
    accel_corpus_destroy(c);
    accel_option bad[] = {{"padding", "none"}};
    ASSERT_STATUS(accel_corpus_create(ctx, "vggish", bad, 1, out, 0, &c), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "whisper presets only");
    accel_option unknown[] = {{"colour", "red"}};
    ASSERT_STATUS(accel_corpus_create(ctx, "image_blob", unknown, 1, out, 0, &c), ACCEL_ERR_INVALID_ARG);
    ASSERT_CONTAINS(accel_last_error(NULL), "unknown parameter 'colour'");
    ASSERT_STATUS(accel_corpus_create(ctx, "mp3", NULL, 0, out, 0, &c), ACCEL_ERR_NOT_FOUND);
    ASSERT_CONTAINS(accel_last_error(NULL), "allowed: whisper-80");
}

static void audio_run(accel_ctx *ctx)
{
    char out[300], bad[300], logp[300];
    snprintf(out, sizeof out, "%s/audio", tmpdir);
    snprintf(bad, sizeof bad, "%s/broken.wav", tmpdir);
    snprintf(logp, sizeof logp, "%s/run.jsonl", tmpdir);
    put(bad, "RIFF\x24\x00\x00\x00WAVEfmt ", 16);
    const char *in[] = {ACCEL_TEST_DATA "/audio/speech_a.wav", bad, ACCEL_TEST_DATA "/audio/tone.wav"};
    accel_corpus *c = NULL;
    ASSERT_OK(accel_corpus_create(ctx, "whisper-80", NULL, 0, out, ACCEL_CORPUS_RESUME, &c));
    accel_corpus_item it[3];
    for (int i = 0; i < 3; i++) it[i].struct_size = sizeof it[i];
    accel_run_log *log = NULL;
    ASSERT_OK(accel_run_log_open(logp, &log));
    ASSERT_STATUS(accel_corpus_run(c, in, 3, it), ACCEL_ERR_FORMAT);
    ASSERT_EQ_INT(it[0].status, ACCEL_ITEM_DONE);
    ASSERT_EQ_INT(it[1].status, ACCEL_ITEM_FAILED);
    ASSERT_EQ_INT(it[2].status, ACCEL_ITEM_DONE);
    ASSERT_CONTAINS(it[1].error, "broken.wav");
    ASSERT_STR_EQ(it[0].device, "cpu:0");
    ASSERT_EQ_INT(it[0].ndim, 2);
    ASSERT_EQ_INT(it[0].shape[0], 80);
    ASSERT_OK(accel_output_complete(it[0].output, NULL));
    for (int i = 0; i < 3; i++) ASSERT_OK(accel_run_log_item(log, &it[i]));
    /* resume: complete outputs are skipped; a cut one is redone */
    struct stat before;
    stat(it[0].output, &before);
    truncate(it[2].output, 200);
    ASSERT_STATUS(accel_corpus_run(c, in, 3, it), ACCEL_ERR_FORMAT);
    ASSERT_EQ_INT(it[0].status, ACCEL_ITEM_SKIPPED);
    ASSERT_EQ_INT(it[2].status, ACCEL_ITEM_DONE);
    ASSERT_STR_EQ(it[0].device, "");
    struct stat after;
    stat(it[0].output, &after);
    ASSERT_EQ_INT(after.st_ino, before.st_ino); /* not written again */
    ASSERT_OK(accel_output_complete(it[2].output, NULL));
    for (int i = 0; i < 3; i++) ASSERT_OK(accel_run_log_item(log, &it[i]));
    accel_run_summary s = {.struct_size = sizeof s};
    ASSERT_OK(accel_run_log_summary(log, &s));
    ASSERT_EQ_INT(s.done, 3);
    ASSERT_EQ_INT(s.skipped, 1);
    ASSERT_EQ_INT(s.failed, 2);
    accel_run_log_close(log);
    size_t n = 0;
    char *text = slurp(logp, &n);
    int lines = 0;
    for (size_t i = 0; i < n; i++) lines += text[i] == '\n';
    ASSERT_EQ_INT(lines, 7);
    ASSERT_CONTAINS(text, "{\"path\":\"" ACCEL_TEST_DATA "/audio/speech_a.wav\",\"status\":\"done\",\"output\":\"");
    ASSERT_CONTAINS(text, "\"device\":\"cpu:0\",\"ms\":");
    ASSERT_CONTAINS(text, "\"fallback\":null,\"error\":null,\"shape\":[80,");
    ASSERT_CONTAINS(text, "\"status\":\"failed\",\"output\":");
    ASSERT_CONTAINS(text, "\"status\":\"skipped\"");
    ASSERT_CONTAINS(text, "{\"summary\":true,\"done\":3,\"skipped\":1,\"failed\":2,\"seconds\":");
    free(text);

    /* resume over a .npy of this run's shape and dtype in Fortran order: the input fails, and
     * the reason names the order (not "(80, N) float32", which this run makes) */
    char head[129] = "";
    int fd = open(it[2].output, O_RDWR);
    ASSERT_TRUE(fd >= 0 && pread(fd, head, 128, 0) == 128);
    char *fo = strstr(head + 10, "'fortran_order': False, "); /* after the magic's NUL */
    ASSERT_TRUE(fo != NULL);
    if (fo) memcpy(fo, "'fortran_order': True,  ", 24); /* the header keeps its length */
    ASSERT_TRUE(pwrite(fd, head, 128, 0) == 128);
    close(fd);
    ASSERT_STATUS(accel_corpus_run(c, in + 2, 1, it), ACCEL_ERR_INVALID_ARG);
    ASSERT_EQ_INT(it[0].status, ACCEL_ITEM_FAILED);
    ASSERT_CONTAINS(it[0].error, "float32 in Fortran order, which this whisper-80 run does not make");

    /* a partial file of a process that is gone is removed; one of a live process is not */
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    char dead[400], live[400], other[400], spill[400];
    snprintf(dead, sizeof dead, "%s/speech_a.npy.partial-%d", out, (int)child);
    snprintf(spill, sizeof spill, "%s/tone.npy.spill-%d", out, (int)child);
    put(spill, "x", 1);
    snprintf(live, sizeof live, "%s/tone.npy.partial-%d", out, (int)getppid());
    snprintf(other, sizeof other, "%s/unrelated.npy.partial-%d", out, (int)child);
    put(dead, "x", 1), put(live, "x", 1), put(other, "x", 1);
    size_t removed = 9;
    ASSERT_OK(accel_corpus_clean(c, in, 3, &removed));
    ASSERT_EQ_INT(removed, 2);
    ASSERT_TRUE(access(dead, F_OK) != 0);
    ASSERT_TRUE(access(spill, F_OK) != 0);
    ASSERT_TRUE(access(live, F_OK) == 0);
    ASSERT_TRUE(access(other, F_OK) == 0); /* not an output of these inputs */
    unlink(live), unlink(other);

    /* a process that died but is not reaped yet (a zombie: a killed worker whose parent has
     * not waited) writes nothing more: its partial file goes too */
    pid_t zombie = fork();
    if (zombie == 0) _exit(0);
    for (int i = 0; i < 500; i++) { /* until it has exited (state Z) */
        char st[64], buf[256] = "";
        snprintf(st, sizeof st, "/proc/%d/stat", (int)zombie);
        FILE *f = fopen(st, "r");
        if (f) {
            if (!fgets(buf, sizeof buf, f)) buf[0] = '\0';
            fclose(f);
        }
        const char *p = strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'Z') break;
        usleep(2000);
    }
    snprintf(dead, sizeof dead, "%s/speech_a.npy.partial-%d", out, (int)zombie);
    put(dead, "x", 1);
    ASSERT_OK(accel_corpus_clean(c, in, 3, &removed));
    ASSERT_EQ_INT(removed, 1);
    ASSERT_TRUE(access(dead, F_OK) != 0);
    waitpid(zombie, NULL, 0);
    accel_corpus_destroy(c);
}

static void image_run(accel_ctx *ctx)
{
    char out[300];
    snprintf(out, sizeof out, "%s/quality", tmpdir);
    char png[300];
    snprintf(png, sizeof png, "%s/second.png", tmpdir);
    size_t pn = 0;
    char *pb = slurp(ACCEL_TEST_DATA "/image/bad/good.png", &pn);
    put(png, pb, pn);
    free(pb);
    const char *in[] = {ACCEL_TEST_DATA "/image/bad/good.jpg", ACCEL_TEST_DATA "/image/bad/truncated.png", png};
    accel_corpus *c = NULL;
    ASSERT_OK(accel_corpus_create(ctx, "image_quality", NULL, 0, out, ACCEL_CORPUS_RESUME, &c));
    ASSERT_OK(accel_corpus_check(c, in, 3));
    accel_corpus_item it[3];
    for (int i = 0; i < 3; i++) it[i].struct_size = sizeof it[i];
    ASSERT_STATUS(accel_corpus_run(c, in, 3, it), ACCEL_ERR_FORMAT);
    ASSERT_EQ_INT(it[0].status, ACCEL_ITEM_DONE);
    ASSERT_EQ_INT(it[1].status, ACCEL_ITEM_FAILED);
    ASSERT_EQ_INT(it[2].status, ACCEL_ITEM_DONE);
    ASSERT_CONTAINS(it[1].error, "truncated.png");
    ASSERT_STR_EQ(it[2].device, "cpu:0");
    size_t n = 0;
    char *q = slurp(it[0].output, &n);
    ASSERT_CONTAINS(q, "{\"file\":\"" ACCEL_TEST_DATA "/image/bad/good.jpg\",\"width\":");
    ASSERT_CONTAINS(q, "\"overall\":");
    free(q);
    ASSERT_TRUE(it[0].quality.width > 0);
    accel_corpus_destroy(c);

    snprintf(out, sizeof out, "%s/blob", tmpdir);
    accel_option p[] = {{"model", "arcface"}, {"size", "64"}};
    ASSERT_OK(accel_corpus_create(ctx, "image_blob", p, 2, out, 0, &c));
    ASSERT_STATUS(accel_corpus_run(c, in, 3, it), ACCEL_ERR_FORMAT);
    ASSERT_EQ_INT(it[0].status, ACCEL_ITEM_DONE);
    accel_npy_info info = {.struct_size = sizeof info};
    ASSERT_OK(accel_output_complete(it[0].output, &info));
    ASSERT_EQ_INT(info.ndim, 4);
    ASSERT_EQ_INT(info.shape[0], 1);
    ASSERT_EQ_INT(info.shape[3], 64);
    ASSERT_STR_EQ(info.descr, "<f4");
    accel_corpus_destroy(c);

    /* a decoder's warning the image survived (3 stray bytes before a marker) is kept: in the
     * item, in the per-image .json and in the log line, as `image quality --json` shows it */
    snprintf(out, sizeof out, "%s/warned", tmpdir);
    const char *warned[] = {ACCEL_TEST_DATA "/image/bad/corrupt_scan.jpg", ACCEL_TEST_DATA "/image/bad/good.jpg"};
    ASSERT_OK(accel_corpus_create(ctx, "image_quality", NULL, 0, out, 0, &c));
    ASSERT_OK(accel_corpus_run(c, warned, 2, it));
    ASSERT_EQ_INT(it[0].status, ACCEL_ITEM_DONE);
    ASSERT_CONTAINS(it[0].warning, "extraneous bytes before marker");
    ASSERT_STR_EQ(it[1].warning, "");
    q = slurp(it[0].output, &n);
    ASSERT_CONTAINS(q, "\"warning\":\"libjpeg warning: Corrupt JPEG data: 3 extraneous bytes");
    free(q);
    char *line = NULL;
    ASSERT_OK(accel_corpus_item_json(&it[0], &line));
    ASSERT_CONTAINS(line, "\"warning\":\"libjpeg warning: Corrupt JPEG data");
    free(line);

    /* items sized by the header before `warning` existed are still taken, and nothing is
     * written past them (the bytes after each stay as they were) */
    enum { OLD = offsetof(accel_corpus_item, warning) };
    unsigned char *old = malloc(2 * (OLD + 64));
    memset(old, 0xA5, 2 * (OLD + 64));
    accel_corpus_item *o0 = (accel_corpus_item *)old;
    o0->struct_size = OLD;
    ASSERT_OK(accel_corpus_run(c, warned, 1, o0));
    ASSERT_EQ_INT(o0->status, ACCEL_ITEM_DONE);
    int guard_kept = 1;
    for (size_t b = OLD; b < 2 * (OLD + 64); b++) guard_kept &= old[b] == 0xA5;
    ASSERT_TRUE(guard_kept);
    ASSERT_OK(accel_corpus_item_json(o0, &line));
    ASSERT_TRUE(!strstr(line, "warning"));
    free(line);
    free(old);
    accel_corpus_destroy(c);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/test-corpus-api-XXXXXX", ACCEL_TEST_BUILD);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    manifests();
    shards();
    npy();
    accel_ctx *ctx = NULL;
    accel_option cpu[] = {{"ACCEL_BACKEND", "cpu"}};
    ASSERT_OK(accel_ctx_create(&ctx, cpu, 1, ACCEL_CTX_NO_DISCOVERY));
    if (ctx) {
        names(ctx);
        audio_run(ctx);
        image_run(ctx);
        accel_ctx_destroy(ctx);
    }
    if (!accel_test_failures) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    printf("%s\n", accel_test_failures ? "FAILED" : "ok");
    return accel_test_failures ? 1 : 0;
}
