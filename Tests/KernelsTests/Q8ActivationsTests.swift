import XCTest
import Kernels

final class Q8ActivationsTests: XCTestCase {
    func testQuantizeFollowsTheQ8_0Definition() throws {
        var rng = SeededGenerator(seed: 10)
        let rows = 3, columns = 96
        var x = rng.floats(rows * columns, in: -4...4)
        for i in 32..<64 { x[i] = 0 }  // an all-zero block gets d = 0
        let activations = makeActivations(x, rows: rows, columns: columns)
        for t in 0..<rows {
            for b in 0..<columns / 32 {
                let block = x[(t * columns + b * 32)..<(t * columns + b * 32 + 32)]
                let d = block.map(abs).max()! / 127
                XCTAssertEqual(activations.scales[t * 3 + b], d)
                var sum: Int32 = 0
                for (i, value) in block.enumerated() {
                    let q = activations.values[t * columns + b * 32 + i]
                    let expected = d == 0 ? 0 : (value / d).rounded(.toNearestOrEven)
                    XCTAssertEqual(Float(q), expected, accuracy: 1, "x \(value) d \(d)")  // x * (1/d) vs x / d
                    XCTAssertEqual(activations.value(row: t, column: b * 32 + i), value, accuracy: d * 0.51 + 1e-7)
                    sum += Int32(q)
                }
                XCTAssertEqual(activations.biases[t * 3 + b], -128 * sum)
            }
        }
    }

    func testQuantizeReadsRowsWithAStride() throws {
        var rng = SeededGenerator(seed: 11)
        let wide = rng.floats(2 * 100)
        let packed = Array(wide[0..<64]) + Array(wide[100..<164])
        let strided = try Q8Activations(capacity: 2, columns: 64)
        wide.withUnsafeBufferPointer { strided.quantize($0.baseAddress!, rows: 2, stride: 100) }
        let dense = makeActivations(packed, rows: 2, columns: 64)
        for t in 0..<2 {
            for k in 0..<64 { XCTAssertEqual(strided.value(row: t, column: k), dense.value(row: t, column: k)) }
        }
    }

    /// A corrected row is the first term plus that term's rounding error quantized the same way, so its values
    /// land within half a step of the error's own scale; rows before `correctedFrom` stay one term. With
    /// `halfScales` the first scale is f16 (as ggml stores it) and the error is taken against that scale.
    func testCorrectionQuantizesTheFirstTermsError() throws {
        var rng = SeededGenerator(seed: 12)
        let rows = 3, columns = 96
        let x = rng.floats(rows * columns, in: -4...4)
        let activations = makeActivations(x, rows: rows, columns: columns, correctedFrom: 1, halfScales: true)
        let plain = makeActivations(x, rows: rows, columns: columns)
        for t in 0..<rows {
            for b in 0..<columns / 32 {
                let range = (t * columns + b * 32)..<(t * columns + b * 32 + 32)
                let d = activations.scales[t * 3 + b]
                XCTAssertEqual(d, Q8Activations.roundedToHalf(x[range].map(abs).max()! / 127))
                var errors: [Float] = []
                for (i, value) in x[range].enumerated() {
                    XCTAssertEqual(activations.values[t * columns + b * 32 + i], plain.values[t * columns + b * 32 + i])
                    errors.append(value - d * Float(activations.values[t * columns + b * 32 + i]))
                }
                let step = errors.map(abs).max()! / 127
                for (i, value) in x[range].enumerated() {
                    let got = activations.value(row: t, column: b * 32 + i)
                    if t == 0 {
                        XCTAssertEqual(got, d * Float(activations.values[t * columns + b * 32 + i]))
                    } else {
                        XCTAssertEqual(activations.correctionScales![t * 3 + b], step)
                        XCTAssertEqual(got, value, accuracy: step * 0.51 + 1e-7)
                        XCTAssertLessThan(step, d * 0.6 / 127)
                    }
                }
            }
        }
    }

    func testCapacityAndColumnsAreValidated() {
        XCTAssertThrowsError(try Q8Activations(capacity: 1, columns: 33)) {
            XCTAssertEqual($0 as? KernelError, .columnsNotMultipleOf32(columns: 33))
        }
        XCTAssertThrowsError(try Q8Activations(capacity: 0, columns: 32))
    }
}
