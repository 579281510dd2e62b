import Engine
import Tokenizer
import XCTest
@testable import Distill

final class LineCompletionTests: XCTestCase {
    func testEditSimilarityIsOneMinusLevenshteinOverTheLongerLength() {
        XCTAssertEqual(EditSimilarity.distance("kitten", "sitting"), 3)
        XCTAssertEqual(EditSimilarity.distance("", "abc"), 3)
        XCTAssertEqual(EditSimilarity.distance("flaw", "lawn"), 2)
        XCTAssertEqual(EditSimilarity.distance("é", "e"), 1, "one Unicode scalar differs")
        XCTAssertEqual(EditSimilarity.of("kitten", "sitting"), 1 - 3.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(EditSimilarity.of("return x", "return y"), 1 - 1.0 / 8, accuracy: 1e-12)
        XCTAssertEqual(EditSimilarity.of("", ""), 1)
        XCTAssertEqual(EditSimilarity.of("abc", ""), 0)
        XCTAssertEqual(EditSimilarity.of("abc", "xyz"), 0)
        XCTAssertEqual(EditSimilarity.of("print(x)", "print(x)"), 1)
    }

    func testTheTasksAreTheTextBeforeEachLinesFirstNonBlankCharacterAndTheRestOfTheLine() {
        let text = "import os\n\ndef f(x):\n    return x  \n  \n\tpass\r\nend"
        let tasks = LineCompletionTask.select(from: ["x = 1\n", text], count: 100)
        XCTAssertEqual(tasks, [
            LineCompletionTask(document: 1, line: 2, prompt: "import os\n\n", expected: "def f(x):"),
            LineCompletionTask(document: 1, line: 3, prompt: "import os\n\ndef f(x):\n    ", expected: "return x"),
            LineCompletionTask(document: 1, line: 5, prompt: "import os\n\ndef f(x):\n    return x  \n  \n\t",
                               expected: "pass"),
            LineCompletionTask(document: 1, line: 6, prompt: "import os\n\ndef f(x):\n    return x  \n  \n\tpass\r\n",
                               expected: "end"),
        ], "unindented first lines, blank lines and whitespace-only lines are not tasks")
    }

    func testTasksAreEvenlySpacedOverAllDocuments() {
        // 10 candidate lines over two documents (each document's first line has no prompt)
        let documents = ["a\n" + (1...5).map { "line\($0)" }.joined(separator: "\n"),
                         "b\n" + (6...10).map { "line\($0)" }.joined(separator: "\n")]
        let tasks = LineCompletionTask.select(from: documents, count: 3)
        // the middles of three equal slices: candidates 10/6 = 1, 30/6 = 5 and 50/6 = 8
        XCTAssertEqual(tasks.map(\.expected), ["line2", "line6", "line9"])
        XCTAssertEqual(tasks.map(\.document), [0, 1, 1])
        XCTAssertEqual(LineCompletionTask.select(from: documents, count: 10).count, 10)
        XCTAssertEqual(LineCompletionTask.select(from: documents, count: 50).count, 10)
    }

    /// A tokenizer whose pieces are single characters (bytes, "▁", "\n" and a four-space indent), so a prefix
    /// of the text tokenizes to a prefix of the text's tokens.
    private func characterTokenizer() throws -> Tokenizer {
        try Tokenizer(vocabulary: SyntheticTeacher.vocabulary(for: [], pieces: 0))
    }

    func testExactMatchAndEditSimilarityOfAModelWithAKnownGreedyContinuation() throws {
        let tokenizer = try characterTokenizer()
        let text = "import os\n\ndef f(x):\n    return x + 1\n\nprint(f(2))\n"
        let sequence = tokenizer.encode(text, addBOS: true)
        /// The index in `sequence` of the token that starts `text`'s character `offset`.
        func index(_ prefix: String) -> Int { tokenizer.encode(prefix, addBOS: true).count }
        func token(_ character: String) -> Int32 { tokenizer.encode(character, addBOS: false)[0] }
        let tasks = LineCompletionTask.select(from: [text], count: 10)
        XCTAssertEqual(tasks.map(\.expected), ["def f(x):", "return x + 1", "print(f(2))"])

        let perfect = MemorizingModel(sequence: sequence, vocabularySize: tokenizer.vocabularySize, bos: 2, eos: 1)
        let perfectScore = try LineCompletion(model: perfect, tokenizer: tokenizer, contextLength: 256).score(tasks)
        XCTAssertEqual(perfectScore, LineCompletionScore(lines: 3, exactMatches: 3, editSimilarity: 1))

        // "return x + 2" (one substitution in 12 characters), "print" (then a newline: 6 deletions in 11),
        // and an end-of-sequence token before anything of "def f(x):" (similarity 0)
        let wrong = MemorizingModel(
            sequence: sequence,
            mistakes: [index("import os\n\ndef f(x):\n    return x + "): token("2"),
                       index("import os\n\ndef f(x):\n    return x + 1\n\nprint"): token("\n"),
                       index("import os\n\n"): 1],
            vocabularySize: tokenizer.vocabularySize, bos: 2, eos: 1)
        let completion = try LineCompletion(model: wrong, tokenizer: tokenizer, contextLength: 256)
        let state = wrong.makeState(contextLength: 256)
        XCTAssertEqual(try tasks.map { try completion.complete($0.prompt, state: state) }, ["", "return x + 2", "print"])
        let score = try completion.score(tasks)
        XCTAssertEqual(score.lines, 3)
        XCTAssertEqual(score.exactMatches, 0)
        XCTAssertEqual(score.editSimilarity, (0 + (1 - 1.0 / 12) + (1 - 6.0 / 11)) / 3, accuracy: 1e-12)
    }

    func testALongPromptKeepsBOSAndItsLastTokens() throws {
        let tokenizer = try characterTokenizer()
        let model = MemorizingModel(sequence: [2], vocabularySize: tokenizer.vocabularySize, bos: 2, eos: 1)
        let completion = try LineCompletion(model: model, tokenizer: tokenizer, contextLength: 10, maxTokens: 4)
        // room for BOS and 10 - 4 - 1 = 5 tokens of text
        XCTAssertEqual(completion.promptTokens("abcdefgh"), [2] + tokenizer.encode("defgh", addBOS: false))
        XCTAssertEqual(completion.promptTokens("ab"), [2] + tokenizer.encode("ab", addBOS: false))
        XCTAssertThrowsError(try LineCompletion(model: model, tokenizer: tokenizer, contextLength: 5, maxTokens: 4)) {
            XCTAssertTrue("\($0)".contains("longer than 5 tokens"), "\($0)")
        }
    }
}
