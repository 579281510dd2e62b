/// Activations (T, K) quantized on the fly to int8 blocks of 32 with one f32 scale each (ggml's Q8_0 for
/// activations, with an f32 instead of f16 scale), ready for any number of `Q8Matrix` products with K
/// columns: quantize once, multiply by q, k and v.
///
/// Allocated once for the largest T; `quantize` reuses it and allocates nothing. Not thread-safe: one
/// owner writes it, the thread pool only reads it during a product.
public final class Q8Activations: @unchecked Sendable {
    /// Largest T this buffer holds.
    public let capacity: Int
    /// K, a multiple of 32.
    public let columns: Int
    /// T of the last `quantize`.
    public private(set) var rows = 0
    package let blocks: Int
    let valueStorage: AlignedArray<Int8>   // (T, K)
    let scaleStorage: AlignedArray<Float>  // (T, B)
    let biasStorage: AlignedArray<Int32>   // (T, B): -128 * sum of the block, cancels the weights' +128

    package var values: UnsafeMutablePointer<Int8> { valueStorage.pointer }
    package var scales: UnsafeMutablePointer<Float> { scaleStorage.pointer }
    package var biases: UnsafeMutablePointer<Int32> { biasStorage.pointer }

    public init(capacity: Int, columns: Int) throws(KernelError) {
        try Q8Matrix.validate(rows: capacity, columns: columns)
        self.capacity = capacity
        self.columns = columns
        blocks = columns / 32
        valueStorage = AlignedArray(count: capacity * columns)
        scaleStorage = AlignedArray(count: capacity * blocks)
        biasStorage = AlignedArray(count: capacity * blocks)
    }

    /// Quantizes x (rows, K) row-major, row i starting at x + i * stride (stride defaults to K).
    /// d = max|x| / 127, q = round(x / d) to nearest even; a block of zeros gets d = 0.
    public func quantize(_ x: UnsafePointer<Float>, rows: Int, stride: Int? = nil) {
        precondition(rows >= 0 && rows <= capacity, "Q8Activations holds at most \(capacity) rows, asked \(rows)")
        let stride = stride ?? columns
        self.rows = rows
        for t in 0..<rows {
            for b in 0..<blocks {
                quantizeBlock(t * blocks + b, x + t * stride + b * 32)
            }
        }
    }

    /// Writes one 32-value block. Written as integer loops that LLVM vectorizes on baseline x86-64 (float
    /// `max` and `Int32(Float)` carry NaN and range checks that keep it scalar, 10x slower): max|x| is an
    /// integer max of the sign-cleared bit patterns, and adding 1.5 * 2^23 rounds to nearest even and leaves
    /// the integer in the low mantissa bits, exact for |x / d| <= 127.
    @inline(__always)
    func quantizeBlock(_ index: Int, _ source: UnsafePointer<Float>) {
        var amaxBits: UInt32 = 0
        for i in 0..<32 { amaxBits = max(amaxBits, source[i].bitPattern & 0x7FFF_FFFF) }
        let d = Float(bitPattern: amaxBits) / 127
        let inverse: Float = d != 0 ? 1 / d : 0
        let magic: Float = 12_582_912
        let q = values + index * 32
        var sum: Int32 = 0
        for i in 0..<32 {
            let v = Int8(truncatingIfNeeded: (source[i] * inverse + magic).bitPattern)
            q[i] = v
            sum &+= Int32(v)
        }
        scales[index] = d
        biases[index] = -128 &* sum
    }

    /// For kernels that write blocks themselves (fused norm or activation, then quantize).
    func setRows(_ rows: Int) { self.rows = rows }

    /// The dequantized value d * q at (row, column); for references and tests.
    public func value(row: Int, column: Int) -> Float {
        precondition(row >= 0 && row < rows && column >= 0 && column < columns)
        return scales[row * blocks + column / 32] * Float(values[row * columns + column])
    }
}
