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

    /// The AVX2 kernels write the bits the Swift loops (the portable path) write: values, scales (f32 and
    /// f16-rounded, ties included), biases and, on corrected rows, both terms and the 16-bit values, over blocks
    /// of zeros, subnormals, values past f16's range, halves that round to even, NaN and infinity.
    func testEveryPathQuantizesToTheSameBits() throws {
        var rng = SeededGenerator(seed: 13)
        let columns = 320, rows = 8
        var row = rng.floats(columns, in: -3...3)
        for i in 0..<32 { row[i] = 0 }
        for i in 32..<64 { row[i] = Float(bitPattern: UInt32(i * 977)) * (i % 2 == 0 ? 1 : -1) }   // subnormals
        for i in 64..<96 { row[i] *= 1e6 }                                                          // past 65504
        for i in 96..<128 { row[i] = Float(i - 112) + 0.5 }                                         // ±127, x.5
        row[130] = Float(bitPattern: 0x3880_1000)   // a scale that sits on an f16 rounding tie
        row[200] = .nan
        row[300] = -.infinity
        // rows 0..<4 plain, 4..<8 corrected, each set holding the special blocks once and random rows beside them
        let x = row + rng.floats(3 * columns, in: -3...3) + row + rng.floats(3 * columns, in: -1...1)
        for halfScales in [false, true] {
            var results: [[[UInt32]]] = []
            for path in KernelPath.supported {
                let activations = try Q8Activations(capacity: rows, columns: columns, halfScales: halfScales,
                                                    corrections: true)
                activations.correctedFrom = 4
                x.withUnsafeBufferPointer { activations.quantize($0.baseAddress!, rows: rows, path: path) }
                let blocks = rows * columns / 32
                func bits<T: FixedWidthInteger>(_ p: UnsafeMutablePointer<T>?, _ n: Int) -> [UInt32] {
                    UnsafeBufferPointer(start: p!, count: n).map { UInt32(truncatingIfNeeded: $0) }
                }
                func bits(_ p: UnsafeMutablePointer<Float>?, _ n: Int) -> [UInt32] {
                    UnsafeBufferPointer(start: p!, count: n).map(\.bitPattern)
                }
                results.append([bits(activations.values, rows * columns), bits(activations.scales, blocks),
                                bits(activations.biases, blocks),
                                bits(activations.correctionValues! + 4 * columns, 4 * columns),
                                bits(activations.correctionScales! + blocks / 2, blocks / 2),
                                bits(activations.correctionBiases! + blocks / 2, blocks / 2),
                                bits(activations.wideValues! + 4 * columns, 4 * columns)])
            }
            let names = ["values", "scales", "biases", "correction values", "correction scales", "correction biases",
                         "wide values"]
            for (path, result) in zip(KernelPath.supported, results).dropFirst() {
                for (name, (got, expected)) in zip(names, zip(result, results[0])) {
                    let differing = got.indices.first { got[$0] != expected[$0] }
                    XCTAssertNil(differing, "\(path) \(name), half scales \(halfScales)")
                }
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

    /// A corrected row holds z = round(x / (d/256)) as 256·q + q' (q' in -128...127), so its value lands within
    /// half of d/256 of x; its first term is then within one of the plain Q8_0 value. Rows before `correctedFrom`
    /// stay one term. With `halfScales` d is f16 (as ggml stores it), and z still fits in 16 bits.
    func testCorrectedRowsHoldSixteenBitsSplitIntoTwoTerms() throws {
        var rng = SeededGenerator(seed: 12)
        let rows = 3, columns = 96
        var x = rng.floats(rows * columns, in: -4...4)
        for i in (2 * columns + 32)..<(2 * columns + 64) { x[i] = 0 }  // a zero block on a corrected row
        let activations = makeActivations(x, rows: rows, columns: columns, correctedFrom: 1, halfScales: true)
        let plain = makeActivations(x, rows: rows, columns: columns)
        for t in 0..<rows {
            for b in 0..<columns / 32 {
                let range = (t * columns + b * 32)..<(t * columns + b * 32 + 32)
                let d = activations.scales[t * 3 + b]
                XCTAssertEqual(d, Q8Activations.roundedToHalf(x[range].map(abs).max()! / 127))
                var firstSum: Int32 = 0, secondSum: Int32 = 0
                for (i, value) in x[range].enumerated() {
                    let k = t * columns + b * 32 + i
                    let first = activations.values[k], got = activations.value(row: t, column: b * 32 + i)
                    if t == 0 {
                        XCTAssertEqual(first, plain.values[k])
                        XCTAssertEqual(got, d * Float(first))
                        continue
                    }
                    let second = activations.correctionValues![k]
                    let wide = activations.wideValues![t * columns + Q8Activations.wideIndex(b * 32 + i)]
                    XCTAssertEqual(Int32(wide), 256 * Int32(first) + Int32(second))
                    XCTAssertEqual(Float(wide), d == 0 ? 0 : (value * 256 / d).rounded(.toNearestOrEven), accuracy: 1)
                    XCTAssertLessThanOrEqual(abs(Int(first) - Int(plain.values[k])), 1)
                    XCTAssertEqual(activations.correctionScales![t * 3 + b], d / 256)
                    XCTAssertEqual(got, value, accuracy: d / 256 * 0.51 + 1e-7)
                    firstSum += Int32(first)
                    secondSum += Int32(second)
                }
                if t > 0 {
                    XCTAssertEqual(activations.biases[t * 3 + b], -128 * firstSum)
                    XCTAssertEqual(activations.correctionBiases![t * 3 + b], -128 * secondSum)
                }
            }
        }
    }

    /// Values at the top of the range with an f16 scale rounded down: |x / d| passes 127, z must still fit.
    func testWideValuesFitWhenTheHalfScaleRoundsDown() throws {
        var x = [Float](repeating: 0.01, count: 32)
        x[0] = 1.000_1; x[1] = -1.000_1   // d = 1.0001 / 127 rounds down to the f16 below it
        let activations = makeActivations(x, rows: 1, columns: 32, correctedFrom: 0, halfScales: true)
        let d = activations.scales[0]
        XCTAssertLessThan(d, 1.000_1 / 127)
        XCTAssertGreaterThan(Int(activations.wideValues![0]), 32_512)
        XCTAssertEqual(activations.value(row: 0, column: 0), 1.000_1, accuracy: d / 256)
        XCTAssertEqual(activations.value(row: 0, column: 1), -1.000_1, accuracy: d / 256)
        XCTAssertEqual(activations.values[0], 127)
    }

    func testCapacityAndColumnsAreValidated() {
        XCTAssertThrowsError(try Q8Activations(capacity: 1, columns: 33)) {
            XCTAssertEqual($0 as? KernelError, .columnsNotMultipleOf32(columns: 33))
        }
        XCTAssertThrowsError(try Q8Activations(capacity: 0, columns: 32))
    }
}
