import Distill

/// Where a training step's time goes: the graph's forward, the loss, the graph's backward (the rest of
/// a step is batch assembly, clipping and AdamW).
struct PhaseTimes: CustomStringConvertible {
    var forward = 0.0, loss = 0.0, backward = 0.0
    var total: Double { forward + loss + backward }

    var description: String {
        "forward \(ms(forward))  loss (fused forward + backward) \(ms(loss))  backward \(ms(backward))"
    }

    func ms(_ s: Double) -> String { String(format: "%.1f", s * 1000) }

    static func measure(model: TrainingModel, data: InMemoryTrainingData, loss: DistillationLoss, batchSize B: Int,
                        sequenceLength T: Int, threads: Int?, repeats: Int) throws -> PhaseTimes {
        let graph = try TrainingGraph(model: model, batchSize: B, sequenceLength: T)
        let sequences = Array(data.sequences[0..<B])
        let tokens = sequences.flatMap { $0.tokens[0..<T] }
        let targets = sequences.flatMap { $0.tokens[1...T] }
        let teacher = try TeacherTargets.concatenate(sequences.map { $0.teachers[0] })
        let N = B * T, V = model.config.vocabularySize
        let clock = ContinuousClock()
        var runs: [PhaseTimes] = []
        try BLASThreads.with(threads) {
            for _ in 0..<(repeats + 1) {
                var times = PhaseTimes()
                var start = clock.now
                func lap() -> Double {
                    let now = clock.now
                    defer { start = now }
                    return seconds(now - start)
                }
                try tokens.withUnsafeBufferPointer { try graph.forward(tokens: $0) }
                times.forward = lap()
                try LossLayer.backward(graph.logitGradients.base, graph.logits.base, targets, teacher, loss,
                                       dloss: 1 / Float(N), N, V)
                times.loss = lap()
                graph.backward()
                times.backward = lap()
                runs.append(times)
            }
        }
        runs.removeFirst()
        return PhaseTimes(forward: median(runs.map(\.forward)), loss: median(runs.map(\.loss)),
                          backward: median(runs.map(\.backward)))
    }
}
