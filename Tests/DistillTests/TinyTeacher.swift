import Distill
import Engine
import Tensors

/// A small random Llama teacher built from `TrainingModel` (larger init so its predictions are peaked),
/// the sequences it samples, and its top-k targets on them.
struct TinyTeacher {
    let model: TrainingModel
    let k: Int
    let temperature: Float

    static let config = TrainingModelConfig(
        vocabularySize: 48, embeddingLength: 48, layerCount: 2, headCount: 4, kvHeadCount: 2, feedForwardLength: 96,
        contextLength: 64)

    /// Small layers and large embedding/output weights: a mostly bigram-like teacher with some context
    /// dependence, which a smaller student can learn from a few thousand tokens.
    init(seed: UInt64 = 100, k: Int = 8, temperature: Float = 1, outputScale: Float = 15) throws {
        model = try TrainingModel(config: Self.config, seed: seed)
        for name in ["token_embd.weight", "output.weight"] {
            let tensor = model.layout.tensor(named: name)!
            for i in tensor.offset..<(tensor.offset + tensor.count) { model.parameters[i] *= outputScale }
        }
        self.k = k
        self.temperature = temperature
    }

    /// count sequences of T + 1 tokens sampled from the teacher (temperature 1), each with its top-k targets.
    func sample(count: Int, sequenceLength T: Int, seed: UInt64) throws -> [TrainingSequence] {
        let V = model.config.vocabularySize
        var rng = SeededRandom(seed: seed)
        var tokens = [Int32](repeating: 0, count: count * (T + 1))
        for b in 0..<count { tokens[b * (T + 1)] = Int32(rng.next() % UInt64(V)) }
        // one position at a time, feeding the prefix sampled so far
        for t in 0..<T {
            let logits = try model.logits(tokens: inputs(tokens, count, T + 1, length: t + 1), batchSize: count,
                                          sequenceLength: t + 1, threads: 1)
            for b in 0..<count {
                let row = Array(logits[(b * (t + 1) + t) * V..<(b * (t + 1) + t + 1) * V])
                tokens[b * (T + 1) + t + 1] = sampleIndex(row, &rng)
            }
        }
        let logits = try model.logits(tokens: inputs(tokens, count, T + 1, length: T), batchSize: count,
                                      sequenceLength: T, threads: 1)
        let targets = try TeacherTargets(logits: logits, vocabularySize: V, k: k, temperature: temperature)
        return (0..<count).map { b in
            TrainingSequence(tokens: Array(tokens[b * (T + 1)..<(b + 1) * (T + 1)]),
                             teachers: [targets.slice(b * T..<(b + 1) * T)])
        }
    }

    /// The first `length` tokens of each of count rows of `stride` tokens, packed [count, length].
    private func inputs(_ tokens: [Int32], _ count: Int, _ stride: Int, length: Int) -> [Int32] {
        (0..<count).flatMap { b in tokens[b * stride..<(b * stride + length)] }
    }

    private func sampleIndex(_ logits: [Float], _ rng: inout SeededRandom) -> Int32 {
        let m = logits.max()!
        let weights = logits.map { Double(VectorMath.exp($0 - m)) }
        var u = Double(rng.nextUnitFloat()) * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            u -= w
            if u <= 0 { return Int32(i) }
        }
        return Int32(weights.count - 1)
    }
}
