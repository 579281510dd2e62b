import Foundation
import GGUF
import Tokenizer
import XCTest

/// Reading and writing `tokenizer.ggml.*` metadata, and the typed errors for bad metadata.
final class VocabularyGGUFTests: XCTestCase {
    private func writeAndOpen(_ metadata: [(String, GGUFValue)]) throws -> GGUFFile {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        for (key, value) in metadata { writer.set(key, value) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID()).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try GGUFFile(path: path)  // mapped: the file can go once it is open
    }

    private func assertThrows(_ expected: TokenizerError, _ metadata: [(String, GGUFValue)],
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let gguf = try writeAndOpen(metadata)
        XCTAssertThrowsError(try Tokenizer(gguf: gguf), file: file, line: line) { error in
            XCTAssertEqual(error as? TokenizerError, expected, file: file, line: line)
            XCTAssertFalse("\(error)".isEmpty)
        }
    }

    private let tokens: GGUFValue = .array(["<unk>", "<s>", "</s>", "a"].map { .string($0) })

    func testGGUFWithoutTokenizerGivesTypedError() throws {
        let gguf = try writeAndOpen([])
        XCTAssertThrowsError(try Tokenizer(gguf: gguf)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingTokenizer(path: gguf.path))
            XCTAssertTrue("\(error)".contains("no tokenizer metadata"))
        }
    }

    func testUnsupportedModelGivesTypedError() throws {
        try assertThrows(.unsupportedModel("gpt2"), [("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.tokens", tokens)])
    }

    func testMalformedMetadataGivesTypedErrors() throws {
        let model: (String, GGUFValue) = ("tokenizer.ggml.model", .string("llama"))
        try assertThrows(.missingKey("tokenizer.ggml.tokens"), [model])
        try assertThrows(.wrongValueType(key: "tokenizer.ggml.tokens", expected: "an array of strings"),
                         [model, ("tokenizer.ggml.tokens", .array([.uint32(1)]))])
        try assertThrows(.emptyVocabulary, [model, ("tokenizer.ggml.tokens", .array([]))])
        try assertThrows(.lengthMismatch(key: "tokenizer.ggml.scores", expected: 4, found: 2),
                         [model, ("tokenizer.ggml.tokens", tokens), ("tokenizer.ggml.scores", .array([.float32(0), .float32(0)]))])
        try assertThrows(.specialTokenOutOfRange(key: "tokenizer.ggml.bos_token_id", id: 9, vocabularySize: 4),
                         [model, ("tokenizer.ggml.tokens", tokens), ("tokenizer.ggml.bos_token_id", .uint32(9))])
        try assertThrows(.duplicateToken("a", firstID: 3, secondID: 4),
                         [model, ("tokenizer.ggml.tokens", .array(["<unk>", "<s>", "</s>", "a", "a"].map { .string($0) }))])
        try assertThrows(.badByteToken(id: 3, text: "a"),
                         [model, ("tokenizer.ggml.tokens", tokens), ("tokenizer.ggml.token_type", .array([2, 3, 3, 6].map { .int32($0) }))])
        try assertThrows(.missingSpecialToken(flag: "tokenizer.ggml.add_bos_token", key: "tokenizer.ggml.bos_token_id"),
                         [model, ("tokenizer.ggml.tokens", .array([.string("a")])), ("tokenizer.ggml.add_bos_token", .bool(true))])
    }

    func testMinimalMetadataTakesLlamaCppDefaults() throws {
        let gguf = try writeAndOpen([("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", tokens)])
        let tokenizer = try Tokenizer(gguf: gguf)
        XCTAssertEqual(tokenizer.vocabulary.specialIDs, SpecialTokenIDs(bos: 1, eos: 2, unknown: 0))
        XCTAssertTrue(tokenizer.addsBOSByDefault)
        XCTAssertTrue(tokenizer.addsSpacePrefix)
        XCTAssertEqual(tokenizer.vocabulary.types, Array(repeating: .normal, count: 4))
        // No byte tokens: the bytes of "▁" and of "b" fall back to <unk>.
        XCTAssertEqual(tokenizer.encode("ab", addBOS: true), [1, 0, 0, 0, 3, 0])
    }

    func testSyntheticVocabularyRoundTripsThroughGGUF() throws {
        let vocabulary = try SyntheticVocabulary.vocabulary()
        var writer = GGUFWriter()
        vocabulary.write(into: &writer)
        let keys = writer.metadata.map(\.key)
        XCTAssertEqual(keys.first, "tokenizer.ggml.model")
        XCTAssertTrue(keys.contains("tokenizer.ggml.add_space_prefix"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("syn-\(UUID()).gguf").path
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gguf = try GGUFFile(path: path)
        XCTAssertEqual(try TokenizerVocabulary(gguf: gguf), vocabulary)
        XCTAssertEqual(gguf.metadata["tokenizer.ggml.token_type"]?.array?.first, .int32(TokenType.control.rawValue))
        XCTAssertEqual(gguf.metadata["tokenizer.ggml.scores"]?.array?.last, .float32(-6))
    }

    func testTeacherVocabularyWritesBackUnchanged() throws {
        let teacher = try Teacher.tokenizer()
        let original = try GGUFFile(path: Teacher.path)
        for (key, value) in teacher.vocabulary.ggufMetadata {
            XCTAssertEqual(original.metadata[key], value, key)
        }
    }
}

extension VocabularyGGUFTests {
    func testCanonicallyEquivalentTextsAreDistinctTokens() throws {
        let composed = "\u{E9}", decomposed = "e\u{301}"
        let vocabulary = try TokenizerVocabulary(tokens: ["<unk>", composed, decomposed],
                                                 specialIDs: SpecialTokenIDs(unknown: 0), addBOS: false)
        XCTAssertNotEqual(vocabulary, try TokenizerVocabulary(tokens: ["<unk>", decomposed, composed],
                                                              specialIDs: SpecialTokenIDs(unknown: 0), addBOS: false))
        let tokenizer = try Tokenizer(vocabulary: vocabulary)
        XCTAssertEqual(tokenizer.id(forPiece: composed), 1)
        XCTAssertEqual(tokenizer.id(forPiece: decomposed), 2)
    }
}
