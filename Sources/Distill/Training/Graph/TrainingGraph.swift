import Engine
import Kernels
import Tensors

/// The student's forward and backward pass for a fixed (B, T), in the manner of llm.c's
/// `gpt2_forward` / `gpt2_backward`: one short line per layer call, and the backward pass calls the
/// layers' backward functions in exactly the reverse order. Gemma 3's extra steps (embedding scale, head
/// norms, post-branch norms, GELU gate, local layers) are taken where the config says so.
package final class TrainingGraph {
    let model: TrainingModel
    let B: Int
    let T: Int
    let acts: Activations
    /// [L] each layer's rotation table: local and global layers differ in base.
    private let ropes: [RoPETable]
    private let activation: GateActivation
    private lazy var dacts = ActivationGradients(model.config, B: B, T: T)
    /// dL/dparameters [P], accumulated by every backward until the optimizer zeroes it.
    package private(set) lazy var gradients = FloatBuffer(count: model.parameterCount)
    /// dL/dlogits [N, V], written by the loss before `backward`.
    package private(set) lazy var logitGradients = FloatBuffer(count: B * T * model.config.vocabularySize)

    package init(model: TrainingModel, batchSize B: Int, sequenceLength T: Int) throws {
        guard B > 0, T > 0 else { throw TrainingError.invalidBatch("batch size and sequence length must be positive") }
        let c = model.config
        guard T <= c.contextLength else {
            throw TrainingError.invalidBatch("sequence length \(T) exceeds the context length \(c.contextLength)")
        }
        self.model = model
        self.B = B
        self.T = T
        acts = Activations(c, B: B, T: T)
        var tables: [Float: RoPETable] = [:]
        ropes = try (0..<c.layerCount).map { l in
            let base = c.ropeBase(layer: l)
            if let table = tables[base] { return table }
            let table = try RoPETable(maxPositions: T, dimensions: c.headSize, base: base, style: c.ropeStyle)
            tables[base] = table
            return table
        }
        activation = c.isGemma ? .geluTanh : .silu
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
        if c.embeddingScale != 1 { VectorMath.scale(acts.residuals[0].pointer, acts.residuals[0].pointer, c.embeddingScale, N * C) }
        for l in 0..<c.layerCount {
            let lw = w.layers[l], a = acts.layers[l]
            let residual = acts.residuals[l].pointer, next = acts.residuals[l + 1].pointer
            // attention block: rmsnorm -> q, k, v -> (head norms) -> RoPE -> causal attention -> attn_output
            // -> (post-norm) -> residual
            RMSNorm.forward(a.attentionNormed.pointer, a.attentionRstd.pointer, residual, lw.attentionNorm, N, C, eps: eps)
            if let queryNorm = lw.queryNorm, let keyNorm = lw.keyNorm {
                Matmul.forward(a.queryRaw.pointer, a.attentionNormed.pointer, lw.query, N, C, NH * HS)
                Matmul.forward(a.keyRaw.pointer, a.attentionNormed.pointer, lw.key, N, C, NKV * HS)
                RMSNorm.forward(a.query.pointer, a.queryRstd.pointer, a.queryRaw.pointer, queryNorm, N * NH, HS, eps: eps)
                RMSNorm.forward(a.key.pointer, a.keyRstd.pointer, a.keyRaw.pointer, keyNorm, N * NKV, HS, eps: eps)
            } else {
                Matmul.forward(a.query.pointer, a.attentionNormed.pointer, lw.query, N, C, NH * HS)
                Matmul.forward(a.key.pointer, a.attentionNormed.pointer, lw.key, N, C, NKV * HS)
            }
            Matmul.forward(a.value.pointer, a.attentionNormed.pointer, lw.value, N, C, NKV * HS)
            RoPE.forward(a.query.pointer, ropes[l], B, T, NH, HS)
            RoPE.forward(a.key.pointer, ropes[l], B, T, NKV, HS)
            CausalSelfAttention.forward(a.attentionMixed.pointer, a.attention.pointer, a.query.pointer, a.key.pointer,
                                        a.value.pointer, B, T, NH, NKV, HS, window: c.attentionWindow(layer: l))
            if let postNorm = lw.postAttentionNorm {
                Matmul.forward(a.attentionProjected.pointer, a.attentionMixed.pointer, lw.attentionOutput, N, NH * HS, C)
                RMSNorm.forward(a.residualMid.pointer, a.postAttentionRstd.pointer, a.attentionProjected.pointer, postNorm,
                                N, C, eps: eps)
            } else {
                Matmul.forward(a.residualMid.pointer, a.attentionMixed.pointer, lw.attentionOutput, N, NH * HS, C)
            }
            VectorMath.add(a.residualMid.pointer, residual, N * C)
            // feed-forward block: rmsnorm -> gate, up -> act(gate) * up -> ffn_down -> (post-norm) -> residual
            RMSNorm.forward(a.ffnNormed.pointer, a.ffnRstd.pointer, a.residualMid.pointer, lw.ffnNorm, N, C, eps: eps)
            Matmul.forward(a.gate.pointer, a.ffnNormed.pointer, lw.gate, N, C, F)
            Matmul.forward(a.up.pointer, a.ffnNormed.pointer, lw.up, N, C, F)
            GatedUnit.forward(a.swiglu.pointer, a.gate.pointer, a.up.pointer, N * F, activation: activation)
            if let postNorm = lw.postFFNNorm {
                Matmul.forward(a.ffnProjected.pointer, a.swiglu.pointer, lw.down, N, F, C)
                RMSNorm.forward(next, a.postFFNRstd.pointer, a.ffnProjected.pointer, postNorm, N, C, eps: eps)
            } else {
                Matmul.forward(next, a.swiglu.pointer, lw.down, N, F, C)
            }
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
            var dbranch = UnsafePointer(dresidual)  // dL/d(ffn_down's output)
            if let postNorm = lw.postFFNNorm {
                d.projected.zero()
                RMSNorm.backward(d.projected.pointer, lg.postFFNNorm!, dresidual, a.ffnProjected.pointer, postNorm,
                                 a.postFFNRstd.pointer, N, C)
                dbranch = UnsafePointer(d.projected.pointer)
            }
            Matmul.backward(d.swiglu.pointer, lg.down, dbranch, a.swiglu.pointer, lw.down, N, F, C)
            GatedUnit.backward(d.gate.pointer, d.up.pointer, d.swiglu.pointer, a.gate.pointer, a.up.pointer, N * F,
                               activation: activation)
            Matmul.backward(d.normed.pointer, lg.up, d.up.pointer, a.ffnNormed.pointer, lw.up, N, C, F)
            Matmul.backward(d.normed.pointer, lg.gate, d.gate.pointer, a.ffnNormed.pointer, lw.gate, N, C, F)
            RMSNorm.backward(dresidual, lg.ffnNorm, d.normed.pointer, a.residualMid.pointer, lw.ffnNorm, a.ffnRstd.pointer, N, C)
            // attention block, reversed; now dresidual holds dL/d(residualMid)
            d.normed.zero()
            dbranch = UnsafePointer(dresidual)  // dL/d(attn_output's output)
            if let postNorm = lw.postAttentionNorm {
                d.projected.zero()
                RMSNorm.backward(d.projected.pointer, lg.postAttentionNorm!, dresidual, a.attentionProjected.pointer, postNorm,
                                 a.postAttentionRstd.pointer, N, C)
                dbranch = UnsafePointer(d.projected.pointer)
            }
            Matmul.backward(d.attentionMixed.pointer, lg.attentionOutput, dbranch, a.attentionMixed.pointer,
                            lw.attentionOutput, N, NH * HS, C)
            CausalSelfAttention.backward(d.query.pointer, d.key.pointer, d.value.pointer, d.attentionScratch.pointer,
                                         d.attentionMixed.pointer, a.query.pointer, a.key.pointer, a.value.pointer,
                                         a.attention.pointer, B, T, NH, NKV, HS, window: c.attentionWindow(layer: l))
            RoPE.backward(d.key.pointer, ropes[l], B, T, NKV, HS)
            RoPE.backward(d.query.pointer, ropes[l], B, T, NH, HS)
            var dquery = UnsafePointer(d.query.pointer), dkey = UnsafePointer(d.key.pointer)  // dL/d(attn_q, attn_k outputs)
            if let queryNorm = lw.queryNorm, let keyNorm = lw.keyNorm {
                RMSNorm.backward(d.queryRaw.pointer, lg.queryNorm!, d.query.pointer, a.queryRaw.pointer, queryNorm,
                                 a.queryRstd.pointer, N * NH, HS)
                RMSNorm.backward(d.keyRaw.pointer, lg.keyNorm!, d.key.pointer, a.keyRaw.pointer, keyNorm,
                                 a.keyRstd.pointer, N * NKV, HS)
                (dquery, dkey) = (UnsafePointer(d.queryRaw.pointer), UnsafePointer(d.keyRaw.pointer))
            }
            Matmul.backward(d.normed.pointer, lg.value, d.value.pointer, a.attentionNormed.pointer, lw.value, N, C, NKV * HS)
            Matmul.backward(d.normed.pointer, lg.key, dkey, a.attentionNormed.pointer, lw.key, N, C, NKV * HS)
            Matmul.backward(d.normed.pointer, lg.query, dquery, a.attentionNormed.pointer, lw.query, N, C, NH * HS)
            RMSNorm.backward(dresidual, lg.attentionNorm, d.normed.pointer, residual, lw.attentionNorm,
                             a.attentionRstd.pointer, N, C)
        }
        if c.embeddingScale != 1 { VectorMath.scale(dresidual, dresidual, c.embeddingScale, N * C) }
        Embedding.backward(g.tokenEmbedding, dresidual, acts.tokens.baseAddress!, N, C)
    }
}
