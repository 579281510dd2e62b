import Foundation
import XCTest
import Distill

/// The optimizer's schedule, the progress callback and the JSONL log.
final class TrainerTests: XCTestCase {
    func testWarmupThenCosineDecay() {
        let config = OptimizerConfig(learningRate: 1, minimumLearningRateFraction: 0.1, warmupSteps: 4)
        XCTAssertEqual(config.scheduledLearningRate(step: 0, totalSteps: 14), 0.25, accuracy: 1e-6)
        XCTAssertEqual(config.scheduledLearningRate(step: 3, totalSteps: 14), 1, accuracy: 1e-6)
        XCTAssertEqual(config.scheduledLearningRate(step: 9, totalSteps: 14), 0.55, accuracy: 1e-6, "halfway down the cosine")
        XCTAssertEqual(config.scheduledLearningRate(step: 14, totalSteps: 14), 0.1, accuracy: 1e-6)
        XCTAssertEqual(config.scheduledLearningRate(step: 20, totalSteps: 14), 0.1, accuracy: 1e-6)
    }

    /// One AdamW step from zero moments moves every weight by lr * sign(g) (bias correction makes
    /// m / sqrt(v) = g / |g|), plus decay on matrices only.
    func testFirstAdamWStepAndSelectiveWeightDecay() throws {
        let config = TrainingModelConfig(vocabularySize: 9, embeddingLength: 4, layerCount: 1, headCount: 2,
                                         feedForwardLength: 6, contextLength: 4)
        let model = try TrainingModel(config: config, seed: 1, standardDeviation: 0.3)
        let before = model.parameterValues
        let lr: Float = 0.01, decay: Float = 0.5
        let data = InMemoryTrainingData([TrainingSequence(tokens: [1, 2, 3, 4, 5])])
        let trainer = try Trainer(model: model, config: TrainerConfig(
            batchSize: 1, sequenceLength: 4, totalSteps: 1, loss: DistillationLoss(kind: .ce),
            optimizer: OptimizerConfig(learningRate: lr, epsilon: 1e-12, weightDecay: decay, gradientClip: 0)),
            data: data)
        _ = try trainer.trainStep()
        let after = model.parameterValues
        XCTAssertGreaterThan(zip(before, after).filter { $0 != $1 }.count, before.count / 2, "most weights moved")
        for tensor in model.layout.tensors {
            for i in tensor.offset..<(tensor.offset + tensor.count) where after[i] != before[i] {
                let decayTerm = tensor.decays ? lr * decay * before[i] : 0
                let step = abs(before[i] - decayTerm - after[i])
                XCTAssertEqual(step, lr, accuracy: lr * 1e-3, "\(tensor.name)[\(i - tensor.offset)]")
            }
        }
        XCTAssertFalse(model.layout.tensor(named: "token_embd.weight")!.decays)
        XCTAssertFalse(model.layout.tensor(named: "blk.0.attn_norm.weight")!.decays)
        XCTAssertTrue(model.layout.tensor(named: "blk.0.ffn_down.weight")!.decays)
    }

    func testProgressCallbackCanStopAndLogHasOneLinePerStep() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("distill-log-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let teacher = try TinyTeacher()
        let data = InMemoryTrainingData(try teacher.sample(count: 4, sequenceLength: 8, seed: 1))
        let model = try TrainingModel(config: DistillationTests.studentConfig, seed: 1)
        let trainer = try Trainer(model: model, config: TrainerConfig(
            batchSize: 2, sequenceLength: 8, totalSteps: 10, threads: 1), data: data)
        var seen: [Int] = []
        let last = try trainer.train(log: TrainingLog(path: path)) { progress in
            seen.append(progress.step)
            XCTAssertTrue(progress.line.hasPrefix("step \(progress.step)/10  loss "), progress.line)
            XCTAssertTrue(progress.line.contains(" kl ") && progress.line.contains("tok/s"), progress.line)
            return progress.step == 3 ? .stop : .proceed
        }
        XCTAssertEqual(seen, [1, 2, 3])
        XCTAssertEqual(trainer.step, 3)
        XCTAssertEqual(last?.tokens, 3 * 16)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let record = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as! [String: Any]
        XCTAssertEqual(record["step"] as? Int, 3)
        XCTAssertNotNil(record["kl"] as? Double)
        XCTAssertNotNil(record["tokens_per_second"] as? Double)
    }

    func testInvalidConfigurationsAreTypedErrors() throws {
        let model = try TrainingModel(config: DistillationTests.studentConfig, seed: 1)
        let data = InMemoryTrainingData([TrainingSequence(tokens: [1, 2, 3, 4, 5])])
        XCTAssertThrowsError(try Trainer(model: model, config: TrainerConfig(
            batchSize: 1, sequenceLength: 4, tokensPerStep: 6, totalSteps: 1), data: data))
        XCTAssertThrowsError(try Trainer(model: model, config: TrainerConfig(
            batchSize: 1, sequenceLength: 4, totalSteps: 1, loss: DistillationLoss(alpha: 2)), data: data))
        XCTAssertThrowsError(try Trainer(model: model, config: TrainerConfig(
            batchSize: 1, sequenceLength: 100, totalSteps: 1), data: data), "longer than the context")
        XCTAssertThrowsError(try TrainingModel(config: TrainingModelConfig(
            vocabularySize: 10, embeddingLength: 10, layerCount: 1, headCount: 3, feedForwardLength: 4, contextLength: 4),
            seed: 1))
        let kl = try Trainer(model: model, config: TrainerConfig(batchSize: 1, sequenceLength: 4, totalSteps: 1),
                             data: data)
        XCTAssertThrowsError(try kl.trainStep(), "kl without teacher targets") { XCTAssertTrue($0 is TrainingError) }
        let short = try Trainer(model: model, config: TrainerConfig(
            batchSize: 1, sequenceLength: 4, totalSteps: 1, loss: DistillationLoss(kind: .ce)),
            data: InMemoryTrainingData([TrainingSequence(tokens: [1, 2])]))
        XCTAssertThrowsError(try short.trainStep(), "sequence shorter than T + 1")
    }
}

/// Several teachers per sequence, mixed with the loss's weights inside the trainer.
final class MultiTeacherTrainingTests: XCTestCase {
    func testTwoTeachersAreMixedWithTheLossWeights() throws {
        let a = try TinyTeacher(seed: 100, k: 6), b = try TinyTeacher(seed: 200, k: 6)
        let fromA = try a.sample(count: 4, sequenceLength: 8, seed: 1)
        // teacher b's targets on teacher a's text: same positions, a different distribution
        let tokens = fromA.flatMap { $0.tokens[0..<8] }
        let bLogits = try b.model.logits(tokens: tokens, batchSize: 4, sequenceLength: 8, threads: 1)
        let bTargets = try TeacherTargets(logits: bLogits, vocabularySize: 48, k: 6, temperature: 1)
        let both = InMemoryTrainingData(fromA.enumerated().map { i, sequence in
            TrainingSequence(tokens: sequence.tokens, teachers: [sequence.teachers[0], bTargets.slice(i * 8..<(i + 1) * 8)])
        })
        func trainer(weights: [Float]) throws -> Trainer {
            try Trainer(model: TrainingModel(config: DistillationTests.studentConfig, seed: 1), config: TrainerConfig(
                batchSize: 2, sequenceLength: 8, totalSteps: 1, loss: DistillationLoss(teacherWeights: weights),
                threads: 1), data: both)
        }
        let onlyA = try trainer(weights: [1, 0]).evaluate(both.sequences)
        let onlyAData = InMemoryTrainingData(fromA)
        let reference = try Trainer(model: TrainingModel(config: DistillationTests.studentConfig, seed: 1),
                                    config: TrainerConfig(batchSize: 2, sequenceLength: 8, totalSteps: 1, threads: 1),
                                    data: onlyAData).evaluate(fromA)
        XCTAssertEqual(onlyA.kl!, reference.kl!, accuracy: 1e-6, "weight 0 removes a teacher")
        let mixed = try trainer(weights: [0.5, 0.5])
        XCTAssertNotEqual(try mixed.evaluate(both.sequences).kl!, onlyA.kl!, accuracy: 1e-4)
        XCTAssertNoThrow(try mixed.trainStep())
        XCTAssertThrowsError(try trainer(weights: [1]).trainStep(), "two teachers need two weights")
    }
}

final class TrainingModelTests: XCTestCase {
    /// GGUF names and shapes, llm.c-style init, and a round trip through weights by name.
    func testLayoutNamesShapesAndInit() throws {
        let config = TrainingModelConfig.studentS
        let model = try TrainingModel(config: config, seed: 1)
        XCTAssertEqual(model.parameterCount, 7_604_480, "the 7.6M student of student-s-q8_0.gguf")
        XCTAssertEqual(model.layout.tensors.count, 2 + 9 * 4 + 1)
        XCTAssertEqual(model.layout.tensor(named: "blk.3.ffn_gate.weight")?.ggufShape, [256, 768])
        XCTAssertEqual(model.layout.tensor(named: "blk.0.attn_norm.weight")?.ggufShape, [256])
        XCTAssertEqual(model.layout.tensor(named: "output.weight")?.ggufShape, [256, 8192])
        XCTAssertEqual(model.weights(named: "output_norm.weight"), [Float](repeating: 1, count: 256))
        func std(_ name: String) -> Double {
            let w = model.weights(named: name)!.map(Double.init)
            return (w.reduce(0) { $0 + $1 * $1 } / Double(w.count)).squareRoot()
        }
        XCTAssertEqual(std("token_embd.weight"), 0.02, accuracy: 0.001)
        XCTAssertEqual(std("blk.0.attn_q.weight"), 0.02, accuracy: 0.001)
        XCTAssertEqual(std("blk.0.ffn_down.weight"), 0.02 / 8.0.squareRoot(), accuracy: 0.001, "1/sqrt(2L)")
        let byName = Dictionary(uniqueKeysWithValues: model.layout.tensors.map { ($0.name, model.weights(named: $0.name)!) })
        let copy = try TrainingModel(config: config, tensors: byName)
        XCTAssertTrue(copy.parameterValues == model.parameterValues)
        var missing = byName
        missing["blk.2.attn_k.weight"] = nil
        XCTAssertThrowsError(try TrainingModel(config: config, tensors: missing))
        XCTAssertNil(try TrainingModel(config: TrainingModelConfig(
            vocabularySize: 8, embeddingLength: 4, layerCount: 1, headCount: 2, feedForwardLength: 4, contextLength: 4,
            tiedEmbeddings: true), seed: 1).layout.tensor(named: "output.weight"))
    }
}
