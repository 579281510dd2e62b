#include "CKernels.h"

#if defined(__x86_64__)
#include <math.h>
#include "vector_math.h"

CK_INLINE __mmask16 lanes(size_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

CK_AVX512 void ck_swiglu_avx512(float *out, const float *gate, const float *up, size_t count) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        const __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
        const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), g))));
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(m, up + i)));
    }
}

CK_AVX512 void ck_geglu_avx512(float *out, const float *gate, const float *up, size_t count) {
    const __m512 one = _mm512_set1_ps(1.0f), k = _mm512_set1_ps(-1.5957691f), a = _mm512_set1_ps(0.044715f);
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        const __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
        const __m512 h = _mm512_mul_ps(_mm512_mul_ps(k, g), _mm512_fmadd_ps(_mm512_mul_ps(a, g), g, one));
        const __m512 gelu = _mm512_div_ps(g, _mm512_add_ps(one, exp512(h)));
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(gelu, _mm512_maskz_loadu_ps(m, up + i)));
    }
}

CK_AVX512 void ck_softmax_avx512(float *out, const float *x, size_t count) {
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, x + i));
    }
    const __m512 maximum = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    __m512 sum = _mm512_setzero_ps();
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        const __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), maximum)));
        _mm512_mask_storeu_ps(out + i, m, e);
        sum = _mm512_add_ps(sum, e);
    }
    const __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, out + i), inverse));
    }
}

#else
void ck_swiglu_avx512(float *out, const float *gate, const float *up, size_t count) {
    (void)out; (void)gate; (void)up; (void)count; __builtin_trap();
}
void ck_geglu_avx512(float *out, const float *gate, const float *up, size_t count) {
    (void)out; (void)gate; (void)up; (void)count; __builtin_trap();
}
void ck_softmax_avx512(float *out, const float *x, size_t count) { (void)out; (void)x; (void)count; __builtin_trap(); }
#endif

#if defined(__x86_64__)
CK_AVX512 void ck_f32_to_f16_avx512(uint16_t *out, const float *x, size_t count) {
    for (size_t i = 0; i < count; i += 16) {
        const __mmask16 m = lanes(count - i);
        const __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm256_mask_storeu_epi16(out + i, m, h);
    }
}
#else
void ck_f32_to_f16_avx512(uint16_t *out, const float *x, size_t count) { (void)out; (void)x; (void)count; __builtin_trap(); }
#endif
