#include "CKernels.h"

#if defined(__x86_64__)
#include <string.h>
#include "vector_math.h"

// Bit for bit the Swift loop of Q8Activations.quantize: max|x| as an integer max of the sign-cleared bit
// patterns (so a NaN wins, as there), d = max / 127 in f32, q = the low byte of x * (1 / d) + 1.5 * 2^23 (the
// product and the sum rounded separately: intrinsics are never contracted into an FMA), the stored scale
// rounded to f16 and back when half_scales is set (F16C rounds to nearest even, as Float16(x) does).
CK_AVX2 void ck_quantize_q8_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias,
                                 int half_scales) {
    const __m256i magnitude = _mm256_set1_epi32(0x7FFFFFFF), low_byte = _mm256_set1_epi32(0xFF);
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);   // undoes the per-lane packs
    const __m256i ones = _mm256_set1_epi8(1);
    for (size_t b = 0; b < blocks; b++) {
        const float *s = x + 32 * b;
        __m256 v[4];
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
        const float d = max / 127.0f;
        const __m256 inverse = _mm256_set1_ps(d != 0 ? 1.0f / d : 0.0f);
        __m256i bytes[4];
        for (int k = 0; k < 4; k++) {
            const __m256 shifted = _mm256_add_ps(_mm256_mul_ps(v[k], inverse), magic);
            bytes[k] = _mm256_and_si256(_mm256_castps_si256(shifted), low_byte);
        }
        const __m256i words = _mm256_packus_epi32(bytes[0], bytes[1]), words2 = _mm256_packus_epi32(bytes[2], bytes[3]);
        const __m256i packed = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(words, words2), order);
        _mm256_storeu_si256((__m256i *)(q + 32 * b), packed);
        // Σq: bytes times 1 in pairs (16-bit), then pairs of those (32-bit), then across the vector
        const __m256i pairs = _mm256_madd_epi16(_mm256_maddubs_epi16(ones, packed), _mm256_set1_epi16(1));
        __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
        sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4E));
        sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xB1));
        bias[b] = -128 * _mm_cvtsi128_si32(sum);
        scales[b] = half_scales ? _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT)) : d;
    }
}

#else
void ck_quantize_q8_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias, int half_scales) {
    (void)x; (void)blocks; (void)q; (void)scales; (void)bias; (void)half_scales;
    __builtin_trap();
}
#endif
