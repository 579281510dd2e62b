#include "CKernels.h"

#if defined(__x86_64__)
#include <math.h>
#include "vector_math.h"

// Whole 8-float vectors, then the tail in scalar code with expf.
CK_AVX2 void ck_swiglu_avx2(float *out, const float *gate, const float *up, size_t count) {
    const __m256 one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp256(_mm256_sub_ps(_mm256_setzero_ps(), g))));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < count; i++) out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

CK_AVX2 void ck_geglu_avx2(float *out, const float *gate, const float *up, size_t count) {
    const __m256 one = _mm256_set1_ps(1.0f), k = _mm256_set1_ps(-1.5957691f), a = _mm256_set1_ps(0.044715f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 h = _mm256_mul_ps(_mm256_mul_ps(k, g), _mm256_fmadd_ps(_mm256_mul_ps(a, g), g, one));
        const __m256 gelu = _mm256_div_ps(g, _mm256_add_ps(one, exp256(h)));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(gelu, _mm256_loadu_ps(up + i)));
    }
    for (; i < count; i++) out[i] = gate[i] / (1.0f + expf(-1.5957691f * gate[i] * (1.0f + 0.044715f * gate[i] * gate[i]))) * up[i];
}

CK_AVX2 void ck_softmax_avx2(float *out, const float *x, size_t count) {
    __m256 mx = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(x + i));
    float maximum = max256(mx);
    for (size_t j = i; j < count; j++) maximum = x[j] > maximum ? x[j] : maximum;
    const __m256 mv = _mm256_set1_ps(maximum);
    __m256 sum = _mm256_setzero_ps();
    for (i = 0; i + 8 <= count; i += 8) {
        const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(out + i, e);
        sum = _mm256_add_ps(sum, e);
    }
    float total = sum256(sum);
    for (; i < count; i++) {
        out[i] = expf(x[i] - maximum);
        total += out[i];
    }
    const float inverse = 1.0f / total;
    const __m256 iv = _mm256_set1_ps(inverse);
    for (i = 0; i + 8 <= count; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(out + i), iv));
    for (; i < count; i++) out[i] *= inverse;
}

#else
void ck_swiglu_avx2(float *out, const float *gate, const float *up, size_t count) {
    (void)out; (void)gate; (void)up; (void)count; __builtin_trap();
}
void ck_geglu_avx2(float *out, const float *gate, const float *up, size_t count) {
    (void)out; (void)gate; (void)up; (void)count; __builtin_trap();
}
void ck_softmax_avx2(float *out, const float *x, size_t count) { (void)out; (void)x; (void)count; __builtin_trap(); }
#endif

#if defined(__x86_64__)
CK_AVX2 void ck_f32_to_f16_avx2(uint16_t *out, const float *x, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(out + i), h);
    }
    for (; i < count; i++) out[i] = (uint16_t)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(x[i]), _MM_FROUND_TO_NEAREST_INT), 0);
}
#else
void ck_f32_to_f16_avx2(uint16_t *out, const float *x, size_t count) { (void)out; (void)x; (void)count; __builtin_trap(); }
#endif
