extension Int8TransformerModel {
    /// Runs T prompt tokens at positions startPosition..<startPosition + T, each product over up to
    /// `prefillChunk` tokens at once, and returns the logits `selection` asks for: (0, 1 or T, V), or (T, S) for
    /// a vocabulary subset's S rows.
    public func forward(tokens: [Int32], startPosition: Int, state: any ModelState,
                        logits selection: LogitSelection) throws(InferenceError) -> [Float] {
        let state: Int8TransformerState = try own(state)
        try validate(state)
        guard !tokens.isEmpty else { throw .emptyBatch }
        for token in tokens { try validate(token: token) }
        guard startPosition >= 0, startPosition + tokens.count <= state.contextLength else {
            throw .contextFull(position: max(startPosition, 0) + tokens.count - 1, contextLength: state.contextLength)
        }
        let (head, V) = try logitHead(selection)   // V: the subset's S for a subset
        let T = tokens.count, C = config.embeddingLength
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
                            computeLogits(all.baseAddress!, workspace, firstRow: rows - 1, rows: 1, head: head, pool: pool)
                        }
                    case .allTokens, .subset:
                        guard V > 0 else { break }
                        computeLogits(all.baseAddress! + first * V, workspace, firstRow: 0, rows: rows, head: head, pool: pool)
                    }
                }
            }
        }
        return all
    }
}
