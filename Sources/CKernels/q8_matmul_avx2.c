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

// Rows 16g..16g+15 of tokens t0..t0+nt-1, two vectors of 8 rows per token.
CK_INLINE CK_TARGET void store_rows(const ck_q8_matmul_args *a, size_t g, size_t t0, const int nt, __m256 sum[][2]) {
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
    store_rows(a, g, t0, nt, sum);
}

// Corrected tokens in one 16-bit product: the weights' bytes w + 128 as i16 (even bytes masked, odd bytes
// shifted down: no shuffles), times z = 256 q + q' with vpmaddwd, whose i32 pairs cannot overflow
// (2 * 255 * 32640); the block's -128 * Σ z (256 x_bias + correction_bias) cancels the +128. Each 32-byte load
// holds 8 rows x 4 columns, so the even bytes pair with (z0, z2) and the odd ones with (z1, z3), which
// Q8Activations stores in that order; each i32 lane then sums its own row, as in the 8-bit tile.
// Half the arithmetic of two 8-bit terms, which decode on AVX2 is bound by.
CK_INLINE CK_TARGET void tile_wide(const ck_q8_matmul_args *a, size_t g, size_t t0, const int nt) {
    const size_t B = a->blocks, K = B * 32;
    const uint8_t *w = a->weights + g * B * 512;
    const uint16_t *ws = a->weight_scales + g * B * 16;
    const int16_t *z = a->wide + t0 * K;
    const __m256i low_bytes = _mm256_set1_epi16(0x00FF);
    __m256 sum[2][2];
    for (int t = 0; t < nt; t++) sum[t][0] = sum[t][1] = _mm256_setzero_ps();
    for (size_t b = 0; b < B; b++) {
        __m256i acc[2][2];
        for (int t = 0; t < nt; t++) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
        const uint8_t *wb = w + b * 512;
        for (int k = 0; k < 8; k++) {
            __m256i even[2], odd[2];
            for (int h = 0; h < 2; h++) {
                const __m256i bytes = _mm256_load_si256((const __m256i *)(wb + k * 64 + 32 * h));
                even[h] = _mm256_and_si256(bytes, low_bytes);
                odd[h] = _mm256_srli_epi16(bytes, 8);
            }
            for (int t = 0; t < nt; t++) {
                const int16_t *zk = z + t * K + b * 32 + 4 * k;
                const __m256i ze = _mm256_set1_epi32(load_i32((const int8_t *)zk));
                const __m256i zo = _mm256_set1_epi32(load_i32((const int8_t *)(zk + 2)));
                for (int h = 0; h < 2; h++) {
                    acc[t][h] = _mm256_add_epi32(acc[t][h], _mm256_madd_epi16(even[h], ze));
                    acc[t][h] = _mm256_add_epi32(acc[t][h], _mm256_madd_epi16(odd[h], zo));
                }
            }
        }
        for (int h = 0; h < 2; h++) {
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(ws + b * 16 + h * 8)));
            for (int t = 0; t < nt; t++) {
                const size_t i = (t0 + t) * B + b;
                const __m256i rows = _mm256_add_epi32(acc[t][h], _mm256_set1_epi32(256 * a->x_bias[i] + a->correction_bias[i]));
                const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(a->correction_scales[i]));
                sum[t][h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(rows), d, sum[t][h]);
            }
        }
    }
    store_rows(a, g, t0, nt, sum);
}

// Tokens begin..<end of group g in tiles of 4, 2 and 1 (2 and 1 for corrected tokens, which need four
// accumulators each).
CK_INLINE CK_TARGET void tiles(const ck_q8_matmul_args *a, size_t g, size_t begin, size_t end) {
    size_t t = begin;
    for (; t + 4 <= end; t += 4) tile(a, g, t, 4);
    for (; t + 2 <= end; t += 2) tile(a, g, t, 2);
    if (t < end) tile(a, g, t, 1);
}

CK_INLINE CK_TARGET void wide_tiles(const ck_q8_matmul_args *a, size_t g, size_t begin, size_t end) {
    size_t t = begin;
    for (; t + 2 <= end; t += 2) tile_wide(a, g, t, 2);
    if (t < end) tile_wide(a, g, t, 1);
}

CK_TARGET void ck_q8_matmul_avx2(const ck_q8_matmul_args *a) {
    const size_t split = a->wide && a->corrected_from < a->tokens ? a->corrected_from : a->tokens;
    for (size_t g = a->group_begin; g < a->group_end; g++) {
        tiles(a, g, 0, split);
        wide_tiles(a, g, split, a->tokens);
    }
}

#else
void ck_q8_matmul_avx2(const ck_q8_matmul_args *a) { (void)a; __builtin_trap(); }
#endif
