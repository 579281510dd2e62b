/// How the next token is chosen from the logits. Each filter's neutral value turns it off.
public struct SamplingParameters: Sendable, Equatable {
    /// Divides the logits before the draw; 0 picks the most probable token (greedy).
    public var temperature: Float
    /// Keeps the k most probable tokens; 0 keeps all.
    public var topK: Int
    /// Keeps the most probable tokens whose probabilities first reach p together; 1 keeps all.
    public var topP: Float
    /// Drops tokens less probable than minP times the most probable one; 0 keeps all.
    public var minP: Float
    /// llama.cpp's repetition penalty: a recent token's positive logit is divided by it, a negative one multiplied.
    public var repetitionPenalty: Float
    /// OpenAI's presence penalty: subtracted once from the logit of every token seen.
    public var presencePenalty: Float
    /// OpenAI's frequency penalty: subtracted from a token's logit once per occurrence.
    public var frequencyPenalty: Float
    /// How many of the most recent tokens the three penalties count (llama.cpp's repeat_last_n).
    public var penaltyWindow: Int
    public var seed: UInt64

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                repetitionPenalty: Float = 1, presencePenalty: Float = 0, frequencyPenalty: Float = 0,
                penaltyWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.penaltyWindow = penaltyWindow
        self.seed = seed
    }

    public static let greedy = SamplingParameters(temperature: 0)

    var isGreedy: Bool { temperature <= 0 }
    var hasPenalties: Bool {
        penaltyWindow > 0 && (repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0)
    }

    public func validate() throws(SamplingError) {
        guard temperature.isFinite, temperature >= 0 else { throw .invalid("temperature", "\(temperature) must be at least 0") }
        guard topK >= 0 else { throw .invalid("top_k", "\(topK) must be at least 0") }
        guard topP > 0, topP <= 1 else { throw .invalid("top_p", "\(topP) must be in (0, 1]") }
        guard minP >= 0, minP <= 1 else { throw .invalid("min_p", "\(minP) must be in [0, 1]") }
        guard repetitionPenalty.isFinite, repetitionPenalty > 0 else {
            throw .invalid("repetition_penalty", "\(repetitionPenalty) must be positive")
        }
        guard presencePenalty.isFinite, abs(presencePenalty) <= 2 else {
            throw .invalid("presence_penalty", "\(presencePenalty) must be in [-2, 2]")
        }
        guard frequencyPenalty.isFinite, abs(frequencyPenalty) <= 2 else {
            throw .invalid("frequency_penalty", "\(frequencyPenalty) must be in [-2, 2]")
        }
        guard penaltyWindow >= 0 else { throw .invalid("penalty window", "\(penaltyWindow) must be at least 0") }
    }
}

public enum SamplingError: Error, Equatable, CustomStringConvertible {
    case invalid(_ parameter: String, _ reason: String)

    public var description: String {
        switch self {
        case .invalid(let parameter, let reason): "invalid \(parameter): \(reason)"
        }
    }
}
