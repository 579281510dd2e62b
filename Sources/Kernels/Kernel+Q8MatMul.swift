import CKernels

extension Kernel {
    /// Below this many 16x32 weight tiles times tokens per thread a product runs on the caller alone.
    /// A pool round trip costs ~0.3 µs (cross-core cache-line hand-offs). With the weights hot in L2 one
    /// thread still wins at 256x256 (0.69 vs 0.92 µs) and two win from 768x256 up (2.0 -> 1.7 µs; 8192x256
    /// 38 -> 10 µs, each half then fits its core's L2). In a decode step the weights stream from L3 at
    /// ~35 GB/s per core, two threads take the step's products from ~150 to ~95 µs, and moving 256x256 to
    /// one thread made no measurable difference, so everything from 256x256 up is split.
    /// (KernelsBenchmark matvec / decode with BENCH_PIN=1.)
    public static let minimumParallelWork = 64

    /// out (T, N) = x (T, K) · Wᵀ: out[t * outputStride + n] = Σₖ W[n, k] x[t, k], for t < x.rows.
    /// Each 32-column block is an int32 dot product scaled by both blocks' scales (two, on x's corrected rows).
    /// A 1-token x is the decode matrix-vector product; several tokens reuse every weight load (prefill, or one
    /// token per sequence).
    public static func matMul(
        _ out: UnsafeMutablePointer<Float>, _ weights: Q8Matrix, _ x: Q8Activations,
        outputStride: Int? = nil, pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        precondition(x.columns == weights.columns, "activations have \(x.columns) columns, weights \(weights.columns)")
        precondition(path.isSupported, "kernel path \(path) is not supported on this CPU")
        let stride = outputStride ?? weights.rows
        precondition(stride >= weights.rows)
        guard x.rows > 0 else { return }
        let args = ck_q8_matmul_args(
            out: out, out_stride: stride,
            weights: weights.quants, weight_scales: weights.scales,
            x: x.values, x_scales: x.scales, x_bias: x.biases,
            rows: weights.rows, blocks: weights.blocks,
            group_begin: 0, group_end: weights.groups, tokens: x.rows,
            correction: x.correctionValues, correction_scales: x.correctionScales,
            correction_bias: x.correctionBiases, corrected_from: x.correctedFrom, wide: x.wideValues)
        let work = weights.groups * weights.blocks * x.rows
        if let pool, pool.threadCount > 1, work >= minimumParallelWork * pool.threadCount {
            var job = Q8Job(args: args, path: path)
            withUnsafePointer(to: &job) { pool.parallelFor(weights.groups, context: $0, runQ8Chunk) }
        } else {
            q8MatMul(args, path)
        }
    }

    /// What a pool participant needs to compute its row groups.
    struct Q8Job {
        var args: ck_q8_matmul_args
        let path: KernelPath
    }

    @inline(__always)
    static func q8MatMul(_ args: ck_q8_matmul_args, _ path: KernelPath) {
        var args = args
        switch path {
        case .avx512: ck_q8_matmul_avx512(&args)
        case .avx2: ck_q8_matmul_avx2(&args)
        case .portable: q8MatMulPortable(args)
        }
    }
}

extension NaiveKernel {
    /// The twin of `Kernel.matMul`: the same int32-per-block arithmetic, read through the matrix's accessors.
    public static func matMul(
        _ out: UnsafeMutablePointer<Float>, _ weights: Q8Matrix, _ x: Q8Activations,
        outputStride: Int? = nil, pool: ThreadPool? = nil, path: KernelPath = .active
    ) {
        precondition(x.columns == weights.columns)
        let stride = outputStride ?? weights.rows
        for t in 0..<x.rows {
            for n in 0..<weights.rows {
                var sum: Float = 0
                for b in 0..<weights.blocks {
                    for (values, scales) in x.terms(row: t) {
                        var dot: Int32 = 0
                        for k in b * 32..<b * 32 + 32 {
                            dot += Int32(weights.quant(row: n, column: k)) * Int32(values[t * x.columns + k])
                        }
                        sum += weights.scale(row: n, block: b) * scales[t * x.blocks + b] * Float(dot)
                    }
                }
                out[t * stride + n] = sum
            }
        }
    }
}

/// One participant's row groups begin..<end of a `Kernel.Q8Job`.
private func runQ8Chunk(_ context: UnsafeRawPointer, _ begin: Int, _ end: Int) {
    var part = context.load(as: Kernel.Q8Job.self)
    part.args.group_begin = begin
    part.args.group_end = end
    Kernel.q8MatMul(part.args, part.path)
}
