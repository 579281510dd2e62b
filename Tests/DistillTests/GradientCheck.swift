import Distill
import Engine
import Tensors
import XCTest

/// Finite-difference checking for f32 layers: the scalar under test is always accumulated in Double,
/// and each input is nudged by +-h in f32, so the numeric gradient is good to ~1e-4 on O(1) values.
enum GradientCheck {
    static func random(_ n: Int, _ rng: inout SeededRandom, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in rng.nextNormal() * scale }
    }

    /// d f / d x by central differences, nudging each element of x in turn.
    static func numeric(_ x: inout [Float], h: Float = 3e-3, _ f: () -> Double) -> [Double] {
        var gradient = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let original = x[i]
            x[i] = original + h
            let plus = f()
            x[i] = original - h
            let minus = f()
            x[i] = original
            gradient[i] = (plus - minus) / Double(2 * h)
        }
        return gradient
    }

    /// sum of out * weights in Double: a scalar whose gradient with respect to out is `weights`.
    static func project(_ out: UnsafePointer<Float>, _ weights: [Float]) -> Double {
        var total = 0.0
        for i in weights.indices { total += Double(out[i]) * Double(weights[i]) }
        return total
    }

    /// Every element within tolerance * (largest |gradient| + tiny), and the gradient is not all zeros
    /// (a check that compares zeros to zeros proves nothing).
    static func assertClose(
        _ analytic: [Float], _ numeric: [Double], tolerance: Double = 1e-2, _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(analytic.count, numeric.count, what, file: file, line: line)
        let scale = numeric.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 1e-6, "\(what): gradient is all zeros", file: file, line: line)
        var worst = 0.0, worstIndex = 0
        for i in numeric.indices {
            let error = abs(Double(analytic[i]) - numeric[i])
            if error > worst { worst = error; worstIndex = i }
        }
        XCTAssertLessThanOrEqual(
            worst, tolerance * scale,
            "\(what): element \(worstIndex) analytic \(analytic[worstIndex]) vs numeric \(numeric[worstIndex])",
            file: file, line: line)
    }
}

extension Array where Element == Float {
    /// Calls body with a mutable pointer into the array (it must not escape).
    mutating func ptr<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}
