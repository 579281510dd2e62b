/// One generated token as it streams out.
public struct GeneratedToken: Sendable, Equatable {
    public let id: Int32
    /// log p(id) under the model's full softmax at temperature 1.
    public let logprob: Float
    /// The most probable alternatives under the same distribution, most probable first.
    public let topLogprobs: [TokenLogProbability]
}

/// What the token callback tells the generator.
public enum GenerationControl: Sendable {
    case proceed, stop
}

public enum FinishReason: Sendable, Equatable {
    /// A stop token (end of sequence) was sampled; it is not streamed.
    case endOfSequence
    /// `maxTokens` tokens were generated.
    case length
    /// The callback said stop.
    case stopped
    /// The state's context is full.
    case contextFull
}

public struct GenerationOptions: Sendable {
    public var maxTokens: Int
    /// Sampling one of these ends generation; defaults to the model's end-of-sequence token.
    public var stopTokens: Set<Int32>?
    /// How many alternatives each streamed token carries (0 for none).
    public var topLogprobs: Int
    /// Prompt positions where the prefill starts a new batch (none: one batch). Batches decide llama.cpp's
    /// rounding, so matching llama-server means batching as it does (`LlamaServerBatching`).
    public var promptCuts: [Int]

    public init(maxTokens: Int, stopTokens: Set<Int32>? = nil, topLogprobs: Int = 0, promptCuts: [Int] = []) {
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.topLogprobs = topLogprobs
        self.promptCuts = promptCuts
    }
}

/// The decode loop: prefill the prompt (in one batch, or at `promptCuts`), then sample and feed back one token at a
/// time.
public struct Generator<Model: LanguageModel> {
    public let model: Model

    public init(model: Model) {
        self.model = model
    }

    /// Runs `prompt` (token ids, BOS already first if the model wants one) from position 0 of `state`
    /// and streams each new token to `onToken`. The prompt's tokens also feed the sampler's penalties.
    @discardableResult
    public func generate(prompt: [Int32], state: any ModelState, sampler: inout Sampler, options: GenerationOptions,
                         onToken: (GeneratedToken) -> GenerationControl) throws(InferenceError) -> FinishReason {
        let stops = options.stopTokens ?? model.config.eosTokenID.map { [$0] } ?? []
        for token in prompt { sampler.accept(token) }
        let bounds = [0] + options.promptCuts.filter { $0 > 0 && $0 < prompt.count }.sorted() + [prompt.count]
        var logits: [Float] = []
        for (start, end) in zip(bounds, bounds.dropFirst()) {
            logits = try model.forward(tokens: Array(prompt[start..<end]), startPosition: start, state: state,
                                       logits: end == prompt.count ? .lastToken : .none)
        }
        var position = prompt.count
        var produced = 0
        while produced < options.maxTokens {
            let (token, streamed) = logits.withUnsafeBufferPointer { logits in
                pick(logits, sampler: &sampler, topLogprobs: options.topLogprobs)
            }
            if stops.contains(token) { return .endOfSequence }
            sampler.accept(token)
            produced += 1
            if onToken(streamed) == .stop { return .stopped }
            if produced == options.maxTokens { break }
            guard position < state.contextLength else { return .contextFull }
            let next = try model.forward(token: token, position: position, state: state)
            logits.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: next) }
            position += 1
        }
        return .length
    }

    private func pick(_ logits: UnsafeBufferPointer<Float>, sampler: inout Sampler,
                      topLogprobs: Int) -> (Int32, GeneratedToken) {
        let token = sampler.sample(logits)
        let lse = LogProbabilities.logSumExp(logits)
        let top = topLogprobs > 0 ? LogProbabilities.top(topLogprobs, in: logits, logSumExp: lse) : []
        return (token, GeneratedToken(id: token, logprob: logits[Int(token)] - lse, topLogprobs: top))
    }
}
