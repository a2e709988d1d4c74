/* serve_request.c — a request's framing, Host, route, token, query string, Accept header,
 * declared size and operation parameters (serve_request.h). Plain strings in, a verdict out: no
 * libmicrohttpd, no allocation, nothing that depends on the server's state, so that the
 * fuzz target reaches every branch.
 *
 * Why the query string is parsed here and not taken from libmicrohttpd's GET arguments: the
 * server must refuse what it does not understand (an unknown or repeated parameter, a bad
 * percent escape), naming it, and libmicrohttpd's argument list cannot tell "?preset=" from
 * "?preset" or show a parameter given twice. */
#include "serve_request.h"

#include "core/internal.h"
#include "core/opnames.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PRESETS "whisper-80, whisper-128, vggish, fbank, fbank-80"

static void fail(sv_request *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(sv_request *r, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    r->status = status;
}

int sv_bearer_ok(const char *authorization, const char *token)
{
    if (!authorization || !token) return 0;
    while (*authorization == ' ') authorization++;
    if (strncasecmp(authorization, "Bearer ", 7) != 0) return 0;
    const char *given = authorization + 7;
    while (*given == ' ') given++;
    size_t n = strlen(given), m = strlen(token);
    while (n && given[n - 1] == ' ') n--;
    /* Every byte of the token is compared, whatever the given length, and differences are
     * accumulated rather than returned at the first: the time says nothing about how much of
     * a guess was right. The lengths are compared the same way at the end. */
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < m; i++) {
        unsigned char g = i < n ? (unsigned char)given[i] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)token[i]);
    }
    return diff == 0;
}

int sv_token_grammar_ok(const char *token)
{
    size_t k = 0;
    while (token[k] && (isalnum((unsigned char)token[k]) || strchr("-._~+/", token[k]))) k++;
    if (k == 0) return 0; /* "====": padding of nothing */
    while (token[k] == '=') k++;
    return token[k] == '\0';
}

/* "Bearer" or "bearer …": the scheme RFC 6750 defines (case-insensitive, RFC 7235). */
static int bearer_scheme(const char *authorization)
{
    while (*authorization == ' ') authorization++;
    return strncasecmp(authorization, "Bearer", 6) == 0 &&
           (authorization[6] == ' ' || authorization[6] == '\0');
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) ('+' is a space, as HTML forms send it) into out. -1 on a bad
 * escape, a NUL byte or a value too long. */
static int decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n) return -1; /* "%" or "%4" at the end */
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = h * 16 + l;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0 || k + 1 >= cap) return -1;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return 0;
}

/* What follows the scheme and authority of an absolute-form target ("http://host:80/status?x":
 * "/status?x"; "http://host?x": "?x"), which RFC 9112 §3.2.2 says a server must accept as it
 * accepts origin-form. NULL when `uri` is not an http or https URI with an authority. */
static const char *absolute_rest(const char *uri)
{
    size_t k = 0;
    while (isalnum((unsigned char)uri[k]) || uri[k] == '+' || uri[k] == '-' || uri[k] == '.') k++;
    if (!((k == 4 && !strncasecmp(uri, "http", 4)) || (k == 5 && !strncasecmp(uri, "https", 5))) ||
        strncmp(uri + k, "://", 3) != 0)
        return NULL;
    const char *authority = uri + k + 3;
    size_t an = strcspn(authority, "/?#");
    return an ? authority + an : NULL;
}

/* The path of the request target, origin-form or absolute-form: up to '?' or '#',
 * percent-decoded ("/" for an absolute-form target without one). */
static int target_path(const char *uri, char *out, size_t cap, const char **query)
{
    if (uri[0] != '/') {
        uri = absolute_rest(uri);
        if (!uri) return -1;
    }
    size_t n = strcspn(uri, "?#");
    *query = uri[n] == '?' ? uri + n + 1 : NULL;
    if (n == 0) { /* "http://host" or "http://host?x" */
        if (cap < 2) return -1;
        memcpy(out, "/", 2);
        return 0;
    }
    return decode(uri, n, out, cap);
}

typedef struct {
    const char *name;
    char value[64];
    int set;
} qparam;

/* Splits the query string into the parameters allowed; an unknown, repeated or undecodable
 * one fails the request (400) naming it. */
static int read_query(const char *query, qparam *ps, size_t np, sv_request *r)
{
    if (!query) return 0;
    size_t qn = strcspn(query, "#");
    size_t i = 0;
    while (i < qn) {
        size_t len = strcspn(query + i, "&;");
        if (i + len > qn) len = qn - i;
        const char *item = query + i;
        i += len + 1;
        if (len == 0) continue; /* "a=1&&b=2" */
        const char *eq = memchr(item, '=', len);
        size_t kn = eq ? (size_t)(eq - item) : len;
        char key[64], val[64];
        if (decode(item, kn, key, sizeof key) != 0) {
            fail(r, 400, "query string: a parameter name is not valid percent-encoding or too long");
            return -1;
        }
        size_t vn = eq ? len - kn - 1 : 0;
        if (decode(eq ? eq + 1 : "", vn, val, sizeof val) != 0) {
            fail(r, 400, "query string: the value of '%s' is not valid percent-encoding or longer "
                         "than %zu bytes", key, sizeof val - 1);
            return -1;
        }
        qparam *p = NULL;
        for (size_t k = 0; k < np; k++)
            if (!strcmp(ps[k].name, key)) p = &ps[k];
        if (!p) {
            char names[160] = "";
            size_t w = 0;
            for (size_t k = 0; k < np; k++)
                w += (size_t)snprintf(names + w, w < sizeof names ? sizeof names - w : 0, "%s%s",
                                      k ? ", " : "", ps[k].name);
            fail(r, 400, "query string: unknown parameter '%s' (allowed: %s)", key,
                 np ? names : "none");
            return -1;
        }
        if (p->set) {
            fail(r, 400, "query string: '%s' is given twice", key);
            return -1;
        }
        p->set = 1;
        accel__strlcpy(p->value, val, sizeof p->value);
    }
    return 0;
}

/* An audio preset, or any name of the one vocabulary that means one ("whisper" is
 * whisper-80), as `accel audio features --preset` takes it. */
static int audio_preset(const char *name, accel_audio_params *p, char *canon, size_t cap)
{
    p->struct_size = sizeof *p;
    if (accel_audio_params_preset(name, p) == ACCEL_OK) {
        accel__strlcpy(canon, name, cap);
        return 0;
    }
    accel__op_ref ref;
    if (accel__op_resolve(name, &ref) == ACCEL_OK && ref.pre &&
        accel_audio_params_preset(ref.pre->op, p) == ACCEL_OK) {
        accel__strlcpy(canon, ref.pre->op, cap);
        return 0;
    }
    return -1;
}

static void audio_args(const char *query, sv_request *r)
{
    qparam ps[] = {{"preset", "", 0}, {"padding", "", 0}, {"windows", "", 0}};
    if (read_query(query, ps, 3, r) != 0) return;
    const char *preset = ps[0].set ? ps[0].value : NULL;
    if (!preset || !preset[0]) {
        fail(r, 400, "preset: required (allowed: %s)", PRESETS);
        return;
    }
    if (audio_preset(preset, &r->audio, r->preset, sizeof r->preset) != 0) {
        fail(r, 400, "preset: unknown preset '%s' (allowed: %s)", preset, PRESETS);
        return;
    }
    const accel_audio_kind kind = r->audio.kind;
    if (ps[1].set) {
        static const char *const names[] = {"openai", "faster-whisper", "none"};
        static const accel_audio_padding modes[] = {
            ACCEL_AUDIO_PAD_OPENAI, ACCEL_AUDIO_PAD_FASTER_WHISPER, ACCEL_AUDIO_PAD_NONE};
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(ps[1].value, names[i])) k = i;
        if (k < 0) {
            fail(r, 400, "padding: unknown padding '%s' (allowed: openai, faster-whisper, none)",
                 ps[1].value);
            return;
        }
        if (kind != ACCEL_AUDIO_WHISPER) {
            fail(r, 400, "padding: applies to the whisper presets only, not '%s'", r->preset);
            return;
        }
        r->audio.padding = modes[k];
    }
    if (ps[2].set) {
        static const char *const yes[] = {"1", "true", "yes", "on"};
        static const char *const no[] = {"0", "false", "no", "off"};
        int on = -1;
        for (int i = 0; i < 4; i++)
            if (!strcasecmp(ps[2].value, yes[i])) on = 1;
        for (int i = 0; i < 4; i++)
            if (!strcasecmp(ps[2].value, no[i])) on = 0;
        if (on < 0) {
            fail(r, 400, "windows: '%s' is not a boolean (allowed: 1, 0, true, false, yes, no, "
                         "on, off)", ps[2].value);
            return;
        }
        if (on && kind != ACCEL_AUDIO_WHISPER) {
            fail(r, 400, "windows: applies to the whisper presets only, not '%s'", r->preset);
            return;
        }
        r->audio.windows = on;
    }
}

/* Skips optional white space. */
static const char *ows(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

/* The q value of one media range's parameters ("; q=0.8; charset=x"): 1000 for 1, 0..1000;
 * -1 when malformed. */
static int qvalue(const char *params, size_t n)
{
    int q = 1000;
    size_t i = 0;
    while (i < n) {
        while (i < n && (params[i] == ';' || params[i] == ' ' || params[i] == '\t')) i++;
        size_t len = 0;
        while (i + len < n && params[i + len] != ';') len++;
        const char *p = params + i;
        i += len;
        if (len >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            /* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
            size_t k = 2;
            while (k < len && p[k] == ' ') k++;
            if (k >= len || (p[k] != '0' && p[k] != '1')) return -1;
            int whole = p[k] - '0', frac = 0, digits = 0;
            k++;
            if (k < len && p[k] == '.') {
                k++;
                while (k < len && isdigit((unsigned char)p[k]) && digits < 3) {
                    frac = frac * 10 + (p[k] - '0');
                    digits++;
                    k++;
                }
            }
            while (k < len && (p[k] == ' ' || p[k] == '\t')) k++;
            if (k != len) return -1;
            while (digits < 3) {
                frac *= 10;
                digits++;
            }
            q = whole * 1000 + frac;
            if (q > 1000) return -1;
        }
    }
    return q;
}

/* The result format from the Accept header, among those the endpoint offers (`formats`):
 * application/x-npy and application/octet-stream are the .npy file, application/json the
 * JSON form; a wildcard matches both, and a tie goes to the endpoint's first format (.npy,
 * the CLI's own output, where it has one). -1 when none is acceptable. */
static int choose_format(const char *accept, unsigned formats, sv_format *fmt)
{
    sv_format first = (formats & SV_NPY) ? SV_FMT_NPY : SV_FMT_JSON;
    *fmt = first;
    if (!accept || !*ows(accept)) return 0;
    int q[2] = {-1, -1};    /* per format, from the most specific range that matches */
    int spec[2] = {-1, -1}; /* 0 for * / *, 1 for application/ *, 2 exact */
    const char *s = accept;
    while (*s) {
        s = ows(s);
        size_t len = strcspn(s, ",");
        size_t tlen = strcspn(s, ";,");
        while (tlen && (s[tlen - 1] == ' ' || s[tlen - 1] == '\t')) tlen--;
        int qv = qvalue(s + tlen, len - tlen);
        if (qv < 0) qv = 0; /* a malformed q makes that range useless, not the whole header */
        char type[96];
        if (tlen < sizeof type) {
            memcpy(type, s, tlen);
            type[tlen] = '\0';
            int m[2] = {-1, -1};
            if (!strcasecmp(type, "*/*")) m[0] = m[1] = 0;
            else if (!strcasecmp(type, "application/*")) m[0] = m[1] = 1;
            else if (!strcasecmp(type, "application/x-npy") || !strcasecmp(type, "application/octet-stream"))
                m[0] = 2;
            else if (!strcasecmp(type, "application/json"))
                m[1] = 2;
            for (int f = 0; f < 2; f++) {
                if (m[f] > spec[f]) {
                    spec[f] = m[f];
                    q[f] = qv;
                } else if (m[f] >= 0 && m[f] == spec[f] && qv > q[f]) {
                    q[f] = qv;
                }
            }
        }
        s += len;
        if (*s == ',') s++;
    }
    for (int f = 0; f < 2; f++)
        if (!(formats & (1u << f))) q[f] = -1;
    if (q[0] <= 0 && q[1] <= 0) return -1;
    if (q[0] == q[1]) *fmt = first;
    else *fmt = q[1] > q[0] ? SV_FMT_JSON : SV_FMT_NPY;
    return 0;
}

static void blob_args(const char *query, sv_request *r)
{
    qparam ps[] = {{"model", "", 0}, {"size", "", 0}};
    if (read_query(query, ps, 2, r) != 0) return;
    if (!ps[0].set || (strcmp(ps[0].value, "scrfd") && strcmp(ps[0].value, "arcface"))) {
        if (ps[0].set)
            fail(r, 400, "model: unknown model '%s' (allowed: scrfd, arcface)", ps[0].value);
        else
            fail(r, 400, "model: required (allowed: scrfd, arcface)");
        return;
    }
    accel__strlcpy(r->model, ps[0].value, sizeof r->model);
    r->size = !strcmp(r->model, "scrfd") ? 640 : 112;
    if (ps[1].set) {
        const char *v = ps[1].value;
        long n = 0;
        int ok = *v != '\0';
        for (; *v && ok; v++) {
            if (*v < '0' || *v > '9' || n > 100000) ok = 0;
            else n = n * 10 + (*v - '0');
        }
        if (!ok || n < 1 || n > 4096) {
            fail(r, 400, "size: '%s' is not a whole number 1..4096", ps[1].value);
            return;
        }
        r->size = (int)n;
    }
}

/* Content-Length: digits only (RFC 9110 §8.6), -2 when malformed, -3 when given more than
 * once (the fields joined: "5, 30"), -1 when absent. */
static int64_t content_length(const char *v)
{
    if (!v) return -1;
    if (strchr(v, ',')) return -3;
    v = ows(v);
    if (!*v) return -2;
    int64_t n = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
        if (n > (INT64_MAX - 9) / 10) return -2;
        n = n * 10 + (*v - '0');
    }
    v = ows(v);
    return *v ? -2 : n;
}

/* A header's value, for a message: at most 60 bytes of it. */
#define SHOWN(v) (strlen(v) > 60 ? 60 : (int)strlen(v)), (v)

/* The request's framing (RFC 9112 §6): how its body is delimited. A request whose body's end
 * is unknown or ambiguous cannot be answered and then followed by another on the same
 * connection — what a proxy in front takes for the next request could be this one's body
 * (request smuggling) — so it is refused and the connection closed. 0, or -1 after fail(). */
static int framing(const sv_request_in *in, const sv_request_head *head, sv_request *r)
{
    if (head->bad_name) {
        /* §5.1: a server must refuse white space between a field's name and its colon, and
         * §5.2 a line folded onto the next (or read it as one line). libmicrohttpd keeps
         * both in the name, so "Content-Length : 5" frames nothing here while a proxy in
         * front may have read it as the body's size */
        r->close = 1;
        fail(r, 400, "header field '%.*s': a malformed field name (white space before its "
                     "colon, or a line folded onto the next: RFC 9112 §5.1, §5.2)",
             SHOWN(head->bad_name));
        return -1;
    }
    const char *te = head->transfer_encoding;
    if (te) {
        const char *t = ows(te);
        size_t n = strlen(t);
        while (n && (t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
        r->close = 1;
        if (n != 7 || strncasecmp(t, "chunked", 7) != 0) {
            /* §6.1: a coding the server does not understand is 501 */
            fail(r, 501, "Transfer-Encoding: '%.*s' is not supported (this server reads "
                         "'chunked' only)", SHOWN(te));
            return -1;
        }
        if (in->content_length) {
            /* §6.3: both is what smuggling looks like; a server may refuse it */
            fail(r, 400, "Content-Length and Transfer-Encoding: a request gives one or the "
                         "other, not both");
            return -1;
        }
        r->close = 0;
        r->chunked = 1;
        return 0;
    }
    r->content_length = content_length(in->content_length);
    if (r->content_length < -1) {
        r->close = 1;
        if (r->content_length == -3)
            fail(r, 400, "Content-Length: given more than once ('%.*s'): a request declares "
                         "its size once", SHOWN(in->content_length));
        else
            fail(r, 400, "Content-Length: '%.*s' is not a whole number of bytes",
                 SHOWN(in->content_length));
        r->content_length = -1;
        return -1;
    }
    return 0;
}

/* HTTP/1.1 and the later minor versions, which libmicrohttpd answers as 1.1 (RFC 9110
 * §6.2): they need a Host. HTTP/1.0 does not. */
static int needs_host(const char *version)
{
    return version && !strncmp(version, "HTTP/1.", 7) && version[7] >= '1' && version[7] <= '9';
}

static const char *methods_text(unsigned m) { return m == SV_POST ? "POST" : "GET, HEAD"; }

void sv_request_parse(const sv_request_in *in, const sv_route_desc *routes, size_t n,
                      sv_request *r)
{
    sv_request_parse_head(in, NULL, routes, n, r);
}

void sv_request_parse_head(const sv_request_in *in, const sv_request_head *head,
                           const sv_route_desc *routes, size_t n, sv_request *r)
{
    static const sv_request_head none;
    if (!head) head = &none;
    memset(r, 0, sizeof *r);
    r->route = -1;
    r->content_length = -1;
    if (framing(in, head, r) != 0) return;
    /* RFC 9112 §3.2: exactly one Host in HTTP/1.1 (libmicrohttpd lets either through) */
    if (needs_host(head->version) && !head->host) {
        fail(r, 400, "an HTTP/1.1 request needs a Host header");
        return;
    }
    if (head->host && strchr(head->host, ',')) {
        fail(r, 400, "Host: given more than once");
        return;
    }
    /* RFC 9110 §11.6.2: Authorization is one value, not a list; two fields are two sets of
     * credentials, and which one a proxy in front checked cannot be told */
    if (head->authorization_fields > 1) {
        fail(r, 400, "Authorization: given %d times: a request carries one set of credentials",
             head->authorization_fields);
        return;
    }
    char path[512];
    const char *query = NULL;
    const char *uri = in->uri ? in->uri : "";
    const char *m = in->method ? in->method : "";
    if (!strcmp(uri, "*")) {
        /* RFC 9112 §3.2.4: the asterisk-form names the server as a whole, for OPTIONS only.
         * No endpoint answers OPTIONS, so the server as a whole answers it as each endpoint
         * does a method it does not serve: 405, with every method some endpoint allows */
        if (strcmp(m, "OPTIONS") != 0) {
            fail(r, 400, "request target '*': only OPTIONS takes it (RFC 9112 §3.2.4)");
            return;
        }
        unsigned all = 0;
        for (size_t i = 0; i < n; i++) all |= routes[i].methods;
        r->allow = all == (SV_GET | SV_POST) ? "GET, HEAD, POST" : methods_text(all);
        fail(r, 405, "OPTIONS *: method not allowed (allowed: %s)", r->allow);
        return;
    }
    if (target_path(uri, path, sizeof path, &query) != 0) {
        fail(r, 400, "request target: not an absolute path or an http URI, or not valid "
                     "percent-encoding");
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(routes[i].path, path)) r->route = (int)i;
    if (r->route < 0) {
        char list[400] = "";
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
            w += (size_t)snprintf(list + w, w < sizeof list ? sizeof list - w : 0, "%s%s %s",
                                  i ? ", " : "", routes[i].methods == SV_POST ? "POST" : "GET",
                                  routes[i].path);
        fail(r, 404, "no endpoint %s (endpoints: %s)", path[0] ? path : "/", list);
        return;
    }
    const sv_route_desc *rt = &routes[r->route];
    r->head = !strcmp(m, "HEAD");
    int ok = rt->methods == SV_POST ? !strcmp(m, "POST") : (!strcmp(m, "GET") || r->head);
    if (!ok) {
        r->allow = methods_text(rt->methods);
        fail(r, 405, "%s %s: method not allowed (allowed: %s)", m, rt->path, r->allow);
        return;
    }
    if (rt->auth && in->token && in->token[0] && !sv_bearer_ok(in->authorization, in->token)) {
        /* RFC 6750 §3.1: credentials of another scheme are no bearer token at all, and get
         * no error code */
        int bearer = in->authorization && bearer_scheme(in->authorization);
        r->auth_error = bearer ? "invalid_token" : NULL;
        fail(r, 401, bearer ? "the bearer token is not the one ACCEL_SERVE_TOKEN sets"
                     : in->authorization ? "this server takes only 'Authorization: Bearer <token>' "
                                           "(ACCEL_SERVE_TOKEN), not another scheme"
                                         : "this server needs 'Authorization: Bearer <token>' "
                                           "(ACCEL_SERVE_TOKEN)");
        return;
    }
    /* every method: a page's body is read only to be dropped, and a declared one past the
     * limit would hold the connection until the client's time ran out */
    if (r->content_length > in->body_limit) {
        fail(r, 413, "the body is %lld bytes; this server takes at most %lld "
                     "(ACCEL_SERVE_BODY_LIMIT_MB)",
             (long long)r->content_length, (long long)in->body_limit);
        return;
    }
    if (rt->not_yet) {
        fail(r, 501, "%s %s: %s", m, rt->path, rt->not_yet);
        return;
    }
    /* the body is the file itself: a form (curl -F) never decodes, and the decoder's
     * "not a JPEG, PNG or WebP image" would not say why. Any other type is not read: the
     * bytes say the format, and curl --data-binary sends a form-urlencoded type */
    const char *ct = head->content_type ? ows(head->content_type) : "";
    if (rt->formats && !strncasecmp(ct, "multipart/form-data", 19)) {
        fail(r, 415, "Content-Type: multipart/form-data: %s takes the file itself as the "
                     "body (curl --data-binary @FILE), not a form", rt->path);
        return;
    }
    if (rt->args == SV_ARGS_AUDIO) audio_args(query, r);
    else if (rt->args == SV_ARGS_IMAGE_BLOB) blob_args(query, r);
    else if (rt->formats) read_query(query, NULL, 0, r); /* an operation without parameters */
    if (r->status) return;
    if (rt->formats && choose_format(in->accept, rt->formats, &r->fmt) != 0)
        fail(r, 406, "Accept: %s: none of the result's types is acceptable (offered: %s)",
             in->accept, rt->formats == SV_JSON ? "application/json"
                         : rt->formats == SV_NPY ? "application/x-npy"
                                                 : "application/x-npy, application/json");
}
