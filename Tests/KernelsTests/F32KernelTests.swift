import Foundation
import XCTest
import Kernels

/// Each f32 kernel against its naive twin on random sizes, including sizes that are not a multiple of the
/// 8- and 16-float SIMD widths.
final class F32KernelTests: XCTestCase {
    let sizes = [1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 256, 768]

    func testRMSNormMatchesNaive() {
        var rng = SeededGenerator(seed: 30)
        for columns in sizes {
            let rows = 3
            let x = rng.floats(rows * columns, in: -5...5), weight = rng.floats(columns)
            var fast = [Float](repeating: 0, count: rows * columns), naive = fast
            Kernel.rmsNorm(&fast, x, weight, rows: rows, columns: columns, epsilon: 1e-5)
            NaiveKernel.rmsNorm(&naive, x, weight, rows: rows, columns: columns, epsilon: 1e-5)
            assertClose(fast, naive, absolute: 1e-6, relative: 1e-5, "C \(columns)")
        }
    }

    func testRMSNormIntoActivationsMatchesNaive() throws {
        var rng = SeededGenerator(seed: 31)
        for columns in [32, 64, 256, 768] {
            let x = rng.floats(2 * columns, in: -5...5), weight = rng.floats(columns)
            let fast = try Q8Activations(capacity: 2, columns: columns)
            let naive = try Q8Activations(capacity: 2, columns: columns)
            Kernel.rmsNorm(fast, x, weight, rows: 2, columns: columns, epsilon: 1e-5)
            NaiveKernel.rmsNorm(naive, x, weight, rows: 2, columns: columns, epsilon: 1e-5)
            XCTAssertEqual(fast.rows, 2)
            for t in 0..<2 {
                for k in 0..<columns {
                    // Identical but for f32 rounding of the norm, which can flip a value by one int8 step.
                    XCTAssertEqual(fast.value(row: t, column: k), naive.value(row: t, column: k),
                                   accuracy: naive.scales[t * columns / 32 + k / 32] * 1.01 + 1e-6)
                }
            }
        }
    }

    func testSoftmaxMatchesNaiveAndSumsToOne() {
        var rng = SeededGenerator(seed: 32)
        for count in sizes + [1000, 8192] {
            let x = rng.floats(count, in: -30...30)
            var naive = [Float](repeating: 0, count: count)
            NaiveKernel.softmax(&naive, x, count: count)
            for path in KernelPath.supported {
                var fast = [Float](repeating: 0, count: count)
                Kernel.softmax(&fast, x, count: count, path: path)
                assertClose(fast, naive, absolute: 1e-7, relative: 2e-5, "\(path) n \(count)")
                XCTAssertEqual(fast.reduce(0, +), 1, accuracy: 1e-4)
            }
        }
    }

    func testSoftmaxInPlaceAndExtremeValues() {
        for path in KernelPath.supported {
            var x: [Float] = [-1000, 0, 80, 80, -90]
            x.withUnsafeMutableBufferPointer { Kernel.softmax($0.baseAddress!, $0.baseAddress!, count: 5, path: path) }
            XCTAssertEqual(x, [0, Float(exp(-80.0)) / 2, 0.5, 0.5, 0], accuracy: 1e-9)
        }
    }

    func testSwiGLUMatchesNaive() {
        var rng = SeededGenerator(seed: 33)
        for count in sizes {
            var gate = rng.floats(count, in: -20...20)
            gate[0] = -120  // e^120 overflows a float: silu must still be ~0, not NaN
            let up = rng.floats(count)
            var naive = [Float](repeating: 0, count: count)
            NaiveKernel.swiGLU(&naive, gate, up, count: count)
            for path in KernelPath.supported {
                var fast = [Float](repeating: 0, count: count)
                Kernel.swiGLU(&fast, gate, up, count: count, path: path)
                assertClose(fast, naive, absolute: 1e-6, relative: 1e-5, "\(path) n \(count)")
            }
        }
    }

    /// Gemma's GeGLU against tanh-GELU in double, and into int8 activations as the down projection reads them.
    func testGeGLUMatchesNaive() throws {
        var rng = SeededGenerator(seed: 35)
        for count in sizes {
            var gate = rng.floats(count, in: -12...12)
            gate[0] = -120
            let up = rng.floats(count)
            var naive = [Float](repeating: 0, count: count)
            NaiveKernel.geGLU(&naive, gate, up, count: count)
            for path in KernelPath.supported {
                var fast = [Float](repeating: 0, count: count)
                Kernel.geGLU(&fast, gate, up, count: count, path: path)
                assertClose(fast, naive, absolute: 1e-5, relative: 1e-5, "\(path) n \(count)")
            }
        }
        let rows = 2, columns = 64
        let stacked = rng.floats(rows * 2 * columns, in: -6...6)
        let naiveRows = try Q8Activations(capacity: rows, columns: columns)
        stacked.withUnsafeBufferPointer { s in
            NaiveKernel.gatedUnit(naiveRows, s.baseAddress!, s.baseAddress! + columns, rows: rows, columns: columns,
                                  stride: 2 * columns, activation: .geluTanh)
        }
        for path in KernelPath.supported {
            let fast = try Q8Activations(capacity: rows, columns: columns)
            stacked.withUnsafeBufferPointer { s in
                Kernel.gatedUnit(fast, s.baseAddress!, s.baseAddress! + columns, rows: rows, columns: columns,
                                 stride: 2 * columns, activation: .geluTanh, path: path)
            }
            for t in 0..<rows {
                for k in 0..<columns {
                    XCTAssertEqual(fast.value(row: t, column: k), naiveRows.value(row: t, column: k),
                                   accuracy: naiveRows.scales[t * 2 + k / 32] * 1.01 + 1e-6, "\(path)")
                }
            }
        }
    }

    func testSwiGLUIntoActivationsReadsStackedHalves() throws {
        var rng = SeededGenerator(seed: 34)
        let rows = 3, columns = 96
        let stacked = rng.floats(rows * 2 * columns, in: -6...6)  // (T, 2 FF): gate then up
        let naive = try Q8Activations(capacity: rows, columns: columns)
        stacked.withUnsafeBufferPointer { s in
            NaiveKernel.swiGLU(naive, s.baseAddress!, s.baseAddress! + columns, rows: rows, columns: columns, stride: 2 * columns)
        }
        for path in KernelPath.supported {
            let fast = try Q8Activations(capacity: rows, columns: columns)
            stacked.withUnsafeBufferPointer { s in
                Kernel.swiGLU(fast, s.baseAddress!, s.baseAddress! + columns, rows: rows, columns: columns,
                              stride: 2 * columns, path: path)
            }
            XCTAssertEqual(fast.rows, rows)
            for t in 0..<rows {
                for k in 0..<columns {
                    XCTAssertEqual(fast.value(row: t, column: k), naive.value(row: t, column: k),
                                   accuracy: naive.scales[t * 3 + k / 32] * 1.01 + 1e-6, "\(path)")
                }
            }
        }
    }

    func testMatVecAndDotMatchNaive() {
        var rng = SeededGenerator(seed: 35)
        let pool = ThreadPool(threadCount: 2)
        for (rows, columns) in [(1, 1), (3, 7), (17, 9), (64, 100), (300, 256), (2048, 256)] {
            let w = rng.floats(rows * columns), x = rng.floats(columns)
            var fast = [Float](repeating: 0, count: rows), naive = fast
            Kernel.matVec(&fast, w, x, rows: rows, columns: columns, pool: pool)
            NaiveKernel.matVec(&naive, w, x, rows: rows, columns: columns)
            assertClose(fast, naive, absolute: 1e-5, relative: 1e-5, "\(rows)x\(columns)")
            XCTAssertEqual(Kernel.dot(w, x, count: columns), NaiveKernel.dot(w, x, count: columns), accuracy: 1e-5)
        }
    }

    func testExpIsAccurateAcrossItsRange() {
        for x in stride(from: Float(-87), through: 88, by: 0.37) {
            let expected = Float(Foundation.exp(Double(x)))
            let actual = Kernel.exp(x)
            XCTAssertEqual(actual, expected, accuracy: expected * 3e-7, "exp(\(x))")
        }
        XCTAssertEqual(Kernel.exp(-200), 0)
        XCTAssertEqual(Kernel.exp(200), .infinity)
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    assertClose(a, b, absolute: accuracy, relative: 0, file: file, line: line)
}
