/// A vectorized single-precision exp (Cephes `expf` polynomial): Swift's SIMD types have no transcendental
/// functions, and a scalar `exp` per vocabulary entry would cost more than the output matmul itself.
@usableFromInline package typealias Float16x = SIMD16<Float>

/// exp(x) to within a few ulp for x in [-87, 88]; 0 below (where the true value is denormal anyway).
@inlinable @inline(__always)
package func simdExp(_ x: Float16x) -> Float16x {
    // Local splats, not globals: a global would cost a lazy-initialization check in every inner loop.
    let log2e = Float16x(repeating: 1.442_695_040_888_963_4)
    let ln2High = Float16x(repeating: 0.693_359_375)
    let ln2Low = Float16x(repeating: -2.121_944_4e-4)
    // Adding 1.5 * 2^23 rounds to the nearest integer and leaves that integer in the low mantissa bits.
    let roundingMagic = Float16x(repeating: 12_582_912)
    let roundingMagicBits = SIMD16<Int32>(repeating: 0x4B40_0000)
    let upperLimit = Float16x(repeating: 88.0), lowerLimit = Float16x(repeating: -87.0)
    // replacing(where:) compiles to vector selects; pointwiseMin/Max run lane by lane (measured 60x slower)
    var clamped = x.replacing(with: lowerLimit, where: x .< lowerLimit)
    clamped.replace(with: upperLimit, where: clamped .> upperLimit)
    let shifted = clamped * log2e + roundingMagic
    let n = shifted - roundingMagic
    let r = clamped - n * ln2High - n * ln2Low  // |r| <= ln2 / 2
    var p = Float16x(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    p = p * r * r + r + 1
    let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- roundingMagicBits
    let powerOfTwo = unsafeBitCast((exponent &+ 127) &<< 23, to: Float16x.self)
    return (p * powerOfTwo).replacing(with: 0, where: x .< lowerLimit)
}

extension VectorMath {
    /// e^x, within 2 ulp for x in [-87.3, 88]; below that 0, above +inf: `simdExp`'s polynomial on one float,
    /// in plain float operations, so that loops calling it vectorize.
    @inlinable @inline(__always)
    package static func exp(_ x: Float) -> Float {
        let clamped = x < -87.33654 ? -87.33654 : (x > 88 ? 88 : x)
        let magic: Float = 12_582_912  // 1.5 * 2^23: adding it rounds to an integer kept in the low bits
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_1e-4
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_452e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_5e-1
        p = p * r + 5e-1
        let er = p * r * r + r + 1
        let exponent = (shifted.bitPattern &- magic.bitPattern &+ 127) << 23
        let result = er * Float(bitPattern: exponent)
        return x < -87.33654 ? 0 : (x > 88 ? .infinity : result)
    }
}
