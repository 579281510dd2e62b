import Foundation
import GGUF
import XCTest
import Engine

/// The Gemma-3-270M teacher, which tests find under the package root (`make teacher` fetches it).
enum Teacher {
    static let path: String = {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/teacher/gemma-3-270m-q4_k_m.gguf").path
    }()

    /// Loaded once for all tests; nil (and the test fails) when the file is missing.
    static let model: Result<Gemma3Model, Error> = Result {
        guard FileManager.default.fileExists(atPath: path) else { throw MissingTeacher() }
        return try Gemma3Model(file: GGUFFile(path: path))
    }

    struct MissingTeacher: Error, CustomStringConvertible {
        var description: String { "the teacher is missing at \(Teacher.path): run `make teacher` first" }
    }

    static func load(file: StaticString = #filePath, line: UInt = #line) throws -> Gemma3Model {
        do {
            return try model.get()
        } catch {
            XCTFail("\(error)", file: file, line: line)
            throw error
        }
    }

    struct Reference: Decodable {
        struct NextToken: Decodable {
            let prompt: String
            let prompt_ids_with_bos: [Int32]
            let top_logprobs: [Fixtures.LogProb]
        }
        struct Greedy: Decodable {
            let prompt: String
            let n: Int
            let ids: [Int32]
        }
        let next_token: [NextToken]
        let greedy: [Greedy]
    }

    static func reference() throws -> Reference {
        try Fixtures.decode(Reference.self, from: "gemma3-270m-reference.json")
    }
}
