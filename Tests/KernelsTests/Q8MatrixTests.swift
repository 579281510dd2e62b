import XCTest
import Kernels

final class Q8MatrixTests: XCTestCase {
    func testRepackingKeepsEveryValueAndScaleOfTheGGMLBytes() throws {
        var rng = SeededGenerator(seed: 1)
        for (rows, columns) in [(1, 32), (5, 64), (16, 96), (17, 32), (33, 128)] {
            let bytes = ggmlQ8Bytes(rows: rows, columns: columns, using: &rng)
            let matrix = try bytes.withUnsafeBytes { try Q8Matrix(q8_0: $0, rows: rows, columns: columns) }
            for row in 0..<rows {
                for block in 0..<columns / 32 {
                    let offset = (row * columns / 32 + block) * 34
                    let d = Float(Float16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8))
                    XCTAssertEqual(matrix.scale(row: row, block: block), d)
                    for i in 0..<32 {
                        XCTAssertEqual(matrix.quant(row: row, column: block * 32 + i), Int8(bitPattern: bytes[offset + 2 + i]))
                    }
                }
            }
        }
    }

    func testFloatInitializerQuantizesLikeGGML() throws {
        // One block: max |x| = 2.54 so d = 0.02; x / d rounds half away from zero like roundf.
        var values = [Float](repeating: 0, count: 32)
        values[0] = 2.54
        values[1] = -0.05   // -2.5 -> -3
        values[2] = 0.03    // 1.5 -> 2
        values[3] = 0.009   // 0.45 -> 0
        let matrix = try values.withUnsafeBufferPointer { try Q8Matrix(float: $0, rows: 1, columns: 32) }
        XCTAssertEqual(matrix.scale(row: 0, block: 0), Float(Float16(Float(2.54) / 127)))
        XCTAssertEqual(matrix.quant(row: 0, column: 0), 127)
        XCTAssertEqual(matrix.quant(row: 0, column: 1), -3)
        XCTAssertEqual(matrix.quant(row: 0, column: 2), 2)
        XCTAssertEqual(matrix.quant(row: 0, column: 3), 0)
        XCTAssertEqual(matrix.quant(row: 0, column: 4), 0)
    }

    func testFloatInitializerRoundTripsWithinHalfAStep() throws {
        var rng = SeededGenerator(seed: 2)
        let values = rng.floats(19 * 64)
        let matrix = try values.withUnsafeBufferPointer { try Q8Matrix(float: $0, rows: 19, columns: 64) }
        let back = matrix.dequantized()
        for row in 0..<19 {
            for block in 0..<2 {
                let step = matrix.scale(row: row, block: block)
                for i in block * 32..<block * 32 + 32 {
                    // Half a step, plus the f16 rounding of d (relative 2^-11) times |q| <= 127.
                    XCTAssertEqual(back[row * 64 + i], values[row * 64 + i], accuracy: step * 0.5 + abs(values[row * 64 + i]) / 1024)
                }
            }
        }
    }

    func testDequantizeRowMatchesTheWholeMatrix() {
        var rng = SeededGenerator(seed: 5)
        let matrix = makeMatrix(rows: 37, columns: 96, using: &rng)
        let all = matrix.dequantized()
        for row in [0, 15, 16, 36] {
            var values = [Float](repeating: .nan, count: 96)
            matrix.dequantizeRow(&values, row: row)
            XCTAssertEqual(values, Array(all[row * 96..<row * 96 + 96]))
        }
    }

    func testStackingConcatenatesRows() throws {
        var rng = SeededGenerator(seed: 3)
        let parts = [makeMatrix(rows: 7, columns: 64, using: &rng), makeMatrix(rows: 16, columns: 64, using: &rng),
                     makeMatrix(rows: 3, columns: 64, using: &rng)]
        let stacked = try Q8Matrix(stacking: parts)
        XCTAssertEqual(stacked.rows, 26)
        XCTAssertEqual(stacked.dequantized(), parts.flatMap { $0.dequantized() })
    }

    func testBadShapesAndDataAreTypedErrors() throws {
        let bytes = [UInt8](repeating: 0, count: 68)
        try bytes.withUnsafeBytes { raw in
            XCTAssertThrowsError(try Q8Matrix(q8_0: raw, rows: 1, columns: 48)) {
                XCTAssertEqual($0 as? KernelError, .columnsNotMultipleOf32(columns: 48))
            }
            XCTAssertThrowsError(try Q8Matrix(q8_0: raw, rows: 3, columns: 32)) {
                XCTAssertEqual($0 as? KernelError, .byteCountMismatch(expected: 102, actual: 68))
            }
            XCTAssertThrowsError(try Q8Matrix(q8_0: raw, rows: 0, columns: 32)) {
                XCTAssertEqual($0 as? KernelError, .invalidShape(rows: 0, columns: 32))
            }
        }
        var values = [Float](repeating: 1, count: 64)
        values[40] = .nan
        try values.withUnsafeBufferPointer { floats in
            XCTAssertThrowsError(try Q8Matrix(float: floats, rows: 2, columns: 32)) {
                XCTAssertEqual($0 as? KernelError, .nonFiniteValue(index: 40))
            }
        }
        XCTAssertThrowsError(try Q8Matrix(stacking: [])) { XCTAssertEqual($0 as? KernelError, .emptyStack) }
        var rng = SeededGenerator(seed: 4)
        let a = makeMatrix(rows: 2, columns: 32, using: &rng), b = makeMatrix(rows: 2, columns: 64, using: &rng)
        XCTAssertThrowsError(try Q8Matrix(stacking: [a, b])) {
            XCTAssertEqual($0 as? KernelError, .stackedColumnsMismatch(expected: 32, actual: 64))
        }
    }
}
