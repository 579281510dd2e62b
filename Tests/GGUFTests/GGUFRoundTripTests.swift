import Foundation
import XCTest
import GGUF

final class GGUFRoundTripTests: XCTestCase {
    func testEveryValueTypeAndTensorTypeRoundTripsBitExactly() throws {
        var writer = GGUFWriter()
        let values: [(String, GGUFValue)] = [
            ("u8", .uint8(250)), ("i8", .int8(-7)), ("u16", .uint16(65000)), ("i16", .int16(-300)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000)), ("f32", .float32(3.25)),
            ("bool", .bool(true)), ("str", .string("héllo ▁ world")), ("u64", .uint64(1 << 60)),
            ("i64", .int64(-(1 << 50))), ("f64", .float64(-2.5e-300)),
            ("strings", .array([.string("a"), .string(""), .string("<0x0A>")])),
            ("nested", .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])])),
            ("empty", .array([])),
        ]
        for (key, value) in values { writer.set(key, value) }
        let floats: [Float] = (0..<64).map { Float($0) * 0.37 - 11 }
        try writer.addTensor(name: "a.f32", shape: [32, 2], floats: floats, as: .f32)
        try writer.addTensor(name: "b.f16", shape: [64], floats: floats, as: .f16)
        try writer.addTensor(name: "c.bf16", shape: [16, 4], floats: floats, as: .bf16)
        try writer.addTensor(name: "d.q8_0", shape: [32, 2], floats: floats, as: .q8_0)
        let path = FixturePaths.temporaryPath("roundtrip.gguf")
        defer { unlink(path) }
        try writer.write(to: path)

        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.metadataKeys, values.map(\.0))
        for (key, value) in values { XCTAssertEqual(file.metadata[key], value, key) }
        XCTAssertEqual(try file.floats(named: "a.f32"), floats)
        for (got, want) in zip(try file.floats(named: "b.f16"), floats) { XCTAssertEqual(got, want, accuracy: 0.01) }
        for (got, want) in zip(try file.floats(named: "c.bf16"), floats) { XCTAssertEqual(got, want, accuracy: 0.07) }
        for (got, want) in zip(try file.floats(named: "d.q8_0"), floats) { XCTAssertEqual(got, want, accuracy: 0.05) }

        var again = GGUFWriter()
        for key in file.metadataKeys { again.set(key, file.metadata[key]!) }
        for info in file.tensors {
            try again.addTensor(name: info.name, shape: info.shape, type: info.type, data: Array(file.bytes(of: info)))
        }
        XCTAssertEqual(again.serialized(), try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    }

    func testQ8_0QuantizesAsGGMLDoes() {
        var x = [Float](repeating: 0, count: 32)
        x[0] = -1.27
        x[1] = 0.5
        x[2] = 0.004  // 0.4 of a step: rounds to 0
        x[3] = 0.006  // 0.6 of a step: rounds to 1
        let block = Quantization.quantizeQ8_0(x)
        XCTAssertEqual(block.count, 34)
        XCTAssertEqual(Quantization.halfToFloat(UInt16(block[0]) | UInt16(block[1]) << 8), 0.01, accuracy: 1e-5)
        XCTAssertEqual(Int8(bitPattern: block[2]), -127)
        XCTAssertEqual(Int8(bitPattern: block[3]), 50)
        XCTAssertEqual(Int8(bitPattern: block[4]), 0)
        XCTAssertEqual(Int8(bitPattern: block[5]), 1)
        XCTAssertEqual(Quantization.quantizeQ8_0([Float](repeating: 0, count: 32)), [UInt8](repeating: 0, count: 34))
    }

    func testHalfAndBFloat16Conversions() {
        XCTAssertEqual(Quantization.halfToFloat(0x3C00), 1)
        XCTAssertEqual(Quantization.halfToFloat(0xC000), -2)
        XCTAssertEqual(Quantization.floatToHalf(0.5), 0x3800)
        XCTAssertEqual(Quantization.bf16ToFloat(0x3F80), 1)
        XCTAssertEqual(Quantization.floatToBF16(1.0), 0x3F80)
        // 1 + 2^-8 is exactly half-way between two bf16 values: ties go to even.
        XCTAssertEqual(Quantization.floatToBF16(1.00390625), 0x3F80)
        XCTAssertEqual(Quantization.floatToBF16(1.01171875), 0x3F82)
    }

    func testWriterRejectsWrongSizesAndDuplicates() throws {
        var writer = GGUFWriter()
        XCTAssertThrowsError(try writer.addTensor(name: "x", shape: [32], type: .q8_0, data: [0, 1]))
        try writer.addTensor(name: "y", shape: [2], floats: [1, 2])
        XCTAssertThrowsError(try writer.addTensor(name: "y", shape: [2], floats: [1, 2])) { error in
            XCTAssertEqual(error as? GGUFError, .duplicateTensor("y"))
        }
        XCTAssertThrowsError(try writer.addTensor(name: "z", shape: [30], floats: [Float](repeating: 0, count: 30), as: .q8_0))
    }
}
