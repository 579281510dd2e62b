#include "CKernels.h"

#if defined(__x86_64__)
#include <math.h>
#include "vector_math.h"

#define CK_TARGET CK_AVX512

enum { TILE = 64, MAX_CHUNKS = 16 };

CK_INLINE __mmask16 lanes(size_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

// 16 cache values at element `offset` of a row of f32 (half = 0) or f16 (half = 1) values.
CK_INLINE CK_TARGET __m512 load_cache(const void *row, size_t offset, __mmask16 m, const int half) {
    if (half) return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const uint16_t *)row + offset));
    return _mm512_maskz_loadu_ps(m, (const float *)row + offset);
}

CK_INLINE const void *cache_row(const void *base, size_t index, const int half) {
    return half ? (const void *)((const uint16_t *)base + index) : (const void *)((const float *)base + index);
}

// hs values in chunks of 16 with a mask per chunk (empty past hs). Constant `chunks` >= ceil(hs / 16) and
// `half` at the call site keep q and the accumulator in registers and the load form fixed.
CK_INLINE CK_TARGET void attend(float *out, const float *q, const void *keys, const void *values,
                                size_t positions, size_t hs, size_t stride, float scale, const int chunks,
                                const int half) {
    __m512 qv[MAX_CHUNKS], acc[MAX_CHUNKS];
    __mmask16 mk[MAX_CHUNKS];
    for (int c = 0; c < chunks; c++) {
        mk[c] = hs > 16 * (size_t)c ? lanes(hs - 16 * (size_t)c) : 0;
        qv[c] = _mm512_mul_ps(_mm512_maskz_loadu_ps(mk[c], q + 16 * c), _mm512_set1_ps(scale));
        acc[c] = _mm512_setzero_ps();
    }
    float running_max = -INFINITY, running_sum = 0;
    float scores[TILE] __attribute__((aligned(64)));
    for (size_t start = 0; start < positions; start += TILE) {
        const size_t count = positions - start < TILE ? positions - start : TILE;
        for (size_t j = 0; j < count; j++) {
            const void *k = cache_row(keys, (start + j) * stride, half);
            __m512 dot = _mm512_mul_ps(qv[0], load_cache(k, 0, mk[0], half));
            for (int c = 1; c < chunks; c++) dot = _mm512_fmadd_ps(qv[c], load_cache(k, 16 * c, mk[c], half), dot);
            scores[j] = _mm512_reduce_add_ps(dot);
        }
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (size_t j = 0; j < count; j += 16) {
            const __mmask16 m = lanes(count - j);
            mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, scores + j));
        }
        const float tile_max = _mm512_reduce_max_ps(mx);
        const float new_max = tile_max > running_max ? tile_max : running_max;
        if (running_max != -INFINITY && new_max != running_max) {
            const float correction = expf(running_max - new_max);
            running_sum *= correction;
            for (int c = 0; c < chunks; c++) acc[c] = _mm512_mul_ps(acc[c], _mm512_set1_ps(correction));
        }
        running_max = new_max;
        __m512 sum = _mm512_setzero_ps();
        for (size_t j = 0; j < count; j += 16) {
            const __mmask16 m = lanes(count - j);
            const __m512 w = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_load_ps(scores + j), _mm512_set1_ps(new_max))));
            _mm512_store_ps(scores + j, w);
            sum = _mm512_add_ps(sum, w);
        }
        running_sum += _mm512_reduce_add_ps(sum);
        for (size_t j = 0; j < count; j++) {
            const void *v = cache_row(values, (start + j) * stride, half);
            const __m512 w = _mm512_set1_ps(scores[j]);
            for (int c = 0; c < chunks; c++) acc[c] = _mm512_fmadd_ps(w, load_cache(v, 16 * c, mk[c], half), acc[c]);
        }
    }
    const __m512 inverse = _mm512_set1_ps(1.0f / running_sum);
    for (int c = 0; c < chunks; c++)
        _mm512_mask_storeu_ps(out + 16 * c, mk[c], _mm512_mul_ps(acc[c], inverse));
}

// head_size <= 256 (the Swift caller checks).
#define DISPATCH(half)                                                                                         \
    const size_t chunks = (head_size + 15) / 16;                                                                \
    if (chunks <= 2) attend(out, q, keys, values, positions, head_size, cache_stride, scale, 2, half);          \
    else if (chunks <= 4) attend(out, q, keys, values, positions, head_size, cache_stride, scale, 4, half);     \
    else if (chunks <= 8) attend(out, q, keys, values, positions, head_size, cache_stride, scale, 8, half);     \
    else attend(out, q, keys, values, positions, head_size, cache_stride, scale, 16, half);

CK_TARGET void ck_attend_avx512(float *out, const float *q, const float *keys, const float *values,
                                size_t positions, size_t head_size, size_t cache_stride, float scale) {
    DISPATCH(0)
}

CK_TARGET void ck_attend_f16_avx512(float *out, const float *q, const uint16_t *keys, const uint16_t *values,
                                    size_t positions, size_t head_size, size_t cache_stride, float scale) {
    DISPATCH(1)
}

#else
void ck_attend_avx512(float *out, const float *q, const float *keys, const float *values,
                      size_t positions, size_t head_size, size_t cache_stride, float scale) {
    (void)out; (void)q; (void)keys; (void)values; (void)positions; (void)head_size; (void)cache_stride; (void)scale;
    __builtin_trap();
}
void ck_attend_f16_avx512(float *out, const float *q, const uint16_t *keys, const uint16_t *values,
                          size_t positions, size_t head_size, size_t cache_stride, float scale) {
    (void)out; (void)q; (void)keys; (void)values; (void)positions; (void)head_size; (void)cache_stride; (void)scale;
    __builtin_trap();
}
#endif
