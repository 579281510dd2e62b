import Tensors
extension Kernel {
    /// RMSNorm (Zhang and Sennrich 2019) of each row: out = x / sqrt(mean(x²) + epsilon) * weight. out may
    /// alias x. out, x: (T, C); weight: (C); inverseRMS, when given: (T), each row's 1 / sqrt(mean(x²) + epsilon),
    /// which the trainer keeps for the backward pass.
    public static func rmsNorm(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, columns: Int, epsilon: Float, inverseRMS: UnsafeMutablePointer<Float>? = nil
    ) {
        for t in 0..<rows {
            let row = x + t * columns, target = out + t * columns
            let inverse = 1 / (VectorMath.sumOfSquares(row, columns) / Float(columns) + epsilon).squareRoot()
            inverseRMS?[t] = inverse
            var i = 0
            while i + 16 <= columns {
                VectorMath.store(VectorMath.load(row + i) * inverse * VectorMath.load(weight + i), target + i)
                i += 16
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
        rows: Int, columns: Int, epsilon: Float, path: KernelPath = .active
    ) {
        precondition(rows <= out.capacity)
        out.setRows(rows)
        rmsNorm(out, x, weight, rowRange: 0..<rows, columns: columns, epsilon: epsilon, path: path)
    }

    /// The same for rows `rowRange` only, which threads splitting the rows call side by side once
    /// `out.setRows` covers them.
    public static func rmsNorm(
        _ out: Q8Activations, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rowRange: Range<Int>, columns: Int, epsilon: Float, path: KernelPath = .active
    ) {
        precondition(columns == out.columns && rowRange.upperBound <= out.rows)
        let path = checked(path)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rowPiece) { piece in
            let piece = piece.baseAddress!
            for t in rowRange {
                let row = x + t * columns
                let inverse = 1 / (VectorMath.sumOfSquares(row, columns) / Float(columns) + epsilon).squareRoot()
                for first in stride(from: 0, to: columns, by: rowPiece) {
                    let count = min(rowPiece, columns - first)
                    for i in stride(from: 0, to: count, by: 16) {
                        let k = first + i
                        VectorMath.store(VectorMath.load(row + k) * inverse * VectorMath.load(weight + k), piece + i)
                    }
                    out.quantizeBlocks((t * columns + first) / 32, count: count / 32, piece, path: path)
                }
            }
        }
    }

    /// Values of a row a fused kernel computes before quantizing them (8 blocks): 1 KB on the stack.
    static let rowPiece = 256
}

extension NaiveKernel {
    /// As ggml's rms_norm rounds: squares in f32 summed in double, the mean and epsilon added in f32. The f32
    /// reference models use it too.
    public static func rmsNorm(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        rows: Int, columns: Int, epsilon: Float
    ) {
        for t in 0..<rows {
            let row = x + t * columns, target = out + t * columns
            var sumOfSquares: Double = 0
            for i in 0..<columns { sumOfSquares += Double(row[i] * row[i]) }
            let inverse = 1 / (Float(sumOfSquares / Double(columns)) + epsilon).squareRoot()
            for i in 0..<columns { target[i] = row[i] * inverse * weight[i] }
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
