extension Kernel {
    /// RMSNorm of each row: out = x / sqrt(mean(x²) + epsilon) * weight. out may alias x.
    /// out, x: (T, C); weight: (C).
    public static func rmsNorm(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, columns: Int, epsilon: Float
    ) {
        for t in 0..<rows {
            let row = x + t * columns, target = out + t * columns
            let inverse = 1 / (VectorMath.sumOfSquares(row, columns) / Float(columns) + epsilon).squareRoot()
            var i = 0
            while i + 8 <= columns {
                VectorMath.store(VectorMath.load(row + i) * inverse * VectorMath.load(weight + i), target + i)
                i += 8
            }
            while i < columns {
                target[i] = row[i] * inverse * weight[i]
                i += 1
            }
        }
    }

    /// RMSNorm written straight into int8 activations, skipping the f32 round trip before a Q8 product.
    /// x: (T, C); weight: (C); out holds T rows afterwards.
    public static func rmsNorm(
        _ out: Q8Activations, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, columns: Int, epsilon: Float
    ) {
        precondition(columns == out.columns && rows <= out.capacity)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { block in
            let block = block.baseAddress!
            for t in 0..<rows {
                let row = x + t * columns
                let inverse = 1 / (VectorMath.sumOfSquares(row, columns) / Float(columns) + epsilon).squareRoot()
                for b in 0..<columns / 32 {
                    for i in stride(from: 0, to: 32, by: 8) {
                        let k = b * 32 + i
                        VectorMath.store(VectorMath.load(row + k) * inverse * VectorMath.load(weight + k), block + i)
                    }
                    out.quantizeBlock(t * out.blocks + b, block)
                }
            }
        }
        out.setRows(rows)
    }
}

extension NaiveKernel {
    public static func rmsNorm(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, columns: Int, epsilon: Float
    ) {
        for t in 0..<rows {
            var sumOfSquares: Double = 0
            for i in 0..<columns { sumOfSquares += Double(x[t * columns + i]) * Double(x[t * columns + i]) }
            let inverse = Float(1 / (sumOfSquares / Double(columns) + Double(epsilon)).squareRoot())
            for i in 0..<columns { out[t * columns + i] = x[t * columns + i] * inverse * weight[i] }
        }
    }

    public static func rmsNorm(
        _ out: Q8Activations, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, columns: Int, epsilon: Float
    ) {
        var normalized = [Float](repeating: 0, count: rows * columns)
        rmsNorm(&normalized, x, weight, rows: rows, columns: columns, epsilon: epsilon)
        out.quantize(normalized, rows: rows)
    }
}
