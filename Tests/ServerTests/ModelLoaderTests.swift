import Engine
import Foundation
import GGUF
import XCTest

@testable import Server

/// What `serve` and `/admin/reload` refuse, each with its own clear error.
final class ModelLoaderTests: XCTestCase {
    private let loader = ModelLoader(options: ModelLoadOptions())

    private func refusal(_ path: String, options: ModelLoadOptions = ModelLoadOptions(),
                         file: StaticString = #filePath, line: UInt = #line) -> ModelLoadError? {
        do {
            _ = try ModelLoader(options: options).load(path: path)
            XCTFail("loaded \(path)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testTheFixtureLoadsWithAVersionFromItsHash() throws {
        let model = ServerFixtures.student
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ServerFixtures.studentPath))
        XCTAssertEqual(model.version, String(SHA256.hex(SHA256.hash(Array(bytes))).prefix(12)))
        XCTAssertEqual(model.parameterCount, 7_604_480)
        XCTAssertEqual(model.name, "rand-student-s")
        XCTAssertEqual(model.config.architecture, .llama)
    }

    func testMissingUnreadableAndCorruptFilesAreRefused() throws {
        XCTAssertEqual(refusal("/nonexistent/student.gguf"), .fileNotFound(path: "/nonexistent/student.gguf"))
        XCTAssertEqual(refusal("/tmp")?.code, "model_file_unreadable")
        let text = StudentFiles.temporaryPath("text.gguf")
        try "not a model".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertEqual(refusal(text)?.code, "invalid_gguf")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ServerFixtures.studentPath))
        let truncated = StudentFiles.temporaryPath("truncated.gguf")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let error = refusal(truncated)
        XCTAssertEqual(error?.code, "invalid_gguf")
        XCTAssertTrue(error?.description.contains("truncated") ?? false || error?.description.contains("past the end") ?? false,
                      "\(String(describing: error))")
        XCTAssertEqual(error?.apiError.status.code, 422)
        XCTAssertEqual(refusal("/nonexistent.gguf")?.apiError.status.code, 400)
    }

    func testOnlyLlamaAndGemma3StudentsUnderTheBudgetAreServed() throws {
        let gpt2 = try StudentFiles.variant("gpt2.gguf", metadata: ["general.architecture": .string("gpt2")])
        XCTAssertEqual(refusal(gpt2), .unsupportedArchitecture("gpt2"))
        XCTAssertTrue(refusal(gpt2)?.description.contains("only llama and gemma3 students") ?? false)
        let gemma = try ModelLoader(options: ModelLoadOptions()).load(path: StudentFiles.randomStudent("g", architecture: "gemma3"))
        XCTAssertEqual(gemma.config.architecture, .gemma3)
        XCTAssert(gemma.engine is Int8TransformerModel)
        // the teacher is a gemma3 file too, and the parameter budget keeps it out
        let teacher = ServerFixtures.packageRoot.appendingPathComponent("models/teacher/gemma-3-270m-q4_k_m.gguf").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: teacher), "run `make teacher` first")
        XCTAssertEqual(refusal(teacher)?.code, "model_too_large")
        // a llama file relabelled gemma3 lacks what gemma3 needs, and says what
        let relabelled = try StudentFiles.variant("gemma.gguf", metadata: ["general.architecture": .string("gemma3")])
        XCTAssertEqual(refusal(relabelled)?.code, "invalid_model")
        let large = refusal(ServerFixtures.studentPath, options: ModelLoadOptions(maxParameters: 7_000_000))
        XCTAssertEqual(large, .tooLarge(parameters: 7_604_480, limit: 7_000_000))
        XCTAssertTrue(large?.description.contains("--max-params") ?? false)
    }

    func testFloatWeightsNeedQuantizeAndOtherTypesAreRefused() throws {
        let float = try StudentFiles.variant("f32.gguf") { info, file in
            info.type == .q8_0 ? (.f32, try file.floats(of: info)) : nil
        }
        XCTAssertEqual(refusal(float), .notInt8(tensor: "output.weight", type: "F32"))
        XCTAssertTrue(refusal(float)?.description.contains("--quantize") ?? false)
        let quantized = try ModelLoader(options: ModelLoadOptions(quantize: true)).load(path: float)
        // requantizing Q8_0 values gives the same blocks back, so the model is the fixture's
        let prompt: [Int32] = [1, 1359, 7201]
        let a = try ServerFixtures.student.engine.forward(tokens: prompt, startPosition: 0,
                                                          state: ServerFixtures.student.engine.makeState(contextLength: 8), logits: .lastToken)
        let b = try quantized.engine.forward(tokens: prompt, startPosition: 0, state: quantized.engine.makeState(contextLength: 8),
                                             logits: .lastToken)
        XCTAssertEqual(a.count, b.count)
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max() ?? 1, 1e-3)

        let half = try StudentFiles.variant("f16.gguf") { info, file in
            info.name == "blk.0.attn_q.weight" ? (.f16, try file.floats(of: info)) : nil
        }
        XCTAssertEqual(refusal(half), .notInt8(tensor: "blk.0.attn_q.weight", type: "F16"))
        XCTAssertNoThrow(try ModelLoader(options: ModelLoadOptions(quantize: true)).load(path: half))
    }

    func testMissingTokenizerAndBrokenWeightsAreRefused() throws {
        let noTokenizer = try StudentFiles.variant("no-tokenizer.gguf", metadata: ["tokenizer.ggml.model": nil, "tokenizer.ggml.tokens": nil])
        XCTAssertEqual(refusal(noTokenizer)?.code, "missing_tokenizer")
        let noTensor = try StudentFiles.variant("no-ffn.gguf", dropTensors: ["blk.1.ffn_up.weight"])
        XCTAssertEqual(refusal(noTensor), .invalidModel(.missingTensor("blk.1.ffn_up.weight")))
        let nan = try StudentFiles.variant("nan.gguf") { info, _ in
            info.name == "output_norm.weight" ? (.f32, [Float](repeating: .nan, count: info.elementCount)) : nil
        }
        let error = refusal(nan)
        XCTAssertEqual(error?.code, "smoke_test_failed")
        XCTAssertTrue(error?.description.contains("nan") ?? false, "\(String(describing: error))")
    }

    func testQualityGateRefusesAStudentWorseThanTheBound() throws {
        let text = StudentFiles.temporaryPath("heldout.txt")
        try String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 20).write(toFile: text, atomically: true, encoding: .utf8)
        let bpb = try EvaluationGate.bitsPerByte(engine: ServerFixtures.student.engine, tokenizer: ServerFixtures.student.tokenizer,
                                                 textFile: text, maxTokens: 256)
        XCTAssertGreaterThan(bpb, 1, "a random student is bad at English")
        XCTAssertLessThan(bpb, 40)
        let strict = ModelLoadOptions(evaluation: EvaluationGate(dataPath: text, maxBitsPerByte: bpb - 0.01, maxTokens: 256))
        XCTAssertEqual(refusal(ServerFixtures.studentPath, options: strict)?.code, "quality_regressed")
        let lenient = ModelLoadOptions(evaluation: EvaluationGate(dataPath: text, maxBitsPerByte: bpb + 0.01, maxTokens: 256))
        XCTAssertNoThrow(try ModelLoader(options: lenient).load(path: ServerFixtures.studentPath))
        let missing = ModelLoadOptions(evaluation: EvaluationGate(dataPath: "/nonexistent.txt", maxBitsPerByte: 10))
        XCTAssertEqual(refusal(ServerFixtures.studentPath, options: missing)?.code, "evaluation_failed")
    }
}
