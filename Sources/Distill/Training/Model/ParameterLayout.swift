/// Where each weight lives in the one flat parameter block. Gradients and both AdamW moments use the
/// same layout, so the optimizer is a single loop. Names and [rows, cols] shapes are GGUF's
/// (linear weights [out, in], row-major), so export is a copy per tensor.
public struct ParameterTensor: Sendable, Equatable {
    public let name: String
    public let rows: Int
    public let columns: Int
    public let offset: Int
    /// AdamW weight decay applies to matrices only, never to norms or embeddings.
    public let decays: Bool
    public var count: Int { rows * columns }
    /// ggml's dimension order (contiguous first), as a GGUF tensor info lists it: [columns] for a norm
    /// gain, [columns, rows] for a matrix.
    public var ggufShape: [Int] { rows == 1 ? [columns] : [columns, rows] }
}

public struct ParameterLayout: Sendable, Equatable {
    public let tensors: [ParameterTensor]
    public let count: Int
    let tokenEmbedding: Int
    let layers: [LayerOffsets]
    let outputNorm: Int
    let output: Int  // == tokenEmbedding when tied

    struct LayerOffsets: Sendable, Equatable {
        let attentionNorm, query, key, value, attentionOutput, ffnNorm, gate, up, down: Int
        /// Gemma 3 only: the per-head query and key norms, and the norms after each branch.
        let queryNorm, keyNorm, postAttentionNorm, postFFNNorm: Int?
    }

    init(_ config: TrainingModelConfig) {
        let V = config.vocabularySize, C = config.embeddingLength, F = config.feedForwardLength
        let HS = config.headSize, NH = config.headCount, NKV = config.kvHeadCount
        var tensors: [ParameterTensor] = []
        var next = 0
        func add(_ name: String, _ rows: Int, _ columns: Int, decays: Bool) -> Int {
            tensors.append(ParameterTensor(name: name, rows: rows, columns: columns, offset: next, decays: decays))
            next += rows * columns
            return next - rows * columns
        }
        tokenEmbedding = add("token_embd.weight", V, C, decays: false)  // [V, C]
        var layers: [LayerOffsets] = []
        let gemma = config.isGemma
        for l in 0..<config.layerCount {
            let blk = "blk.\(l)."
            let attentionNorm = add(blk + "attn_norm.weight", 1, C, decays: false)  // [C]
            let query = add(blk + "attn_q.weight", NH * HS, C, decays: true)  // [NH*HS, C]
            let key = add(blk + "attn_k.weight", NKV * HS, C, decays: true)  // [NKV*HS, C]
            let value = add(blk + "attn_v.weight", NKV * HS, C, decays: true)  // [NKV*HS, C]
            let queryNorm = gemma ? add(blk + "attn_q_norm.weight", 1, HS, decays: false) : nil  // [HS]
            let keyNorm = gemma ? add(blk + "attn_k_norm.weight", 1, HS, decays: false) : nil  // [HS]
            let attentionOutput = add(blk + "attn_output.weight", C, NH * HS, decays: true)  // [C, NH*HS]
            let postAttentionNorm = gemma ? add(blk + "post_attention_norm.weight", 1, C, decays: false) : nil  // [C]
            let ffnNorm = add(blk + "ffn_norm.weight", 1, C, decays: false)  // [C]
            let gate = add(blk + "ffn_gate.weight", F, C, decays: true)  // [F, C]
            let up = add(blk + "ffn_up.weight", F, C, decays: true)  // [F, C]
            let down = add(blk + "ffn_down.weight", C, F, decays: true)  // [C, F]
            let postFFNNorm = gemma ? add(blk + "post_ffw_norm.weight", 1, C, decays: false) : nil  // [C]
            layers.append(LayerOffsets(
                attentionNorm: attentionNorm, query: query, key: key, value: value, attentionOutput: attentionOutput,
                ffnNorm: ffnNorm, gate: gate, up: up, down: down, queryNorm: queryNorm, keyNorm: keyNorm,
                postAttentionNorm: postAttentionNorm, postFFNNorm: postFFNNorm))
        }
        self.layers = layers
        outputNorm = add("output_norm.weight", 1, C, decays: false)  // [C]
        output = config.tiedEmbeddings ? tokenEmbedding : add("output.weight", V, C, decays: true)  // [V, C]
        self.tensors = tensors
        count = next
    }

    public func tensor(named name: String) -> ParameterTensor? { tensors.first { $0.name == name } }
}

/// Pointers to one layer's tensors inside a block laid out by `ParameterLayout` (weights, gradients or moments).
struct LayerTensors {
    let attentionNorm, query, key, value, attentionOutput, ffnNorm, gate, up, down: UnsafeMutablePointer<Float>
    let queryNorm, keyNorm, postAttentionNorm, postFFNNorm: UnsafeMutablePointer<Float>?
}

/// Pointers to every tensor of one block laid out by `ParameterLayout`.
struct ModelTensors {
    let tokenEmbedding: UnsafeMutablePointer<Float>
    let layers: [LayerTensors]
    let outputNorm: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<Float>

    init(_ layout: ParameterLayout, base: UnsafeMutablePointer<Float>) {
        tokenEmbedding = base + layout.tokenEmbedding
        layers = layout.layers.map { o in
            LayerTensors(
                attentionNorm: base + o.attentionNorm, query: base + o.query, key: base + o.key,
                value: base + o.value, attentionOutput: base + o.attentionOutput, ffnNorm: base + o.ffnNorm,
                gate: base + o.gate, up: base + o.up, down: base + o.down,
                queryNorm: o.queryNorm.map { base + $0 }, keyNorm: o.keyNorm.map { base + $0 },
                postAttentionNorm: o.postAttentionNorm.map { base + $0 }, postFFNNorm: o.postFFNNorm.map { base + $0 })
        }
        outputNorm = base + layout.outputNorm
        output = base + layout.output
    }
}
