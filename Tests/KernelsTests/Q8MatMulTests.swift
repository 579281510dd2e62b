import XCTest
import Kernels

final class Q8MatMulTests: XCTestCase {
    let pool = ThreadPool(threadCount: 2)

    /// Rows not a multiple of 16 (the interleave) and token counts not a multiple of the 8- or 4-token tiles;
    /// then corrected rows from some token on, where the tiles split at the first corrected token.
    let shapes: [(rows: Int, columns: Int, tokens: Int, correctedFrom: Int?)] = [
        (1, 32, 1, nil), (15, 64, 3, nil), (16, 32, 8, nil), (17, 96, 9, nil), (33, 288, 5, nil), (100, 64, 13, nil),
        (256, 256, 2, nil), (768, 256, 1, nil), (40, 768, 4, nil),
        (17, 96, 9, 0), (40, 64, 13, 5), (256, 256, 1, 0), (33, 288, 4, 3), (16, 32, 8, 8)]

    func testEveryPathMatchesTheNaiveTwin() {
        var rng = SeededGenerator(seed: 20)
        for (rows, columns, tokens, correctedFrom) in shapes {
            let matrix = makeMatrix(rows: rows, columns: columns, using: &rng)
            let x = makeActivations(rng.floats(tokens * columns, in: -3...3), rows: tokens, columns: columns,
                                    correctedFrom: correctedFrom, halfScales: correctedFrom != nil)
            var expected = [Float](repeating: 0, count: tokens * rows)
            NaiveKernel.matMul(&expected, matrix, x)
            for path in KernelPath.supported {
                for pool in [nil, pool] {
                    var actual = [Float](repeating: .nan, count: tokens * rows)
                    Kernel.matMul(&actual, matrix, x, pool: pool, path: path)
                    assertClose(actual, expected, absolute: 1e-4, relative: 1e-5,
                                "\(path) \(rows)x\(columns) T=\(tokens) threads=\(pool?.threadCount ?? 1)"
                                    + " corrected from \(correctedFrom.map(String.init) ?? "none")")
                }
            }
        }
    }

    func testThreadCountDoesNotChangeABit() {
        var rng = SeededGenerator(seed: 23)
        let matrix = makeMatrix(rows: 1000, columns: 256, using: &rng)
        let x = makeActivations(rng.floats(5 * 256), rows: 5, columns: 256)
        for path in KernelPath.supported {
            var alone = [Float](repeating: 0, count: 5000), shared = alone
            Kernel.matMul(&alone, matrix, x, path: path)
            Kernel.matMul(&shared, matrix, x, pool: pool, path: path)
            XCTAssertEqual(alone, shared, "\(path)")
        }
    }

    func testMatchesFloatProductOfDequantizedWeights() {
        var rng = SeededGenerator(seed: 21)
        let rows = 70, columns = 256, tokens = 3
        let matrix = makeMatrix(rows: rows, columns: columns, using: &rng)
        let input = rng.floats(tokens * columns)
        let x = makeActivations(input, rows: tokens, columns: columns)
        let refined = makeActivations(input, rows: tokens, columns: columns, correctedFrom: 0)
        let weights = matrix.dequantized()
        for path in KernelPath.supported {
            var actual = [Float](repeating: 0, count: tokens * rows), corrected = actual
            Kernel.matMul(&actual, matrix, x, path: path)
            Kernel.matMul(&corrected, matrix, refined, path: path)
            for t in 0..<tokens {
                for n in 0..<rows {
                    var exact: Float = 0, magnitude: Float = 0
                    for k in 0..<columns {
                        exact += weights[n * columns + k] * input[t * columns + k]
                        magnitude += abs(weights[n * columns + k] * input[t * columns + k])
                    }
                    // Activation rounding moves each term by at most half a step (1/254 of the block's max).
                    XCTAssertEqual(actual[t * rows + n], exact, accuracy: magnitude / 254 + 1e-5, "\(path) t \(t) n \(n)")
                    // With the correction term, by half a step of the first term's error (about 1/254²).
                    XCTAssertEqual(corrected[t * rows + n], exact, accuracy: magnitude / 254 / 200 + 1e-5,
                                   "\(path) corrected t \(t) n \(n)")
                }
            }
        }
    }

    func testOutputStrideWritesIntoAWiderBufferAndLeavesTheRest() {
        var rng = SeededGenerator(seed: 22)
        let matrix = makeMatrix(rows: 20, columns: 64, using: &rng)
        let x = makeActivations(rng.floats(3 * 64), rows: 3, columns: 64)
        var dense = [Float](repeating: 0, count: 60)
        NaiveKernel.matMul(&dense, matrix, x)
        for path in KernelPath.supported {
            var wide = [Float](repeating: -7, count: 3 * 50)
            Kernel.matMul(&wide, matrix, x, outputStride: 50, pool: pool, path: path)
            for t in 0..<3 {
                assertClose(Array(wide[t * 50..<t * 50 + 20]), Array(dense[t * 20..<t * 20 + 20]), absolute: 1e-4)
                XCTAssertEqual(Array(wide[t * 50 + 20..<t * 50 + 50]), [Float](repeating: -7, count: 30), "\(path)")
            }
        }
    }

    func testWeightsHoldingMinus128AreExact() throws {
        // ggml never writes -128, but a file may hold it; the AVX2 sign trick must not overflow on it.
        var bytes = [UInt8](repeating: 0, count: 16 * 34)
        for row in 0..<16 {
            bytes[row * 34] = 0x00; bytes[row * 34 + 1] = 0x3C  // d = 1.0
            for i in 0..<32 { bytes[row * 34 + 2 + i] = 0x80 }   // -128
        }
        let matrix = try bytes.withUnsafeBytes { try Q8Matrix(q8_0: $0, rows: 16, columns: 32) }
        let x = makeActivations([Float](repeating: -1, count: 32), rows: 1, columns: 32)
        for path in KernelPath.supported {
            var out = [Float](repeating: 0, count: 16)
            Kernel.matMul(&out, matrix, x, path: path)
            let expected = Float(-128 * -127 * 32) * x.scales[0]
            XCTAssertEqual(out, [Float](repeating: expected, count: 16), "\(path)")
        }
    }
}
