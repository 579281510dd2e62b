/// What a teacher-initialized student keeps: which layers, and how many attention heads, FFN channels and
/// embedding channels (nil: all of them).
public struct PruningPlan: Sendable, Codable, Equatable {
    public var layers: [Int]
    public var heads: Int?
    public var feedForwardLength: Int?
    public var embeddingLength: Int?

    public init(layers: [Int], heads: Int? = nil, feedForwardLength: Int? = nil, embeddingLength: Int? = nil) {
        self.layers = layers
        self.heads = heads
        self.feedForwardLength = feedForwardLength
        self.embeddingLength = embeddingLength
    }
}

/// Cuts a model down to a `PruningPlan` by the importance scores, consistently across every matrix and norm
/// that shares a dimension: a dropped embedding channel leaves the embedding's columns, every [C] norm, the
/// columns of q, k, v, gate and up, and the rows of attn_output and ffn_down; a dropped head its rows of
/// attn_q and columns of attn_output; a dropped FFN channel its rows of gate and up and column of ffn_down.
/// Each kept layer keeps its role (local or global).
enum Pruning {
    static func apply(_ plan: PruningPlan, to model: TrainingModel, scores: ImportanceScores) throws -> TrainingModel {
        let c = model.config
        let NH = plan.heads ?? c.headCount, F = plan.feedForwardLength ?? c.feedForwardLength
        let C = plan.embeddingLength ?? c.embeddingLength, HS = c.headSize, NKV = c.kvHeadCount
        try validate(plan, c)
        var pruned = c
        pruned.layerCount = plan.layers.count
        pruned.localLayers = plan.layers.map { c.localLayers[$0] }
        pruned.headCount = NH
        pruned.feedForwardLength = F
        pruned.embeddingLength = C

        let dims = ImportanceScores.top(C, of: scores.embeddingChannels)
        let all = { (n: Int) in Array(0..<n) }
        var tensors: [String: [Float]] = [:]
        func copy(_ from: String, _ to: String, rows: [Int]?, columns: [Int]?) {
            let tensor = model.layout.tensor(named: from)!
            let values = model.weights(named: from)!
            let keptRows = rows ?? all(tensor.rows), keptColumns = columns ?? all(tensor.columns)
            var out = [Float](repeating: 0, count: keptRows.count * keptColumns.count)
            for (i, r) in keptRows.enumerated() {
                for (j, col) in keptColumns.enumerated() { out[i * keptColumns.count + j] = values[r * tensor.columns + col] }
            }
            tensors[to] = out
        }
        copy("token_embd.weight", "token_embd.weight", rows: nil, columns: dims)
        copy("output_norm.weight", "output_norm.weight", rows: nil, columns: dims)
        if !c.tiedEmbeddings { copy("output.weight", "output.weight", rows: nil, columns: dims) }
        for (j, l) in plan.layers.enumerated() {
            let heads = keptHeads(scores.heads[l], count: NH, groups: NKV)
            let headChannels = heads.flatMap { h in (h * HS)..<((h + 1) * HS) }
            let ffn = ImportanceScores.top(F, of: scores.ffnChannels[l])
            let from = "blk.\(l).", to = "blk.\(j)."
            for norm in ["attn_norm", "ffn_norm", "post_attention_norm", "post_ffw_norm"] where c.isGemma || !norm.hasPrefix("post") {
                copy(from + norm + ".weight", to + norm + ".weight", rows: nil, columns: dims)
            }
            if c.isGemma {
                copy(from + "attn_q_norm.weight", to + "attn_q_norm.weight", rows: nil, columns: nil)
                copy(from + "attn_k_norm.weight", to + "attn_k_norm.weight", rows: nil, columns: nil)
            }
            copy(from + "attn_q.weight", to + "attn_q.weight", rows: headChannels, columns: dims)
            copy(from + "attn_k.weight", to + "attn_k.weight", rows: nil, columns: dims)
            copy(from + "attn_v.weight", to + "attn_v.weight", rows: nil, columns: dims)
            copy(from + "attn_output.weight", to + "attn_output.weight", rows: dims, columns: headChannels)
            copy(from + "ffn_gate.weight", to + "ffn_gate.weight", rows: ffn, columns: dims)
            copy(from + "ffn_up.weight", to + "ffn_up.weight", rows: ffn, columns: dims)
            copy(from + "ffn_down.weight", to + "ffn_down.weight", rows: dims, columns: ffn)
        }
        return try TrainingModel(config: pruned, tensors: tensors)
    }

    /// The `count` most important query heads, the same number from each key/value group, so that grouped-query
    /// attention still maps query head h to group h / (count / groups).
    static func keptHeads(_ scores: [Double], count: Int, groups: Int) -> [Int] {
        let size = scores.count / groups, keep = count / groups
        return (0..<groups).flatMap { g in
            ImportanceScores.top(keep, of: Array(scores[(g * size)..<((g + 1) * size)])).map { g * size + $0 }
        }
    }

    static func validate(_ plan: PruningPlan, _ c: TrainingModelConfig) throws {
        func require(_ condition: Bool, _ why: String) throws {
            if !condition { throw DistillError.invalidOption(why) }
        }
        try require(!plan.layers.isEmpty, "keep at least one layer")
        try require(plan.layers == Array(Set(plan.layers)).sorted(), "kept layers must be distinct and ascending")
        try require(plan.layers.allSatisfy { (0..<c.layerCount).contains($0) },
                    "the teacher has layers 0-\(c.layerCount - 1), asked to keep \(plan.layers)")
        if let heads = plan.heads {
            try require(heads >= c.kvHeadCount && heads <= c.headCount && heads % c.kvHeadCount == 0,
                        "--heads \(heads) must be a multiple of the teacher's \(c.kvHeadCount) key/value heads, "
                        + "at most its \(c.headCount) heads")
        }
        if let f = plan.feedForwardLength {
            try require(f >= 32 && f <= c.feedForwardLength && f % 32 == 0,
                        "--ffn \(f) must be a multiple of 32 up to the teacher's \(c.feedForwardLength)")
        }
        if let d = plan.embeddingLength {
            try require(d >= 32 && d <= c.embeddingLength && d % 32 == 0,
                        "--dim \(d) must be a multiple of 32 up to the teacher's \(c.embeddingLength)")
        }
        // a llama head is C / NH wide, so its heads and width cannot be cut apart from each other
        try require(c.isGemma || (plan.heads == nil && plan.embeddingLength == nil),
                    "--heads and --dim prune gemma3 teachers only; a llama teacher keeps its width (prune --layers, --ffn)")
    }
}
