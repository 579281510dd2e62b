import Engine

/// A fake `LanguageModel` that has learnt one token sequence by heart: at position p its logits put
/// everything on token p + 1 of the sequence (end of sequence after the last), except where `mistakes`
/// says which wrong token to predict for that index. Its greedy continuation of any prefix of the
/// sequence is therefore known exactly.
final class MemorizingModel: LanguageModel {
    final class State: ModelState {
        let config: ModelConfig
        let contextLength: Int
        let logits: UnsafeMutableBufferPointer<Float>  // [V]

        init(config: ModelConfig, contextLength: Int) {
            self.config = config
            self.contextLength = contextLength
            logits = .allocate(capacity: config.vocabularySize)
        }

        deinit { logits.deallocate() }
    }

    let config: ModelConfig
    let sequence: [Int32]
    let mistakes: [Int: Int32]

    init(sequence: [Int32], mistakes: [Int: Int32] = [:], vocabularySize: Int, bos: Int32, eos: Int32) {
        config = ModelConfig(architecture: .llama, embeddingLength: 8, layerCount: 1, headCount: 1, kvHeadCount: 1,
                             headSize: 8, feedForwardLength: 8, contextLength: 1024, vocabularySize: vocabularySize,
                             bosTokenID: bos, eosTokenID: eos)
        self.sequence = sequence
        self.mistakes = mistakes
    }

    func makeState(contextLength: Int?) -> any ModelState {
        State(config: config, contextLength: contextLength ?? config.contextLength)
    }

    func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        let state = state as! State
        let next = position + 1
        let predicted = mistakes[next] ?? (next < sequence.count ? sequence[next] : config.eosTokenID!)
        state.logits.initialize(repeating: -10)
        state.logits[Int(predicted)] = 10
        return UnsafeBufferPointer(state.logits)
    }
}
