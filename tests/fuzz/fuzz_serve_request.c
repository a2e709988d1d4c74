/* fuzz_serve_request — what accel serve reads of a request beyond libmicrohttpd
 * (tools/accel/serve/serve_request.c): the request target's path and query string, the
 * method, the Authorization, Accept and Content-Length headers, and the head's framing, host
 * and type (Transfer-Encoding, the version, Host, Content-Type), against the server's own
 * endpoint list. The input is those nine fields separated by newlines (the last four absent:
 * no head given).
 * Whatever the bytes, the verdict is one of the parser's statuses, with a terminated message;
 * a request let through has a route, for an operation parameters that accel accepts, and an
 * unambiguous framing (a chunked body or one Content-Length, not both).
 *
 * Seeds: requests as those lines, e.g. "POST", "/v1/audio/features?preset=whisper-80&
 * padding=none", "Bearer fuzz-token-0123456789", "application/json;q=0.5, * / *", "1000",
 * "", "HTTP/1.1", "localhost".
 */
#include "fuzz.h"

/* the parser is part of the accel program, not of the library: compiled in here */
#include "../../tools/accel/serve/serve_request.c"
#include "../../tools/accel/serve/serve_routes.h"

#define DESC(id, path, methods, auth, args, formats, fast, op, not_yet) \
    {path, methods, auth, args, formats, not_yet},
static const sv_route_desc routes[] = {SV_ROUTES(DESC)};
#define N_ROUTES (sizeof routes / sizeof *routes)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    char *field[9] = {s, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    for (int k = 1; k < 9; k++) {
        char *nl = field[k - 1] ? strchr(field[k - 1], '\n') : NULL;
        if (!nl) break;
        *nl = '\0';
        field[k] = nl + 1;
    }
    sv_request_in in = {field[0], field[1] ? field[1] : "/", field[2], field[3], field[4],
                        size & 1 ? "fuzz-token-0123456789" : NULL, 1 << 20};
    sv_request r;
    sv_request_head head = {field[5], field[6], field[7], NULL, field[8]};
    if (field[5]) sv_request_parse_head(&in, &head, routes, N_ROUTES, &r);
    else sv_request_parse(&in, routes, N_ROUTES, &r);
    static const int allowed[] = {0, 400, 401, 404, 405, 406, 413, 415, 501};
    int ok = 0;
    for (size_t k = 0; k < sizeof allowed / sizeof *allowed; k++) ok |= r.status == allowed[k];
    FUZZ_CHECK(ok);
    FUZZ_CHECK(memchr(r.error, '\0', sizeof r.error) != NULL);
    FUZZ_CHECK(r.route >= -1 && r.route < (int)N_ROUTES);
    if (r.status) FUZZ_CHECK(r.error[0] != '\0');
    if (r.status == 0) {
        FUZZ_CHECK(r.route >= 0);
        if (routes[r.route].args == SV_ARGS_AUDIO) FUZZ_CHECK(accel_audio_params_check(&r.audio) == ACCEL_OK);
        if (routes[r.route].args == SV_ARGS_IMAGE_BLOB) FUZZ_CHECK(r.size >= 1 && r.size <= 4096);
        FUZZ_CHECK(r.content_length <= in.body_limit);
        FUZZ_CHECK(!(r.chunked && r.content_length >= 0)); /* RFC 9112 §6.3: never both */
    }
    (void)sv_bearer_ok(field[2], "fuzz-token-0123456789");
    free(s);
    return 0;
}
