import CKernels
import Tensors
/// Activations (T, K) quantized on the fly to int8 blocks of 32 with one f32 scale each (ggml's Q8_0 for
/// activations; `halfScales` rounds the scales to f16 as ggml stores them), ready for any number of `Q8Matrix`
/// products with K columns: quantize once, multiply by q, k and v.
///
/// Rows from `correctedFrom` on carry 16-bit activations: z = round(x / (d/256)), split into two int8 terms
/// z = 256·q + q' (q' in -128...127, the first term's rounding error in steps of d/256), so x ≈ d·q + (d/256)·q'
/// to 1/2 of d/256. With VNNI a product does two vpdpbusd per weight load for those rows (little extra time
/// where reading the weights is the bottleneck, one decode step); AVX2, which lacks an 8-bit product that
/// would not overflow, multiplies the weights by z itself with one 16-bit vpmaddwd (`wideValues`).
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
    let correctionStorage: AlignedArray<Int8>?          // (T, K) the second term's int8 values
    let correctionScaleStorage: AlignedArray<Float>?    // (T, B)
    let correctionBiasStorage: AlignedArray<Int32>?     // (T, B)
    let wideStorage: AlignedArray<Int16>?               // (T, K) z = 256·q + q' of corrected rows, see wideIndex

    package var values: UnsafeMutablePointer<Int8> { valueStorage.pointer }
    package var scales: UnsafeMutablePointer<Float> { scaleStorage.pointer }
    package var biases: UnsafeMutablePointer<Int32> { biasStorage.pointer }
    package var correctionValues: UnsafeMutablePointer<Int8>? { correctionStorage?.pointer }
    package var correctionScales: UnsafeMutablePointer<Float>? { correctionScaleStorage?.pointer }
    package var correctionBiases: UnsafeMutablePointer<Int32>? { correctionBiasStorage?.pointer }
    package var wideValues: UnsafeMutablePointer<Int16>? { wideStorage?.pointer }

    /// Where column k's z sits in `wideValues`: each four columns are stored 0, 2, 1, 3, so that the AVX2
    /// product pairs the even bytes of four weights with one 32-bit load and the odd bytes with the next.
    @inline(__always)
    package static func wideIndex(_ k: Int) -> Int { k & ~3 | (k & 2) >> 1 | (k & 1) << 1 }

    /// Whether each block's scale is rounded to f16 before the block is used, as ggml stores Q8_0 scales.
    public let halfScales: Bool
    /// Rows at or after this index carry the correction term (set before quantizing; at most `capacity`
    /// without correction storage, which means none do).
    public var correctedFrom: Int {
        didSet { precondition(correctionStorage != nil || correctedFrom >= capacity, "no room for corrections") }
    }

    /// `corrections` allocates the second term's storage, so that rows from `correctedFrom` can carry it.
    public init(capacity: Int, columns: Int, halfScales: Bool = false, corrections: Bool = false) throws(KernelError) {
        try Q8Matrix.validate(rows: capacity, columns: columns)
        self.capacity = capacity
        self.columns = columns
        self.halfScales = halfScales
        blocks = columns / 32
        valueStorage = AlignedArray(count: capacity * columns)
        scaleStorage = AlignedArray(count: capacity * blocks)
        biasStorage = AlignedArray(count: capacity * blocks)
        correctionStorage = corrections ? AlignedArray(count: capacity * columns) : nil
        correctionScaleStorage = corrections ? AlignedArray(count: capacity * blocks) : nil
        correctionBiasStorage = corrections ? AlignedArray(count: capacity * blocks) : nil
        wideStorage = corrections ? AlignedArray(count: capacity * columns) : nil
        correctedFrom = capacity
    }

    /// Quantizes x (rows, K) row-major, row i starting at x + i * stride (stride defaults to K).
    /// d = max|x| / 127, q = round(x / d) to nearest even; a block of zeros gets d = 0.
    public func quantize(_ x: UnsafePointer<Float>, rows: Int, stride: Int? = nil, path: KernelPath = .active) {
        precondition(rows >= 0 && rows <= capacity, "Q8Activations holds at most \(capacity) rows, asked \(rows)")
        self.rows = rows
        quantize(x, rowRange: 0..<rows, stride: stride, path: path)
    }

    /// The same for rows `rowRange` only, which threads splitting the rows call side by side once `setRows`
    /// covers them.
    public func quantize(_ x: UnsafePointer<Float>, rowRange: Range<Int>, stride: Int? = nil, path: KernelPath = .active) {
        precondition(rowRange.lowerBound >= 0 && rowRange.upperBound <= rows)
        let stride = stride ?? columns, path = Kernel.checked(path)
        for t in rowRange {
            quantizeBlocks(t * blocks, count: blocks, x + t * stride, path: path)
        }
    }

    /// Blocks first..<first + count (index row * B + block) from `source`, 32 floats a block: the AVX2 kernels
    /// unless the path is portable (the same bits; 2-3x faster than the loops LLVM vectorizes for baseline
    /// x86-64, 5x on corrected rows: `KernelsBenchmark quantize`).
    @inline(__always)
    package func quantizeBlocks(_ first: Int, count: Int, _ source: UnsafePointer<Float>, path: KernelPath) {
        guard path != .portable else {
            for b in 0..<count { quantizeBlock(first + b, source + b * 32) }
            return
        }
        let plain = min(count, max(0, correctedFrom * blocks - first)), half: Int32 = halfScales ? 1 : 0
        if plain > 0 {
            ck_quantize_q8_avx2(source, plain, values + first * 32, scales + first, biases + first, half)
        }
        guard plain < count, let correctionValues, let correctionScales, let correctionBiases, let wideValues else { return }
        let c = first + plain
        ck_quantize_q8_corrected_avx2(source + plain * 32, count - plain, values + c * 32, scales + c, biases + c, half,
                                      wideValues + c * 32, correctionValues + c * 32, correctionScales + c,
                                      correctionBiases + c)
    }

    /// Writes block `index` (row index / B) and, on a corrected row, its correction.
    @inline(__always)
    func quantizeBlock(_ index: Int, _ source: UnsafePointer<Float>) {
        let d = Self.quantize(source, into: values + index * 32, bias: biases + index, halfScale: halfScales)
        scales[index] = d
        guard index >= correctedFrom * blocks, let correctionValues, let correctionScales, let correctionBiases,
              let wideValues else { return }
        Self.split(source, scale: d, wide: wideValues + index * 32, first: values + index * 32, bias: biases + index,
                   second: correctionValues + index * 32, secondBias: correctionBiases + index)
        correctionScales[index] = d / 256
    }

    /// z = round(x / (d/256)) and its two int8 terms q = ⌊(z + 128) / 256⌋, q' = z - 256·q. d is the stored
    /// scale, so with an f16-rounded d, |x / d| may pass 127 by 2⁻¹¹ and z still fits in 16 bits; the clamp only
    /// guards that bound. A zero block (d = 0) is all zeros.
    @inline(__always)
    private static func split(_ source: UnsafePointer<Float>, scale d: Float, wide: UnsafeMutablePointer<Int16>,
                              first: UnsafeMutablePointer<Int8>, bias: UnsafeMutablePointer<Int32>,
                              second: UnsafeMutablePointer<Int8>, secondBias: UnsafeMutablePointer<Int32>) {
        let inverse: Float = d != 0 ? 256 / d : 0
        let magic: Float = 12_582_912
        var firstSum: Int32 = 0, secondSum: Int32 = 0
        for i in 0..<32 {
            let z = min(max(Int32(bitPattern: (source[i] * inverse + magic).bitPattern) &- 0x4B40_0000, -32_640), 32_639)
            let q = (z + 128) >> 8, r = z - 256 * q
            wide[wideIndex(i)] = Int16(truncatingIfNeeded: z)
            first[i] = Int8(truncatingIfNeeded: q)
            second[i] = Int8(truncatingIfNeeded: r)
            firstSum &+= q
            secondSum &+= r
        }
        bias.pointee = -128 &* firstSum
        secondBias.pointee = -128 &* secondSum
    }

    /// Quantizes 32 values into q, writes -128 * Σq to `bias` and returns the scale. Written as integer loops
    /// that LLVM vectorizes on baseline x86-64 (float `max` and `Int32(Float)` carry NaN and range checks that
    /// keep it scalar, 10x slower): max|x| is an integer max of the sign-cleared bit patterns, and adding
    /// 1.5 * 2^23 rounds to nearest even and leaves the integer in the low mantissa bits, exact for
    /// |x / d| <= 127. As in ggml, q uses the f32 scale even when the stored one is rounded to f16.
    @inline(__always)
    private static func quantize(_ source: UnsafePointer<Float>, into q: UnsafeMutablePointer<Int8>,
                                 bias: UnsafeMutablePointer<Int32>, halfScale: Bool) -> Float {
        var amaxBits: UInt32 = 0
        for i in 0..<32 { amaxBits = max(amaxBits, source[i].bitPattern & 0x7FFF_FFFF) }
        let d = Float(bitPattern: amaxBits) / 127
        let inverse: Float = d != 0 ? 1 / d : 0
        let magic: Float = 12_582_912
        var sum: Int32 = 0
        for i in 0..<32 {
            let v = Int8(truncatingIfNeeded: (source[i] * inverse + magic).bitPattern)
            q[i] = v
            sum &+= Int32(v)
        }
        bias.pointee = -128 &* sum
        return halfScale ? roundedToHalf(d) : d
    }

    /// x rounded to the nearest f16 value, ties to even, returned as f32. Inside f16's normal range that is
    /// dropping 13 mantissa bits with integer ops (`Float16(x)` is a library call per value on baseline
    /// x86-64); outside it, the library conversion.
    @inline(__always)
    package static func roundedToHalf(_ x: Float) -> Float {
        let bits = x.bitPattern, magnitude = bits & 0x7FFF_FFFF
        guard magnitude >= 0x3880_0000, magnitude < 0x477F_F000 else { return Float(Float16(x)) }   // [2^-14, 65520)
        return Float(bitPattern: (bits &+ 0x0FFF &+ ((bits >> 13) & 1)) & 0xFFFF_E000)
    }

    /// Sets the row count before rows are written a range at a time (fused norm or activation kernels, or
    /// threads splitting the rows).
    public func setRows(_ rows: Int) {
        precondition(rows >= 0 && rows <= capacity, "Q8Activations holds at most \(capacity) rows, asked \(rows)")
        self.rows = rows
    }

    /// Row t's terms: (values, scales) of the first and, on a corrected row, of the correction.
    package func terms(row t: Int) -> [(UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>)] {
        guard t >= correctedFrom, let correctionValues, let correctionScales else { return [(values, scales)] }
        return [(values, scales), (correctionValues, correctionScales)]
    }

    /// The dequantized value d * q (+ d' * q' on a corrected row) at (row, column); for references and tests.
    public func value(row: Int, column: Int) -> Float {
        precondition(row >= 0 && row < rows && column >= 0 && column < columns)
        return terms(row: row).reduce(0) { sum, term in
            sum + term.1[row * blocks + column / 32] * Float(term.0[row * columns + column])
        }
    }
}
