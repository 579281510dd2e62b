import Foundation
import GGUF
import XCTest
import Engine

/// Reference data produced by llama.cpp (see /work/shared/fixtures/README.md), bundled with the tests.
enum Fixtures {
    static var directory: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func decode<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }

    struct LogProb: Decodable {
        let id: Int32
        let logprob: Float
    }

    struct StudentReference: Decodable {
        struct Case: Decodable {
            let prompt_ids: [Int32]
            let top_logprobs: [LogProb]
            let greedy_ids: [Int32]
        }
        let cases: [Case]
    }

    /// The student-shaped Llama model, loaded once for all tests.
    static let student: LlamaModel = {
        do {
            return try LlamaModel(file: GGUFFile(path: path("student-s-q8_0.gguf")))
        } catch {
            fatalError("cannot load the student fixture: \(error)")
        }
    }()
}

/// Asserts that our top-N log-probabilities match llama.cpp's, printing a readable diff when they do not.
func assertTopLogprobsMatch(_ ours: [TokenLogProbability], _ reference: [Fixtures.LogProb], count: Int,
                            tolerance: Float, _ label: String, checkTop1: Bool = true,
                            file: StaticString = #filePath, line: UInt = #line) {
    if checkTop1 { XCTAssertEqual(ours.first?.id, reference.first?.id, "\(label): top-1 differs", file: file, line: line) }
    let lookup = Dictionary(ours.map { ($0.id, $0.logprob) }, uniquingKeysWith: { a, _ in a })
    var diff: [String] = []
    for r in reference.prefix(count) {
        guard let mine = lookup[r.id] else {
            diff.append("id \(r.id): llama.cpp \(r.logprob), missing from our top \(ours.count)")
            continue
        }
        if abs(mine - r.logprob) > tolerance { diff.append("id \(r.id): llama.cpp \(r.logprob), ours \(mine)") }
    }
    XCTAssert(diff.isEmpty, "\(label): log-probs beyond \(tolerance):\n" + diff.joined(separator: "\n"),
              file: file, line: line)
}
