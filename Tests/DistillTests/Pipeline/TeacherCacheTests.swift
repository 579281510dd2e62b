import Foundation
import XCTest
@testable import Distill

/// A teacher whose logits are a fixed function of (token, position), counting its forward passes and
/// able to fail after a number of them, like a process killed mid-pass.
final class FakeTeacher: TeacherForward {
    let S: Int
    var calls = 0
    var failAfter: Int?

    init(studentVocabularySize: Int, failAfter: Int? = nil) {
        S = studentVocabularySize
        self.failAfter = failAfter
    }

    struct Killed: Error {}

    var vocabularySize: Int { S }

    func studentLogits(_ tokens: ArraySlice<Int32>) throws -> [Float] {
        if let failAfter, calls >= failAfter { throw Killed() }
        calls += 1
        return Self.logits(tokens, S)
    }

    func fullLogits(_ tokens: ArraySlice<Int32>) throws -> [Float] { try studentLogits(tokens) }

    static func logits(_ tokens: ArraySlice<Int32>, _ S: Int) -> [Float] {
        tokens.enumerated().flatMap { position, token in
            (0..<S).map { s in Float((Int(token) * 31 + s * 17 + position * 7) % 23) * 0.4 }
        }
    }
}

final class TeacherCacheTests: XCTestCase {
    let S = 40, T = 8, k = 5

    private func sequences(_ count: Int) -> [[Int32]] {
        (0..<count).map { n in (0...T).map { Int32((n * 13 + $0 * 5) % S) } }
    }

    private func identity(_ sequences: [[Int32]], temperature: Float = 2) -> CacheIdentity {
        CacheIdentity(teachers: ["aa", "bb"], vocabulary: "vv", topK: k, temperature: temperature, sequenceLength: T,
                      sequences: sequences.count, data: CacheIdentity.dataDigest(sequences))
    }

    private func build(_ folder: String, _ sequences: [[Int32]], _ teachers: [FakeTeacher], identity: CacheIdentity? = nil,
                       events: ((TeacherCacheEvent) -> Void)? = nil) throws -> TeacherCache {
        try TeacherCache.prepare(directory: folder, identity: identity ?? self.identity(sequences), sequences: sequences,
                                 teachers: teachers, sequencesPerShard: 3) { events?($0) }
    }

    func testStoresEachTeachersTopKOfItsLogitsAtTheCaptureTemperature() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let data = sequences(7)
        let cache = try build(folder.path, data, [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)])
        XCTAssertEqual(cache.sequenceCount, 7)
        for n in [0, 3, 6] {
            let sequence = try cache.sequence(at: n)
            XCTAssertEqual(sequence.tokens, data[n])
            XCTAssertEqual(sequence.teachers.count, 2)
            let expected = try TeacherTargets(logits: FakeTeacher.logits(data[n].prefix(T), S), vocabularySize: S, k: k,
                                              temperature: 2)
            XCTAssertEqual(sequence.teachers[0], expected)
            for p in 0..<T {  // each position's buckets are a distribution over the student vocabulary
                let mass = (0..<k).reduce(Double(expected.tailMass[p])) { $0 + exp(Double(expected.logprobs[p * k + $1])) }
                XCTAssertEqual(mass, 1, accuracy: 1e-5)
            }
        }
        XCTAssertThrowsError(try cache.sequence(at: 7))
    }

    func testAKilledPassResumesFromItsFinishedShards() throws {
        let folder = try TemporaryFolder(), reference = try TemporaryFolder()
        defer { folder.cleanUp(); reference.cleanUp() }
        let data = sequences(10)
        // 2 teachers, killed during the 6th sequence: shards 0 (sequences 0-2) and 1 (3-5) are not both done
        let dying = [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S, failAfter: 5)]
        XCTAssertThrowsError(try build(folder.path, data, dying)) { XCTAssertTrue($0 is FakeTeacher.Killed) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: TeacherCache.shardPath(folder.path, 0)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: TeacherCache.shardPath(folder.path, 1)))

        let again = [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)]
        var last: TeacherPassProgress?
        let resumed = try build(folder.path, data, again) { if case .progress(let p) = $0 { last = p } }
        XCTAssertEqual(again.map(\.calls), [7, 7], "only the 7 sequences after shard 0 are computed again")
        XCTAssertEqual(last?.reusedShards, 1)
        XCTAssertEqual(last?.sequencesDone, 10)

        let fresh = try build(reference.path, data, [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)])
        for n in 0..<10 { XCTAssertEqual(try resumed.sequence(at: n), try fresh.sequence(at: n)) }

        // a complete cache is reused without a single forward pass
        let idle = [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)]
        _ = try build(folder.path, data, idle)
        XCTAssertEqual(idle.map(\.calls), [0, 0])
    }

    func testAHalfWrittenOrCorruptShardIsDetectedAndRedone() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let data = sequences(9)
        let teachers = [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)]
        let original = try build(folder.path, data, teachers)
        let expected = try (0..<9).map { try original.sequence(at: $0) }

        let shard1 = TeacherCache.shardPath(folder.path, 1), shard2 = TeacherCache.shardPath(folder.path, 2)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: shard1))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: shard1))  // cut short
        var flipped = try Data(contentsOf: URL(fileURLWithPath: shard2))
        flipped[flipped.count / 2] ^= 0x40  // one bit of a log-prob
        try flipped.write(to: URL(fileURLWithPath: shard2))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: shard1 + ".tmp-4242"))  // an interrupted atomic write

        var damaged: [String: String] = [:]
        let fixing = [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)]
        let repaired = try build(folder.path, data, fixing) {
            if case .damagedShard(let path, let reason) = $0 { damaged[(path as NSString).lastPathComponent] = reason }
        }
        XCTAssertEqual(damaged.keys.sorted(), ["shard-00001.bin", "shard-00002.bin"])
        XCTAssertTrue(damaged["shard-00001.bin"]!.contains("cut short"), damaged["shard-00001.bin"]!)
        XCTAssertEqual(damaged["shard-00002.bin"], "checksum mismatch")
        XCTAssertEqual(fixing.map(\.calls), [6, 6], "only the two damaged shards are recomputed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: shard1 + ".tmp-4242"))
        for n in 0..<9 { XCTAssertEqual(try repaired.sequence(at: n), expected[n]) }
    }

    func testACacheOfAnotherRunIsRefusedAndLeftUntouched() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let data = sequences(6)
        _ = try build(folder.path, data, [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)])
        let before = try Data(contentsOf: URL(fileURLWithPath: TeacherCache.shardPath(folder.path, 0)))

        let base = identity(data)
        var changes: [(String, CacheIdentity)] = []
        var id = base; id.teachers = ["aa", "cc"]; changes.append(("teachers (sha256)", id))
        id = base; id.vocabulary = "ww"; changes.append(("vocabulary sha256", id))
        id = base; id.topK = 4; changes.append(("top-k", id))
        id = base; id.temperature = 1; changes.append(("capture temperature", id))
        id = base; id.data = "other"; changes.append(("training data sha256", id))
        id = base; id.outsideVocabulary = .firstPiece; changes.append(("targets outside the student vocabulary", id))
        for (field, changed) in changes {
            let teachers = [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)]
            XCTAssertThrowsError(try build(folder.path, data, teachers, identity: changed)) { error in
                guard case DistillError.cacheMismatch(_, let reported, _, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(reported, field)
                XCTAssertTrue("\(error)".contains("never mixed"), "\(error)")
            }
            XCTAssertEqual(teachers.map(\.calls), [0, 0])
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: TeacherCache.shardPath(folder.path, 0))), before)
    }

    /// A shard of format 2 (its header without `outsideVocabulary`, whose targets renormalized) is refused by
    /// its format, not read as damaged and deleted.
    func testACacheOfTheFormatBeforeIsRefusedByName() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let data = sequences(3)
        var old = identity(data)
        old.format = 2
        old.outsideVocabulary = nil
        let targets = try TeacherTargets(logits: FakeTeacher.logits(data[0].prefix(T), S), vocabularySize: S, k: k, temperature: 2)
        let header = CacheShard.Header(identity: old, shard: 0, firstSequence: 0, sequenceCount: 3)
        try CacheShard.write(header, tokens: data, targets: Array(repeating: Array(repeating: targets, count: 3), count: 2),
                             to: TeacherCache.shardPath(folder.path, 0))
        XCTAssertFalse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: TeacherCache.shardPath(folder.path, 0))),
                              as: UTF8.self).contains("outsideVocabulary"))
        XCTAssertThrowsError(try build(folder.path, data, [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)])) {
            XCTAssertEqual($0 as? DistillError, .cacheMismatch(path: folder.path, field: "format", cached: "2", requested: "\(CacheIdentity.currentFormat)"))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: TeacherCache.shardPath(folder.path, 0)), "left untouched")
    }

    func testTheTrainerReadsTheCache() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let data = sequences(6)
        let cache = try build(folder.path, data, [FakeTeacher(studentVocabularySize: S), FakeTeacher(studentVocabularySize: S)])
        let model = try TrainingModel(config: TrainingModelConfig(vocabularySize: S, embeddingLength: 16, layerCount: 1,
                                                                  headCount: 2, feedForwardLength: 32, contextLength: T),
                                      seed: 1)
        let trainer = try Trainer(model: model, config: TrainerConfig(
            batchSize: 2, sequenceLength: T, totalSteps: 3, loss: DistillationLoss(temperature: 2, teacherWeights: [1, 3])),
                                  data: cache)
        let first = try trainer.trainStep()
        XCTAssertNotNil(first.kl)
        XCTAssertTrue(first.loss.isFinite)
    }
}
