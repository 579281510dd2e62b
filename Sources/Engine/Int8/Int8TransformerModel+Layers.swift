import Kernels

/// Which sequence, and which position, each row of a forward step belongs to.
enum RowLayout {
    /// Rows are consecutive tokens of one sequence from `start` (prefill, or one decoded token).
    case sequence(Int8TransformerState, start: Int)
    /// Row b is the next token of states[b], at positions[b] (a batched decode step).
    case independent([Int8TransformerState], [Int])
}

extension Int8TransformerModel {
    /// The decoder layers over R rows whose embeddings are in `w.residual` (R, C); leaves the final
    /// residual there. Rows from `logitRowsFrom` on are those whose logits will be read, which
    /// `activationPrecision` may quantize more finely. Reads like the references `LlamaModel.forward` and
    /// `Gemma3Model.forward`, with products stacked and int8.
    func runLayers(_ w: Int8Workspace, rows: Int, layout: RowLayout, logitRowsFrom: Int, pool: ThreadPool?) {
        correctLogitRows(w, from: logitRowsFrom)
        let projected = w.projected.pointer
        for (l, layer) in layers.enumerated() {
            run(.attentionNorm, layer: l, w, rows: rows, pool: pool)
            // q, k, v in one product
            Kernel.matMul(w.qkv.pointer, layer.qkv, w.channels, pool: pool, path: path)
            // RoPE, cache write, grouped-query attention, per sequence
            attend(w, layer: l, rows: rows, layout: layout, pool: pool)
            run(.quantizeHeads, layer: l, w, rows: rows, pool: pool)
            Kernel.matMul(projected, layer.output, w.heads, pool: pool, path: path)
            run(.afterAttention, layer: l, w, rows: rows, pool: pool)
            // gate and up in one product
            Kernel.matMul(projected, layer.gateUp, w.channels, pool: pool, path: path)
            run(.gatedUnit, layer: l, w, rows: rows, pool: pool)
            Kernel.matMul(projected, layer.down, w.hidden, pool: pool, path: path)
            run(.afterFeedForward, layer: l, w, rows: rows, pool: pool)
        }
    }

    /// out (rows, V) = head · rmsnorm(residual rows firstRow..<firstRow + rows); `head` may be a vocabulary
    /// subset's rows instead (rows, S).
    func computeLogits(_ out: UnsafeMutablePointer<Float>, _ w: Int8Workspace, firstRow: Int, rows: Int,
                       head: Q8Matrix? = nil, pool: ThreadPool?) {
        let C = config.embeddingLength
        correctLogitRows(w, from: 0)
        Kernel.rmsNorm(w.channels, w.residual.pointer + firstRow * C, outputNorm.pointer, rows: rows, columns: C,
                       epsilon: config.normEpsilon, path: path)
        Kernel.matMul(out, head ?? self.head, w.channels, pool: pool, path: path)
    }

    /// The workspace's products from here on correct rows from `row` on, if this model corrects logit rows.
    @inline(__always)
    private func correctLogitRows(_ w: Int8Workspace, from row: Int) {
        w.correctRows(from: activationPrecision == .correctedLogitRows ? row : w.rows)
    }
}
