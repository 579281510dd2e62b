extension Int8LlamaModel {
    /// Runs T prompt tokens at positions startPosition..<startPosition + T, each product over up to
    /// `prefillChunk` tokens at once, and returns the logits `selection` asks for.
    public func forward(tokens: [Int32], startPosition: Int, state: Int8LlamaState,
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
        var all = [Float](repeating: 0, count: selection.isLastToken ? V : T * V)   // (T or 1, V)
        all.withUnsafeMutableBufferPointer { all in
            withPool(rows: T) { pool in
                for first in stride(from: 0, to: T, by: chunk) {
                    let rows = min(chunk, T - first)
                    for r in 0..<rows {
                        embedding.dequantizeRow(workspace.residual.pointer + r * C, row: Int(tokens[first + r]))
                    }
                    // the rows whose logits are read: the prompt's last, or all
                    let logitRowsFrom = !selection.isLastToken ? 0 : first + rows == T ? rows - 1 : rows
                    runLayers(workspace, rows: rows, layout: .sequence(state, start: startPosition + first),
                              logitRowsFrom: logitRowsFrom, pool: pool)
                    if selection.isLastToken {
                        if first + rows == T {
                            computeLogits(all.baseAddress!, workspace, firstRow: rows - 1, rows: 1, pool: pool)
                        }
                    } else {
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

extension LogitSelection {
    var isLastToken: Bool {
        if case .lastToken = self { true } else { false }
    }
}
