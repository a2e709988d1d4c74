/* cli_run.h — runs a program from a test and captures its exit code, stdout and stderr:
 * test_spawn for any program (with an optional time limit), cli_run for the built `accel` tool
 * with extra environment settings. */
#ifndef ACCEL_TEST_CLI_RUN_H
#define ACCEL_TEST_CLI_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct {
    int code;      /* exit status, or 128 + signal; -1 when it could not be started */
    int signal;    /* the signal that ended it, else 0 */
    int timed_out; /* killed (SIGKILL) at the time limit */
    double seconds; /* how long it ran */
    char *out;     /* stdout, malloc'd */
    char *err;     /* stderr, malloc'd */
} cli_result;

static char *cli_slurp_(int fd)
{
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        if (n + 1 >= cap) b = realloc(b, cap *= 2);
        ssize_t r = read(fd, b + n, cap - n - 1);
        if (r <= 0) break;
        n += (size_t)r;
    }
    b[n] = '\0';
    return b;
}

static double cli_now_s_(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the program argv[0] (a path) with argv and envp (NULL: this process's environment), its
 * stdout and stderr captured. With limit_s > 0 it is killed after that many seconds. */
static cli_result test_spawn(char *const argv[], char *const envp[], double limit_s)
{
    cli_result r = {-1, 0, 0, 0, NULL, NULL};
    char out_path[] = "/tmp/accel-cli-out-XXXXXX", err_path[] = "/tmp/accel-cli-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    unlink(out_path);
    unlink(err_path);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fo, 1);
    posix_spawn_file_actions_adddup2(&fa, fe, 2);
    pid_t pid;
    double t0 = cli_now_s_();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == 0) {
        int status = 0;
        for (;;) {
            pid_t w = waitpid(pid, &status, limit_s > 0 ? WNOHANG : 0);
            if (w == pid) break;
            if (w < 0 && errno != EINTR) break;
            if (w == 0 && cli_now_s_() - t0 > limit_s) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                r.timed_out = 1;
                break;
            }
            if (w == 0) usleep(2000);
        }
        r.seconds = cli_now_s_() - t0;
        r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + r.signal;
    } else {
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(rc));
    }
    r.out = cli_slurp_(fo);
    r.err = cli_slurp_(fe);
    close(fo);
    close(fe);
    return r;
}

/* Runs `<build>/accel argv...` with `env` (NULL-terminated "K=V" list; "K=" unsets K, a value
 * of "K" alone removes it) added to this process's environment. */
static cli_result cli_run(const char *const *env, const char *const *argv)
{
    size_t n_env = 0, n_add = 0, n_argv = 0;
    while (environ[n_env]) n_env++;
    while (env && env[n_add]) n_add++;
    while (argv[n_argv]) n_argv++;
    char **envp = calloc(n_env + n_add + 1, sizeof *envp);
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++) {
        int overridden = 0;
        for (size_t j = 0; j < n_add; j++) {
            const char *eq = strchr(env[j], '=');
            size_t kl = eq ? (size_t)(eq - env[j]) : strlen(env[j]);
            if (strncmp(environ[i], env[j], kl) == 0 && environ[i][kl] == '=') overridden = 1;
        }
        if (!overridden) envp[k++] = environ[i];
    }
    for (size_t j = 0; j < n_add; j++)
        if (strchr(env[j], '=')) envp[k++] = (char *)env[j];
    envp[k] = NULL;
    char **args = calloc(n_argv + 2, sizeof *args);
    args[0] = (char *)ACCEL_TEST_BUILD "/accel";
    for (size_t i = 0; i < n_argv; i++) args[i + 1] = (char *)argv[i];
    cli_result r = test_spawn(args, envp, 0);
    free(envp);
    free(args);
    return r;
}

/* Removes the caller's own settings (every ACCEL_* but ACCEL_CACHE_DIR, GPU_BACKEND) and points
 * the default configuration file somewhere absent, so a test sees only what it sets. */
static void cli_isolate_env(void)
{
    char *names[256];
    size_t n = 0;
    for (char **e = environ; *e && n < 256; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        size_t kl = (size_t)(eq - *e);
        if ((strncmp(*e, "ACCEL_", 6) == 0 && strncmp(*e, "ACCEL_CACHE_DIR=", 16) != 0) ||
            strncmp(*e, "GPU_BACKEND=", 12) == 0)
            names[n++] = strndup(*e, kl);
    }
    for (size_t i = 0; i < n; i++) {
        unsetenv(names[i]);
        free(names[i]);
    }
    setenv("XDG_CONFIG_HOME", "/nonexistent/accel-test-config", 1);
}

static void cli_free(cli_result *r)
{
    free(r->out);
    free(r->err);
}

#endif
