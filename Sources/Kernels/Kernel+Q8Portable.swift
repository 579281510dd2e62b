import CKernels

extension Kernel {
    /// The interleaved Q8 product in plain Swift, for CPUs without AVX2. Same layout and arithmetic as the
    /// C kernels: the +128 weight bias is cancelled by starting each block's sum at the activation bias, and a
    /// corrected token's second term is added after its first, block by block.
    /// The row loop works on a stack buffer rather than SIMD16 lanes, which LLVM would insert one by one.
    static func q8MatMulPortable(_ a: ck_q8_matmul_args) {
        let blocks = a.blocks, columns = blocks * 32
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 16) { acc in
            let acc = acc.baseAddress!
            for g in a.group_begin..<a.group_end {
                let valid = min(16, a.rows - g * 16)
                for t in 0..<a.tokens {
                    var sum = SIMD16<Float>()
                    let terms = t >= a.corrected_from && a.correction != nil ? 2 : 1
                    for b in 0..<blocks {
                        let scales = a.weight_scales + (g * blocks + b) * 16
                        for term in 0..<terms {
                            let (values, xScales, xBias) = term == 0 ? (a.x!, a.x_scales!, a.x_bias!)
                                : (a.correction!, a.correction_scales!, a.correction_bias!)
                            let x = values + t * columns
                            acc.update(repeating: xBias[t * blocks + b], count: 16)
                            let w = a.weights + (g * blocks + b) * 512
                            for k in 0..<8 {
                                let x0 = Int32(x[b * 32 + 4 * k]), x1 = Int32(x[b * 32 + 4 * k + 1])
                                let x2 = Int32(x[b * 32 + 4 * k + 2]), x3 = Int32(x[b * 32 + 4 * k + 3])
                                let wk = w + k * 64
                                for r in 0..<16 {
                                    acc[r] &+= Int32(wk[4 * r]) &* x0 &+ Int32(wk[4 * r + 1]) &* x1
                                        &+ Int32(wk[4 * r + 2]) &* x2 &+ Int32(wk[4 * r + 3]) &* x3
                                }
                            }
                            let xd = xScales[t * blocks + b]
                            for r in 0..<16 { sum[r] += Float(acc[r]) * Float16.widen(scales[r]) * xd }
                        }
                    }
                    let o = a.out + t * a.out_stride + g * 16
                    for r in 0..<valid { o[r] = sum[r] }
                }
            }
        }
    }
}
