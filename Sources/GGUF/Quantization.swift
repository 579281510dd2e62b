/// Conversions between ggml's block formats and f32. Block layouts follow ggml exactly.
public enum Quantization {
    /// Dequantizes `count` values (a whole number of blocks) stored as `type`.
    public static func dequantize(_ raw: UnsafeRawBufferPointer, type: GGMLType, count: Int) throws(GGUFError) -> [Float] {
        guard let needed = type.byteCount(forElements: count), needed <= raw.count else {
            throw .badShape(tensor: "(\(type.name) data)", reason: "\(raw.count) bytes cannot hold \(count) values")
        }
        var out = [Float](repeating: 0, count: count)
        try out.withUnsafeMutableBufferPointer { (dst) throws(GGUFError) in
            try dequantize(raw, type: type, into: dst)
        }
        return out
    }

    /// Dequantizes into `dst`, whose count must be a whole number of blocks that `raw` holds.
    public static func dequantize(_ raw: UnsafeRawBufferPointer, type: GGMLType,
                                  into dst: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        let blocks = dst.count / type.blockSize
        precondition(blocks * type.blockSize == dst.count && blocks * type.bytesPerBlock <= raw.count)
        let out = dst.baseAddress!
        switch type {
        case .f32:
            for i in 0..<dst.count { out[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<dst.count { out[i] = halfToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<dst.count { out[i] = bf16ToFloat(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .q8_0:
            for b in 0..<blocks { dequantizeQ8_0(raw, block: b, into: out + 32 * b) }
        case .q5_0:
            for b in 0..<blocks { dequantizeQ5_0(raw, block: b, into: out + 32 * b) }
        case .q4_K:
            for b in 0..<blocks { dequantizeQ4_K(raw, block: b, into: out + 256 * b) }
        case .q6_K:
            for b in 0..<blocks { dequantizeQ6_K(raw, block: b, into: out + 256 * b) }
        default:
            throw .unsupportedTensorType(type, operation: "dequantization")
        }
    }

    static func halfAt(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> Float {
        halfToFloat(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    // MARK: Q8_0: { f16 d; int8 q[32] }, value = d * q

    static func dequantizeQ8_0(_ raw: UnsafeRawBufferPointer, block: Int, into out: UnsafeMutablePointer<Float>) {
        let base = block * 34
        let d = halfAt(raw, base)
        for j in 0..<32 { out[j] = d * Float(Int8(bitPattern: raw[base + 2 + j])) }
    }

    /// Quantizes to Q8_0 as ggml's reference quantizer does: d = max|x| / 127, q = round(x / d).
    public static func quantizeQ8_0(_ values: UnsafeBufferPointer<Float>) -> [UInt8] {
        precondition(values.count % 32 == 0, "Q8_0 needs a multiple of 32 values")
        let blocks = values.count / 32
        var out = [UInt8](repeating: 0, count: blocks * 34)
        for b in 0..<blocks {
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(values[32 * b + j])) }
            let d = amax / 127
            let inverse: Float = d != 0 ? 1 / d : 0
            let bits = floatToHalf(d)
            out[34 * b] = UInt8(truncatingIfNeeded: bits)
            out[34 * b + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            for j in 0..<32 {
                let q = Int8((values[32 * b + j] * inverse).rounded(.toNearestOrAwayFromZero))
                out[34 * b + 2 + j] = UInt8(bitPattern: q)
            }
        }
        return out
    }

    public static func quantizeQ8_0(_ values: [Float]) -> [UInt8] {
        values.withUnsafeBufferPointer { quantizeQ8_0($0) }
    }

    // MARK: half and bfloat16

    public static func halfToFloat(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
    public static func floatToHalf(_ value: Float) -> UInt16 { Float16(value).bitPattern }
    public static func bf16ToFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Round to nearest even, as ggml does; NaN stays NaN.
    public static func floatToBF16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        return UInt16((bits &+ (0x7FFF &+ ((bits >> 16) & 1))) >> 16)
    }
}
