import GGUF

/// llama.cpp's x86 products of Q4_K and Q6_K weight rows with a Q8_K-quantized activation, in ggml's own integer
/// and f32 arithmetic, for `Numerics.ggml`. Gemma's outlier channels make the teacher sensitive to a single
/// flipped rounding, so only the same order of operations reproduces llama.cpp's log-probs.
///
/// Integer sums are exact in any order; what matters is which partial sums become f32 and where they are fused,
/// and that depends on the batch:
/// - Q4_K is repacked on x86 (`block_q4_Kx8`): `ggml_gemv_q4_K_8x8_q8_K` fuses one integer sum per 256-value block,
///   `ggml_gemm_q4_K_8x8_q8_K` (the rows of a batch in full groups of four) one per 64 values; the mins go to a
///   second accumulator the same way, subtracted at the end.
/// - Q6_K in batches of 8 rows or more goes through ggml's tiled K-quant matmul: per 256-value block one exact
///   integer sum, times the weight scale, times the activation scale, added to the row's sum.
/// - Q6_K otherwise (`ggml_vec_dot_q6_K_q8_K`, AVX2): 8 int32 lanes per block, lane L holding values 4L..4L+3 of
///   every 32-value chunk minus 32·(bsum·scale) of sub-blocks 2L and 2L+1; each lane fused into its own f32
///   accumulator with d_x·d_w; then `hsum_float_8`.
enum KQuantDotLikeGGML {
    /// A row quantized to Q8_K as `quantize_row_q8_K_ref` does: per 256 values an f32 scale and int8s whose
    /// signed extreme is -127.
    struct Q8KRow {
        var scales: [Float] = []
        var quants: [Int32] = []

        init(_ x: UnsafePointer<Float>, count n: Int) {
            quants = [Int32](repeating: 0, count: n)
            for b in 0..<n / 256 {
                let block = x + 256 * b
                var amax: Float = 0, extreme: Float = 0
                for j in 0..<256 where abs(block[j]) > amax {
                    amax = abs(block[j])
                    extreme = block[j]
                }
                guard amax != 0 else {
                    scales.append(0)
                    continue
                }
                let inverseScale = -127 / extreme
                scales.append(1 / inverseScale)
                for j in 0..<256 { quants[256 * b + j] = Int32(min(127, (inverseScale * block[j]).rounded(.toNearestOrEven))) }
            }
        }

        func sum(from start: Int, count: Int) -> Int32 {
            var s: Int32 = 0
            for i in start..<start + count { s += quants[i] }
            return s
        }
    }

    /// A row's place in the batch llama.cpp computes it in.
    struct BatchRow {
        var index: Int
        var count: Int
    }

    static func dotQ4_K(_ row: UnsafeRawPointer, _ x: Q8KRow, in batch: BatchRow) -> Float {
        let perSixtyFour = batch.index < batch.count - batch.count % 4      // the gemm kernel
        var acc: Float = 0, accMin: Float = 0
        for b in 0..<x.scales.count {
            let block = row + 144 * b
            let dScale = f16(block, 0) * x.scales[b], minScale = f16(block, 2) * x.scales[b]
            let packedScales = block + 4, qs = block.assumingMemoryBound(to: UInt8.self) + 16
            var blockSum: Int32 = 0, blockMin: Int32 = 0
            for pair in 0..<4 {
                var pairSum: Int32 = 0, pairMin: Int32 = 0
                for half in 0..<2 {
                    let subBlock = 2 * pair + half, start = 256 * b + 64 * pair + 32 * half
                    let packed = UnsafeRawBufferPointer(start: packedScales, count: 12)
                    let (scale, min) = Quantization.scaleAndMinK4(subBlock, packed)
                    var dot: Int32 = 0
                    for l in 0..<32 {
                        let byte = qs[32 * pair + l]
                        dot += Int32(half == 0 ? byte & 0xF : byte >> 4) * x.quants[start + l]
                    }
                    pairSum += Int32(scale) * dot
                    pairMin += Int32(min) * x.sum(from: start, count: 32)
                }
                if perSixtyFour {
                    acc = acc.addingProduct(Float(pairSum), dScale)
                    accMin = accMin.addingProduct(Float(pairMin), minScale)
                } else {
                    blockSum += pairSum
                    blockMin += pairMin
                }
            }
            if !perSixtyFour {
                acc = acc.addingProduct(Float(blockSum), dScale)
                accMin = accMin.addingProduct(Float(blockMin), minScale)
            }
        }
        return acc - accMin
    }

    static func dotQ6_K(_ row: UnsafeRawPointer, _ x: Q8KRow, in batch: BatchRow) -> Float {
        var lanes = SIMD8<Float>(), tiledSum: Float = 0
        for b in 0..<x.scales.count {
            let block = row + 210 * b
            let ql = block.assumingMemoryBound(to: UInt8.self), qh = ql + 128
            let scales = (block + 192).assumingMemoryBound(to: Int8.self)
            var laneSums = SIMD8<Int32>()
            for e in 0..<256 {
                let half = e / 128, l = e % 32, quarter = (e % 128) / 32
                let low = ql[64 * half + 32 * (quarter & 1) + l]
                let nibble = quarter < 2 ? low & 0xF : low >> 4
                let high = (qh[32 * half + l] >> (2 * quarter)) & 3
                let q = Int32(nibble | high << 4)                       // 0...63, the -32 comes below
                laneSums[l / 4] += Int32(scales[e / 16]) * q * x.quants[256 * b + e]
            }
            for lane in 0..<8 {
                let s0 = x.sum(from: 256 * b + 32 * lane, count: 16), s1 = x.sum(from: 256 * b + 32 * lane + 16, count: 16)
                laneSums[lane] -= 32 * (s0 * Int32(scales[2 * lane]) + s1 * Int32(scales[2 * lane + 1]))
            }
            if batch.count >= 8 {
                tiledSum = tiledSum.addingProduct(Float(laneSums.wrappedSum()) * f16(block, 208), x.scales[b])
            } else {
                let d = x.scales[b] * f16(block, 208)
                for lane in 0..<8 { lanes[lane] = lanes[lane].addingProduct(d, Float(laneSums[lane])) }
            }
        }
        return batch.count >= 8 ? tiledSum : lanes.halvingSum
    }

    private static func f16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}
