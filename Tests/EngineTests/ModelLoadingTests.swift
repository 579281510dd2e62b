import Engine
import GGUF
import Tensors
import XCTest

/// Small Llama files written with GGUFWriter, whole and broken in one place at a time.
final class ModelLoadingTests: XCTestCase {
    let c = 32, layers = 1, heads = 2, kvHeads = 1, ff = 64, vocab = 16

    private func tinyLlama(tied: Bool = false, edit: (inout [String: GGUFValue], inout [String: [Int]]) -> Void = { _, _ in })
        throws -> GGUFFile {
        var metadata: [String: GGUFValue] = [
            "general.architecture": .string("llama"),
            "llama.embedding_length": .uint32(UInt32(c)),
            "llama.block_count": .uint32(UInt32(layers)),
            "llama.attention.head_count": .uint32(UInt32(heads)),
            "llama.attention.head_count_kv": .uint32(UInt32(kvHeads)),
            "llama.feed_forward_length": .uint32(UInt32(ff)),
            "llama.context_length": .uint32(32),
            "llama.attention.layer_norm_rms_epsilon": .float32(1e-5),
            "tokenizer.ggml.eos_token_id": .uint32(2),
        ]
        let hs = c / heads
        var shapes: [String: [Int]] = [
            "token_embd.weight": [c, vocab], "output_norm.weight": [c],
            "blk.0.attn_norm.weight": [c], "blk.0.ffn_norm.weight": [c],
            "blk.0.attn_q.weight": [c, heads * hs], "blk.0.attn_k.weight": [c, kvHeads * hs],
            "blk.0.attn_v.weight": [c, kvHeads * hs], "blk.0.attn_output.weight": [heads * hs, c],
            "blk.0.ffn_gate.weight": [c, ff], "blk.0.ffn_up.weight": [c, ff], "blk.0.ffn_down.weight": [ff, c],
        ]
        if !tied { shapes["output.weight"] = [c, vocab] }
        edit(&metadata, &shapes)
        var writer = GGUFWriter()
        for key in metadata.keys.sorted() { writer.set(key, metadata[key]!) }
        var random = SeededRandom(seed: 1)
        for name in shapes.keys.sorted() {
            let shape = shapes[name]!
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ in name.hasSuffix("norm.weight") ? 1 : random.nextUnitFloat() - 0.5 }
            try writer.addTensor(name: name, shape: shape, floats: values, as: name.contains("attn_v") ? .q8_0 : .f32)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try GGUFFile(path: path)
    }

    private func assertLoadError(_ expected: ModelError, tied: Bool = false,
                                 _ edit: @escaping (inout [String: GGUFValue], inout [String: [Int]]) -> Void,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let gguf = try tinyLlama(tied: tied, edit: edit)
        XCTAssertThrowsError(try LlamaModel(file: gguf), file: file, line: line) {
            XCTAssertEqual($0 as? ModelError, expected, file: file, line: line)
        }
    }

    func testTinyModelsLoadAndRun() throws {
        for tied in [false, true] {
            let model = try LlamaModel(file: tinyLlama(tied: tied))
            XCTAssertEqual(model.config.headSize, 16)
            XCTAssertEqual(model.config.headsPerKVHead, 2)
            XCTAssertEqual(model.config.eosTokenID, 2)
            XCTAssertNil(model.config.bosTokenID)
            let state = model.makeState()
            XCTAssertEqual(state.contextLength, 32)
            let logits = try model.forward(token: 3, position: 0, state: state)
            XCTAssertEqual(logits.count, vocab)
            XCTAssert(logits.allSatisfy(\.isFinite))
            let batched = try model.forward(tokens: [3, 4, 5], startPosition: 0, state: model.makeState(), logits: .allTokens)
            let single = try model.forwardTokenByToken(tokens: [3, 4, 5], startPosition: 0, state: model.makeState(),
                                                       logits: .allTokens)
            XCTAssertLessThan(maxAbsDifference(batched, single), 1e-4)
        }
        let loaded = try loadReferenceModel(file: tinyLlama())
        XCTAssert(loaded is LlamaModel)
    }

    func testMissingKeysAndTensorsAreNamed() throws {
        try assertLoadError(.missingKey("llama.block_count")) { m, _ in m["llama.block_count"] = nil }
        try assertLoadError(.missingKey("llama.attention.layer_norm_rms_epsilon")) { m, _ in
            m["llama.attention.layer_norm_rms_epsilon"] = nil
        }
        try assertLoadError(.missingTensor("blk.0.ffn_up.weight")) { _, t in t["blk.0.ffn_up.weight"] = nil }
        try assertLoadError(.missingTensor("output_norm.weight")) { _, t in t["output_norm.weight"] = nil }
        try assertLoadError(.missingTensor("token_embd.weight")) { _, t in t["token_embd.weight"] = nil }
    }

    func testBadValuesAndShapesAreRejected() throws {
        try assertLoadError(.badValue(key: "llama.attention.head_count_kv",
                                      reason: "2 query heads cannot be grouped over 3 KV heads")) { m, _ in
            m["llama.attention.head_count_kv"] = .uint32(3)
        }
        try assertLoadError(.badValue(key: "llama.block_count", reason: "0 is not a positive integer")) { m, _ in
            m["llama.block_count"] = .uint32(0)
        }
        try assertLoadError(.badValue(key: "llama.embedding_length", reason: "\"wide\" is not a positive integer")) { m, _ in
            m["llama.embedding_length"] = .string("wide")
        }
        try assertLoadError(.badValue(key: "tokenizer.ggml.eos_token_id",
                                      reason: "99 is not a token id below the vocabulary size 16")) { m, _ in
            m["tokenizer.ggml.eos_token_id"] = .uint32(99)
        }
        try assertLoadError(.shapeMismatch(tensor: "blk.0.attn_q.weight", expected: [32, 32], found: [32, 64])) { _, t in
            t["blk.0.attn_q.weight"] = [32, 64]
        }
        try assertLoadError(.shapeMismatch(tensor: "output.weight", expected: [32, 16], found: [32, 8])) { _, t in
            t["output.weight"] = [32, 8]
        }
        try assertLoadError(.shapeMismatch(tensor: "token_embd.weight", expected: [32, 16], found: [64, 16])) { _, t in
            t["token_embd.weight"] = [64, 16]
        }
        try assertLoadError(.unsupportedArchitecture("gpt2")) { m, _ in m["general.architecture"] = .string("gpt2") }
        XCTAssertThrowsError(try loadReferenceModel(file: tinyLlama { m, _ in m["general.architecture"] = nil })) {
            XCTAssertEqual($0 as? ModelError, .unsupportedArchitecture(nil))
        }
    }

    func testUnsupportedTensorTypesAreNamed() throws {
        var writer = GGUFWriter()
        let gguf = try tinyLlama()
        for key in gguf.metadataKeys { writer.set(key, gguf.metadata[key]!) }
        for info in gguf.tensors {
            if info.name == "blk.0.ffn_up.weight" {
                // Q4_0 blocks: 18 bytes per 32 values, which the reference cannot dequantize
                try writer.addTensor(name: info.name, shape: info.shape, type: .q4_0,
                                     data: [UInt8](repeating: 0, count: info.elementCount / 32 * 18))
            } else {
                try writer.addTensor(name: info.name, shape: info.shape, type: info.type,
                                     data: Array(gguf.bytes(of: info)))
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-q4-\(UUID().uuidString).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try LlamaModel(file: GGUFFile(path: path))) {
            XCTAssertEqual($0 as? ModelError, .unsupportedTensorType(tensor: "blk.0.ffn_up.weight", type: "Q4_0"))
        }
    }

    func testErrorsDescribeTheProblem() {
        XCTAssertEqual(ModelError.missingKey("llama.block_count").description, "metadata key 'llama.block_count' is missing")
        XCTAssertEqual(ModelError.shapeMismatch(tensor: "x", expected: [2, 3], found: [3, 2]).description,
                       "tensor 'x' has shape [3, 2], expected [2, 3] (ggml order, row length first)")
        XCTAssertEqual(InferenceError.contextFull(position: 9, contextLength: 8).description,
                       "position 9 is past the context length 8")
    }
}
