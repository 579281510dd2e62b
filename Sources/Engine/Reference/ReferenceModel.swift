/// What the two f32 reference models share: an `InferenceState` per sequence, the embedding and output head, and
/// a one-token forward that `Numerics.ggml` can round as a row of llama.cpp's batch.
protocol ReferenceModel: LanguageModel {
    var head: EmbeddingAndHead { get }

    /// `batchRow` says how llama.cpp would round this token's products (`Numerics.ggml` only).
    func forward(token: Int32, position: Int, state: InferenceState,
                 batchRow: GGMLBatchRow) throws(InferenceError) -> UnsafeBufferPointer<Float>
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
        try forward(token: token, position: position, state: own(state), batchRow: .alone)
    }
}
