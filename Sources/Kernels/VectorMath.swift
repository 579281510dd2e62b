/// Float loops shared by the f32 kernels, written on SIMD8 (two SSE registers on baseline x86-64, one
/// NEON pair on arm64) with a scalar tail, because Swift's generic SIMD reductions and float `max` do not
/// vectorize. Sums use several partial accumulators, so results differ from a left-to-right sum by rounding.
enum VectorMath {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        let q = h.lowHalf + h.highHalf
        return q[0] + q[1]
    }

    /// Σ a[i] b[i].
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += load(a + i) * load(b + i)
            acc1 += load(a + i + 8) * load(b + i + 8)
            i += 16
        }
        if i + 8 <= count {
            acc0 += load(a + i) * load(b + i)
            i += 8
        }
        var sum = horizontalSum(acc0 + acc1)
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// Σ x[i].
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += load(x + i)
            acc1 += load(x + i + 8)
            i += 16
        }
        if i + 8 <= count {
            acc0 += load(x + i)
            i += 8
        }
        var sum = horizontalSum(acc0 + acc1)
        while i < count {
            sum += x[i]
            i += 1
        }
        return sum
    }

    /// Σ x[i]².
    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<Float>, _ count: Int) -> Float { dot(x, x, count) }

    /// y[i] += a * x[i].
    @inline(__always)
    static func addScaled(_ y: UnsafeMutablePointer<Float>, _ a: Float, _ x: UnsafePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            store(load(y + i) + a * load(x + i), y + i)
            i += 8
        }
        while i < count {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// x[i] *= a.
    @inline(__always)
    static func scale(_ x: UnsafeMutablePointer<Float>, _ a: Float, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            store(load(x + i) * a, x + i)
            i += 8
        }
        while i < count {
            x[i] *= a
            i += 1
        }
    }

    /// y[i] = y[i] * scale + a * x[i].
    @inline(__always)
    static func scaleAndAdd(_ y: UnsafeMutablePointer<Float>, scale: Float, _ a: Float, _ x: UnsafePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            store(load(y + i) * scale + a * load(x + i), y + i)
            i += 8
        }
        while i < count {
            y[i] = y[i] * scale + a * x[i]
            i += 1
        }
    }

    /// max x[i], by comparison selects that compile to maxps (x must hold no NaN).
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var best = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            let v = load(x + i)
            best.replace(with: v, where: v .> best)
            i += 8
        }
        var result = -Float.infinity
        for lane in 0..<8 where best[lane] > result { result = best[lane] }
        while i < count {
            if x[i] > result { result = x[i] }
            i += 1
        }
        return result
    }

    /// e^x, within 2 ulp for x in [-87.3, 88]; below that 0, above +inf. Cephes' expf: x = n ln2 + r,
    /// a degree-6 polynomial for e^r, and 2^n built in the exponent bits. Plain float ops only, so loops
    /// calling it vectorize.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
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
