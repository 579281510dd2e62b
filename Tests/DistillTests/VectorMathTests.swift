import Engine
import Foundation
import XCTest
import Distill

/// The SIMD kernels against naive scalar twins, on counts that are not multiples of the 16 lanes.
final class VectorMathTests: XCTestCase {
    func testSIMDExpMatchesFoundationExp() {
        var worst: Float = 0
        for i in 0...20_000 {
            let x = -87 + Float(i) * (175.0 / 20_000)
            let relative = abs(scalarExp(x) - Foundation.exp(x)) / Foundation.exp(x)
            worst = max(worst, relative)
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(scalarExp(-.infinity), 0)
        XCTAssertEqual(scalarExp(-200), 0)
        XCTAssertEqual(scalarExp(0), 1)
    }

    func testReductionsAndSoftmaxPiecesMatchNaiveLoops() {
        var rng = SeededRandom(seed: 1)
        for n in [1, 15, 16, 17, 33, 100] {
            let a = GradientCheck.random(n, &rng), b = GradientCheck.random(n, &rng)
            XCTAssertEqual(VectorMath.sum(a, n), a.reduce(0, +), accuracy: 1e-4)
            XCTAssertEqual(VectorMath.dot(a, b, n), zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-4)
            XCTAssertEqual(VectorMath.max(a, n), a.max()!)
            var e = [Float](repeating: 0, count: n)
            let total = e.ptr { VectorMath.expScaledShifted($0, a, scale: 0.5, shift: 1, n) }
            for i in 0..<n { XCTAssertEqual(e[i], Foundation.exp(a[i] * 0.5 - 1), accuracy: 1e-6 * max(1, e[i])) }
            XCTAssertEqual(total, e.reduce(0, +), accuracy: 1e-4)
            var out = b
            out.ptr { VectorMath.addScaled($0, a, 3, n) }
            for i in 0..<n { XCTAssertEqual(out[i], b[i] + 3 * a[i], accuracy: 1e-5) }
        }
    }

    func testSeededRandomIsReproducibleAndNormalHasUnitVariance() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        XCTAssertEqual((0..<4).map { _ in a.next() }, (0..<4).map { _ in b.next() })
        XCTAssertNotEqual(a.next(), c.next())
        let samples = (0..<20_000).map { _ in Double(a.nextNormal()) }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }
}
