import GGUF

/// What the sampler, the generator, evaluation, the trainer's teacher pass and the server's scheduler need from
/// a model: a configuration, per-sequence state, and forward passes that give logits over the vocabulary.
/// The f32 reference models and the int8 engine implement it; the scheduler drives any of them through it.
/// States are opaque: a model only ever gets back states it made, and refuses others with an error.
public protocol LanguageModel: AnyObject, Sendable {
    var config: ModelConfig { get }

    /// A fresh state (KV cache and scratch) for sequences of up to `contextLength` tokens
    /// (nil: the model's trained context length).
    func makeState(contextLength: Int?) -> any ModelState

    /// Whether `state` can serve this model for `contextLength` positions, so that a swap to a same-shaped
    /// model keeps the slots' KV caches instead of reallocating them.
    func canReuse(_ state: any ModelState, contextLength: Int) -> Bool

    /// Runs one token at `position`, after positions 0..<position are in the state's cache.
    /// Returns logits[V], valid until the next call with this state.
    func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float>

    /// Runs T tokens at positions startPosition..<startPosition+T at once (prefill, teacher passes),
    /// leaving their keys and values in the state's cache. Returns row-major logits as `logits` selects.
    func forward(tokens: [Int32], startPosition: Int, state: any ModelState,
                 logits: LogitSelection) throws(InferenceError) -> [Float]

    /// One token of each of several sequences (one decode step of a batch). `consume(i, logits[V])` runs for
    /// each step in order, with a buffer valid only during the call; a failing sequence gets its error and the
    /// others their logits. A model with a fused multi-sequence step overrides the one-by-one default.
    func decode(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void)

    /// Prepares logits restricted to `ids` (e.g. a student's vocabulary inside the teacher's).
    func vocabularySubset(ids: [Int32]) throws(InferenceError) -> VocabularySubset

    /// Whether keys and values cached by one sequence may serve another that starts with the same tokens:
    /// true only where prefill, decode and the multi-sequence step compute the same bits for a position
    /// whatever else is in the batch, so that reuse never changes a completion.
    var reusesCachedPrefixes: Bool { get }

    /// Of the `count` positions a forward just wrote, the last `logitRows` of them with logits read, how many
    /// (from the first) hold what a prompt's prefill writes there, and so may serve another prompt.
    func promptPrefillPositions(written count: Int, logitRows: Int) -> Int
}

/// One sequence's next token in a decode step.
public struct DecodeStep {
    public let token: Int32
    public let position: Int
    public let state: any ModelState

    public init(token: Int32, position: Int, state: any ModelState) {
        self.token = token
        self.position = position
        self.state = state
    }
}

/// A sequence's KV cache and scratch, owned by whoever runs the sequence.
public protocol ModelState: AnyObject {
    /// The configuration of the model it was made for.
    var config: ModelConfig { get }
    /// Positions the state holds.
    var contextLength: Int { get }
}

/// Which logits a batched forward computes.
public enum LogitSelection: Sendable {
    /// Nothing: keys and values only, for a piece of prompt that more of the prompt follows.
    case none
    /// [1, V] for the last token only: what prefill before decoding needs.
    case lastToken
    /// [T, V]
    case allTokens
    /// [T, S] for the subset's S vocabulary rows, in the subset's order.
    case subset(VocabularySubset)
}

extension LanguageModel {
    public func makeState() -> any ModelState { makeState(contextLength: nil) }

    public func canReuse(_ state: any ModelState, contextLength: Int) -> Bool { false }

    public var reusesCachedPrefixes: Bool { false }

    public func promptPrefillPositions(written count: Int, logitRows: Int) -> Int { count }

    /// Token by token, for models without a batched path.
    public func forward(tokens: [Int32], startPosition: Int, state: any ModelState,
                        logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        try forwardTokenByToken(tokens: tokens, startPosition: startPosition, state: state, logits: selection)
    }

    public func decode(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void) {
        decodeOneByOne(steps, consume: consume)
    }

    /// Each step on its own, so a failing sequence gets its error and the others their logits.
    public func decodeOneByOne(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void) {
        for (i, step) in steps.enumerated() {
            do {
                consume(i, .success(try forward(token: step.token, position: step.position, state: step.state)))
            } catch {
                consume(i, .failure(error))
            }
        }
    }

    /// The state as the type this model makes; a state from another model is an error, not a crash.
    package func own<S: ModelState>(_ state: any ModelState, as type: S.Type = S.self) throws(InferenceError) -> S {
        guard let state = state as? S else { throw .stateMismatch("it was made by another model") }
        return state
    }

    /// Whether `state`, of the type this model makes, holds `contextLength` positions for this configuration.
    package func canReuse<S: ModelState>(_ state: any ModelState, as type: S.Type, contextLength: Int) -> Bool {
        guard let state = state as? S else { return false }
        return state.contextLength == contextLength && state.config == config
    }

    /// The batched forward's result computed one token at a time with `forward(token:position:state:)`.
    public func forwardTokenByToken(tokens: [Int32], startPosition: Int, state: any ModelState,
                                    logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        try gatherLogits(tokens: tokens, startPosition: startPosition, logits: selection) { _, token, position throws(InferenceError) in
            try forward(token: token, position: position, state: state)
        }
    }

    /// The selected logits of T tokens from `forwardToken(index, token, position)` called for each in turn.
    func gatherLogits(tokens: [Int32], startPosition: Int, logits selection: LogitSelection,
                      forwardToken: (Int, Int32, Int) throws(InferenceError) -> UnsafeBufferPointer<Float>)
        throws(InferenceError) -> [Float] {
        guard !tokens.isEmpty else { throw .emptyBatch }
        let v = config.vocabularySize
        if case .subset(let subset) = selection, let bad = subset.ids.first(where: { Int($0) >= v }) {
            throw .tokenOutOfRange(token: bad, vocabularySize: v)
        }
        var out: [Float] = []
        for (i, token) in tokens.enumerated() {
            let logits = try forwardToken(i, token, startPosition + i)
            switch selection {
            case .none: break
            case .lastToken: if i == tokens.count - 1 { out.append(contentsOf: logits) }
            case .allTokens: out.append(contentsOf: logits)
            case .subset(let subset):
                out.append(contentsOf: subset.ids.map { logits[Int($0)] })
            }
        }
        return out
    }

    public func vocabularySubset(ids: [Int32]) throws(InferenceError) -> VocabularySubset {
        try VocabularySubset(ids: ids, vocabularySize: config.vocabularySize, rows: nil)
    }
}

/// Loads the reference f32 model for a GGUF's architecture.
public func loadReferenceModel(file: GGUFFile, numerics: Numerics = .float32) throws(ModelError) -> any LanguageModel {
    switch file.architecture {
    case "llama": try LlamaModel(file: file, numerics: numerics)
    case "gemma3": try Gemma3Model(file: file, numerics: numerics)
    default: throw .unsupportedArchitecture(file.architecture)
    }
}

/// Loads the engine a teacher runs on (distillation, `eval`, `bench`, `generate`): Gemma 3 on the int8 engine the
/// students are served with, its weights requantized to Q8_0 at load and every row's activations Q8_0 as
/// llama.cpp rounds them (every row's logits are read, and the correction would double the products' cost);
/// anything else as the f32 reference. `threads`: at most this many per step.
public func loadTeacherModel(file: GGUFFile, threads: Int? = nil) throws(ModelError) -> any LanguageModel {
    switch file.architecture {
    case "gemma3": try loadServingModel(file: file, quantize: true, threads: threads, activations: .q8_0)
    default: try loadReferenceModel(file: file)
    }
}
