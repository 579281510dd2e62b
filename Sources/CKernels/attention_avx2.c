#include "CKernels.h"

#if defined(__x86_64__)
#include <math.h>
#include "vector_math.h"

#define CK_TARGET CK_AVX2

enum { TILE = 64, MAX_HEAD = 256, MAX_GROUP = 4 };

// 8 cache values at element `offset` of a row of f32 (half = 0) or f16 (half = 1) values.
CK_INLINE CK_TARGET __m256 load_cache(const void *row, size_t offset, const int half) {
    if (half) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + offset)));
    return _mm256_loadu_ps((const float *)row + offset);
}

CK_INLINE const void *cache_row(const void *base, size_t index, const int half) {
    return half ? (const void *)((const uint16_t *)base + index) : (const void *)((const float *)base + index);
}

// One query of a call: its head's q and out, and how many cache rows it sees (rows 0..<positions).
typedef struct {
    const float *q;
    float *out;
    size_t positions;
} query;

// Queries 0..<G (G constant at the call site) against the same keys and values: each key and value row is loaded
// and widened once for all of them (the query heads of one KV head in grouped-query attention, or consecutive
// tokens of one head, which see one more row each). Every query's arithmetic is the one-query loop's, the same
// products summed in the same order over the same 64-row tiles, so a head's output does not depend on which
// queries share its call (decode and prefill agree bit for bit): rows past a query's own end get a score of
// -inf, which the softmax turns into an exact 0, and are left out of its value sum. Scaled queries and
// accumulators live on the stack; a value row's two 8-float chunks at a time stay in registers for every query
// while the tile's rows stream past. hs % 8 == 0, hs <= 256.
CK_INLINE CK_TARGET void attend(const query *queries, const void *keys, const void *values, size_t hs, size_t stride,
                                float scale, const int G, const int half) {
    const size_t chunks = hs / 8;
    float qs[MAX_GROUP][MAX_HEAD] __attribute__((aligned(32)));
    float acc[MAX_GROUP][MAX_HEAD] __attribute__((aligned(32)));
    float scores[MAX_GROUP][TILE] __attribute__((aligned(32)));
    float running_max[MAX_GROUP], running_sum[MAX_GROUP];
    size_t positions = 0;
    for (int g = 0; g < G; g++) {
        for (size_t c = 0; c < chunks; c++) {
            _mm256_store_ps(qs[g] + 8 * c, _mm256_mul_ps(_mm256_loadu_ps(queries[g].q + 8 * c), _mm256_set1_ps(scale)));
            _mm256_store_ps(acc[g] + 8 * c, _mm256_setzero_ps());
        }
        running_max[g] = -INFINITY;
        running_sum[g] = 0;
        if (queries[g].positions > positions) positions = queries[g].positions;
    }
    for (size_t start = 0; start < positions; start += TILE) {
        const size_t count = positions - start < TILE ? positions - start : TILE;
        size_t seen[MAX_GROUP], all_see = count;   // rows of this tile each query sees, and all of them
        for (int g = 0; g < G; g++) {
            const size_t left = queries[g].positions > start ? queries[g].positions - start : 0;
            seen[g] = left < count ? left : count;
            if (seen[g] < all_see) all_see = seen[g];
        }
        for (size_t j = 0; j < count; j++) {
            const void *k = cache_row(keys, (start + j) * stride, half);
            __m256 dot[MAX_GROUP];
            const __m256 k0 = load_cache(k, 0, half);
            for (int g = 0; g < G; g++) dot[g] = _mm256_mul_ps(_mm256_load_ps(qs[g]), k0);
            for (size_t c = 1; c < chunks; c++) {
                const __m256 kc = load_cache(k, 8 * c, half);
                for (int g = 0; g < G; g++) dot[g] = _mm256_fmadd_ps(_mm256_load_ps(qs[g] + 8 * c), kc, dot[g]);
            }
            for (int g = 0; g < G; g++) scores[g][j] = j < seen[g] ? sum256(dot[g]) : -INFINITY;
        }
        for (int g = 0; g < G; g++) {
            float *s = scores[g];
            for (size_t j = count; j % 8; j++) s[j] = -INFINITY;
            __m256 mx = _mm256_set1_ps(-INFINITY);
            for (size_t j = 0; j < count; j += 8) mx = _mm256_max_ps(mx, _mm256_load_ps(s + j));
            const float tile_max = max256(mx);
            const float new_max = tile_max > running_max[g] ? tile_max : running_max[g];
            if (running_max[g] != -INFINITY && new_max != running_max[g]) {
                const float correction = expf(running_max[g] - new_max);
                running_sum[g] *= correction;
                for (size_t c = 0; c < chunks; c++)
                    _mm256_store_ps(acc[g] + 8 * c, _mm256_mul_ps(_mm256_load_ps(acc[g] + 8 * c), _mm256_set1_ps(correction)));
            }
            running_max[g] = new_max;
            __m256 sum = _mm256_setzero_ps();
            for (size_t j = 0; j < count; j += 8) {
                // Padding lanes and rows past the query's end hold -inf, and exp256 clamps them to e^-87.3: mask
                // them to exactly 0, which adds nothing to the sum's lanes.
                const __m256 x = _mm256_load_ps(s + j);
                const __m256 valid = _mm256_cmp_ps(x, _mm256_set1_ps(-INFINITY), _CMP_NEQ_OQ);
                const __m256 w = _mm256_and_ps(valid, exp256(_mm256_sub_ps(x, _mm256_set1_ps(new_max))));
                _mm256_store_ps(s + j, w);
                sum = _mm256_add_ps(sum, w);
            }
            running_sum[g] += sum256(sum);
        }
        for (size_t c = 0; c < chunks; c += 2) {
            const int pair = c + 1 < chunks;
            __m256 a[MAX_GROUP][2];
            for (int g = 0; g < G; g++) {
                a[g][0] = _mm256_load_ps(acc[g] + 8 * c);
                a[g][1] = pair ? _mm256_load_ps(acc[g] + 8 * c + 8) : _mm256_setzero_ps();
            }
            for (size_t j = 0; j < count; j++) {
                const void *v = cache_row(values, (start + j) * stride, half);
                const __m256 v0 = load_cache(v, 8 * c, half);
                const __m256 v1 = pair ? load_cache(v, 8 * c + 8, half) : _mm256_setzero_ps();
                // a row past a query's end is skipped, not weighted by 0, so an infinite value there cannot
                // turn its sum into NaN
                const int every = j < all_see;
                for (int g = 0; g < G; g++) {
                    if (!every && j >= seen[g]) continue;
                    const __m256 w = _mm256_set1_ps(scores[g][j]);
                    a[g][0] = _mm256_fmadd_ps(w, v0, a[g][0]);
                    a[g][1] = _mm256_fmadd_ps(w, v1, a[g][1]);
                }
            }
            for (int g = 0; g < G; g++) {
                _mm256_store_ps(acc[g] + 8 * c, a[g][0]);
                if (pair) _mm256_store_ps(acc[g] + 8 * c + 8, a[g][1]);
            }
        }
    }
    for (int g = 0; g < G; g++) {
        const __m256 inverse = _mm256_set1_ps(1.0f / running_sum[g]);
        for (size_t c = 0; c < chunks; c++)
            _mm256_storeu_ps(queries[g].out + 8 * c, _mm256_mul_ps(_mm256_load_ps(acc[g] + 8 * c), inverse));
    }
}

// The (token, head) pairs in order, token t's heads first, in calls of up to MAX_GROUP; token t sees
// positions + t rows. head_size % 8 == 0 and head_size <= 256 (the Swift caller checks).
CK_INLINE CK_TARGET void attend_all(float *out, const float *q, size_t heads, size_t tokens, const void *keys,
                                    const void *values, size_t positions, size_t head_size, size_t cache_stride,
                                    size_t query_stride, size_t output_stride, float scale, const int half) {
    const size_t pairs = heads * tokens;
    for (size_t first = 0; first < pairs; first += MAX_GROUP) {
        const int G = pairs - first < MAX_GROUP ? (int)(pairs - first) : MAX_GROUP;
        query group[MAX_GROUP];
        for (int g = 0; g < G; g++) {
            const size_t t = (first + g) / heads, h = (first + g) % heads;
            group[g] = (query){q + t * query_stride + h * head_size, out + t * output_stride + h * head_size, positions + t};
        }
        switch (G) {
        case 1: attend(group, keys, values, head_size, cache_stride, scale, 1, half); break;
        case 2: attend(group, keys, values, head_size, cache_stride, scale, 2, half); break;
        case 3: attend(group, keys, values, head_size, cache_stride, scale, 3, half); break;
        default: attend(group, keys, values, head_size, cache_stride, scale, 4, half); break;
        }
    }
}

CK_TARGET void ck_attend_avx2(float *out, const float *q, size_t heads, size_t tokens, const float *keys,
                              const float *values, size_t positions, size_t head_size, size_t cache_stride,
                              size_t query_stride, size_t output_stride, float scale) {
    attend_all(out, q, heads, tokens, keys, values, positions, head_size, cache_stride, query_stride, output_stride,
               scale, 0);
}

CK_TARGET void ck_attend_f16_avx2(float *out, const float *q, size_t heads, size_t tokens, const uint16_t *keys,
                                  const uint16_t *values, size_t positions, size_t head_size, size_t cache_stride,
                                  size_t query_stride, size_t output_stride, float scale) {
    attend_all(out, q, heads, tokens, keys, values, positions, head_size, cache_stride, query_stride, output_stride,
               scale, 1);
}

#else
void ck_attend_avx2(float *out, const float *q, size_t heads, size_t tokens, const float *keys, const float *values,
                    size_t positions, size_t head_size, size_t cache_stride, size_t query_stride, size_t output_stride,
                    float scale) {
    (void)out; (void)q; (void)heads; (void)tokens; (void)keys; (void)values; (void)positions; (void)head_size;
    (void)cache_stride; (void)query_stride; (void)output_stride; (void)scale;
    __builtin_trap();
}
void ck_attend_f16_avx2(float *out, const float *q, size_t heads, size_t tokens, const uint16_t *keys,
                        const uint16_t *values, size_t positions, size_t head_size, size_t cache_stride,
                        size_t query_stride, size_t output_stride, float scale) {
    (void)out; (void)q; (void)heads; (void)tokens; (void)keys; (void)values; (void)positions; (void)head_size;
    (void)cache_stride; (void)query_stride; (void)output_stride; (void)scale;
    __builtin_trap();
}
#endif
