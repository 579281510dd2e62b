import XCTest
import GGUF

/// Hand-built blocks whose values are worked out by hand from ggml's block definitions.
final class KQuantTests: XCTestCase {
    private func dequantize(_ block: [UInt8], _ type: GGMLType) throws -> [Float] {
        try block.withUnsafeBytes { try Quantization.dequantize($0, type: type, count: type.blockSize) }
    }

    func testQ5_0() throws {
        var block = [UInt8](repeating: 0, count: 22)
        block[0] = 0x00; block[1] = 0x40          // d = 2
        block[2] = 0x01; block[4] = 0x01          // qh: bit 0 (value 0's 5th bit) and bit 16 (value 16's)
        block[6] = 0x3A                           // value 0: low nibble 10; value 16: high nibble 3
        let y = try dequantize(block, .q5_0)
        XCTAssertEqual(y[0], 2 * Float(26 - 16))
        XCTAssertEqual(y[16], 2 * Float(19 - 16))
        XCTAssertEqual(y[1], 2 * -16)
        XCTAssertEqual(y[17], 2 * -16)
    }

    func testQ4_K() throws {
        var block = [UInt8](repeating: 0, count: 144)
        block[0] = 0x00; block[1] = 0x3C          // d = 1
        block[2] = 0x00; block[3] = 0x38          // dmin = 0.5
        let scales = 4
        block[scales + 0] = 2 | (1 << 6)          // sub-block 0 scale 2; top bits feed sub-block 4's scale
        block[scales + 4] = 3                     // sub-block 0 min 3
        block[scales + 1] = 1                     // sub-block 1 scale 1, min 0
        block[scales + 8] = 0x21                  // sub-block 4: scale 1 | 16, min 2
        let qs = 16
        block[qs + 0] = 0x75                      // value 0: 5; value 32: 7
        block[qs + 64] = 0x03                     // value 128 (sub-block 4): 3
        let y = try dequantize(block, .q4_K)
        XCTAssertEqual(y[0], 1 * 2 * 5 - 0.5 * 3)
        XCTAssertEqual(y[1], -0.5 * 3)
        XCTAssertEqual(y[32], 1 * 1 * 7)
        XCTAssertEqual(y[128], 1 * 17 * 3 - 0.5 * 2)
        XCTAssertEqual(y[255], 0)
    }

    func testQ6_K() throws {
        var block = [UInt8](repeating: 0, count: 210)
        block[208] = 0x00; block[209] = 0x34      // d = 0.25
        block[192 + 0] = 4                        // scale of values 0..15
        block[192 + 2] = UInt8(bitPattern: -2)    // scale of values 32..47
        block[192 + 4] = 1                        // scale of values 64..79
        block[0] = 0x21                           // ql[0]: value 0 low 1, value 64 low 2
        block[32] = 0x05                          // ql[32]: value 32 low 5
        block[128] = 0b0000_1011                  // qh[0]: value 0 high 3, value 32 high 2, value 64 high 0
        let y = try dequantize(block, .q6_K)
        XCTAssertEqual(y[0], 0.25 * 4 * Float((1 | 3 << 4) - 32))
        XCTAssertEqual(y[32], 0.25 * -2 * Float((5 | 2 << 4) - 32))
        XCTAssertEqual(y[64], 0.25 * 1 * Float(2 - 32))
        XCTAssertEqual(y[1], 0.25 * 4 * -32)
    }

    func testMalformedBlocksAreTypedErrors() {
        let short = [UInt8](repeating: 0xFF, count: 100)
        for type in [GGMLType.q5_0, .q4_K, .q6_K, .q8_0] {
            XCTAssertThrowsError(try short.withUnsafeBytes {
                try Quantization.dequantize($0, type: type, count: type.blockSize * 8)
            }) { XCTAssertTrue($0 is GGUFError) }
            XCTAssertThrowsError(try short.withUnsafeBytes {
                try Quantization.dequantize($0, type: type, count: type.blockSize + 1)
            }) { XCTAssertTrue($0 is GGUFError) }
        }
        // Random bytes in well-sized blocks decode to finite or non-finite floats, but never trap.
        var rng = SystemRandomNumberGenerator()
        for type in [GGMLType.q5_0, .q4_K, .q6_K, .q8_0] {
            let random = (0..<(type.bytesPerBlock * 8)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertEqual(try random.withUnsafeBytes {
                try Quantization.dequantize($0, type: type, count: type.blockSize * 8)
            }.count, type.blockSize * 8)
        }
    }
}
