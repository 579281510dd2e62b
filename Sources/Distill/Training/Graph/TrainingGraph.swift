import Engine

/// The Llama student's forward and backward pass for a fixed (B, T), in the manner of llm.c's
/// `gpt2_forward` / `gpt2_backward`: one short line per layer call, and the backward pass calls the
/// layers' backward functions in exactly the reverse order.
package final class TrainingGraph {
    let model: TrainingModel
    let B: Int
    let T: Int
    let acts: Activations
    private let rope: RoPETable
    private lazy var dacts = ActivationGradients(model.config, B: B, T: T)
    /// dL/dparameters [P], accumulated by every backward until the optimizer zeroes it.
    package private(set) lazy var gradients = FloatBuffer(count: model.parameterCount)
    /// dL/dlogits [N, V], written by the loss before `backward`.
    package private(set) lazy var logitGradients = FloatBuffer(count: B * T * model.config.vocabularySize)

    package init(model: TrainingModel, batchSize B: Int, sequenceLength T: Int) throws {
        guard B > 0, T > 0 else { throw TrainingError.invalidBatch("batch size and sequence length must be positive") }
        guard T <= model.config.contextLength else {
            throw TrainingError.invalidBatch("sequence length \(T) exceeds the context length \(model.config.contextLength)")
        }
        self.model = model
        self.B = B
        self.T = T
        acts = Activations(model.config, B: B, T: T)
        rope = RoPETable(headSize: model.config.headSize, maxPositions: T, base: model.config.ropeFrequencyBase)
    }

    /// logits [N, V] for the student's prediction of the token after each position.
    package var logits: FloatBuffer { acts.logits }

    /// tokens [B, T] -> acts.logits [B, T, V]
    package func forward(tokens: UnsafeBufferPointer<Int32>) throws {
        let c = model.config
        let N = B * T, C = c.embeddingLength, V = c.vocabularySize, F = c.feedForwardLength
        let NH = c.headCount, NKV = c.kvHeadCount, HS = c.headSize, eps = c.rmsNormEpsilon
        guard tokens.count == N else { throw TrainingError.invalidBatch("expected \(N) tokens, got \(tokens.count)") }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= V }) {
            throw TrainingError.invalidBatch("token id \(bad) outside the vocabulary [0, \(V))")
        }
        _ = acts.tokens.update(fromContentsOf: tokens)
        let w = model.tensors

        Embedding.forward(acts.residuals[0].pointer, acts.tokens.baseAddress!, w.tokenEmbedding, N, C)
        for l in 0..<c.layerCount {
            let lw = w.layers[l], a = acts.layers[l]
            let residual = acts.residuals[l].pointer, next = acts.residuals[l + 1].pointer
            // attention block: rmsnorm -> q, k, v -> RoPE -> causal attention -> attn_output -> residual
            RMSNorm.forward(a.attentionNormed.pointer, a.attentionRstd.pointer, residual, lw.attentionNorm, N, C, eps: eps)
            Matmul.forward(a.query.pointer, a.attentionNormed.pointer, lw.query, N, C, NH * HS)
            Matmul.forward(a.key.pointer, a.attentionNormed.pointer, lw.key, N, C, NKV * HS)
            Matmul.forward(a.value.pointer, a.attentionNormed.pointer, lw.value, N, C, NKV * HS)
            RoPE.forward(a.query.pointer, rope, B, T, NH, HS)
            RoPE.forward(a.key.pointer, rope, B, T, NKV, HS)
            Attention.forward(a.attentionMixed.pointer, a.attention.pointer, a.query.pointer, a.key.pointer, a.value.pointer,
                              B, T, NH, NKV, HS)
            Matmul.forward(a.residualMid.pointer, a.attentionMixed.pointer, lw.attentionOutput, N, NH * HS, C)
            VectorMath.add(a.residualMid.pointer, residual, N * C)
            // feed-forward block: rmsnorm -> gate, up -> silu(gate) * up -> ffn_down -> residual
            RMSNorm.forward(a.ffnNormed.pointer, a.ffnRstd.pointer, a.residualMid.pointer, lw.ffnNorm, N, C, eps: eps)
            Matmul.forward(a.gate.pointer, a.ffnNormed.pointer, lw.gate, N, C, F)
            Matmul.forward(a.up.pointer, a.ffnNormed.pointer, lw.up, N, C, F)
            SwiGLU.forward(a.swiglu.pointer, a.gate.pointer, a.up.pointer, N * F)
            Matmul.forward(next, a.swiglu.pointer, lw.down, N, F, C)
            VectorMath.add(next, a.residualMid.pointer, N * C)
        }
        RMSNorm.forward(acts.outputNormed.pointer, acts.outputRstd.pointer, acts.residuals[c.layerCount].pointer,
                        w.outputNorm, N, C, eps: eps)
        Matmul.forward(acts.logits.pointer, acts.outputNormed.pointer, w.output, N, C, V)
    }

    /// Accumulates dL/dparameters into `gradients` from `logitGradients` (dL/dlogits [N, V]),
    /// using what the last `forward` kept.
    package func backward() {
        let c = model.config
        let N = B * T, C = c.embeddingLength, V = c.vocabularySize, F = c.feedForwardLength
        let NH = c.headCount, NKV = c.kvHeadCount, HS = c.headSize
        let w = model.tensors, g = ModelTensors(model.layout, base: gradients.pointer), d = dacts
        let dresidual = d.residual.pointer

        d.zeroLayerScratch()
        d.residual.zero()
        Matmul.backward(d.normed.pointer, g.output, logitGradients.pointer, acts.outputNormed.pointer, w.output, N, C, V)
        RMSNorm.backward(dresidual, g.outputNorm, d.normed.pointer, acts.residuals[c.layerCount].pointer, w.outputNorm,
                         acts.outputRstd.pointer, N, C)
        for l in stride(from: c.layerCount - 1, through: 0, by: -1) {
            let lw = w.layers[l], lg = g.layers[l], a = acts.layers[l]
            let residual = acts.residuals[l].pointer
            d.zeroLayerScratch()
            // feed-forward block, reversed; dresidual holds dL/d(layer output) and flows through the skip
            Matmul.backward(d.swiglu.pointer, lg.down, dresidual, a.swiglu.pointer, lw.down, N, F, C)
            SwiGLU.backward(d.gate.pointer, d.up.pointer, d.swiglu.pointer, a.gate.pointer, a.up.pointer, N * F)
            Matmul.backward(d.normed.pointer, lg.up, d.up.pointer, a.ffnNormed.pointer, lw.up, N, C, F)
            Matmul.backward(d.normed.pointer, lg.gate, d.gate.pointer, a.ffnNormed.pointer, lw.gate, N, C, F)
            RMSNorm.backward(dresidual, lg.ffnNorm, d.normed.pointer, a.residualMid.pointer, lw.ffnNorm, a.ffnRstd.pointer, N, C)
            // attention block, reversed; now dresidual holds dL/d(residualMid)
            d.normed.zero()
            Matmul.backward(d.attentionMixed.pointer, lg.attentionOutput, dresidual, a.attentionMixed.pointer,
                            lw.attentionOutput, N, NH * HS, C)
            Attention.backward(d.query.pointer, d.key.pointer, d.value.pointer, d.attentionScratch.pointer, d.attentionMixed.pointer,
                               a.query.pointer, a.key.pointer, a.value.pointer, a.attention.pointer, B, T, NH, NKV, HS)
            RoPE.backward(d.key.pointer, rope, B, T, NKV, HS)
            RoPE.backward(d.query.pointer, rope, B, T, NH, HS)
            Matmul.backward(d.normed.pointer, lg.value, d.value.pointer, a.attentionNormed.pointer, lw.value, N, C, NKV * HS)
            Matmul.backward(d.normed.pointer, lg.key, d.key.pointer, a.attentionNormed.pointer, lw.key, N, C, NKV * HS)
            Matmul.backward(d.normed.pointer, lg.query, d.query.pointer, a.attentionNormed.pointer, lw.query, N, C, NH * HS)
            RMSNorm.backward(dresidual, lg.attentionNorm, d.normed.pointer, residual, lw.attentionNorm,
                             a.attentionRstd.pointer, N, C)
        }
        Embedding.backward(g.tokenEmbedding, dresidual, acts.tokens.baseAddress!, N, C)
    }
}
