#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define CK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,f16c,fma")))
#define CK_INLINE static inline __attribute__((always_inline))

enum { TILE_TOKENS = 8 };

CK_INLINE int32_t load_i32(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// 16 rows x nt tokens: each weight load feeds nt vpdpbusd, one per token (two on corrected tokens), so
// prefill reuses every cache line nt times. nt and corrected are constants at every call site, so the arrays
// live in registers.
CK_INLINE CK_TARGET void tile(const ck_q8_matmul_args *a, size_t g, size_t t0, const int nt, const int corrected) {
    const size_t B = a->blocks, K = B * 32;
    const uint8_t *w = a->weights + g * B * 512;
    const uint16_t *ws = a->weight_scales + g * B * 16;
    const int8_t *x = a->x + t0 * K, *x2 = corrected ? a->correction + t0 * K : NULL;
    const float *xd = a->x_scales + t0 * B, *xd2 = corrected ? a->correction_scales + t0 * B : NULL;
    const int32_t *xb = a->x_bias + t0 * B, *xb2 = corrected ? a->correction_bias + t0 * B : NULL;
    __m512 sum[TILE_TOKENS];
    for (int t = 0; t < nt; t++) sum[t] = _mm512_setzero_ps();
    for (size_t b = 0; b < B; b++) {
        __m512i acc[TILE_TOKENS], acc2[TILE_TOKENS];
        for (int t = 0; t < nt; t++) acc[t] = _mm512_set1_epi32(xb[t * B + b]);
        if (corrected)
            for (int t = 0; t < nt; t++) acc2[t] = _mm512_set1_epi32(xb2[t * B + b]);
        const uint8_t *wb = w + b * 512;
        for (int k = 0; k < 8; k++) {
            const __m512i wv = _mm512_load_si512((const void *)(wb + k * 64));
            for (int t = 0; t < nt; t++)
                acc[t] = _mm512_dpbusd_epi32(acc[t], wv, _mm512_set1_epi32(load_i32(x + t * K + b * 32 + 4 * k)));
            if (corrected)
                for (int t = 0; t < nt; t++)
                    acc2[t] = _mm512_dpbusd_epi32(acc2[t], wv, _mm512_set1_epi32(load_i32(x2 + t * K + b * 32 + 4 * k)));
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(ws + b * 16)));
        for (int t = 0; t < nt; t++) {
            const __m512 d = _mm512_mul_ps(dw, _mm512_set1_ps(xd[t * B + b]));
            sum[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[t]), d, sum[t]);
            if (corrected) {
                const __m512 d2 = _mm512_mul_ps(dw, _mm512_set1_ps(xd2[t * B + b]));
                sum[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc2[t]), d2, sum[t]);
            }
        }
    }
    const size_t left = a->rows - g * 16;
    const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
    for (int t = 0; t < nt; t++) _mm512_mask_storeu_ps(a->out + (t0 + t) * a->out_stride + g * 16, mask, sum[t]);
}

// Tokens begin..<end of group g in tiles of 8, 4, 2 and 1.
CK_INLINE CK_TARGET void tiles(const ck_q8_matmul_args *a, size_t g, size_t begin, size_t end, const int corrected) {
    size_t t = begin;
    for (; t + 8 <= end; t += 8) tile(a, g, t, 8, corrected);
    if (t + 4 <= end) { tile(a, g, t, 4, corrected); t += 4; }
    if (t + 2 <= end) { tile(a, g, t, 2, corrected); t += 2; }
    if (t < end) tile(a, g, t, 1, corrected);
}

CK_TARGET void ck_q8_matmul_avx512(const ck_q8_matmul_args *a) {
    const size_t split = a->correction && a->corrected_from < a->tokens ? a->corrected_from : a->tokens;
    for (size_t g = a->group_begin; g < a->group_end; g++) {
        tiles(a, g, 0, split, 0);
        tiles(a, g, split, a->tokens, 1);
    }
}

#else
void ck_q8_matmul_avx512(const ck_q8_matmul_args *a) { (void)a; __builtin_trap(); }
#endif
