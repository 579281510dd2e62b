import Engine

/// What the scheduler needs from a model, without generics: the reference `LlamaModel` and the int8
/// engine both come in through `LanguageModelEngine`. States are opaque to the scheduler; an engine
/// only ever gets back states it made.
package protocol ServingEngine: AnyObject, Sendable {
    var config: ModelConfig { get }

    /// A fresh KV cache and scratch for one sequence of up to `contextLength` positions.
    func makeState(contextLength: Int) -> any ModelState

    /// Whether a state made by an engine of the same configuration can serve this one, so a swap to a
    /// same-shaped student keeps the slots' KV caches instead of reallocating them.
    func canReuse(_ state: any ModelState, contextLength: Int) -> Bool

    /// Runs `tokens` at startPosition..<startPosition+T. Returns nothing (`.none`: more prompt follows),
    /// logits[V] of the last token, or logits[T, V] of every token (prompt log-probabilities).
    func prefill(_ tokens: ArraySlice<Int32>, startPosition: Int, state: any ModelState,
                 logits: LogitSelection) throws(InferenceError) -> [Float]

    /// One token of several sequences (one decode step of the batch). `consume(i, logits[V])` runs for each
    /// step in order, with a buffer valid only during the call. An engine with a fused multi-sequence
    /// kernel overrides this; the default runs the steps one by one.
    func decode(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void)

    func decode(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float>

    /// Whether keys and values cached by one sequence may serve another that starts with the same tokens:
    /// true only where prefill, decode and the multi-sequence step compute the same bits for a position
    /// whatever else is in the batch, so reuse never changes a completion.
    var reusesCachedPrefixes: Bool { get }

    /// Whether the rows whose logits are read (decoded tokens, a prompt's last, every row of a prefill that
    /// returns them all) are computed more precisely than other prompt rows, so their keys and values are
    /// not what a prompt's prefill writes at that position and cannot serve another prompt.
    var refinesLogitRows: Bool { get }
}

/// One sequence's next token in a decode step.
package struct DecodeStep {
    package let token: Int32
    package let position: Int
    package let state: any ModelState
}

extension ServingEngine {
    package var reusesCachedPrefixes: Bool { false }
    package var refinesLogitRows: Bool { false }

    package func decode(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void) {
        decodeOneByOne(steps, consume: consume)
    }

    /// Each step on its own, so a failing sequence gets its error and the others their logits.
    package func decodeOneByOne(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void) {
        for (i, step) in steps.enumerated() {
            do {
                consume(i, .success(try decode(token: step.token, position: step.position, state: step.state)))
            } catch {
                consume(i, .failure(error))
            }
        }
    }
}

/// Any `LanguageModel` as a serving engine.
package final class LanguageModelEngine<Model: LanguageModel>: ServingEngine {
    package let model: Model

    package init(_ model: Model) {
        self.model = model
    }

    package var config: ModelConfig { model.config }

    package func makeState(contextLength: Int) -> any ModelState {
        model.makeState(contextLength: contextLength)
    }

    package func canReuse(_ state: any ModelState, contextLength: Int) -> Bool {
        (state as? Model.State)?.contextLength == contextLength
    }

    package func prefill(_ tokens: ArraySlice<Int32>, startPosition: Int, state: any ModelState,
                         logits: LogitSelection) throws(InferenceError) -> [Float] {
        try model.forward(tokens: Array(tokens), startPosition: startPosition, state: own(state), logits: logits)
    }

    package func decode(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        try model.forward(token: token, position: position, state: own(state))
    }

    private func own(_ state: any ModelState) throws(InferenceError) -> Model.State {
        guard let state = state as? Model.State else { throw .stateMismatch("it was made by another engine") }
        return state
    }
}
