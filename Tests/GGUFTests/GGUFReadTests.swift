import Foundation
import XCTest
import GGUF

final class GGUFReadTests: XCTestCase {
    func testReadsTheLlamaCppStudentFixture() throws {
        let file = try GGUFFile(path: FixturePaths.student)
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.architecture, "llama")
        XCTAssertEqual(file.metadata["llama.embedding_length"]?.int, 256)
        XCTAssertEqual(file.metadata["llama.block_count"]?.int, 4)
        XCTAssertEqual(file.metadata["tokenizer.ggml.tokens"]?.array?.count, 8192)
        let embedding = try XCTUnwrap(file.tensor(named: "token_embd.weight"))
        XCTAssertEqual(embedding.shape, [256, 8192])
        XCTAssertEqual(embedding.type, .q8_0)
        XCTAssertEqual(embedding.byteCount, 256 * 8192 / 32 * 34)
        // 7.6M parameters, as the fixture's README says.
        XCTAssertEqual(Double(file.parameterCount) / 1e6, 7.6, accuracy: 0.1)
    }

    func testRewritingTheFixtureReproducesItByteForByte() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: FixturePaths.student))
        let file = try GGUFFile(path: FixturePaths.student)
        var writer = GGUFWriter(alignment: file.alignment)
        for key in file.metadataKeys { writer.set(key, file.metadata[key]!) }
        for info in file.tensors {
            try writer.addTensor(name: info.name, shape: info.shape, type: info.type, data: Array(file.bytes(of: info)))
        }
        XCTAssertEqual(writer.serialized(), [UInt8](original))
    }

    func testDequantizedQ8_0MatchesTheBlockFormula() throws {
        let file = try GGUFFile(path: FixturePaths.student)
        let info = try file.requireTensor("blk.0.attn_q.weight")
        let raw = file.bytes(of: info)
        let values = try file.floats(of: info)
        // Block 5: f16 scale at byte 5*34, then 32 signed bytes.
        let d = Float(Float16(bitPattern: UInt16(raw[170]) | UInt16(raw[171]) << 8))
        for j in 0..<32 {
            XCTAssertEqual(values[5 * 32 + j], d * Float(Int8(bitPattern: raw[172 + j])))
        }
    }
}
