import Foundation
import GGUF
import Tokenizer
import XCTest

/// The teacher GGUF and the llama.cpp reference dump for it.
enum Teacher {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let path = packageRoot.appendingPathComponent("models/teacher/gemma-3-270m-q4_k_m.gguf").path

    struct Missing: Error {}

    /// Loaded once for the whole test run: the vocabulary has 262,144 tokens.
    private static let shared: Result<Tokenizer, any Error> = Result {
        try Tokenizer(gguf: GGUFFile(path: path))
    }

    static func tokenizer(file: StaticString = #filePath, line: UInt = #line) throws -> Tokenizer {
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("run `make teacher` first (\(path) is missing)", file: file, line: line)
            throw Missing()
        }
        return try shared.get()
    }
}

/// `Fixtures/gemma3-270m-reference.json`, produced by llama.cpp's llama-server.
struct Reference: Decodable {
    struct Tokenized: Decodable {
        let text: String
        let ids: [Int32]
    }
    struct NextToken: Decodable {
        let prompt: String
        let prompt_ids_with_bos: [Int32]
    }
    struct Greedy: Decodable {
        let prompt: String
        let text: String
        let ids: [Int32]
    }
    let tokenize: [Tokenized]
    let next_token: [NextToken]
    let greedy: [Greedy]

    static func load() throws -> Reference {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/gemma3-270m-reference", withExtension: "json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }
}

/// Random strings that mix ASCII, spaces, tabs, newlines, accented letters, CJK and emoji, so that both
/// merges and byte fallback are exercised. U+2581 is left out: llama.cpp decodes it as a space.
struct RandomText {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    mutating func string(length: Int) -> String {
        let words = ["the", "def", "return", "import", "hello", "world", "Tokenizer", "x", "==", "(", ")", ":", "é", "ß"]
        var scalars = String.UnicodeScalarView()
        while scalars.count < length {
            switch int(0..<10) {
            case 0...3: scalars.append(contentsOf: words[int(0..<words.count)].unicodeScalars)
            case 4: scalars.append(" ")
            case 5: scalars.append(contentsOf: ["\n", "\t", "  ", "\n\n"][int(0..<4)].unicodeScalars)
            case 6: scalars.append(UnicodeScalar(UInt32(int(0x21..<0x7F)))!)
            case 7: scalars.append(UnicodeScalar(UInt32(int(0xA0..<0x250)))!)
            case 8: scalars.append(UnicodeScalar(UInt32(int(0x4E00..<0x9FFF)))!)
            default: scalars.append(UnicodeScalar(UInt32(int(0x1F300..<0x1FAFF))) ?? "?")
            }
        }
        return String(scalars)
    }
}
