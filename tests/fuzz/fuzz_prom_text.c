/* fuzz_prom_text — the Prometheus text reader `accel top --url` runs on a server's /metrics
 * (tools/accel/prom_text.c), and the HTTP response parser before it (http_get.c): whatever
 * the bytes, nothing is read past them, every name and label is terminated, and a body that
 * was accepted lies within the response.
 *
 * Seeds: a server's /metrics, with and without its HTTP response head (curl -si URL/metrics).
 */
#include "fuzz.h"

#include "../../tools/accel/http_get.c"
#include "../../tools/accel/prom_text.c"

static void check_sample(const prom_sample *s, void *arg)
{
    (void)arg;
    FUZZ_CHECK(memchr(s->name, '\0', sizeof s->name) != NULL && s->name[0]);
    FUZZ_CHECK(s->n_labels >= 0 && s->n_labels <= PROM_MAX_LABELS);
    for (int i = 0; i < s->n_labels; i++) {
        FUZZ_CHECK(memchr(s->labels[i].key, '\0', sizeof s->labels[i].key) != NULL);
        FUZZ_CHECK(memchr(s->labels[i].value, '\0', sizeof s->labels[i].value) != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exactly `size` bytes, no terminator after them: the readers must not need one */
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    if (size) memcpy(copy, data, size);
    size_t bad = 0;
    size_t n = prom_parse(copy, size, check_sample, NULL, &bad);
    FUZZ_CHECK(n + bad <= size + 1);
    http_response r;
    char err[300];
    if (http_parse_response(copy, size, &r, err, sizeof err) == 0) {
        FUZZ_CHECK(r.status >= 0 && r.status <= 999);
        FUZZ_CHECK(r.body && r.body[r.n] == '\0');
        FUZZ_CHECK(r.n <= size);
        http_response_free(&r);
    } else {
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL && err[0]);
    }
    char *url = fuzz_cstr(data, size < 2048 ? size : 2048);
    http_url u;
    if (http_url_parse(url, &u, err, sizeof err) == 0) {
        FUZZ_CHECK(u.host[0] && memchr(u.path, '\0', sizeof u.path) != NULL);
        FUZZ_CHECK(atoi(u.port) >= 1 && atoi(u.port) <= 65535);
    }
    free(url);
    free(copy);
    return 0;
}
