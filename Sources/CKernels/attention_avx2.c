#include "CKernels.h"

#if defined(__x86_64__)
#include <math.h>
#include "vector_math.h"

#define CK_TARGET CK_AVX2

enum { TILE = 64, MAX_CHUNKS = 32 };

// 8 cache values at element `offset` of a row of f32 (half = 0) or f16 (half = 1) values.
CK_INLINE CK_TARGET __m256 load_cache(const void *row, size_t offset, const int half) {
    if (half) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + offset)));
    return _mm256_loadu_ps((const float *)row + offset);
}

CK_INLINE const void *cache_row(const void *base, size_t index, const int half) {
    return half ? (const void *)((const uint16_t *)base + index) : (const void *)((const float *)base + index);
}

// hs % 8 == 0; constant `chunks` >= hs / 8 (chunks past hs / 8 skipped) and `half` at the call site.
CK_INLINE CK_TARGET void attend(float *out, const float *q, const void *keys, const void *values,
                                size_t positions, size_t hs, size_t stride, float scale, const int chunks,
                                const int half) {
    const int used = (int)(hs / 8);
    __m256 qv[MAX_CHUNKS], acc[MAX_CHUNKS];
    for (int c = 0; c < chunks && c < used; c++) {
        qv[c] = _mm256_mul_ps(_mm256_loadu_ps(q + 8 * c), _mm256_set1_ps(scale));
        acc[c] = _mm256_setzero_ps();
    }
    float running_max = -INFINITY, running_sum = 0;
    float scores[TILE] __attribute__((aligned(32)));
    for (size_t start = 0; start < positions; start += TILE) {
        const size_t count = positions - start < TILE ? positions - start : TILE;
        for (size_t j = 0; j < count; j++) {
            const void *k = cache_row(keys, (start + j) * stride, half);
            __m256 dot = _mm256_mul_ps(qv[0], load_cache(k, 0, half));
            for (int c = 1; c < chunks && c < used; c++) dot = _mm256_fmadd_ps(qv[c], load_cache(k, 8 * c, half), dot);
            scores[j] = sum256(dot);
        }
        for (size_t j = count; j % 8; j++) scores[j] = -INFINITY;
        __m256 mx = _mm256_set1_ps(-INFINITY);
        for (size_t j = 0; j < count; j += 8) mx = _mm256_max_ps(mx, _mm256_load_ps(scores + j));
        const float tile_max = max256(mx);
        const float new_max = tile_max > running_max ? tile_max : running_max;
        if (running_max != -INFINITY && new_max != running_max) {
            const float correction = expf(running_max - new_max);
            running_sum *= correction;
            for (int c = 0; c < chunks && c < used; c++) acc[c] = _mm256_mul_ps(acc[c], _mm256_set1_ps(correction));
        }
        running_max = new_max;
        __m256 sum = _mm256_setzero_ps();
        for (size_t j = 0; j < count; j += 8) {
            // Padding lanes hold -inf, and exp256 clamps them to e^-87.3: mask them to exactly 0.
            const __m256 s = _mm256_load_ps(scores + j);
            const __m256 valid = _mm256_cmp_ps(s, _mm256_set1_ps(-INFINITY), _CMP_NEQ_OQ);
            const __m256 w = _mm256_and_ps(valid, exp256(_mm256_sub_ps(s, _mm256_set1_ps(new_max))));
            _mm256_store_ps(scores + j, w);
            sum = _mm256_add_ps(sum, w);
        }
        running_sum += sum256(sum);
        for (size_t j = 0; j < count; j++) {
            const void *v = cache_row(values, (start + j) * stride, half);
            const __m256 w = _mm256_set1_ps(scores[j]);
            for (int c = 0; c < chunks && c < used; c++) acc[c] = _mm256_fmadd_ps(w, load_cache(v, 8 * c, half), acc[c]);
        }
    }
    const __m256 inverse = _mm256_set1_ps(1.0f / running_sum);
    for (int c = 0; c < chunks && c < used; c++) _mm256_storeu_ps(out + 8 * c, _mm256_mul_ps(acc[c], inverse));
}

// head_size % 8 == 0 and head_size <= 256 (the Swift caller checks).
#define DISPATCH(half)                                                                                     \
    const size_t chunks = head_size / 8;                                                                    \
    if (chunks <= 8) attend(out, q, keys, values, positions, head_size, cache_stride, scale, 8, half);      \
    else if (chunks <= 16) attend(out, q, keys, values, positions, head_size, cache_stride, scale, 16, half); \
    else attend(out, q, keys, values, positions, head_size, cache_stride, scale, 32, half);

CK_TARGET void ck_attend_avx2(float *out, const float *q, const float *keys, const float *values,
                              size_t positions, size_t head_size, size_t cache_stride, float scale) {
    DISPATCH(0)
}

CK_TARGET void ck_attend_f16_avx2(float *out, const float *q, const uint16_t *keys, const uint16_t *values,
                                  size_t positions, size_t head_size, size_t cache_stride, float scale) {
    DISPATCH(1)
}

#else
void ck_attend_avx2(float *out, const float *q, const float *keys, const float *values,
                    size_t positions, size_t head_size, size_t cache_stride, float scale) {
    (void)out; (void)q; (void)keys; (void)values; (void)positions; (void)head_size; (void)cache_stride; (void)scale;
    __builtin_trap();
}
void ck_attend_f16_avx2(float *out, const float *q, const uint16_t *keys, const uint16_t *values,
                        size_t positions, size_t head_size, size_t cache_stride, float scale) {
    (void)out; (void)q; (void)keys; (void)values; (void)positions; (void)head_size; (void)cache_stride; (void)scale;
    __builtin_trap();
}
#endif
