import Distill
import Foundation
import Tensors
import XCTest

/// Kill-and-resume gives the uninterrupted run's weights bit for bit; damaged files are refused.
final class CheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("distill-checkpoint-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// 10 sequences, 2 per micro-batch, 2 micro-batches per step: epochs end mid-step, so the resumed
    /// run must rebuild the shuffled order of the epoch it was in and draw the next epochs identically.
    private func makeTrainer(steps: Int) throws -> (Trainer, InMemoryTrainingData) {
        let teacher = try TinyTeacher(k: 6)
        let data = InMemoryTrainingData(try teacher.sample(count: 10, sequenceLength: 8, seed: 3))
        let config = TrainerConfig(
            batchSize: 2, sequenceLength: 8, tokensPerStep: 32, totalSteps: steps, seed: 77,
            loss: DistillationLoss(kind: .kl, alpha: 0.5, temperature: 1),
            optimizer: OptimizerConfig(learningRate: 5e-3, warmupSteps: 3), threads: 1)
        let student = try TrainingModel(config: DistillationTests.studentConfig, seed: 5)
        return (try Trainer(model: student, config: config, data: data), data)
    }

    func testResumedRunMatchesUninterruptedRunBitForBit() throws {
        let steps = 12, path = directory.appendingPathComponent("run.ckpt").path
        let (uninterrupted, _) = try makeTrainer(steps: steps)
        var fullCurve: [Double] = []
        try uninterrupted.train { progress in fullCurve.append(progress.loss); return .proceed }

        let (first, data) = try makeTrainer(steps: steps)
        try first.train(checkpoint: CheckpointPolicy(path: path)) { $0.step == steps / 2 ? .stop : .proceed }
        XCTAssertEqual(first.step, steps / 2)

        let resumed = try Trainer(resumingFrom: path, data: data, threads: 1)
        XCTAssertEqual(resumed.step, steps / 2)
        var resumedCurve: [Double] = []
        try resumed.train { progress in resumedCurve.append(progress.loss); return .proceed }

        XCTAssertEqual(resumed.step, steps)
        XCTAssertEqual(resumed.tokensSeen, uninterrupted.tokensSeen)
        XCTAssertEqual(resumedCurve, Array(fullCurve[(steps / 2)...]), "the loss curve continues exactly")
        XCTAssertTrue(resumed.model.parameterValues == uninterrupted.model.parameterValues, "bit-identical weights")
        XCTAssertFalse(first.model.parameterValues == uninterrupted.model.parameterValues, "the halves really differ")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(leftovers, ["run.ckpt"], "no temporary file left behind")
    }

    func testResumingUsesThisProcesssThreadCountNotTheSavedOne() throws {
        let (trainer, data) = try makeTrainer(steps: 2)
        XCTAssertEqual(trainer.config.threads, 1)
        _ = try trainer.trainStep()
        let path = directory.appendingPathComponent("threads.ckpt").path
        try trainer.saveCheckpoint(to: path)
        XCTAssertNil(try Trainer(resumingFrom: path, data: data).config.threads, "the library default: all cores")
        XCTAssertEqual(try Trainer(resumingFrom: path, data: data, threads: 2).config.threads, 2)
    }

    func testDamagedCheckpointsAreRefusedWithTypedErrors() throws {
        let (trainer, data) = try makeTrainer(steps: 2)
        _ = try trainer.trainStep()
        let path = directory.appendingPathComponent("a.ckpt").path
        try trainer.saveCheckpoint(to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))

        var flipped = bytes
        flipped[flipped.count / 2] ^= 0x40
        try flipped.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Trainer(resumingFrom: path, data: data)) { error in
            XCTAssertTrue("\(error)".contains("checksum"), "\(error)")
        }
        bytes.removeLast(100)
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Trainer(resumingFrom: path, data: data)) { XCTAssertTrue($0 is TrainingError) }
        try Data("not a checkpoint at all".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Trainer(resumingFrom: path, data: data)) { XCTAssertTrue($0 is TrainingError) }
        XCTAssertThrowsError(try Trainer(resumingFrom: directory.appendingPathComponent("missing").path, data: data))
    }

    func testResumingOnDifferentDataIsRefused() throws {
        let (trainer, _) = try makeTrainer(steps: 2)
        let path = directory.appendingPathComponent("b.ckpt").path
        try trainer.saveCheckpoint(to: path)
        let other = InMemoryTrainingData([TrainingSequence(tokens: [Int32](repeating: 1, count: 9))])
        XCTAssertThrowsError(try Trainer(resumingFrom: path, data: other)) { XCTAssertTrue($0 is TrainingError) }
    }

    /// A checkpoint that cannot be written is a training error naming the file (AtomicFileTests has the rest).
    func testUnwritableCheckpointIsATrainingError() throws {
        let (trainer, _) = try makeTrainer(steps: 1)
        XCTAssertThrowsError(try trainer.saveCheckpoint(to: directory.path + "/no/such/dir/x.ckpt")) {
            guard case .io(let path, _)? = $0 as? TrainingError else { return XCTFail("\($0)") }
            XCTAssertTrue(path.contains("/no/such/dir/x.ckpt"), path)
        }
    }
}
