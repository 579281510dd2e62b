#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define CK_TARGET __attribute__((target("avx2,fma,f16c")))
#define CK_INLINE static inline __attribute__((always_inline))

enum { TILE_TOKENS = 4 };

CK_INLINE int32_t load_i32(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// Without VNNI, vpmaddubsw (u8 x s8 -> saturating i16 pairs) would overflow on w + 128, so the sign moves
// onto the activations: |w| * sign(x, w) = w * x, and 2 * 128 * 127 stays below 32767 even for w = -128
// (activations never hold -128, our quantizer clamps to +-127).
CK_INLINE CK_TARGET void tile(const ck_q8_matmul_args *a, size_t g, size_t t0, const int nt) {
    const size_t B = a->blocks, K = B * 32;
    const uint8_t *w = a->weights + g * B * 512;
    const uint16_t *ws = a->weight_scales + g * B * 16;
    const int8_t *x = a->x + t0 * K;
    const float *xd = a->x_scales + t0 * B;
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 sum[TILE_TOKENS][2];
    for (int t = 0; t < nt; t++) sum[t][0] = sum[t][1] = _mm256_setzero_ps();
    for (size_t b = 0; b < B; b++) {
        __m256i acc[TILE_TOKENS][2];
        for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
        const uint8_t *wb = w + b * 512;
        for (int k = 0; k < 8; k++) {
            __m256i wv[2], wabs[2];
            wv[0] = _mm256_xor_si256(_mm256_load_si256((const __m256i *)(wb + k * 64)), bias);
            wv[1] = _mm256_xor_si256(_mm256_load_si256((const __m256i *)(wb + k * 64 + 32)), bias);
            wabs[0] = _mm256_abs_epi8(wv[0]);
            wabs[1] = _mm256_abs_epi8(wv[1]);
            for (int t = 0; t < nt; t++) {
                const __m256i xv = _mm256_set1_epi32(load_i32(x + t * K + b * 32 + 4 * k));
                for (int h = 0; h < 2; h++) {
                    const __m256i p = _mm256_maddubs_epi16(wabs[h], _mm256_sign_epi8(xv, wv[h]));
                    acc[t][h] = _mm256_add_epi32(acc[t][h], _mm256_madd_epi16(p, ones));
                }
            }
        }
        for (int h = 0; h < 2; h++) {
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(ws + b * 16 + h * 8)));
            for (int t = 0; t < nt; t++) {
                const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(xd[t * B + b]));
                sum[t][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[t][h]), d, sum[t][h]);
            }
        }
    }
    const size_t left = a->rows - g * 16;
    for (int t = 0; t < nt; t++) {
        float *o = a->out + (t0 + t) * a->out_stride + g * 16;
        if (left >= 16) {
            _mm256_storeu_ps(o, sum[t][0]);
            _mm256_storeu_ps(o + 8, sum[t][1]);
        } else {
            float tmp[16];
            _mm256_storeu_ps(tmp, sum[t][0]);
            _mm256_storeu_ps(tmp + 8, sum[t][1]);
            memcpy(o, tmp, left * sizeof(float));
        }
    }
}

CK_TARGET void ck_q8_matmul_avx2(const ck_q8_matmul_args *a) {
    for (size_t g = a->group_begin; g < a->group_end; g++) {
        size_t t = 0;
        for (; t + 4 <= a->tokens; t += 4) tile(a, g, t, 4);
        if (t + 2 <= a->tokens) { tile(a, g, t, 2); t += 2; }
        if (t < a->tokens) tile(a, g, t, 1);
    }
}

#else
void ck_q8_matmul_avx2(const ck_q8_matmul_args *a) { (void)a; __builtin_trap(); }
#endif
