/* serve_request.h — what `accel serve` makes of a request beyond what libmicrohttpd parses:
 * the route, the bearer token, the query string, the Accept header, the declared body size,
 * and an operation's parameters. One function, sv_request_parse, does all of it from plain
 * strings, without libmicrohttpd, so it can be tested and fuzzed on its own
 * (tests/serve/test_serve_request.c, tests/fuzz/fuzz_serve_request.c). */
#ifndef ACCEL_SERVE_REQUEST_H
#define ACCEL_SERVE_REQUEST_H

#include "accel.h"

#include <stddef.h>
#include <stdint.h>

/* Methods an endpoint answers. */
#define SV_GET 1u  /* GET and HEAD */
#define SV_POST 2u

/* The query parameters an endpoint takes. */
typedef enum { SV_ARGS_NONE = 0, SV_ARGS_AUDIO = 1, SV_ARGS_IMAGE_BLOB = 2 } sv_args;

/* The result formats of an operation. */
typedef enum { SV_FMT_NPY = 0, SV_FMT_JSON = 1 } sv_format;
#define SV_NPY (1u << SV_FMT_NPY)
#define SV_JSON (1u << SV_FMT_JSON)

/* One endpoint, as the parser sees it (serve_routes.h lists them). */
typedef struct sv_route_desc {
    const char *path;
    unsigned methods;
    int auth;
    sv_args args;
    unsigned formats;    /* an operation's result types (SV_NPY | SV_JSON); 0 for a page */
    const char *not_yet; /* 501 with this reason, or NULL */
} sv_route_desc;

/* What the connection gave. NULL for a header that is absent. A header that frames the
 * request or names its host (Content-Length here, Transfer-Encoding and Host below) is every
 * field of that name, joined with ", " as RFC 9110 §5.3 combines them, so that one given
 * twice is seen. */
typedef struct sv_request_in {
    const char *method;         /* "GET" */
    const char *uri;            /* the request target as sent: "/v1/audio/features?preset=…" */
    const char *authorization;  /* the Authorization header */
    const char *accept;         /* the Accept header */
    const char *content_length; /* the Content-Length header(s) */
    const char *token;          /* ACCEL_SERVE_TOKEN; NULL or "" when none is required */
    int64_t body_limit;         /* bytes */
} sv_request_in;

/* The rest of the request head that decides its framing and its host. A struct of its own,
 * not more fields of sv_request_in, so that the initializers of that struct's callers stay
 * whole (the fuzz target's among them). */
typedef struct sv_request_head {
    const char *transfer_encoding; /* the Transfer-Encoding header(s) */
    const char *version;           /* "HTTP/1.1"; NULL: the Host header is not checked */
    const char *host;              /* the Host header(s) */
    const char *bad_name;          /* the first malformed field name: not a token (RFC 9110
                                    * §5.1; "Content-Length " sent with a space before its
                                    * colon, which libmicrohttpd keeps in the name), or a
                                    * framing field's name with a folded line appended */
    const char *content_type;      /* the Content-Type header: only a form is refused */
    int authorization_fields;      /* how many Authorization fields it has: two or more are
                                    * refused (ambiguous credentials) */
} sv_request_head;

/* What accel makes of it. */
typedef struct sv_request {
    int route;             /* index into the routes given, -1 when none matches the path */
    int status;            /* 0: go ahead; else the HTTP status to answer, with `error` */
    int close;             /* the request's framing is unsafe (its end is unknown or ambiguous):
                            * answer at once and close the connection, reading nothing more */
    char error[640];       /* why (names the input and the values allowed) */
    const char *allow;     /* for 405: the methods allowed ("GET, HEAD" or "POST") */
    const char *auth_error; /* for 401: NULL (no credentials, or another scheme than Bearer:
                            * RFC 6750 §3.1) or "invalid_token" */
    int head;              /* a HEAD request: headers only */
    int64_t content_length; /* -1 when not declared (chunked, or no body) */
    int chunked;           /* Transfer-Encoding: chunked */
    sv_format fmt;
    /* SV_ARGS_AUDIO */
    char preset[32];       /* as accel audio names it: "whisper-80" */
    accel_audio_params audio;
    /* SV_ARGS_IMAGE_BLOB */
    char model[16];        /* "scrfd" or "arcface" */
    int size;              /* the blob's side */
} sv_request;

/* Parses `in` against the endpoints routes[0..n). Never fails: out->status says what to
 * answer (400, 401, 404, 405, 406, 413, 415, 501) when the request cannot go ahead. First what
 * makes the message itself unsafe or malformed, whatever the endpoint: its framing
 * (Transfer-Encoding other than chunked: 501; Content-Length malformed or given twice, or
 * with Transfer-Encoding, or a field name that is not a token: 400; these set `close`), the
 * Host header (400), Authorization given more than once (400), the request target (400;
 * origin-form or absolute-form, RFC 9112 §3.2; the asterisk-form, "*", only for OPTIONS,
 * which no endpoint answers: 405 with every method the server allows). Then in the order a
 * client can fix
 * them: path (404), method (405), token (401), the declared body size (413), an operation's
 * body sent as a form (415), the parameters (400) and the Accept header (406). */
void sv_request_parse(const sv_request_in *in, const sv_route_desc *routes, size_t n,
                      sv_request *out);
/* The same, with the rest of the head (NULL: none of those headers, no Host check). */
void sv_request_parse_head(const sv_request_in *in, const sv_request_head *head,
                           const sv_route_desc *routes, size_t n, sv_request *out);

/* 1 when `authorization` is "Bearer <token>" (the scheme case-insensitive, as RFC 7235
 * says). The comparison takes the same time whatever the bytes and wherever they differ. */
int sv_bearer_ok(const char *authorization, const char *token);

/* 1 when `token` is an RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
 * "/" ) *"=" (at least one character before the padding). */
int sv_token_grammar_ok(const char *token);

#endif
