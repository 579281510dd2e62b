import XCTest

@testable import GGUF

/// `Q8_0Quantizer` (behind `distillery quantize` and `serve --quantize`): float matrices become Q8_0 within half a
/// quantization step, everything else is copied bit for bit, and a row Q8_0 cannot hold is refused by name.
final class Q8_0QuantizerTests: XCTestCase {
    func testMatricesBecomeQ8_0AndTheRestIsCopied() throws {
        var source = GGUFWriter()
        source.set("general.architecture", .string("llama"))
        source.set("general.file_type", .uint32(0))
        let matrix = (0..<(64 * 3)).map { Float(sin(Double($0) * 0.37)) * 2 }
        let norm = (0..<64).map { Float($0) / 64 }
        let half = (0..<64).map { Float($0 % 7) - 3 }
        let alreadyQuantized = Quantization.quantizeQ8_0((0..<32).map { Float($0) })
        try source.addTensor(name: "w", shape: [64, 3], floats: matrix)
        try source.addTensor(name: "norm", shape: [64], floats: norm)
        try source.addTensor(name: "h", shape: [32, 2], floats: half, as: .f16)
        try source.addTensor(name: "q", shape: [32, 1, 1], type: .q8_0, data: alreadyQuantized)
        let file = try GGUFFile(mapped: MappedFile(contents: source.serialized()))

        let (writer, summary) = try Q8_0Quantizer.quantize(file)
        XCTAssertEqual(summary, Q8_0Quantizer.Summary(quantized: 2, copied: 2))
        let out = try GGUFFile(mapped: MappedFile(contents: writer.serialized()))
        XCTAssertEqual(out.metadata["general.architecture"], .string("llama"))
        XCTAssertEqual(out.metadata["general.file_type"], .uint32(7))
        XCTAssertEqual(out.tensors.map(\.name), ["w", "norm", "h", "q"])
        XCTAssertEqual(out.tensors.map(\.type), [.q8_0, .f32, .q8_0, .q8_0])
        XCTAssertEqual(out.tensors.map(\.shape), [[64, 3], [64], [32, 2], [32, 1, 1]])
        XCTAssertEqual(try out.floats(named: "norm"), norm)
        XCTAssertEqual(Array(out.bytes(of: out.tensors[3])), alreadyQuantized)
        for (name, original) in [("w", matrix), ("h", half)] {
            let restored = try out.floats(named: name)
            for block in stride(from: 0, to: original.count, by: 32) {
                let values = original[block..<(block + 32)]
                let step = values.map(abs).max()! / 127
                // half a step, plus the f16 rounding of the block's scale (2^-11 relative) times up to 127 steps
                for i in values.indices {
                    XCTAssertEqual(restored[i], original[i], accuracy: step * (0.5 + 127 / 2048), "\(name)[\(i)]")
                }
            }
        }
    }

    func testARowQ8_0CannotHoldIsRefusedByName() throws {
        var source = GGUFWriter()
        try source.addTensor(name: "odd", shape: [48, 2], floats: [Float](repeating: 1, count: 96))
        let file = try GGUFFile(mapped: MappedFile(contents: source.serialized()))
        XCTAssertThrowsError(try Q8_0Quantizer.quantize(file)) { error in
            guard case GGUFError.badShape(let tensor, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(tensor, "odd")
            XCTAssertTrue(reason.contains("48"), reason)
        }
    }
}
