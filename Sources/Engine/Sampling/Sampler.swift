#if canImport(Glibc)
import Glibc
#endif
import Tensors

/// Chooses tokens from logits in llama.cpp's order: penalties -> top-k -> top-p -> min-p -> temperature -> draw.
/// Keeps the recent tokens for the penalties and a seeded generator, so the same seed gives the same tokens.
public struct Sampler {
    public let parameters: SamplingParameters
    private var random: SeededRandom
    private var recent: [Int32] = []          // ring buffer of the last `penaltyWindow` tokens
    private var recentStart = 0
    private var counts: [Int32: Int] = [:]    // occurrences within `recent`
    private var adjusted: [Float] = []        // [V] logits after penalties
    private var kept: [Int] = []              // candidate ids, most probable first once sorted
    private var weights: [Float] = []         // probabilities of `kept`

    public init(_ parameters: SamplingParameters) throws(SamplingError) {
        try parameters.validate()
        self.parameters = parameters
        random = SeededRandom(seed: parameters.seed)
    }

    /// Records a token (prompt or generated) for the penalties.
    public mutating func accept(_ token: Int32) {
        let window = parameters.penaltyWindow
        guard window > 0 else { return }
        if recent.count < window {
            recent.append(token)
        } else {
            let evicted = recent[recentStart]
            counts[evicted] = counts[evicted]! > 1 ? counts[evicted]! - 1 : nil
            recent[recentStart] = token
            recentStart = (recentStart + 1) % window
        }
        counts[token, default: 0] += 1
    }

    /// Forgets the recorded tokens; the random stream goes on.
    public mutating func resetHistory() {
        recent.removeAll(keepingCapacity: true)
        recentStart = 0
        counts.removeAll(keepingCapacity: true)
    }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
        precondition(!logits.isEmpty, "sampling from an empty vocabulary")
        if !parameters.hasPenalties && parameters.isGreedy { return Int32(Self.argmax(logits)) }
        prepare(logits)
        if kept.count == 1 { return Int32(kept[0]) }
        let target = random.nextUnitFloat() * weights.reduce(0, +)
        var cumulative: Float = 0
        for (i, w) in weights.enumerated() {
            cumulative += w
            if target < cumulative { return Int32(kept[i]) }
        }
        return Int32(kept[kept.count - 1])
    }

    /// The distribution `sample` would draw from next: the surviving tokens, most probable first, and their
    /// probabilities after penalties, filters and temperature (llama-server's post-sampling probabilities).
    public mutating func distribution(_ logits: UnsafeBufferPointer<Float>) -> [TokenProbability] {
        precondition(!logits.isEmpty, "sampling from an empty vocabulary")
        prepare(logits)
        let total = weights.reduce(0, +)
        return zip(kept, weights)
            .map { TokenProbability(id: Int32($0), probability: $1 / total) }
            .sorted { $0.probability > $1.probability || ($0.probability == $1.probability && $0.id < $1.id) }
    }

    /// Fills `kept` and their unnormalized `weights`.
    private mutating func prepare(_ logits: UnsafeBufferPointer<Float>) {
        let p = parameters
        adjusted.removeAll(keepingCapacity: true)
        adjusted.append(contentsOf: logits)
        applyPenalties()
        weights.removeAll(keepingCapacity: true)
        if p.isGreedy {
            kept.removeAll(keepingCapacity: true)
            kept.append(adjusted.withUnsafeBufferPointer { Self.argmax($0) })
            weights.append(1)
            return
        }
        selectCandidates()
        let maxLogit = adjusted[kept[0]]
        if p.minP > 0 {
            let threshold = maxLogit + logf(p.minP), logits = adjusted
            kept.removeAll { logits[$0] < threshold }
        }
        // temperature, then unnormalized softmax weights
        for id in kept { weights.append(expf((adjusted[id] - maxLogit) / p.temperature)) }
    }

    public mutating func sample(_ logits: [Float]) -> Int32 {
        logits.withUnsafeBufferPointer { sample($0) }
    }

    public mutating func distribution(_ logits: [Float]) -> [TokenProbability] {
        logits.withUnsafeBufferPointer { distribution($0) }
    }

    /// Repetition (llama.cpp), frequency and presence (OpenAI) penalties on the recent tokens.
    private mutating func applyPenalties() {
        let p = parameters
        guard p.hasPenalties else { return }
        for (token, count) in counts where Int(token) < adjusted.count && token >= 0 {
            var logit = adjusted[Int(token)]
            logit = logit <= 0 ? logit * p.repetitionPenalty : logit / p.repetitionPenalty
            logit -= Float(count) * p.frequencyPenalty + p.presencePenalty
            adjusted[Int(token)] = logit
        }
    }

    /// Fills `kept` with top-k, then top-p, survivors, most probable first.
    private mutating func selectCandidates() {
        let p = parameters
        kept.removeAll(keepingCapacity: true)
        let limitsCount = p.topK > 0 && p.topK < adjusted.count
        if limitsCount {
            adjusted.withUnsafeBufferPointer { kept.append(contentsOf: TopK.indices(p.topK, of: $0)) }
        } else {
            kept.append(contentsOf: 0..<adjusted.count)
            if p.topP < 1 {
                let logits = adjusted
                kept.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            } else {
                // min-p and the draw need only the maximum first
                let best = adjusted.withUnsafeBufferPointer { Self.argmax($0) }
                kept.swapAt(0, best)
            }
        }
        guard p.topP < 1 else { return }
        // top-p on the untempered distribution, as llama.cpp does
        let maxLogit = adjusted[kept[0]]
        var total: Float = 0
        for id in kept { total += expf(adjusted[id] - maxLogit) }
        var cumulative: Float = 0
        for (i, id) in kept.enumerated() {
            cumulative += expf(adjusted[id] - maxLogit) / total
            if cumulative >= p.topP {
                kept.removeSubrange((i + 1)...)
                break
            }
        }
    }

    /// The index of the largest value, the lowest on ties.
    static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in 1..<values.count where values[i] > values[best] { best = i }
        return best
    }
}

/// A token and its probability under the sampler's final distribution.
public struct TokenProbability: Sendable, Equatable {
    public let id: Int32
    public let probability: Float

    public init(id: Int32, probability: Float) {
        self.id = id
        self.probability = probability
    }
}
