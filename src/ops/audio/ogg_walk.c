/* ogg_walk.c — the walk over an Ogg stream's pages as its bytes go by (audio_ogg_walk,
 * audio_internal.h). input.c feeds it every byte read from a pipe; source.c judges what it
 * found (a second logical stream, the stream's end) with the rules it applies to files. It
 * calls nothing of the library: the input below feeds it, the source above reads it. */
#include "audio_internal.h"

#include <stdlib.h>
#include <string.h>

/* Keeps the last ACCEL__OGG_MAX_PAGE bytes fed, whatever the walk made of them (the check of
 * a file's end reads its tail whether or not its pages walk from the start): appended to a
 * buffer grown as they come up to twice that, whose last ACCEL__OGG_MAX_PAGE bytes move to its
 * start when it is full, so that the tail lies in order for the check. */
static void walk_keep_tail(audio_ogg_walk *w, const unsigned char *p, size_t n)
{
    enum { CAP = ACCEL__OGG_MAX_PAGE };
    if (!n || w->tail_lost) return;
    if (n >= CAP) {
        p += n - CAP;
        n = CAP;
        w->tail_n = 0;
    }
    if (w->tail_n + n > 2 * CAP) {
        size_t keep = CAP - n;
        memmove(w->tail, w->tail + w->tail_n - keep, keep);
        w->tail_n = keep;
    }
    if (w->tail_n + n > w->tail_cap) {
        size_t cap = w->tail_cap ? w->tail_cap : 4096;
        while (cap < w->tail_n + n) cap *= 2;
        if (cap > 2 * CAP) cap = 2 * CAP;
        unsigned char *t = realloc(w->tail, cap);
        if (!t) {
            w->tail_lost = 1; /* the end check reports it */
            return;
        }
        w->tail = t;
        w->tail_cap = cap;
    }
    memcpy(w->tail + w->tail_n, p, n);
    w->tail_n += n;
}

/* The same walk over a pipe's bytes as they go by (input.c feeds it), byte by byte where the
 * walk above reads page headers and skips bodies. */
void accel__audio_ogg_walk_feed(audio_ogg_walk *w, const unsigned char *p, size_t n)
{
    walk_keep_tail(w, p, n);
    while (n && !w->stopped && w->chain_at < 0) {
        if (w->body_left) {
            size_t k = (uint64_t)w->body_left < n ? (size_t)w->body_left : n;
            w->body_left -= (int64_t)k;
            p += k;
            n -= k;
            continue;
        }
        size_t need = w->head_n < 27 ? 27 : 27 + (size_t)w->head[26];
        size_t k = need - w->head_n < n ? need - w->head_n : n;
        memcpy(w->head + w->head_n, p, k);
        w->head_n += k;
        p += k;
        n -= k;
        if (w->head_n >= 4 && memcmp(w->head, "OggS", 4) != 0) {
            w->stopped = 1; /* not a page where one should be: corrupt, which the decoder reports */
            break;
        }
        if (w->head_n < 27 || w->head_n < 27 + (size_t)w->head[26]) continue;
        int64_t body = 0;
        for (size_t j = 0; j < w->head[26]; j++) body += w->head[27 + j];
        if (!(w->head[5] & 0x02)) {
            w->audio_seen = 1;
        } else if (w->audio_seen) {
            w->chain_at = w->page_at;
            break;
        }
        w->page_at += (int64_t)w->head_n + body;
        w->body_left = body;
        w->head_n = 0;
    }
}
