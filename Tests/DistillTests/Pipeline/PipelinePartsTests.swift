import Engine
import GGUF
import Tokenizer
import XCTest
@testable import Distill

final class PipelinePartsTests: XCTestCase {
    func testSHA256MatchesTheStandardVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // a million "a", fed in uneven pieces
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var left = 1_000_000
        while left > 0 {
            let n = min(left, piece.count - left % 7)
            hasher.update(Array(piece.prefix(n)))
            left -= n
        }
        XCTAssertEqual(hasher.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testWindowsCoverEveryTokenOnceAsATarget() {
        let documents: [[Int32]] = [[10, 11, 12], [], [20, 21, 22, 23, 24]]
        // stream: 10 11 12 EOS 20 21 22 23 24 EOS (10 tokens), T = 3
        let windows = TokenWindows.pack(documents, length: 3, bos: 1, eos: 2)
        XCTAssertEqual(windows, [[1, 10, 11, 12], [1, 2, 20, 21], [1, 22, 23, 24]])
        XCTAssertEqual(TokenWindows.pack(documents, length: 3, bos: 1, eos: 2, keepPartialLast: true).last, [1, 2])
        // without BOS, consecutive windows share one token: the last input of one is the first of the next
        XCTAssertEqual(TokenWindows.pack(documents, length: 3, bos: nil, eos: 2),
                       [[10, 11, 12, 2], [2, 20, 21, 22], [22, 23, 24, 2]])
    }

    func testACappedTrainingSetIsDrawnFromTheWholeCorpus() {
        let windows: [[Int32]] = (0..<10).map { [Int32($0)] }
        XCTAssertEqual(TokenWindows.evenlySpaced(windows, count: 3), [[0], [3], [6]])
        XCTAssertEqual(TokenWindows.evenlySpaced(windows, count: 5), [[0], [2], [4], [6], [8]])
        XCTAssertEqual(TokenWindows.evenlySpaced(windows, count: 10), windows)
        XCTAssertEqual(TokenWindows.evenlySpaced(windows, count: 25), windows)
        XCTAssertEqual(TokenWindows.evenlySpaced(windows, count: 0), [])
    }

    func testCalibrationErrorOfKnownBins() {
        var bins = CalibrationBins(bins: 10)
        for i in 0..<10 { bins.add(confidence: 0.95, isCorrect: i < 9) }  // 90% right at 95% confidence
        for i in 0..<10 { bins.add(confidence: 0.35, isCorrect: i < 2) }  // 20% right at 35% confidence
        XCTAssertEqual(bins.expectedCalibrationError, 0.5 * 0.05 + 0.5 * 0.15, accuracy: 1e-12)
        var perfect = CalibrationBins()
        perfect.add(confidence: 1, isCorrect: true)
        XCTAssertEqual(perfect.expectedCalibrationError, 0)
    }

    func testTeacherComparisonOfIdenticalDistributionsAgreesWithZeroKL() {
        var comparison = TeacherComparison()
        let logits: [Float] = [2, 0.5, -1, 0]
        let lse = logits.withUnsafeBufferPointer { logSumExp($0) }
        let logp = logits.map { $0 - lse }
        logits.withUnsafeBufferPointer { z in
            logp.withUnsafeBufferPointer { p in comparison.add(studentLogits: z, teacherLogProbs: p, target: 1) }
        }
        let metrics = comparison.metrics(bitsPerByte: 1)
        XCTAssertEqual(metrics.top1Agreement, 1)
        XCTAssertEqual(try XCTUnwrap(metrics.klToTeacher), 0, accuracy: 1e-6)
        XCTAssertEqual(metrics.top1Accuracy, 0)
        XCTAssertEqual(try XCTUnwrap(metrics.expectedCalibrationError), Double(exp(logp[0])), accuracy: 1e-6)
    }

    func testATiedStudentHasNoOutputTensorAndRunsInTheEngine() throws {
        let vocabulary = try SyntheticTeacher.vocabulary(for: SyntheticCorpus.documents(count: 3), pieces: 40)
        let config = StudentShape(embeddingLength: 32, layerCount: 1, headCount: 2, feedForwardLength: 64, tiedEmbeddings: true)
            .config(vocabularySize: vocabulary.count, contextLength: 16)
        let model = try TrainingModel(config: config, seed: 3, standardDeviation: 0.2)
        let writer = try StudentGGUF.writer(model: model, vocabulary: vocabulary, weightType: .f32, name: "tied")
        let file = try GGUFFile(mapped: MappedFile(contents: writer.serialized()))
        XCTAssertNil(file.tensor(named: "output.weight"))
        let engine = try LlamaModel(file: file)
        let tokens: [Int32] = [2, 270, 300, 5, 280]
        let expected = try model.logits(tokens: tokens, batchSize: 1, sequenceLength: tokens.count)
        let actual = try engine.forward(tokens: tokens, startPosition: 0, state: engine.makeState(), logits: .allTokens)
        XCTAssertEqual(zip(expected, actual).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-4)
    }

    func testPresetsHaveTheAdvertisedSizes() throws {
        func parameters(_ shape: StudentShape) throws -> Int {
            try TrainingModel(config: shape.config(vocabularySize: 8192, contextLength: 256), seed: 0).parameterCount
        }
        XCTAssertEqual(try parameters(.small), 7_604_480, "the fixture student's shape")
        XCTAssertEqual(Double(try parameters(.tiny)), 1.2e6, accuracy: 0.1e6)
        XCTAssertEqual(Double(try parameters(.base)), 26e6, accuracy: 1.5e6)
        XCTAssertThrowsError(try StudentShape.preset(named: "huge"))
        XCTAssertThrowsError(try StudentShape(embeddingLength: 48, layerCount: 1, headCount: 2, feedForwardLength: 64).validate())
    }
}
