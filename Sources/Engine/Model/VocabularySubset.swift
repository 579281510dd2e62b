import Kernels
import Tensors

/// S vocabulary rows of a model's output layer, gathered once so a batched forward computes
/// [T, S] logits instead of [T, V]: distillation needs only the student's tokens from a 262k-row teacher.
public struct VocabularySubset: Sendable {
    /// The model's token id for each output column.
    public let ids: [Int32]
    /// output[ids[s], :] as [S, C], or nil when the engine gathers logits itself.
    let rows: FloatBuffer?
    /// The output weights the rows came from, so a subset is never used with another model.
    let source: ObjectIdentifier?
    /// The rows as Q8_0, for the int8 engine (exact for a Q8_0 output layer).
    var int8Rows: Q8Matrix? = nil

    init(ids: [Int32], vocabularySize: Int, rows: FloatBuffer?, source: ObjectIdentifier? = nil) throws(InferenceError) {
        for id in ids where id < 0 || Int(id) >= vocabularySize {
            throw .tokenOutOfRange(token: id, vocabularySize: vocabularySize)
        }
        self.ids = ids
        self.rows = rows
        self.source = source
    }

    /// Gathers rows of `output` [V, C].
    init(ids: [Int32], gatheringFrom output: FloatBuffer, config: ModelConfig) throws(InferenceError) {
        let c = config.embeddingLength
        let rows = FloatBuffer(count: ids.count * c)
        try self.init(ids: ids, vocabularySize: config.vocabularySize, rows: rows, source: ObjectIdentifier(output))
        for (s, id) in ids.enumerated() {
            (rows.pointer + s * c).update(from: output.pointer + Int(id) * c, count: c)
        }
    }

    public var count: Int { ids.count }
}
