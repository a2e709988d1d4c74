/* serve_request.c: what accel serve makes of a request beyond libmicrohttpd — route, method,
 * bearer token, declared body size, query string, operation parameters, Accept — on plain
 * strings, against the server's own endpoint list (serve_routes.h) and one with an endpoint
 * that is not built yet. */
#include "test.h"

#include "serve/serve_request.h"
#include "serve/serve_routes.h"

#define DESC(id, path, methods, auth, args, formats, fast, op, not_yet) \
    {path, methods, auth, args, formats, not_yet},
static const sv_route_desc routes[] = {SV_ROUTES(DESC)};
#define N (sizeof routes / sizeof *routes)

#define TOKEN "s3cret-token-0123456789"

static sv_request req(const char *method, const char *uri, const char *auth, const char *accept,
                      const char *length, const char *token)
{
    sv_request_in in = {method, uri, auth, accept, length, token, 1000};
    sv_request r;
    sv_request_parse(&in, routes, N, &r);
    return r;
}

#define EXPECT(r, code, text)                                                                   \
    do {                                                                                        \
        sv_request r_ = (r);                                                                    \
        ASSERT_EQ_INT(r_.status, code);                                                         \
        if ((text)[0]) ASSERT_CONTAINS(r_.error, text);                                         \
    } while (0)

static const char *path_of(const sv_request *r) { return r->route >= 0 ? routes[r->route].path : "(none)"; }

static void routing(void)
{
    sv_request r = req("GET", "/status", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(path_of(&r), "/status");
    r = req("HEAD", "/metrics?x=1", NULL, NULL, NULL, NULL); /* a page ignores a query */
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_EQ_INT(r.head, 1);
    EXPECT(req("GET", "/nope", NULL, NULL, NULL, NULL), 404, "no endpoint /nope (endpoints: GET /, ");
    EXPECT(req("GET", "/status/", NULL, NULL, NULL, NULL), 404, "POST /v1/audio/features");
    /* the asterisk-form (RFC 9112 §3.2.4): OPTIONS only, and no endpoint answers OPTIONS, so
     * the server answers it as an endpoint answers a method it does not serve: 405, Allow
     * naming every method some endpoint takes */
    EXPECT(req("GET", "*", NULL, NULL, NULL, NULL), 400, "request target '*': only OPTIONS takes it");
    EXPECT(req("POST", "*", NULL, NULL, NULL, NULL), 400, "only OPTIONS");
    r = req("OPTIONS", "*", NULL, NULL, NULL, TOKEN); /* no token needed to be told this */
    ASSERT_EQ_INT(r.status, 405);
    ASSERT_EQ_INT(r.route, -1);
    ASSERT_STR_EQ(r.allow, "GET, HEAD, POST");
    ASSERT_CONTAINS(r.error, "OPTIONS *: method not allowed (allowed: GET, HEAD, POST)");
    r = req("OPTIONS", "/status", NULL, NULL, NULL, NULL); /* as any method an endpoint does not take */
    ASSERT_EQ_INT(r.status, 405);
    ASSERT_STR_EQ(r.allow, "GET, HEAD");
    /* absolute-form (RFC 9112 §3.2.2: a server must accept it): scheme and authority dropped */
    r = req("GET", "http://x/healthz", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(path_of(&r), "/healthz");
    r = req("GET", "HTTPS://user@example.com:8443/st%61tus?x=1", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(path_of(&r), "/status");
    r = req("GET", "http://x", NULL, NULL, NULL, NULL); /* no path: "/" */
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(path_of(&r), "/");
    r = req("GET", "http://x?y=1", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(path_of(&r), "/");
    r = req("POST", "http://x/v1/audio/features?preset=fbank&windows=0", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0); /* the query of an absolute-form target is read too */
    ASSERT_STR_EQ(r.preset, "fbank");
    EXPECT(req("POST", "http://x/v1/audio/features?preset=nope", NULL, NULL, NULL, NULL), 400,
           "unknown preset 'nope'");
    EXPECT(req("GET", "http://x/nowhere", NULL, NULL, NULL, NULL), 404, "no endpoint /nowhere");
    EXPECT(req("GET", "ftp://x/healthz", NULL, NULL, NULL, NULL), 400, "request target");
    EXPECT(req("GET", "http:///healthz", NULL, NULL, NULL, NULL), 400, "request target"); /* no authority */
    EXPECT(req("GET", "http:/healthz", NULL, NULL, NULL, NULL), 400, "request target");
    EXPECT(req("CONNECT", "x:443", NULL, NULL, NULL, NULL), 400, "request target"); /* authority-form */
    EXPECT(req("GET", "/st%zzatus", NULL, NULL, NULL, NULL), 400, "percent-encoding");
    r = req("GET", "/st%61tus", NULL, NULL, NULL, NULL); /* %61 is 'a' */
    ASSERT_EQ_INT(r.status, 0);
    r = req("DELETE", "/status", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 405);
    ASSERT_STR_EQ(r.allow, "GET, HEAD");
    r = req("GET", "/v1/audio/features?preset=whisper-80", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 405);
    ASSERT_STR_EQ(r.allow, "POST");
    ASSERT_CONTAINS(r.error, "GET /v1/audio/features: method not allowed (allowed: POST)");
}

/* A request with the rest of its head: method, target, Content-Length, Transfer-Encoding,
 * version, Host. */
static sv_request req_in(const char *method, const char *uri, const char *length, const char *te,
                         const char *version, const char *host)
{
    sv_request_in in = {.method = method, .uri = uri, .content_length = length, .body_limit = 1000};
    sv_request_head head = {.transfer_encoding = te, .version = version, .host = host};
    sv_request r;
    sv_request_parse_head(&in, &head, routes, N, &r);
    return r;
}

/* What makes a message unsafe, judged before anything about the endpoint: its framing (RFC
 * 9112 §6) and its Host (§3.2). A framing error asks the connection closed. */
static void framing(void)
{
    const char *u = "/v1/image/quality";
    sv_request r = req_in("POST", u, NULL, "chunked", NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_EQ_INT(r.chunked, 1);
    ASSERT_EQ_INT(r.content_length, -1);
    r = req_in("POST", u, NULL, " Chunked ", NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    /* RFC 9112 §6.1: a transfer coding the server does not understand is 501 */
    static const char *const codings[] = {"gzip", "gzip, chunked", "chunked, chunked", "identity", ""};
    for (size_t i = 0; i < sizeof codings / sizeof *codings; i++) {
        r = req_in("POST", u, NULL, codings[i], NULL, NULL);
        ASSERT_EQ_INT(r.status, 501);
        ASSERT_EQ_INT(r.close, 1);
        ASSERT_CONTAINS(r.error, "Transfer-Encoding:");
        ASSERT_CONTAINS(r.error, "'chunked' only");
    }
    /* before the route: a page, or no endpoint at all, still has a body of unknown end */
    r = req_in("GET", "/nowhere", NULL, "gzip", NULL, NULL);
    ASSERT_EQ_INT(r.status, 501);
    ASSERT_EQ_INT(r.route, -1);
    ASSERT_EQ_INT(r.close, 1);
    /* both framings: what request smuggling looks like (§6.3) */
    r = req_in("POST", u, "5", "chunked", NULL, NULL);
    ASSERT_EQ_INT(r.status, 400);
    ASSERT_EQ_INT(r.close, 1);
    ASSERT_CONTAINS(r.error, "not both");
    /* Content-Length given twice (the fields joined), equal or not, or malformed */
    static const char *const twice[] = {"5, 30", "5, 5", "0, 30", "5,"};
    for (size_t i = 0; i < sizeof twice / sizeof *twice; i++) {
        r = req_in("POST", u, twice[i], NULL, NULL, NULL);
        ASSERT_EQ_INT(r.status, 400);
        ASSERT_EQ_INT(r.close, 1);
        ASSERT_EQ_INT(r.route, -1);
        ASSERT_CONTAINS(r.error, "Content-Length: given more than once");
    }
    static const char *const bad[] = {"abc", "-5", "+5", "1x", "0x10", "12a", "", " ",
                                      "99999999999999999999999", "1 2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = req_in("GET", "/healthz", bad[i], NULL, NULL, NULL);
        ASSERT_EQ_INT(r.status, 400);
        ASSERT_EQ_INT(r.close, 1);
        ASSERT_CONTAINS(r.error, "is not a whole number of bytes");
    }
    r = req_in("POST", u, " 10 ", NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_EQ_INT(r.content_length, 10);
    ASSERT_EQ_INT(r.close, 0);
    /* Host: required in HTTP/1.1, once; counted under no endpoint */
    r = req_in("GET", "/status", NULL, NULL, "HTTP/1.1", NULL);
    ASSERT_EQ_INT(r.status, 400);
    ASSERT_EQ_INT(r.route, -1);
    ASSERT_CONTAINS(r.error, "needs a Host header");
    ASSERT_EQ_INT(r.close, 0); /* the message itself is whole: the connection may stay */
    r = req_in("GET", "/status", NULL, NULL, "HTTP/1.0", NULL);
    ASSERT_EQ_INT(r.status, 0);
    r = req_in("GET", "/status", NULL, NULL, "HTTP/1.1", "x");
    ASSERT_EQ_INT(r.status, 0);
    r = req_in("GET", "/status", NULL, NULL, "HTTP/1.1", "a, b");
    ASSERT_EQ_INT(r.status, 400);
    ASSERT_CONTAINS(r.error, "Host: given more than once");
    /* framing first, then Host */
    r = req_in("GET", "/status", "1, 2", NULL, "HTTP/1.1", NULL);
    ASSERT_EQ_INT(r.status, 400);
    ASSERT_EQ_INT(r.close, 1);
    /* a later HTTP/1.x is answered as 1.1: it needs a Host too */
    r = req_in("GET", "/status", NULL, NULL, "HTTP/1.2", NULL);
    ASSERT_EQ_INT(r.status, 400);
    ASSERT_CONTAINS(r.error, "needs a Host header");
    /* a field name that is not a token ("Content-Length " sent with a space before its
     * colon, which libmicrohttpd keeps in the name): the size a proxy may have read is not
     * seen here, so the message is refused and the connection closed (RFC 9112 §5.1) */
    sv_request_in in = {.method = "POST", .uri = u, .body_limit = 1000};
    sv_request_head head = {.version = "HTTP/1.1", .host = "x", .bad_name = "Content-Length "};
    sv_request_parse_head(&in, &head, routes, N, &r);
    ASSERT_EQ_INT(r.status, 400);
    ASSERT_EQ_INT(r.close, 1);
    ASSERT_EQ_INT(r.route, -1);
    ASSERT_CONTAINS(r.error, "header field 'Content-Length ': a malformed field name");
}

/* An operation's body is the file itself: a form (curl -F) is refused naming it; any other
 * Content-Type is not read (curl --data-binary sends application/x-www-form-urlencoded). */
static void content_type(void)
{
    sv_request_in in = {.method = "POST", .uri = "/v1/image/quality", .content_length = "10", .body_limit = 1000};
    sv_request_head head = {.version = "HTTP/1.1", .host = "x",
                            .content_type = "multipart/form-data; boundary=------abc"};
    sv_request r;
    sv_request_parse_head(&in, &head, routes, N, &r);
    ASSERT_EQ_INT(r.status, 415);
    ASSERT_CONTAINS(r.error, "Content-Type: multipart/form-data: /v1/image/quality takes the file itself");
    ASSERT_EQ_INT(r.close, 0);
    head.content_type = " Multipart/Form-Data";
    sv_request_parse_head(&in, &head, routes, N, &r);
    ASSERT_EQ_INT(r.status, 415);
    static const char *const ok[] = {"application/x-www-form-urlencoded", "audio/wav", "image/jpeg",
                                     "application/octet-stream", "", "multipart/mixed"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        head.content_type = ok[i];
        sv_request_parse_head(&in, &head, routes, N, &r);
        ASSERT_EQ_INT(r.status, 0);
    }
    /* a page's body is dropped, whatever its type; the token comes first */
    head.content_type = "multipart/form-data";
    in.uri = "/healthz";
    in.method = "GET";
    sv_request_parse_head(&in, &head, routes, N, &r);
    ASSERT_EQ_INT(r.status, 0);
    in.uri = "/v1/image/quality";
    in.method = "POST";
    in.token = TOKEN;
    sv_request_parse_head(&in, &head, routes, N, &r);
    ASSERT_EQ_INT(r.status, 401);
}

static void token(void)
{
    EXPECT(req("GET", "/status", NULL, NULL, NULL, ""), 0, "");
    sv_request r = req("GET", "/status", NULL, NULL, NULL, TOKEN);
    ASSERT_EQ_INT(r.status, 401);
    ASSERT_TRUE(r.auth_error == NULL);
    ASSERT_CONTAINS(r.error, "Authorization: Bearer <token>");
    r = req("GET", "/metrics", "Bearer wrong", NULL, NULL, TOKEN);
    ASSERT_EQ_INT(r.status, 401);
    ASSERT_STR_EQ(r.auth_error, "invalid_token");
    EXPECT(req("GET", "/metrics", "Bearer " TOKEN, NULL, NULL, TOKEN), 0, "");
    EXPECT(req("GET", "/metrics", "bearer   " TOKEN "  ", NULL, NULL, TOKEN), 0, "");
    /* RFC 6750 §3.1: another scheme is no bearer token at all: no error code */
    r = req("GET", "/metrics", "Basic dXNlcjpwYXNz", NULL, NULL, TOKEN);
    ASSERT_EQ_INT(r.status, 401);
    ASSERT_TRUE(r.auth_error == NULL);
    ASSERT_CONTAINS(r.error, "not another scheme");
    ASSERT_TRUE(strstr(r.error, "dXNlcjpwYXNz") == NULL); /* credentials are never echoed */
    r = req("GET", "/metrics", "Bearertoken " TOKEN, NULL, NULL, TOKEN);
    ASSERT_TRUE(r.auth_error == NULL);
    r = req("GET", "/metrics", "BEARER nope", NULL, NULL, TOKEN);
    ASSERT_STR_EQ(r.auth_error, "invalid_token");
    r = req("GET", "/metrics", "Bearer", NULL, NULL, TOKEN);
    ASSERT_STR_EQ(r.auth_error, "invalid_token");
    EXPECT(req("GET", "/metrics", "Basic " TOKEN, NULL, NULL, TOKEN), 401, "");
    EXPECT(req("GET", "/metrics", "Bearer " TOKEN "x", NULL, NULL, TOKEN), 401, "");
    EXPECT(req("GET", "/metrics", "Bearer s3cret-token-012345678", NULL, NULL, TOKEN), 401, "");
    EXPECT(req("GET", "/metrics", "Bearer ", NULL, NULL, TOKEN), 401, "");
    /* health, readiness and the page need none */
    EXPECT(req("GET", "/healthz", NULL, NULL, NULL, TOKEN), 0, "");
    EXPECT(req("GET", "/readyz", NULL, NULL, NULL, TOKEN), 0, "");
    EXPECT(req("GET", "/", NULL, NULL, NULL, TOKEN), 0, "");
    /* two Authorization fields: ambiguous credentials (which one did a proxy check?), 400
     * whatever the endpoint and whether or not a token is required, and never echoed */
    {
        sv_request_in in = {.method = "GET", .uri = "/metrics", .authorization = "Bearer " TOKEN,
                            .token = TOKEN, .body_limit = 1000};
        sv_request_head head = {.version = "HTTP/1.1", .host = "x", .authorization_fields = 2};
        sv_request_parse_head(&in, &head, routes, N, &r);
        ASSERT_EQ_INT(r.status, 400);
        ASSERT_CONTAINS(r.error, "Authorization: given 2 times: a request carries one set of credentials");
        ASSERT_TRUE(strstr(r.error, TOKEN) == NULL);
        in.uri = "/healthz";
        in.token = NULL;
        sv_request_parse_head(&in, &head, routes, N, &r);
        ASSERT_EQ_INT(r.status, 400);
        head.authorization_fields = 1;
        sv_request_parse_head(&in, &head, routes, N, &r);
        ASSERT_EQ_INT(r.status, 0);
    }
    /* the token is checked before the parameters: nothing about them leaks */
    EXPECT(req("POST", "/v1/audio/features?preset=nope", NULL, NULL, NULL, TOKEN), 401, "");
    ASSERT_TRUE(sv_bearer_ok("Bearer abc", "abc"));
    ASSERT_TRUE(!sv_bearer_ok("Bearer ab", "abc"));
    ASSERT_TRUE(!sv_bearer_ok("Bearer abcd", "abc"));
    ASSERT_TRUE(!sv_bearer_ok(NULL, "abc"));
    /* the token's grammar (b64token): padding alone is none */
    ASSERT_TRUE(sv_token_grammar_ok(TOKEN));
    ASSERT_TRUE(sv_token_grammar_ok("abc+/~._-=="));
    ASSERT_TRUE(!sv_token_grammar_ok("================"));
    ASSERT_TRUE(!sv_token_grammar_ok("abc=d"));
    ASSERT_TRUE(!sv_token_grammar_ok("abc def"));
    ASSERT_TRUE(!sv_token_grammar_ok(""));
}

static void sizes(void)
{
    const char *u = "/v1/audio/features?preset=fbank";
    EXPECT(req("POST", u, NULL, NULL, "1000", NULL), 0, "");
    EXPECT(req("POST", u, NULL, NULL, "1001", NULL), 413, "the body is 1001 bytes; this server takes at most 1000");
    /* a page's body is dropped, but one declared past the limit is refused as well */
    EXPECT(req("GET", "/status", NULL, NULL, "1000", NULL), 0, "");
    EXPECT(req("GET", "/status", NULL, NULL, "667666666666666666", NULL), 413, "the body is 667666666666666666 bytes");
    EXPECT(req("POST", u, NULL, NULL, "12a", NULL), 400, "Content-Length: '12a' is not a whole number");
    EXPECT(req("POST", u, NULL, NULL, "99999999999999999999999", NULL), 400, "Content-Length");
    EXPECT(req("POST", u, NULL, NULL, "", NULL), 400, "Content-Length");
    sv_request r = req("POST", u, NULL, NULL, NULL, NULL); /* chunked: counted as it arrives */
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_EQ_INT(r.content_length, -1);
}

static void audio(void)
{
    sv_request r = req("POST", "/v1/audio/features?preset=whisper", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(r.preset, "whisper-80"); /* a family means its first preset */
    ASSERT_EQ_INT(r.audio.n_mels, 80);
    ASSERT_EQ_INT(r.audio.padding, ACCEL_AUDIO_PAD_OPENAI);
    r = req("POST", "/v1/audio/features?preset=whisper%2D128&padding=none&windows=1", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(r.preset, "whisper-128");
    ASSERT_EQ_INT(r.audio.padding, ACCEL_AUDIO_PAD_NONE);
    ASSERT_EQ_INT(r.audio.windows, 1);
    r = req("POST", "/v1/audio/features?preset=whisper-80&padding=faster-whisper&&windows=off", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_EQ_INT(r.audio.padding, ACCEL_AUDIO_PAD_FASTER_WHISPER);
    ASSERT_EQ_INT(r.audio.windows, 0);
    EXPECT(req("POST", "/v1/audio/features", NULL, NULL, NULL, NULL), 400,
           "preset: required (allowed: whisper-80, whisper-128, vggish, fbank, fbank-80)");
    EXPECT(req("POST", "/v1/audio/features?preset=", NULL, NULL, NULL, NULL), 400, "preset: required");
    EXPECT(req("POST", "/v1/audio/features?preset=whisper80", NULL, NULL, NULL, NULL), 400,
           "preset: unknown preset 'whisper80' (allowed: whisper-80");
    EXPECT(req("POST", "/v1/audio/features?preset=fbank&padding=none", NULL, NULL, NULL, NULL), 400,
           "padding: applies to the whisper presets only, not 'fbank'");
    EXPECT(req("POST", "/v1/audio/features?preset=whisper-80&padding=lots", NULL, NULL, NULL, NULL), 400,
           "padding: unknown padding 'lots' (allowed: openai, faster-whisper, none)");
    EXPECT(req("POST", "/v1/audio/features?preset=vggish&windows=1", NULL, NULL, NULL, NULL), 400,
           "windows: applies to the whisper presets only");
    EXPECT(req("POST", "/v1/audio/features?preset=whisper-80&windows=maybe", NULL, NULL, NULL, NULL), 400,
           "windows: 'maybe' is not a boolean");
    EXPECT(req("POST", "/v1/audio/features?preset=whisper-80&windows=", NULL, NULL, NULL, NULL), 400,
           "windows: '' is not a boolean");
    EXPECT(req("POST", "/v1/audio/features?preset=whisper-80&windows", NULL, NULL, NULL, NULL), 400,
           "windows: '' is not a boolean");
    EXPECT(req("POST", "/v1/audio/features?preset=fbank&rate=8000", NULL, NULL, NULL, NULL), 400,
           "unknown parameter 'rate' (allowed: preset, padding, windows)");
    EXPECT(req("POST", "/v1/audio/features?preset=fbank&preset=vggish", NULL, NULL, NULL, NULL), 400,
           "'preset' is given twice");
    EXPECT(req("POST", "/v1/audio/features?preset=fb%g1", NULL, NULL, NULL, NULL), 400, "percent-encoding");
    EXPECT(req("POST", "/v1/audio/features?preset=fbank%00", NULL, NULL, NULL, NULL), 400, "percent-encoding");
    EXPECT(req("POST", "/v1/audio/features?preset=fbank%", NULL, NULL, NULL, NULL), 400, "percent-encoding");
    char longv[300] = "/v1/audio/features?preset=";
    memset(longv + strlen(longv), 'a', 200);
    EXPECT(req("POST", longv, NULL, NULL, NULL, NULL), 400, "longer than 63 bytes");
}

static void accept(void)
{
    const char *u = "/v1/audio/features?preset=fbank";
    ASSERT_EQ_INT(req("POST", u, NULL, NULL, NULL, NULL).fmt, SV_FMT_NPY);
    ASSERT_EQ_INT(req("POST", u, NULL, "application/json", NULL, NULL).fmt, SV_FMT_JSON);
    ASSERT_EQ_INT(req("POST", u, NULL, "*/*", NULL, NULL).fmt, SV_FMT_NPY);
    ASSERT_EQ_INT(req("POST", u, NULL, "application/json;q=0.5, application/x-npy", NULL, NULL).fmt, SV_FMT_NPY);
    ASSERT_EQ_INT(req("POST", u, NULL, "application/x-npy;q=0.4, application/json; q=0.9", NULL, NULL).fmt, SV_FMT_JSON);
    ASSERT_EQ_INT(req("POST", u, NULL, "APPLICATION/JSON", NULL, NULL).fmt, SV_FMT_JSON);
    ASSERT_EQ_INT(req("POST", u, NULL, "application/*;q=0.2, application/json", NULL, NULL).fmt, SV_FMT_JSON);
    ASSERT_EQ_INT(req("POST", u, NULL, "application/json, */*;q=0.1", NULL, NULL).fmt, SV_FMT_JSON);
    ASSERT_EQ_INT(req("POST", u, NULL, "text/html, application/octet-stream;q=0.3", NULL, NULL).fmt, SV_FMT_NPY);
    EXPECT(req("POST", u, NULL, "text/html", NULL, NULL), 406,
           "none of the result's types is acceptable (offered: application/x-npy, application/json)");
    EXPECT(req("POST", u, NULL, "application/json;q=0, application/x-npy;q=0", NULL, NULL), 406, "");
    EXPECT(req("POST", u, NULL, "application/json;q=2", NULL, NULL), 406, ""); /* q above 1: unusable */
    /* image quality is a JSON record only */
    ASSERT_EQ_INT(req("POST", "/v1/image/quality", NULL, NULL, NULL, NULL).fmt, SV_FMT_JSON);
    EXPECT(req("POST", "/v1/image/quality", NULL, "application/x-npy", NULL, NULL), 406, "(offered: application/json)");
    EXPECT(req("POST", "/v1/image/quality?model=x", NULL, NULL, NULL, NULL), 400,
           "unknown parameter 'model' (allowed: none)");
}

static void blob(void)
{
    sv_request r = req("POST", "/v1/image/blob?model=arcface", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_STR_EQ(r.model, "arcface");
    ASSERT_EQ_INT(r.size, 112);
    r = req("POST", "/v1/image/blob?model=scrfd&size=320", NULL, NULL, NULL, NULL);
    ASSERT_EQ_INT(r.status, 0);
    ASSERT_EQ_INT(r.size, 320);
    ASSERT_EQ_INT(req("POST", "/v1/image/blob?model=scrfd", NULL, NULL, NULL, NULL).size, 640);
    EXPECT(req("POST", "/v1/image/blob", NULL, NULL, NULL, NULL), 400, "model: required (allowed: scrfd, arcface)");
    EXPECT(req("POST", "/v1/image/blob?model=yolo", NULL, NULL, NULL, NULL), 400, "unknown model 'yolo'");
    EXPECT(req("POST", "/v1/image/blob?model=scrfd&size=0", NULL, NULL, NULL, NULL), 400, "size: '0' is not a whole number 1..4096");
    EXPECT(req("POST", "/v1/image/blob?model=scrfd&size=4097", NULL, NULL, NULL, NULL), 400, "1..4096");
    EXPECT(req("POST", "/v1/image/blob?model=scrfd&size=-3", NULL, NULL, NULL, NULL), 400, "1..4096");
}

static void not_yet(void)
{
    static const sv_route_desc more[] = {
        {"/v1/image/enhance", SV_POST, 1, SV_ARGS_NONE, SV_JSON, "not in this build"},
    };
    sv_request_in in = {"POST", "/v1/image/enhance", NULL, NULL, "10", NULL, 1000};
    sv_request r;
    sv_request_parse(&in, more, 1, &r);
    ASSERT_EQ_INT(r.status, 501);
    ASSERT_CONTAINS(r.error, "POST /v1/image/enhance: not in this build");
    in.method = "GET";
    sv_request_parse(&in, more, 1, &r);
    ASSERT_EQ_INT(r.status, 405); /* the method first: that is fixable now */
}

/* Until the libFuzzer target runs it: mutations of real requests (bytes flipped, cut,
 * repeated) must give a verdict within what the parser promises, never a crash or a read
 * past the strings (the sanitizer builds check that). */
static void mutations(void)
{
    static const char *const seeds[] = {
        "/v1/audio/features?preset=whisper-80&padding=faster-whisper&windows=1",
        "/v1/image/blob?model=scrfd&size=320", "/status?x=%41", "/v1/image/quality",
        "/v1/audio/features?preset=fb%61nk;padding=none&&", "/"};
    static const char *const accepts[] = {"application/json;q=0.5, */*;q=0.1", "application/x-npy",
                                          "text/html;level=1;q=0.9, application/*;q=0.25", ""};
    unsigned seed = 12345;
    int seen[9] = {0};
    char uri[256], acc[128], auth[96], len[24];
    for (int it = 0; it < 200000; it++) {
        seed = seed * 1103515245u + 12345u;
        const char *base = seeds[(seed >> 8) % 6];
        snprintf(uri, sizeof uri, "%s", base);
        snprintf(acc, sizeof acc, "%s", accepts[(seed >> 12) % 4]);
        snprintf(auth, sizeof auth, "Bearer " TOKEN);
        snprintf(len, sizeof len, "%u", (seed >> 4) % 2000);
        char *fields[] = {uri, acc, auth, len};
        for (int m = 0; m < 4; m++) {
            seed = seed * 1103515245u + 12345u;
            char *f = fields[(seed >> 16) % 4];
            size_t n = strlen(f);
            if (!n) continue;
            size_t at = (seed >> 3) % n;
            switch ((seed >> 24) % 4) {
            case 0: f[at] = (char)(seed >> 9); break;      /* any byte, NUL included */
            case 1: f[at] = '\0'; break;                    /* cut */
            case 2: f[at] = "%&=;,\"\\ *+"[(seed >> 5) % 11]; break;
            default: memmove(f + at + 1, f + at, n - at < sizeof uri - n - 2 ? n - at + 1 : 0);
            }
        }
        static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", ""};
        sv_request_in in = {methods[(seed >> 20) % 5], uri, (seed & 1) ? auth : NULL,
                            (seed & 2) ? acc : NULL, (seed & 4) ? len : NULL,
                            (seed & 8) ? TOKEN : NULL, 1000};
        static const char *const tes[] = {NULL, NULL, "chunked", "gzip"};
        static const char *const versions[] = {NULL, "HTTP/1.1", "HTTP/1.0", "HTTP/1.1"};
        static const char *const hosts[] = {"x", NULL, "x", "a, b"};
        sv_request_head head = {tes[(seed >> 26) % 4], versions[(seed >> 28) % 4], hosts[(seed >> 30) % 4]};
        sv_request r;
        sv_request_parse_head(&in, (seed & 16) ? &head : NULL, routes, N, &r);
        static const int allowed[] = {0, 400, 401, 404, 405, 406, 413, 415, 501};
        int ok = 0;
        for (size_t k = 0; k < sizeof allowed / sizeof *allowed; k++)
            if (r.status == allowed[k]) {
                ok = 1;
                seen[k]++;
            }
        if (!ok || r.route >= (int)N || memchr(r.error, 0, sizeof r.error) == NULL ||
            (r.status && !r.error[0]) || (r.status == 0 && r.route < 0) || (r.close && !r.status)) {
            TEST_FAIL_("mutation %d: %s %s gave status %d route %d error '%.80s'", it, in.method, uri,
                       r.status, r.route, r.error);
            break;
        }
    }
    int kinds = 0;
    for (int k = 0; k < 9; k++) kinds += seen[k] > 0;
    fprintf(stderr, "mutations: 0:%d 400:%d 401:%d 404:%d 405:%d 406:%d 413:%d\n", seen[0], seen[1],
            seen[2], seen[3], seen[4], seen[5], seen[6]);
    ASSERT_TRUE(kinds >= 6); /* the mutations reach most verdicts */
}

int main(void)
{
    mutations();
    routing();
    framing();
    content_type();
    token();
    sizes();
    audio();
    accept();
    blob();
    not_yet();
    TEST_DONE();
}
