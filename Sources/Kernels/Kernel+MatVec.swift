import Tensors
extension Kernel {
    /// out (N) = W (N, K) · x (K), f32 row-major weights; rows split over the pool when it pays.
    public static func matVec(
        _ out: UnsafeMutablePointer<Float>, _ weights: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        rows: Int, columns: Int, pool: ThreadPool? = nil
    ) {
        let job = MatVecJob(out: out, weights: weights, x: x, columns: columns)
        if let pool, pool.threadCount > 1, rows * columns >= minimumParallelWork * 512 * pool.threadCount {
            withUnsafePointer(to: job) { pool.parallelFor(rows, context: $0, runMatVecChunk) }
        } else {
            job.run(0..<rows)
        }
    }

    struct MatVecJob {
        let out: UnsafeMutablePointer<Float>
        let weights, x: UnsafePointer<Float>
        let columns: Int

        func run(_ rows: Range<Int>) {
            for n in rows { out[n] = VectorMath.dot(weights + n * columns, x, columns) }
        }
    }

    /// Σ a[i] b[i].
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        VectorMath.dot(a, b, count)
    }
}

extension NaiveKernel {
    public static func matVec(
        _ out: UnsafeMutablePointer<Float>, _ weights: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
        rows: Int, columns: Int, pool: ThreadPool? = nil
    ) {
        for n in 0..<rows {
            var sum: Double = 0
            for k in 0..<columns { sum += Double(weights[n * columns + k]) * Double(x[k]) }
            out[n] = Float(sum)
        }
    }

    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Double = 0
        for i in 0..<count { sum += Double(a[i]) * Double(b[i]) }
        return Float(sum)
    }
}

private func runMatVecChunk(_ context: UnsafeRawPointer, _ begin: Int, _ end: Int) {
    context.load(as: Kernel.MatVecJob.self).run(begin..<end)
}
