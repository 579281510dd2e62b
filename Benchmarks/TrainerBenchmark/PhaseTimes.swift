import Distill

/// Where a training step's time goes: the graph's forward and backward, the loss in both directions.
struct PhaseTimes: CustomStringConvertible {
    var forward = 0.0, lossForward = 0.0, lossBackward = 0.0, backward = 0.0

    var description: String {
        "forward \(ms(forward))  loss forward \(ms(lossForward))  loss backward \(ms(lossBackward))  "
            + "backward \(ms(backward))"
    }

    private func ms(_ s: Double) -> String { String(format: "%.1f", s * 1000) }

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
                _ = try LossLayer.forward(graph.logits.base, targets, teacher, loss, N, V)
                times.lossForward = lap()
                try LossLayer.backward(graph.logitGradients.base, graph.logits.base, targets, teacher, loss,
                                       dloss: 1 / Float(N), N, V)
                times.lossBackward = lap()
                graph.backward()
                times.backward = lap()
                runs.append(times)
            }
        }
        runs.removeFirst()
        return PhaseTimes(forward: median(runs.map(\.forward)), lossForward: median(runs.map(\.lossForward)),
                          lossBackward: median(runs.map(\.lossBackward)), backward: median(runs.map(\.backward)))
    }
}
