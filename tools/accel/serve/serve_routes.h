/* serve_routes.h — every endpoint of `accel serve`, one line each.
 *
 *   X(ID, PATH, METHODS, AUTH, ARGS, FORMATS, FAST, OP, NOT_YET)
 *     METHODS  SV_GET (GET and HEAD) or SV_POST
 *     AUTH     1: needs the bearer token when ACCEL_SERVE_TOKEN is set
 *     ARGS     the query parameters it takes (serve_request.c checks and reads them)
 *     FORMATS  an operation's result types (SV_NPY: application/x-npy, SV_JSON), chosen by
 *              the Accept header; the first is the default
 *     FAST     answered on the connection's own thread (cheap, no request body)
 *     OP       run on a worker from the bounded queue, with the request body
 *     NOT_YET  the reason for 501 while the operation is not in this build
 *
 * Adding an endpoint is a line here (and its handler). An endpoint planned but not in this
 * build gets NOT_YET (and no handler) and answers 501 with that reason. The list is expanded
 * where handlers exist
 * (serve_http.c) and, with the handlers left out, by the request parser's fuzz target. */
#ifndef ACCEL_SERVE_ROUTES_H
#define ACCEL_SERVE_ROUTES_H

#define SV_ROUTES(X)                                                                        \
    X(DASHBOARD, "/", SV_GET, 0, SV_ARGS_NONE, 0, sv_page_dashboard, NULL, NULL)            \
    X(HEALTHZ, "/healthz", SV_GET, 0, SV_ARGS_NONE, 0, sv_page_healthz, NULL, NULL)         \
    X(READYZ, "/readyz", SV_GET, 0, SV_ARGS_NONE, 0, sv_page_readyz, NULL, NULL)            \
    X(STATUS, "/status", SV_GET, 1, SV_ARGS_NONE, 0, sv_page_status, NULL, NULL)            \
    X(METRICS, "/metrics", SV_GET, 1, SV_ARGS_NONE, 0, sv_page_metrics, NULL, NULL)         \
    X(AUDIO_FEATURES, "/v1/audio/features", SV_POST, 1, SV_ARGS_AUDIO, SV_NPY | SV_JSON,    \
      NULL, sv_op_audio_features, NULL)                                                     \
    X(IMAGE_QUALITY, "/v1/image/quality", SV_POST, 1, SV_ARGS_NONE, SV_JSON, NULL,          \
      sv_op_image_quality, NULL)                                                            \
    X(IMAGE_BLOB, "/v1/image/blob", SV_POST, 1, SV_ARGS_IMAGE_BLOB, SV_NPY | SV_JSON, NULL, \
      sv_op_image_blob, NULL)

#endif
