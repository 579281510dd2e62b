import Engine

/// The int8 student engine (llama and gemma3), with the fused multi-sequence decode step: one pass over the weights advances
/// every decoding slot, which is what continuous batching buys on a model whose decode is bound by weight reads.
package final class Int8ServingEngine: ServingEngine {
    package let model: Int8TransformerModel
    /// Reused every step so the decode loop allocates nothing. Only the engine thread decodes (DESIGN.md,
    /// decision 3), and the states it holds belong to that thread's slots: no lock is needed.
    nonisolated(unsafe) private var scratch = StepScratch()

    private struct StepScratch {
        var batch: Int8DecodeBatch?
        var tokens: [Int32] = []
        var positions: [Int] = []
        var states: [Int8TransformerState] = []
    }

    package init(_ model: Int8TransformerModel) {
        self.model = model
    }

    package var config: ModelConfig { model.config }

    /// Every row's arithmetic is the same in prefill, decode and the fused step (EngineTests' Int8BatchingTests).
    package var reusesCachedPrefixes: Bool { true }

    /// Corrected logit rows carry a second int8 term through every product (`ActivationPrecision`).
    package var refinesLogitRows: Bool { model.activationPrecision == .correctedLogitRows }

    package func makeState(contextLength: Int) -> any ModelState {
        model.makeState(contextLength: contextLength)
    }

    package func canReuse(_ state: any ModelState, contextLength: Int) -> Bool {
        guard let state = state as? Int8TransformerState else { return false }
        return state.contextLength == contextLength && state.config == config
    }

    package func prefill(_ tokens: ArraySlice<Int32>, startPosition: Int, state: any ModelState,
                         logits: LogitSelection) throws(InferenceError) -> [Float] {
        try model.forward(tokens: Array(tokens), startPosition: startPosition, state: own(state), logits: logits)
    }

    package func decode(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        try model.forward(token: token, position: position, state: own(state))
    }

    package func decode(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void) {
        guard steps.count > 1 else { return decodeOneByOne(steps, consume: consume) }
        let fused: Bool = {
            if (scratch.batch?.capacity ?? 0) < steps.count {
                scratch.batch = model.makeDecodeBatch(capacity: steps.count)
                scratch.tokens.reserveCapacity(steps.count)
                scratch.positions.reserveCapacity(steps.count)
                scratch.states.reserveCapacity(steps.count)
            }
            scratch.tokens.removeAll(keepingCapacity: true)
            scratch.positions.removeAll(keepingCapacity: true)
            scratch.states.removeAll(keepingCapacity: true)
            for step in steps {
                guard let state = step.state as? Int8TransformerState else { return false }
                scratch.tokens.append(step.token)
                scratch.positions.append(step.position)
                scratch.states.append(state)
            }
            do {
                let logits = try model.decodeStep(tokens: scratch.tokens, positions: scratch.positions,
                                                  states: scratch.states, batch: scratch.batch!)
                let V = config.vocabularySize
                for i in steps.indices {
                    consume(i, .success(UnsafeBufferPointer(rebasing: logits[(i * V)..<((i + 1) * V)])))
                }
                return true
            } catch {
                return false
            }
        }()
        // A step the fused path refuses (a full context, a foreign state) is retried one by one,
        // so only the sequence at fault gets the error.
        if !fused { decodeOneByOne(steps, consume: consume) }
    }

    private func own(_ state: any ModelState) throws(InferenceError) -> Int8TransformerState {
        guard let state = state as? Int8TransformerState else { throw .stateMismatch("it was made by another engine") }
        return state
    }
}
