import GGUF
import Tensors
import XCTest
@testable import Engine

/// Loading (Q8_0 straight from the file, other types quantized when asked), grouped-query and tied
/// models against the f32 reference, and typed errors for every bad input.
final class Int8LoadingTests: XCTestCase {
    /// A small random Llama written with GGUFWriter: C 64, 4 query heads over 2 KV heads of 16, FF 128, V 96.
    /// Weights are uniform in ±sqrt(3 / C), so each product keeps its input's scale, as in a trained model.
    private func tinyLlama(tied: Bool, type: GGMLType, architecture: String = "llama") throws -> GGUFFile {
        let c = 64, heads = 4, kvHeads = 2, hs = 16, ff = 128, vocab = 96
        var writer = GGUFWriter()
        writer.set("general.architecture", .string(architecture))
        for (key, value) in [("embedding_length", c), ("block_count", 2), ("attention.head_count", heads),
                             ("attention.head_count_kv", kvHeads), ("feed_forward_length", ff), ("context_length", 64)] {
            writer.set("\(architecture).\(key)", .uint32(UInt32(value)))
        }
        writer.set("\(architecture).attention.layer_norm_rms_epsilon", .float32(1e-5))
        var shapes: [(String, [Int])] = [("token_embd.weight", [c, vocab]), ("output_norm.weight", [c])]
        if !tied { shapes.append(("output.weight", [c, vocab])) }
        for l in 0..<2 {
            shapes += [("blk.\(l).attn_norm.weight", [c]), ("blk.\(l).ffn_norm.weight", [c]),
                       ("blk.\(l).attn_q.weight", [c, heads * hs]), ("blk.\(l).attn_k.weight", [c, kvHeads * hs]),
                       ("blk.\(l).attn_v.weight", [c, kvHeads * hs]), ("blk.\(l).attn_output.weight", [heads * hs, c]),
                       ("blk.\(l).ffn_gate.weight", [c, ff]), ("blk.\(l).ffn_up.weight", [c, ff]),
                       ("blk.\(l).ffn_down.weight", [ff, c])]
        }
        var random = SeededRandom(seed: 7)
        for (name, shape) in shapes {
            let isNorm = shape.count == 1
            let values = (0..<shape.reduce(1, *)).map { _ in isNorm ? 1 + 0.1 * random.nextUnitFloat() : (2 * random.nextUnitFloat() - 1) * (3 / Float(c)).squareRoot() }
            try writer.addTensor(name: name, shape: shape, floats: values, as: isNorm ? .f32 : type)
        }
        return try write(writer)
    }

    private func write(_ writer: GGUFWriter) throws -> GGUFFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("int8-\(UUID().uuidString).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try GGUFFile(path: path)
    }

    /// With Q8_0 activations the first token equals llama.cpp's arithmetic (`Numerics.ggml`, the same rounding of
    /// each product's input) to 1e-4, and every token is no further from plain f32 than that arithmetic is. The
    /// default corrected logit rows are ten times closer to f32 (measured: 50 times).
    func testGroupedQueryAndTiedModelsAgreeWithTheReferences() throws {
        for tied in [false, true] {
            let file = try tinyLlama(tied: tied, type: .q8_0)
            let model = try loadServingModel(file: file, activations: .q8_0)
            let corrected = try loadServingModel(file: file)
            XCTAssertEqual(model.config.headsPerKVHead, 2)
            let prompt: [Int32] = [3, 17, 95, 0, 42, 42, 8, 60, 1, 77]
            let ours = try logprobRows(model, prompt), oursCorrected = try logprobRows(corrected, prompt)
            let ggml = try logprobRows(LlamaModel(file: file, numerics: .ggml), prompt)
            let f32 = try logprobRows(LlamaModel(file: file), prompt)
            XCTAssertLessThan(maxAbsDifference(ours[0], ggml[0]), 1e-4, "tied \(tied): first token")
            var ourDistance: Float = 0, ggmlDistance: Float = 0, correctedDistance: Float = 0
            for t in prompt.indices {
                let distance = maxAbsDifference(ours[t], f32[t])
                XCTAssertLessThan(distance, 0.1, "tied \(tied) token \(t)")
                ourDistance += distance
                ggmlDistance += maxAbsDifference(ggml[t], f32[t])
                correctedDistance += maxAbsDifference(oursCorrected[t], f32[t])
            }
            XCTAssertLessThan(ourDistance, 1.2 * ggmlDistance, "tied \(tied): int8 vs f32, against llama.cpp's arithmetic vs f32")
            XCTAssertLessThan(correctedDistance, 0.1 * ourDistance, "tied \(tied): corrected vs q8_0 activations")
        }
    }

    func testOtherWeightTypesAreQuantizedOnlyWhenAsked() throws {
        let f32 = try tinyLlama(tied: false, type: .f32)
        XCTAssertThrowsError(try loadServingModel(file: f32)) { error in
            guard case .unsupportedTensorType(let tensor, let type)? = error as? ModelError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(tensor, "token_embd.weight")
            XCTAssertTrue(type.hasPrefix("F32"), type)
        }
        // quantizing at load is what llama-quantize writes: the same model as the Q8_0 file
        let quantized = try loadServingModel(file: f32, quantize: true)
        let stored = try loadServingModel(file: tinyLlama(tied: false, type: .q8_0))
        let prompt: [Int32] = [5, 6, 7, 8]
        XCTAssertEqual(try quantized.forward(tokens: prompt, startPosition: 0, state: quantized.makeSequenceState(), logits: .allTokens),
                       try stored.forward(tokens: prompt, startPosition: 0, state: stored.makeSequenceState(), logits: .allTokens))
    }

    func testOnlyLlamaIsServed() throws {
        XCTAssertThrowsError(try loadServingModel(file: tinyLlama(tied: false, type: .q8_0, architecture: "gpt2"))) {
            XCTAssertEqual($0 as? ModelError, .unsupportedArchitecture("gpt2"))
        }
        XCTAssertThrowsError(try loadServingModel(path: "/nonexistent.gguf")) {
            guard case .file? = $0 as? ModelError else { return XCTFail("\($0)") }
        }
    }

    func testBadInputsGetTypedErrors() throws {
        let model = Fixtures.int8Student
        let state = model.makeSequenceState(contextLength: 8)
        XCTAssertEqual(state.contextLength, 8)
        XCTAssertEqual(state.cacheByteCount, 2 * 4 * 8 * 256 * 2)
        assertThrows(.tokenOutOfRange(token: 8192, vocabularySize: 8192)) { try model.forward(token: 8192, position: 0, state: state) }
        assertThrows(.tokenOutOfRange(token: -1, vocabularySize: 8192)) { try model.forward(token: -1, position: 0, state: state) }
        assertThrows(.contextFull(position: 8, contextLength: 8)) { try model.forward(token: 1, position: 8, state: state) }
        assertThrows(.contextFull(position: 9, contextLength: 8)) {
            try model.forward(tokens: [1, 2, 3], startPosition: 7, state: state, logits: .lastToken)
        }
        assertThrows(.emptyBatch) { try model.forward(tokens: [], startPosition: 0, state: state, logits: .lastToken) }
        let other = try loadServingModel(file: tinyLlama(tied: true, type: .q8_0))
        assertThrows(.stateMismatch("it was made for another model configuration")) {
            try model.forward(token: 1, position: 0, state: other.makeSequenceState())
        }

        let batch = model.makeDecodeBatch(capacity: 2)
        let a = model.makeSequenceState(contextLength: 8), b = model.makeSequenceState(contextLength: 8)
        assertThrows(.emptyBatch) { try model.decodeStep(tokens: [], positions: [], states: [], batch: batch) }
        assertThrows(.stateMismatch("a decode step needs one position and one state per token")) {
            try model.decodeStep(tokens: [1, 2], positions: [0], states: [a, b], batch: batch)
        }
        assertThrows(.stateMismatch("the decode batch holds 2 sequences of its own model, asked 3")) {
            try model.decodeStep(tokens: [1, 2, 3], positions: [0, 0, 0], states: [a, b, model.makeSequenceState()], batch: batch)
        }
        assertThrows(.stateMismatch("one state appears twice in a decode step")) {
            try model.decodeStep(tokens: [1, 2], positions: [0, 1], states: [a, a], batch: batch)
        }
        assertThrows(.contextFull(position: 8, contextLength: 8)) {
            try model.decodeStep(tokens: [1, 2], positions: [0, 8], states: [a, b], batch: batch)
        }
        assertThrows(.tokenOutOfRange(token: 9000, vocabularySize: 8192)) {
            try model.decodeStep(tokens: [1, 9000], positions: [0, 0], states: [a, b], batch: batch)
        }
    }

    private func assertThrows<T>(_ expected: InferenceError, _ body: () throws -> T,
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) {
            XCTAssertEqual($0 as? InferenceError, expected, file: file, line: line)
        }
    }

    /// Log-probabilities (T, V) after each prompt token, the reference models running token by token.
    private func logprobRows<Model: LanguageModel>(_ model: Model, _ prompt: [Int32]) throws -> [[Float]] {
        let V = model.config.vocabularySize
        let logits = try model.forwardTokenByToken(tokens: prompt, startPosition: 0, state: model.makeState(), logits: .allTokens)
        return prompt.indices.map { logprobs(Array(logits[$0 * V..<($0 + 1) * V])) }
    }

    private func logprobs(_ logits: [Float]) -> [Float] {
        let lse = logits.withUnsafeBufferPointer { LogProbabilities.logSumExp($0) }
        return logits.map { $0 - lse }
    }
}
