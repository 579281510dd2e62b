import XCTest
import Distill

/// End to end: a tiny random teacher distilled into a smaller student.
final class DistillationTests: XCTestCase {
    static let T = 32
    static let studentConfig = TrainingModelConfig(
        vocabularySize: 48, embeddingLength: 32, layerCount: 2, headCount: 2, kvHeadCount: 1, feedForwardLength: 64,
        contextLength: 64)

    private func train(_ loss: DistillationLoss, steps: Int, train: [TrainingSequence], heldOut: [TrainingSequence])
        throws -> (before: Evaluation, after: Evaluation, trainBefore: Evaluation, trainAfter: Evaluation)
    {
        let student = try TrainingModel(config: Self.studentConfig, seed: 1)
        let config = TrainerConfig(
            batchSize: 8, sequenceLength: Self.T, totalSteps: steps, seed: 2, loss: loss,
            optimizer: OptimizerConfig(learningRate: 1e-2, warmupSteps: 10, weightDecay: 0.0), threads: 1)
        let trainer = try Trainer(model: student, config: config, data: InMemoryTrainingData(train))
        // evaluate every student with the same kl loss so "kl" means the same thing for both
        let evaluator = { try Trainer(model: student, config: TrainerConfig(batchSize: 8, sequenceLength: Self.T,
                                                                              totalSteps: 1, threads: 1), data: InMemoryTrainingData(train)) }
        let before = try evaluator().evaluate(heldOut), trainBefore = try evaluator().evaluate(train)
        try trainer.train()
        return (before, try evaluator().evaluate(heldOut), trainBefore, try evaluator().evaluate(train))
    }

    func testKLStudentApproachesTeacherAndBeatsCrossEntropyStudent() throws {
        let teacher = try TinyTeacher()
        let all = try teacher.sample(count: 112, sequenceLength: Self.T, seed: 9)
        let train = Array(all[0..<96]), heldOut = Array(all[96...])  // 3,072 training tokens, 512 held out
        let steps = 150
        let kl = try self.train(DistillationLoss(kind: .kl, alpha: 0.9), steps: steps, train: train, heldOut: heldOut)
        let ce = try self.train(DistillationLoss(kind: .ce), steps: steps, train: train, heldOut: heldOut)
        let klBefore = kl.before.kl!, klAfter = kl.after.kl!, ceAfter = ce.after.kl!
        print("held-out KL: start \(klBefore), kl student \(klAfter), ce student \(ceAfter); "
              + "train KL \(kl.trainBefore.kl!) -> \(kl.trainAfter.kl!)")
        XCTAssertLessThan(kl.trainAfter.kl! * 5, kl.trainBefore.kl!, "training KL falls at least 5x")
        XCTAssertLessThan(klAfter * 5, klBefore, "held-out KL falls at least 5x")
        XCTAssertLessThan(klAfter, ceAfter, "the kl student ends closer to the teacher than the ce student")
    }
}
