import Distill

/// Where a training step's time goes: the graph's forward, the loss (its forward fused into its
/// backward, as the trainer runs it), the graph's backward. The rest of a step is batch assembly,
/// gradient clipping and AdamW.
struct PhaseTimes {
    var forward = 0.0, loss = 0.0, backward = 0.0
    var total: Double { forward + loss + backward }

    /// One micro-batch through a graph of its own, on the first B sequences of the data.
    struct Probe {
        let graph: TrainingGraph
        let tokens: [Int32], targets: [Int32]
        let teacher: TeacherTargets
        let loss: DistillationLoss

        init(model: TrainingModel, data: InMemoryTrainingData, loss: DistillationLoss, batchSize B: Int,
             sequenceLength T: Int) throws {
            graph = try TrainingGraph(model: model, batchSize: B, sequenceLength: T)
            let sequences = Array(data.sequences[0..<B])
            tokens = sequences.flatMap { $0.tokens[0..<T] }
            targets = sequences.flatMap { $0.tokens[1...T] }
            teacher = try TeacherTargets.concatenate(sequences.map { $0.teachers[0] })
            self.loss = loss
        }

        func measure() throws -> PhaseTimes {
            let N = tokens.count, V = graph.logits.count / N
            let clock = ContinuousClock()
            var times = PhaseTimes()
            var start = clock.now
            func lap() -> Double {
                let now = clock.now
                defer { start = now }
                return seconds(now - start)
            }
            try tokens.withUnsafeBufferPointer { try graph.forward(tokens: $0) }
            times.forward = lap()
            try LossLayer.backward(graph.logitGradients.pointer, graph.logits.pointer, targets, teacher, loss,
                                   dloss: 1 / Float(N), N, V)
            times.loss = lap()
            graph.backward()
            times.backward = lap()
            return times
        }
    }
}
