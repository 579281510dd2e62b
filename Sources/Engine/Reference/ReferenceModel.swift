/// What the two f32 reference models share: an `InferenceState` per sequence, the embedding and output head, a
/// one-token forward written once over an injected arithmetic, and a batched forward of matrix products.
protocol ReferenceModel: LanguageModel {
    var head: EmbeddingAndHead { get }
    var numerics: Numerics { get }

    func forward(token: Int32, position: Int, state: InferenceState,
                 arithmetic: some ReferenceArithmetic) throws(InferenceError) -> UnsafeBufferPointer<Float>

    /// T tokens at once in f32, each weight product one matrix-matrix multiply.
    func forwardBatched(tokens: [Int32], startPosition: Int, state: InferenceState,
                        logits: LogitSelection) throws(InferenceError) -> [Float]
}

extension ReferenceModel {
    public func makeState(contextLength: Int?) -> any ModelState {
        InferenceState(config: config, contextLength: contextLength)
    }

    public func canReuse(_ state: any ModelState, contextLength: Int) -> Bool {
        canReuse(state, as: InferenceState.self, contextLength: contextLength)
    }

    public func vocabularySubset(ids: [Int32]) throws(InferenceError) -> VocabularySubset {
        try head.vocabularySubset(ids: ids)
    }

    public func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        let state: InferenceState = try own(state)
        return try forward(token: token, position: position, state: state, arithmetic: numerics.arithmetic(state: state))
    }
}
