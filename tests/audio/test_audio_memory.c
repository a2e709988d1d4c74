/* Bounded memory on long inputs, for every kind: `accel audio features` on a 20-minute WAV
 * (sparse on disk, so it costs no disk space to make) runs in a child whose peak RSS is read
 * with wait4(). Reading the whole input at once would take 77 MB of float32 samples alone;
 * the bound is 48 MB (the streamed runs peak near 10 MB; 96 MB under AddressSanitizer).
 * vggish used to get the planner's chunk — the whole input — and peaked at 948 MB on three
 * hours. The chunk length reported in --json must stay within 60 s for the same reason. */
#include "test.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* AddressSanitizer's shadow memory and quarantine add some 40 MB to any run; the unbounded
 * reading would still be far above the bound. */
#if defined(__SANITIZE_ADDRESS__)
#define BOUND_MB 96
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOUND_MB 96
#endif
#endif
#ifndef BOUND_MB
#define BOUND_MB 48
#endif

static const char *cli;
static char dir[600];

/* A 16 kHz mono 16-bit WAV of `seconds` of silence, as a sparse file. */
static void sparse_wav(const char *path, long seconds)
{
    uint32_t data = (uint32_t)(seconds * 16000 * 2), riff = data + 36;
    unsigned char h[44] = "RIFF____WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0data____";
    memcpy(h + 4, &riff, 4);
    memcpy(h + 40, &data, 4);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_TRUE(fd >= 0 && write(fd, h, 44) == 44 && ftruncate(fd, 44 + (off_t)data) == 0);
    close(fd);
}

/* Runs the CLI for `preset`; returns its peak RSS in KB, its stdout in out. */
static long run(const char *preset, const char *wav, const char *npy, char *out, size_t cap)
{
    char json_path[700];
    snprintf(json_path, sizeof json_path, "%s/out.json", dir);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(json_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        execl(cli, cli, "audio", "features", wav, "--preset", preset, "--device", "cpu", "-o", npy,
              "--json", (char *)NULL);
        _exit(127);
    }
    int ws = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    ASSERT_TRUE(pid > 0 && wait4(pid, &ws, 0, &ru) == pid);
    ASSERT_TRUE(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    out[0] = '\0';
    FILE *f = fopen(json_path, "r");
    if (f) {
        size_t n = fread(out, 1, cap - 1, f);
        out[n] = '\0';
        fclose(f);
    }
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ACCEL_CLI\n", argv[0]);
        return 2;
    }
    cli = argv[1];
    snprintf(dir, sizeof dir, "%s/test-audio-memory-%ld", ACCEL_TEST_BUILD, (long)getpid());
    mkdir(dir, 0777);
    char wav[700], npy[700];
    snprintf(wav, sizeof wav, "%s/long.wav", dir);
    snprintf(npy, sizeof npy, "%s/long.npy", dir);
    sparse_wav(wav, 20 * 60);
    const char *presets[] = {"whisper-80", "fbank-80", "vggish"};
    for (int i = 0; i < 3; i++) {
        char out[8192];
        long kb = run(presets[i], wav, npy, out, sizeof out);
        const char *cs = strstr(out, "\"chunk_seconds\":");
        double chunk = cs ? atof(cs + 16) : -1;
        printf("  %-10s 20 min: peak RSS %ld KB, chunks of %.1f s\n", presets[i], kb, chunk);
        if (kb > BOUND_MB * 1024)
            TEST_FAIL_("%s: peak RSS %ld KB on 20 minutes (bound %d MB)", presets[i], kb, BOUND_MB);
        ASSERT_TRUE(cs != NULL);
        if (!(chunk > 0 && chunk <= 60.0))
            TEST_FAIL_("%s: chunks of %.1f s (streaming keeps them within 60 s)", presets[i], chunk);
        unlink(npy);
    }
    unlink(wav);
    rmdir(dir);
    TEST_DONE();
}
