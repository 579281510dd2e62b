import GGUF
import XCTest
@testable import Engine

extension Fixtures {
    static var studentFile: GGUFFile {
        do {
            return try GGUFFile(path: path("student-s-q8_0.gguf"))
        } catch {
            fatalError("cannot open the student fixture: \(error)")
        }
    }

    /// The student on the int8 engine with two threads, loaded once for all tests.
    static let int8Student = loadInt8Student(activations: .correctedLogitRows)
    /// The same with Q8_0 activations on every row: llama.cpp's arithmetic.
    static let int8StudentQ8_0 = loadInt8Student(activations: .q8_0)

    private static func loadInt8Student(activations: ActivationPrecision) -> Int8TransformerModel {
        do {
            return try Int8TransformerModel(file: studentFile, threads: 2, activations: activations)
        } catch {
            fatalError("cannot load the student fixture: \(error)")
        }
    }

    static var studentReference: StudentReference {
        try! decode(StudentReference.self, from: "student-s-q8_0-reference.json")
    }
}

/// Log-probabilities (V) of the token after `prompt`, prefilled in one batch.
func nextTokenLogprobs<Model: LanguageModel>(_ model: Model, _ prompt: [Int32]) throws -> [Float] {
    let logits = try model.forward(tokens: prompt, startPosition: 0, state: model.makeState(contextLength: 256),
                                   logits: .lastToken)
    let lse = logits.withUnsafeBufferPointer { LogProbabilities.logSumExp($0) }
    return logits.map { $0 - lse }
}

/// Greedy continuation of `prompt` by `count` tokens, never stopping early.
func greedyIDs<Model: LanguageModel>(_ model: Model, _ prompt: [Int32], count: Int) throws -> [Int32] {
    try greedyIDs(model, prefill: [prompt], count: count)
}
