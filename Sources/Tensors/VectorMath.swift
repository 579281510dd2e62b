/// The float loops of the kernels, the f32 reference and the trainer, over raw pointers, 16 lanes at a time
/// (SIMD16: one AVX-512 register, two AVX2 ones) with a scalar tail, so counts that are not a multiple of 16
/// work. Written on SIMD types because Swift's generic reductions and float `max` do not vectorize.
/// Reductions keep 16 partial sums and add them in a fixed order, which makes every result reproducible run
/// to run; they differ from a left-to-right sum by rounding.
package enum VectorMath {
    @inlinable @inline(__always)
    package static func load(_ p: UnsafePointer<Float>) -> Float16x {
        UnsafeRawPointer(p).loadUnaligned(as: Float16x.self)
    }

    @inlinable @inline(__always)
    package static func store(_ v: Float16x, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float16x.self)
    }

    /// The 16 lanes added as a halving tree (8 + 8, 4 + 4, 2 + 2, 1 + 1): the order of AVX-512's reduce-add, so
    /// that the Swift loops and the C kernels round the same way.
    @inlinable @inline(__always)
    package static func horizontalSum(_ v: Float16x) -> Float {
        let h = v.lowHalf + v.highHalf
        let q = h.lowHalf + h.highHalf
        let e = q.lowHalf + q.highHalf
        return e[0] + e[1]
    }

    /// Σ a[i].
    @inlinable
    package static func sum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Float16x()
        var i = 0
        while i + 16 <= n { acc += load(a + i); i += 16 }
        var total = horizontalSum(acc)
        while i < n { total += a[i]; i += 1 }
        return total
    }

    /// Σ a[i] b[i].
    @inlinable
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Float16x()
        var i = 0
        while i + 16 <= n { acc += load(a + i) * load(b + i); i += 16 }
        var total = horizontalSum(acc)
        while i < n { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// max a[i], by comparison selects that compile to maxps (a must hold no NaN).
    @inlinable
    package static func max(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Float16x(repeating: -.infinity)
        var i = 0
        while i + 16 <= n {
            let x = load(a + i)
            acc.replace(with: x, where: x .> acc)  // not pointwiseMax, which is not vectorized
            i += 16
        }
        var best = acc.max()
        while i < n { best = Swift.max(best, a[i]); i += 1 }
        return best
    }

    /// out[i] = exp(inp[i] * scale - shift); returns the sum of out. The softmax workhorse:
    /// scale is 1/temperature and shift the row maximum (already divided by the temperature).
    @inlinable
    package static func expScaledShifted(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, scale: Float, shift: Float, _ n: Int
    ) -> Float {
        let vScale = Float16x(repeating: scale), vShift = Float16x(repeating: shift)
        var acc = Float16x()
        var i = 0
        while i + 16 <= n {
            let e = simdExp(load(inp + i) * vScale - vShift)
            store(e, out + i)
            acc += e
            i += 16
        }
        var total = horizontalSum(acc)
        while i < n { out[i] = exp(inp[i] * scale - shift); total += out[i]; i += 1 }
        return total
    }

    /// out[i] = a[i] * s
    @inlinable
    package static func scale(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ s: Float, _ n: Int) {
        let vs = Float16x(repeating: s)
        var i = 0
        while i + 16 <= n { store(load(a + i) * vs, out + i); i += 16 }
        while i < n { out[i] = a[i] * s; i += 1 }
    }

    /// out[i] += a[i]
    @inlinable
    package static func add(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 16 <= n { store(load(out + i) + load(a + i), out + i); i += 16 }
        while i < n { out[i] += a[i]; i += 1 }
    }

    /// out[i] = a[i] + b[i]
    @inlinable
    package static func sum(
        _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int
    ) {
        var i = 0
        while i + 16 <= n { store(load(a + i) + load(b + i), out + i); i += 16 }
        while i < n { out[i] = a[i] + b[i]; i += 1 }
    }
}

extension VectorMath {
    /// Σ a[i]².
    @inlinable @inline(__always)
    package static func sumOfSquares(_ a: UnsafePointer<Float>, _ n: Int) -> Float { dot(a, a, n) }

    /// out[i] += a[i] * s
    @inlinable
    package static func addScaled(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ s: Float, _ n: Int) {
        let vs = Float16x(repeating: s)
        var i = 0
        while i + 16 <= n { store(load(out + i) + load(a + i) * vs, out + i); i += 16 }
        while i < n { out[i] += a[i] * s; i += 1 }
    }
}
