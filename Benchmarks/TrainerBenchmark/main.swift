import Distill
import Foundation

let config = TrainingModelConfig(vocabularySize: 48, embeddingLength: 32, layerCount: 2, headCount: 2, kvHeadCount: 1, feedForwardLength: 64, contextLength: 64)
let model = try TrainingModel(config: config, seed: 1)
var rng = Xoshiro256(seed: 3)
let seqs = (0..<96).map { _ in TrainingSequence(tokens: (0..<33).map { _ in Int32(rng.next() % 48) }) }
let trainer = try Trainer(model: model, config: TrainerConfig(batchSize: 8, sequenceLength: 32, totalSteps: 100, loss: DistillationLoss(kind: .ce)), data: InMemoryTrainingData(seqs))
let clock = ContinuousClock()
let t = clock.measure { for _ in 0..<100 { _ = try! trainer.trainStep() } }
print("100 steps", t)
