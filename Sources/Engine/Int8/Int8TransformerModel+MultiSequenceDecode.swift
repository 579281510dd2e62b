import Synchronization

/// The scratch of `decode(_:consume:)`: grown to the largest batch seen, then reused.
struct MultiSequenceScratch {
    var batch: Int8DecodeBatch?
    var tokens: [Int32] = []
    var positions: [Int] = []
    var states: [Int8TransformerState] = []
}

extension Int8TransformerModel {
    /// Every row's arithmetic is the same in prefill, decode and the fused step (EngineTests' Int8BatchingTests).
    public var reusesCachedPrefixes: Bool { true }

    /// Corrected logit rows carry a second int8 term through every product (`ActivationPrecision`), so their
    /// keys and values are not what a prompt's prefill writes at those positions.
    public func promptPrefillPositions(written count: Int, logitRows: Int) -> Int {
        activationPrecision == .correctedLogitRows ? count - logitRows : count
    }

    /// The fused multi-sequence step: one pass over the weights advances every sequence, which is what continuous
    /// batching buys on a model whose decode is bound by weight reads. A step the fused path refuses (a full
    /// context, a foreign state) is retried one by one, so only the sequence at fault gets the error.
    public func decode(_ steps: [DecodeStep], consume: (Int, Result<UnsafeBufferPointer<Float>, InferenceError>) -> Void) {
        // the scheduler's one engine thread is the only caller in practice; a second caller meanwhile goes one by one
        guard steps.count > 1,
              decodeScratchClaim.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return decodeOneByOne(steps, consume: consume)
        }
        defer { decodeScratchClaim.store(false, ordering: .releasing) }
        let fused = { (scratch: inout MultiSequenceScratch) -> Bool in
            if (scratch.batch?.capacity ?? 0) < steps.count {
                scratch.batch = makeDecodeBatch(capacity: steps.count)
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
                let logits = try decodeStep(tokens: scratch.tokens, positions: scratch.positions, states: scratch.states,
                                            batch: scratch.batch!)
                let V = config.vocabularySize
                for i in steps.indices {
                    consume(i, .success(UnsafeBufferPointer(rebasing: logits[(i * V)..<((i + 1) * V)])))
                }
                return true
            } catch {
                return false
            }
        }(&decodeScratch)
        if !fused { decodeOneByOne(steps, consume: consume) }
    }
}
