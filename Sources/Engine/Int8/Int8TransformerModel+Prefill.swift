extension Int8TransformerModel {
    /// Runs T prompt tokens at positions startPosition..<startPosition + T, each product over up to
    /// `prefillChunk` tokens at once, and returns the logits `selection` asks for.
    public func forward(tokens: [Int32], startPosition: Int, state: Int8TransformerState,
                        logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        try validate(state)
        guard !tokens.isEmpty else { throw .emptyBatch }
        for token in tokens { try validate(token: token) }
        guard startPosition >= 0, startPosition + tokens.count <= state.contextLength else {
            throw .contextFull(position: max(startPosition, 0) + tokens.count - 1, contextLength: state.contextLength)
        }
        if case .subset(let subset) = selection {
            for id in subset.ids { try validate(token: id) }
        }

        let T = tokens.count, V = config.vocabularySize, C = config.embeddingLength
        let chunk = min(T, Self.prefillChunk)
        let workspace = checkoutWorkspace(rows: chunk)
        defer { checkinWorkspace(workspace) }
        let rowsOfLogits = switch selection { case .none: 0; case .lastToken: 1; case .allTokens, .subset: T }
        var all = [Float](repeating: 0, count: rowsOfLogits * V)   // (0, 1 or T, V)
        all.withUnsafeMutableBufferPointer { all in
            withPool(rows: T) { pool in
                for first in stride(from: 0, to: T, by: chunk) {
                    let rows = min(chunk, T - first)
                    for r in 0..<rows {
                        embed(workspace.residual.pointer + r * C, token: tokens[first + r])
                    }
                    // The rows whose logits are read carry the correction; the others are computed as any
                    // prompt row is, so their keys and values do not depend on where a prompt was cut.
                    let logitRowsFrom = switch selection {
                    case .none: rows
                    case .lastToken: first + rows == T ? rows - 1 : rows
                    case .allTokens, .subset: 0
                    }
                    runLayers(workspace, rows: rows, layout: .sequence(state, start: startPosition + first),
                              logitRowsFrom: logitRowsFrom, pool: pool)
                    switch selection {
                    case .none:
                        break
                    case .lastToken:
                        if first + rows == T {
                            computeLogits(all.baseAddress!, workspace, firstRow: rows - 1, rows: 1, pool: pool)
                        }
                    case .allTokens, .subset:
                        computeLogits(all.baseAddress! + first * V, workspace, firstRow: 0, rows: rows, pool: pool)
                    }
                }
            }
        }
        guard case .subset(let subset) = selection else { return all }
        var gathered: [Float] = []   // (T, S)
        gathered.reserveCapacity(T * subset.count)
        for t in 0..<T { gathered.append(contentsOf: subset.ids.lazy.map { all[t * V + Int($0)] }) }
        return gathered
    }
}
