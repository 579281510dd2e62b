import Foundation
import Tensors
import XCTest

/// The SIMD loops against naive scalar twins, on counts that are not multiples of the 16 lanes.
final class VectorMathTests: XCTestCase {
    func testSIMDExpMatchesFoundationExp() {
        var worst: Float = 0
        for i in 0...20_000 {
            let x = -87 + Float(i) * (175.0 / 20_000)
            let relative = abs(VectorMath.exp(x) - Foundation.exp(x)) / Foundation.exp(x)
            worst = max(worst, relative)
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(VectorMath.exp(-.infinity), 0)
        XCTAssertEqual(VectorMath.exp(-200), 0)
        XCTAssertEqual(VectorMath.exp(0), 1)
    }

    func testReductionsAndSoftmaxPiecesMatchNaiveLoops() {
        var rng = SeededRandom(seed: 1)
        for n in [1, 15, 16, 17, 33, 100] {
            let a = random(n, &rng), b = random(n, &rng)
            XCTAssertEqual(VectorMath.sum(a, n), a.reduce(0, +), accuracy: 1e-4)
            XCTAssertEqual(VectorMath.dot(a, b, n), zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }, accuracy: 1e-4)
            XCTAssertEqual(VectorMath.max(a, n), a.max()!)
            var e = [Float](repeating: 0, count: n)
            let total = e.withUnsafeMutableBufferPointer { VectorMath.expScaledShifted($0.baseAddress!, a, scale: 0.5, shift: 1, n) }
            for i in 0..<n { XCTAssertEqual(e[i], Foundation.exp(a[i] * 0.5 - 1), accuracy: 1e-6 * max(1, e[i])) }
            XCTAssertEqual(total, e.reduce(0, +), accuracy: 1e-4)
            var out = b
            out.withUnsafeMutableBufferPointer { VectorMath.addScaled($0.baseAddress!, a, 3, n) }
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

    func testScaleSumOfSquaresAndExpOnEveryTail() {
        var rng = SeededRandom(seed: 2)
        for n in [1, 7, 16, 31, 48] {
            let a = random(n, &rng)
            XCTAssertEqual(VectorMath.sumOfSquares(a, n), a.reduce(0) { $0 + $1 * $1 }, accuracy: 1e-4)
            var out = [Float](repeating: 0, count: n)
            out.withUnsafeMutableBufferPointer { VectorMath.scale($0.baseAddress!, a, -2, n) }
            XCTAssertEqual(out, a.map { $0 * -2 })
            var sum = [Float](repeating: 0, count: n)
            sum.withUnsafeMutableBufferPointer { VectorMath.sum($0.baseAddress!, a, out, n) }
            XCTAssertEqual(sum, zip(a, out).map { $0 + $1 })
        }
        XCTAssertEqual(VectorMath.exp(100), .infinity)
    }

    private func random(_ n: Int, _ rng: inout SeededRandom) -> [Float] { (0..<n).map { _ in rng.nextNormal() } }
}
