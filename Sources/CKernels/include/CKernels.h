#ifndef CKERNELS_H
#define CKERNELS_H

// The innermost int8 loops, in intrinsics. Each instruction-set variant is compiled with a function-level
// target attribute, never a global -m flag, so the binary still loads on a CPU without it; Swift picks the
// variant at run time through the ck_cpu_* probes.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A spin-wait hint (pause on x86), so a spinning thread yields its core's resources.
static inline void ck_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// AVX-512 F/BW/VL with VNNI (vpdpbusd) and F16C, and the OS saves the zmm state.
int ck_cpu_has_avx512_vnni(void);
/// AVX2 with FMA and F16C.
int ck_cpu_has_avx2(void);

/// Binds the calling thread to one core (Linux); 0 on success, an errno value otherwise.
int ck_pin_current_thread(int core);

/// Asks the scheduler for time slices of about `nanoseconds` for the calling thread (Linux 6.12+ EEVDF custom
/// slices, 0.1 to 100 ms): a thread that sleeps most of the time and must react quickly, when it wakes, then
/// preempts busier threads at once instead of waiting for their default slice to end. 0 on success, an errno
/// value otherwise (older kernels: no effect).
int ck_request_time_slice(uint64_t nanoseconds);

/// One int8 matrix product over a range of 16-row groups of an interleaved Q8 matrix.
///
/// Weight layout (written by Swift's Q8Matrix): quants[G][B][8][16][4] as unsigned bytes w ^ 0x80 (= w + 128),
/// so row r of group g, column b*32 + 4*k + i is quants[((g*B + b)*8 + k)*64 + 4*r + i]; scales[G][B][16] f16.
/// Activations: x[T][B*32] int8, x_scales[T][B] f32, x_bias[T][B] = -128 * sum of the block's int8 values,
/// which cancels the +128 of the weights inside the int32 accumulator. Tokens from `corrected_from` on add a
/// second term laid out the same way (correction, correction_scales, correction_bias): each block's sum is
/// then dw * (xd * Σ w q + xd' * Σ w q'), both int32 sums fed by the same weight loads. Their 16-bit form
/// `wide` = 256 q + q' (xd' = xd / 256) lets AVX2 take that sum in one product: dw * xd' * Σ w (256 q + q').
typedef struct {
    float *out;                    // (T, out_stride): out[t * out_stride + row]
    size_t out_stride;
    const uint8_t *weights;        // (G, B, 8, 16, 4), 64-byte aligned
    const uint16_t *weight_scales; // (G, B, 16) f16 bits
    const int8_t *x;               // (T, B*32)
    const float *x_scales;         // (T, B)
    const int32_t *x_bias;         // (T, B)
    size_t rows;                   // valid rows; the last group may be partial
    size_t blocks;                 // B = K / 32
    size_t group_begin, group_end; // the groups this call computes
    size_t tokens;                 // T
    const int8_t *correction;      // (T, B*32), rows before corrected_from unused; NULL when none
    const float *correction_scales;
    const int32_t *correction_bias;
    size_t corrected_from;         // tokens >= this carry the correction (>= T: none)
    const int16_t *wide;           // (T, B*32): 256 * x + correction on corrected tokens; NULL when none
} ck_q8_matmul_args;

void ck_q8_matmul_avx512(const ck_q8_matmul_args *args);
void ck_q8_matmul_avx2(const ck_q8_matmul_args *args);

/// Quantizes `blocks` blocks of 32 floats of x to int8 values q (32 a block), f32 scales (rounded to f16 values
/// when half_scales is set) and biases -128 * Σq, bit for bit as Q8Activations does in Swift.
void ck_quantize_q8_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias, int half_scales);
/// The same for blocks of corrected rows: z = round(x / (d/256)) in `wide` and as two int8 terms (q, and
/// `second` with scale d/256 and its own bias), as Q8Activations splits them.
void ck_quantize_q8_corrected_avx2(const float *x, size_t blocks, int8_t *q, float *scales, int32_t *bias,
                                   int half_scales, int16_t *wide, int8_t *second, float *second_scales,
                                   int32_t *second_bias);

/// One query head against `positions` cached key/value rows (row p at keys + p * cache_stride), online
/// softmax over 64-position tiles: out (head_size) = softmax(q . k_p * scale) . v_p.
void ck_attend_avx512(float *out, const float *q, const float *keys, const float *values,
                      size_t positions, size_t head_size, size_t cache_stride, float scale);
/// The AVX2 variant takes `heads` query heads of `tokens` consecutive tokens that share the keys and values
/// (head h of token t at q + t * query_stride + h * head_size, out likewise with output_stride; token t sees
/// positions + t rows) and reads each cache row once for up to four of them; each query's result is what it
/// would be alone. Needs head_size % 8 == 0 and head_size <= 256.
void ck_attend_avx2(float *out, const float *q, size_t heads, size_t tokens, const float *keys, const float *values,
                    size_t positions, size_t head_size, size_t cache_stride, size_t query_stride, size_t output_stride,
                    float scale);
/// The same with an f16 cache (half the memory and bandwidth); cache_stride counts f16 values.
void ck_attend_f16_avx512(float *out, const float *q, const uint16_t *keys, const uint16_t *values,
                          size_t positions, size_t head_size, size_t cache_stride, float scale);
void ck_attend_f16_avx2(float *out, const float *q, size_t heads, size_t tokens, const uint16_t *keys,
                        const uint16_t *values, size_t positions, size_t head_size, size_t cache_stride,
                        size_t query_stride, size_t output_stride, float scale);

/// out[i] = f16(x[i]) rounded to nearest even: writes keys and values into an f16 cache.
void ck_f32_to_f16_avx512(uint16_t *out, const float *x, size_t count);
void ck_f32_to_f16_avx2(uint16_t *out, const float *x, size_t count);

/// out[i] = silu(gate[i]) * up[i]; out may alias gate or up.
void ck_swiglu_avx512(float *out, const float *gate, const float *up, size_t count);
void ck_swiglu_avx2(float *out, const float *gate, const float *up, size_t count);

/// out[i] = gelu(gate[i]) * up[i] with GELU's tanh approximation (Gemma's GeGLU), written as
/// g * sigmoid(2 sqrt(2/pi) (g + 0.044715 g^3)); out may alias gate or up.
void ck_geglu_avx512(float *out, const float *gate, const float *up, size_t count);
void ck_geglu_avx2(float *out, const float *gate, const float *up, size_t count);

/// out = softmax(x), max subtracted first; out may alias x; count >= 1.
void ck_softmax_avx512(float *out, const float *x, size_t count);
void ck_softmax_avx2(float *out, const float *x, size_t count);

#ifdef __cplusplus
}
#endif

#endif
