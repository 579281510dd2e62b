import Engine
import GGUF
import Tensors
import XCTest

/// Gemma 3's structure on tiny random files: the sliding window, local and global layers, chunked prefill.
final class SlidingWindowTests: XCTestCase {
    /// A Gemma 3 file with C 32, 2 heads of 16 over 1 KV head, FF 64, V 48; layers local except every
    /// `pattern`-th.
    private func tinyGemma(layers: Int, window: Int, pattern: Int,
                           drop: Set<String> = [], replace: [String: GGUFValue] = [:]) throws -> Gemma3Model {
        let path = try tinyGemmaFile(layers: layers, window: window, pattern: pattern, drop: drop, replace: replace)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try Gemma3Model(file: GGUFFile(path: path))
    }

    private func tinyGemmaFile(layers: Int, window: Int, pattern: Int,
                               drop: Set<String> = [], replace: [String: GGUFValue] = [:]) throws -> String {
        var writer = GGUFWriter()
        var metadata: [(String, GGUFValue)] = [
            ("general.architecture", .string("gemma3")),
            ("gemma3.embedding_length", .uint32(32)), ("gemma3.block_count", .uint32(UInt32(layers))),
            ("gemma3.attention.head_count", .uint32(2)), ("gemma3.attention.head_count_kv", .uint32(1)),
            ("gemma3.attention.key_length", .uint32(16)), ("gemma3.attention.value_length", .uint32(16)),
            ("gemma3.feed_forward_length", .uint32(64)), ("gemma3.context_length", .uint32(64)),
            ("gemma3.attention.layer_norm_rms_epsilon", .float32(1e-6)), ("gemma3.rope.freq_base", .float32(1e6)),
            ("gemma3.attention.sliding_window", .uint32(UInt32(window))),
            ("gemma3.attention.sliding_window_pattern", .uint32(UInt32(pattern))),
        ]
        metadata = metadata.filter { !drop.contains($0.0) }.map { ($0.0, replace[$0.0] ?? $0.1) }
        for (key, value) in metadata { writer.set(key, value) }
        var shapes: [(String, [Int])] = [("token_embd.weight", [32, 48]), ("output_norm.weight", [32])]
        for l in 0..<layers {
            shapes += [("blk.\(l).attn_norm.weight", [32]), ("blk.\(l).attn_q.weight", [32, 32]),
                       ("blk.\(l).attn_k.weight", [32, 16]), ("blk.\(l).attn_v.weight", [32, 16]),
                       ("blk.\(l).attn_q_norm.weight", [16]), ("blk.\(l).attn_k_norm.weight", [16]),
                       ("blk.\(l).attn_output.weight", [32, 32]), ("blk.\(l).post_attention_norm.weight", [32]),
                       ("blk.\(l).ffn_norm.weight", [32]), ("blk.\(l).ffn_gate.weight", [32, 64]),
                       ("blk.\(l).ffn_up.weight", [32, 64]), ("blk.\(l).ffn_down.weight", [64, 32]),
                       ("blk.\(l).post_ffw_norm.weight", [32])]
        }
        var random = SeededRandom(seed: 11)
        for (name, shape) in shapes where !drop.contains(name) {
            let values = (0..<shape.reduce(1, *)).map { _ in
                name.hasSuffix("norm.weight") ? 0.5 + random.nextUnitFloat() : random.nextUnitFloat() - 0.5
            }
            try writer.addTensor(name: name, shape: shape, floats: values)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gemma-\(UUID().uuidString).gguf").path
        try writer.write(to: path)
        return path
    }

    private let tokens: [Int32] = [2, 17, 5, 40, 33, 8, 21, 47, 3, 12, 30, 9]

    func testALocalLayerSeesExactlyTheLastWindowPositions() throws {
        // one local layer with a window of 4: position 8 sees positions 5...8 and nothing before
        let model = try tinyGemma(layers: 1, window: 4, pattern: 6)
        XCTAssertTrue(model.config.isSlidingWindowLayer(0))
        func logits(at position: Int, _ tokens: [Int32], batched: Bool) throws -> [Float] {
            let prefix = Array(tokens[...position])
            let state = model.makeState(contextLength: 16)
            let all = batched
                ? try model.forward(tokens: prefix, startPosition: 0, state: state, logits: .lastToken)
                : try model.forwardTokenByToken(tokens: prefix, startPosition: 0, state: state, logits: .lastToken)
            return all
        }
        for batched in [false, true] {
            let base = try logits(at: 8, tokens, batched: batched)
            var outside = tokens
            outside[4] = 44
            XCTAssertEqual(try logits(at: 8, outside, batched: batched), base, "batched \(batched)")
            var inside = tokens
            inside[5] = 44
            XCTAssertGreaterThan(maxAbsDifference(try logits(at: 8, inside, batched: batched), base), 1e-3)
        }
    }

    func testBatchedEqualsTokenByTokenAcrossTheWindowAndChunks() throws {
        // layer 0 local (window 3), layer 1 global, layer 2 local
        let model = try tinyGemma(layers: 3, window: 3, pattern: 2)
        XCTAssertEqual((0..<3).map(model.config.isSlidingWindowLayer), [true, false, true])
        let single = try model.forwardTokenByToken(tokens: tokens, startPosition: 0,
                                                   state: model.makeState(contextLength: 16), logits: .allTokens)
        let whole = try model.forward(tokens: tokens, startPosition: 0, state: model.makeState(contextLength: 16),
                                      logits: .allTokens)
        XCTAssertLessThan(maxAbsDifference(whole, single), 1e-4)
        let state = model.makeState(contextLength: 16)
        var chunked: [Float] = []
        for range in [0..<5, 5..<6, 6..<12] {
            chunked += try model.forward(tokens: Array(tokens[range]), startPosition: range.lowerBound, state: state,
                                         logits: .allTokens)
        }
        XCTAssertLessThan(maxAbsDifference(chunked, single), 1e-4)
        // the window matters: a model that sees everything differs
        let global = try tinyGemma(layers: 3, window: 64, pattern: 2)
        let unwindowed = try global.forward(tokens: tokens, startPosition: 0, state: global.makeState(contextLength: 16),
                                            logits: .allTokens)
        XCTAssertGreaterThan(maxAbsDifference(unwindowed, single), 1e-3)
    }

    func testGemmaFilesNameTheirMissingParts() throws {
        let model = try tinyGemma(layers: 1, window: 4, pattern: 6)
        XCTAssertEqual(model.config.attentionScale, 0.25)                  // 1 / sqrt(key_length 16)
        XCTAssertEqual(model.config.embeddingScale, Float(32).squareRoot())
        XCTAssertEqual(model.config.localRopeBase, 10_000)
        XCTAssertEqual(model.config.queryLength, 32)
        func assertError(_ expected: ModelError, drop: Set<String> = [], replace: [String: GGUFValue] = [:],
                         line: UInt = #line) {
            XCTAssertThrowsError(try tinyGemma(layers: 1, window: 4, pattern: 6, drop: drop, replace: replace),
                                 line: line) {
                XCTAssertEqual($0 as? ModelError, expected, line: line)
            }
        }
        // as llama.cpp reads it: a file without a window has no sliding-window layers
        let unwindowed = try tinyGemma(layers: 1, window: 4, pattern: 6, drop: ["gemma3.attention.sliding_window"])
        XCTAssertNil(unwindowed.config.slidingWindow)
        XCTAssertFalse(unwindowed.config.isSlidingWindowLayer(0))
        assertError(.missingTensor("blk.0.attn_q_norm.weight"), drop: ["blk.0.attn_q_norm.weight"])
        assertError(.missingTensor("blk.0.post_ffw_norm.weight"), drop: ["blk.0.post_ffw_norm.weight"])
        assertError(.badValue(key: "gemma3.attention.value_length",
                              reason: "8 differs from the key length 16, which is not supported"),
                    replace: ["gemma3.attention.value_length": .uint32(8)])
        assertError(.shapeMismatch(tensor: "blk.0.attn_q.weight", expected: [32, 64], found: [32, 32]),
                    replace: ["gemma3.attention.key_length": .uint32(32), "gemma3.attention.value_length": .uint32(32)])
        let path = try tinyGemmaFile(layers: 1, window: 4, pattern: 6)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try LlamaModel(file: GGUFFile(path: path))) {
            XCTAssertEqual($0 as? ModelError, .unsupportedArchitecture("gemma3"))
        }
        XCTAssert(try loadReferenceModel(file: GGUFFile(path: path)) is Gemma3Model)
    }
}
