#include "CKernels.h"

#if defined(__x86_64__)
#include <string.h>
#include "vector_math.h"

// One block's scale, bit for bit as Q8Activations computes it: max|x| as an integer max of the sign-cleared bit
// patterns (so a NaN wins, as there), d = max / 127 in f32. Loads the block into v.
CK_INLINE CK_AVX2 float block_scale(const float *s, __m256 v[4]) {
    const __m256i magnitude = _mm256_set1_epi32(0x7FFFFFFF);
    __m256i m = _mm256_setzero_si256();
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_loadu_ps(s + 8 * k);
        m = _mm256_max_epu32(m, _mm256_and_si256(_mm256_castps_si256(v[k]), magnitude));
    }
    m = _mm256_max_epu32(m, _mm256_permute2x128_si256(m, m, 1));
    m = _mm256_max_epu32(m, _mm256_shuffle_epi32(m, 0x4E));
    m = _mm256_max_epu32(m, _mm256_shuffle_epi32(m, 0xB1));
    const uint32_t max_bits = (uint32_t)_mm256_cvtsi256_si32(m);
    float max;
    memcpy(&max, &max_bits, sizeof max);
    return max / 127.0f;
}

// x * inverse + 1.5 * 2^23 as bits: the product and the sum rounded separately, as in Swift (intrinsics are
// never contracted into an FMA), which leaves round-to-nearest-even of x * inverse in the low mantissa bits.
CK_INLINE CK_AVX2 __m256i shifted_bits(__m256 v, __m256 inverse) {
    return _mm256_castps_si256(_mm256_add_ps(_mm256_mul_ps(v, inverse), _mm256_set1_ps(12582912.0f)));
}

// Four vectors of 8 int32 in -128...255 (or saturated) to 32 bytes in order: packs work per 128-bit lane.
CK_INLINE CK_AVX2 __m256i pack_bytes(__m256i a, __m256i b, __m256i c, __m256i d, int is_unsigned) {
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m256i packed = is_unsigned ? _mm256_packus_epi16(_mm256_packus_epi32(a, b), _mm256_packus_epi32(c, d))
                                       : _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    return _mm256_permutevar8x32_epi32(packed, order);
}

// -128 * the sum of 32 signed bytes.
CK_INLINE CK_AVX2 int32_t bias_of(__m256i bytes) {
    const __m256i pairs = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), bytes), _mm256_set1_epi16(1));
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4E));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xB1));
    return -128 * _mm_cvtsi128_si32(sum);
}

CK_INLINE CK_AVX2 float stored_scale(float d, int half_scales) {
    return half_scales ? _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT)) : d;   // F16C rounds to nearest even
}

// Bit for bit the Swift loop of Q8Activations.quantize: q = the low byte of x * (1 / d) + 1.5 * 2^23, the
// stored scale rounded to f16 and back when half_scales is set.
CK_AVX2 void ck_quantize_q8_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias,
                                 int half_scales) {
    const __m256i low_byte = _mm256_set1_epi32(0xFF);
    for (size_t b = 0; b < blocks; b++) {
        __m256 v[4];
        const float d = block_scale(x + 32 * b, v);
        const __m256 inverse = _mm256_set1_ps(d != 0 ? 1.0f / d : 0.0f);
        __m256i bytes[4];
        for (int k = 0; k < 4; k++) bytes[k] = _mm256_and_si256(shifted_bits(v[k], inverse), low_byte);
        const __m256i packed = pack_bytes(bytes[0], bytes[1], bytes[2], bytes[3], 1);
        _mm256_storeu_si256((__m256i *)(q + 32 * b), packed);
        bias[b] = bias_of(packed);
        scales[b] = stored_scale(d, half_scales);
    }
}

// Corrected blocks, bit for bit Q8Activations.split after its scale: z = round(x / (d/256)) with the stored d,
// clamped to -32640...32639, written as z (int16, in the matrix product's order) and as its two int8 terms
// q = (z + 128) >> 8, q' = z - 256 q.
CK_AVX2 void ck_quantize_q8_corrected_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias,
                                           int half_scales, int16_t *wide, int8_t *second, float *second_scales,
                                           int32_t *second_bias) {
    const __m256i magic_bits = _mm256_set1_epi32(0x4B400000), low = _mm256_set1_epi32(-32640),
                  high = _mm256_set1_epi32(32639), half = _mm256_set1_epi32(128);
    // each 4 values z0 z1 z2 z3 stored as z0 z2 z1 z3 (Q8Activations.wideIndex)
    const __m256i wide_order = _mm256_setr_epi8(0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15,
                                                0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15);
    for (size_t b = 0; b < blocks; b++) {
        __m256 v[4];
        const float d = stored_scale(block_scale(x + 32 * b, v), half_scales);
        const __m256 inverse = _mm256_set1_ps(d != 0 ? 256.0f / d : 0.0f);
        __m256i z[4], first[4], rest[4];
        for (int k = 0; k < 4; k++) {
            z[k] = _mm256_min_epi32(_mm256_max_epi32(_mm256_sub_epi32(shifted_bits(v[k], inverse), magic_bits), low), high);
            first[k] = _mm256_srai_epi32(_mm256_add_epi32(z[k], half), 8);
            rest[k] = _mm256_sub_epi32(z[k], _mm256_slli_epi32(first[k], 8));
        }
        for (int k = 0; k < 4; k += 2) {
            const __m256i in_order = _mm256_permute4x64_epi64(_mm256_packs_epi32(z[k], z[k + 1]), 0xD8);
            _mm256_storeu_si256((__m256i *)(wide + 32 * b + 8 * k), _mm256_shuffle_epi8(in_order, wide_order));
        }
        const __m256i q1 = pack_bytes(first[0], first[1], first[2], first[3], 0);
        const __m256i q2 = pack_bytes(rest[0], rest[1], rest[2], rest[3], 0);
        _mm256_storeu_si256((__m256i *)(q + 32 * b), q1);
        _mm256_storeu_si256((__m256i *)(second + 32 * b), q2);
        bias[b] = bias_of(q1);
        second_bias[b] = bias_of(q2);
        scales[b] = d;
        second_scales[b] = d / 256;
    }
}

#else
void ck_quantize_q8_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias, int half_scales) {
    (void)x; (void)blocks; (void)q; (void)scales; (void)bias; (void)half_scales;
    __builtin_trap();
}
void ck_quantize_q8_corrected_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias,
                                   int half_scales, int16_t *wide, int8_t *second, float *second_scales,
                                   int32_t *second_bias) {
    (void)x; (void)blocks; (void)q; (void)scales; (void)bias; (void)half_scales; (void)wide; (void)second;
    (void)second_scales; (void)second_bias;
    __builtin_trap();
}
#endif
