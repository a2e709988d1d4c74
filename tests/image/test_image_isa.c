/* test_image_isa.c — the image kernels of every SIMD level this binary carries and this
 * processor runs (baseline, avx2, avx512) give identical results: gray rows, the quality sums,
 * and the area resize's horizontal pass (the AVX2 form transposes eight rows into lanes; its
 * float operations must still be the scalar loop's, in the same order). Random inputs of
 * awkward widths (1, 15, 17, 33, 1921 …) and 1, 3 and 4 channels. */
#include <stdlib.h>
#include <string.h>

#include "backends/cpu/cpu.h"
#include "ops/image/image_internal.h"
#include "test.h"

static uint32_t rng = 2463534242u;
static uint32_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    return rng;
}

int main(void)
{
    const img_kern *base = accel__img_kern_level(ACCEL__SIMD_BASELINE);
    ASSERT_TRUE(base != NULL);
    int compared = 0;
    static const int widths[] = {1, 2, 15, 16, 17, 33, 64, 255, 1921};
    static const int levels[] = {ACCEL__SIMD_AVX2, ACCEL__SIMD_AVX512, ACCEL__SIMD_NEON};
    for (size_t li = 0; li < sizeof levels / sizeof *levels; li++) {
        const img_kern *k = accel__img_kern_level(levels[li]);
        if (!k) {
            printf("level %s: not built into this binary or not run by this processor\n",
                   accel__simd_name((accel__simd_level)levels[li]));
            continue;
        }
        size_t checks = 0;
        for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
            const int w = widths[wi];
            for (int cn = 1; cn <= 4; cn++) {
                if (cn == 2) continue;
                const int h = 1 + (int)(next() % 40);
                uint8_t *img = malloc((size_t)w * h * cn + 16);
                for (size_t i = 0; i < (size_t)w * h * cn + 16; i++) img[i] = (uint8_t)next();
                /* gray */
                uint8_t *ga = malloc((size_t)w), *gb = malloc((size_t)w);
                for (int rgb = 0; rgb < 2; rgb++) {
                    base->gray_row(img, cn, rgb, ga, w);
                    k->gray_row(img, cn, rgb, gb, w);
                    if (memcmp(ga, gb, (size_t)w)) TEST_FAIL_("%s gray_row w %d cn %d differs", k->name, w, cn);
                    checks++;
                }
                /* quality sums over bands */
                img_t v = {img, w, h, cn, (size_t)w * cn, 0};
                for (int r0 = 0; r0 < h; r0 += 7) {
                    img_qsums a, b;
                    int r1 = r0 + 7 < h ? r0 + 7 : h;
                    ASSERT_OK(base->quality_rows(&v, r0, r1, &a));
                    ASSERT_OK(k->quality_rows(&v, r0, r1, &b));
                    if (memcmp(&a, &b, sizeof a)) TEST_FAIL_("%s quality_rows w %d h %d cn %d rows %d-%d differ", k->name, w, h, cn, r0, r1);
                    checks++;
                }
                /* area pass: a table like OpenCV's for a reduction to about w/3 */
                int dw = w / 3 > 0 ? w / 3 : 1;
                area_tab *tab = malloc(((size_t)w * 2 + (size_t)dw) * sizeof *tab);
                int nt = 0;
                for (int sx = 0; sx < w; sx++) {
                    int dx = (int)((long)sx * dw / w);
                    tab[nt++] = (area_tab){dx * cn, sx * cn, (float)(next() % 1000) / 1000.0f};
                    if (sx % 5 == 4 && dx + 1 < dw) tab[nt++] = (area_tab){(dx + 1) * cn, sx * cn, 0.125f};
                }
                int nr = 1 + (int)(next() % 8);
                if (nr > h) nr = h;
                const uint8_t *rows[8];
                float *oa[8], *ob[8];
                for (int r = 0; r < nr; r++) {
                    rows[r] = img + (size_t)r * w * cn;
                    oa[r] = malloc((size_t)dw * cn * sizeof(float));
                    ob[r] = malloc((size_t)dw * cn * sizeof(float));
                }
                void *sa = malloc(base->area_scratch(w * cn, dw * cn)), *sb = malloc(k->area_scratch(w * cn, dw * cn));
                base->area_hpass(rows, nr, w * cn, cn, tab, nt, dw * cn, oa, sa);
                k->area_hpass(rows, nr, w * cn, cn, tab, nt, dw * cn, ob, sb);
                for (int r = 0; r < nr; r++) {
                    if (memcmp(oa[r], ob[r], (size_t)dw * cn * sizeof(float)))
                        TEST_FAIL_("%s area_hpass w %d cn %d row %d of %d differs", k->name, w, cn, r, nr);
                    free(oa[r]), free(ob[r]);
                }
                checks++;
                free(sa), free(sb), free(tab), free(ga), free(gb), free(img);
            }
        }
        printf("level %s: %zu comparisons with baseline, all identical unless reported\n", k->name, checks);
        compared++;
    }
    if (!compared) printf("only the baseline level runs here: nothing to compare\n");
    TEST_DONE();
}
