import GGUF

/// What the sampler, the generator, the trainer's teacher pass and the server need from a model:
/// a configuration, per-sequence state, and forward passes that give logits over the vocabulary.
/// Implemented by the f32 reference models here and by faster engines elsewhere.
public protocol LanguageModel: AnyObject, Sendable {
    associatedtype State: ModelState

    var config: ModelConfig { get }

    /// A fresh state (KV cache and scratch) for sequences of up to `contextLength` tokens
    /// (nil: the model's trained context length).
    func makeState(contextLength: Int?) -> State

    /// Runs one token at `position`, after positions 0..<position are in the state's cache.
    /// Returns logits[V], valid until the next call with this state.
    func forward(token: Int32, position: Int, state: State) throws(InferenceError) -> UnsafeBufferPointer<Float>

    /// Runs T tokens at positions startPosition..<startPosition+T at once (prefill, teacher passes),
    /// leaving their keys and values in the state's cache. Returns row-major logits as `logits` selects.
    func forward(tokens: [Int32], startPosition: Int, state: State,
                 logits: LogitSelection) throws(InferenceError) -> [Float]

    /// Prepares logits restricted to `ids` (e.g. a student's vocabulary inside the teacher's).
    func vocabularySubset(ids: [Int32]) throws(InferenceError) -> VocabularySubset
}

/// A sequence's KV cache and scratch, owned by whoever runs the sequence.
public protocol ModelState: AnyObject {
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
    public func makeState() -> State { makeState(contextLength: nil) }

    /// Token by token, for engines without a batched path.
    public func forward(tokens: [Int32], startPosition: Int, state: State,
                        logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        try forwardTokenByToken(tokens: tokens, startPosition: startPosition, state: state, logits: selection)
    }

    /// The batched forward's result computed one token at a time with `forward(token:position:state:)`.
    public func forwardTokenByToken(tokens: [Int32], startPosition: Int, state: State,
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
