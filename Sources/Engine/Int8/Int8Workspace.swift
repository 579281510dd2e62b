import Kernels
import Tensors

/// The activations of R rows going through the int8 forward at once (R tokens of one sequence in
/// prefill, or one token of each of R sequences in a batched decode step), allocated once.
final class Int8Workspace: @unchecked Sendable {
    // Owned by one caller at a time: a state's step scratch, a decode batch, or a prefill lease.
    let rows: Int                        // R
    let logitRows: Int                   // rows of `logits`
    let residual: FloatBuffer            // (R, C) the residual stream
    let qkv: FloatBuffer                 // (R, NH * HS + 2 * NKV * HS) q, k, v of each row
    let attended: FloatBuffer            // (R, NH * HS)
    let projected: FloatBuffer           // (R, max(C, 2 * FF)) a projection's output: gate and up, or C
    let logits: FloatBuffer              // (logitRows, V)
    let channels: Q8Activations          // (R, C) int8 input of the q/k/v and gate/up products and the head
    let heads: Q8Activations             // (R, NH * HS) int8 input of the output projection
    let hidden: Q8Activations            // (R, FF) int8 input of the down projection

    init(config c: ModelConfig, rows: Int, logitRows: Int) {
        precondition(rows > 0 && logitRows >= 0)
        self.rows = rows
        self.logitRows = logitRows
        let qkvWidth = c.queryLength + 2 * c.kvLength
        residual = FloatBuffer(count: rows * c.embeddingLength)
        qkv = FloatBuffer(count: rows * qkvWidth)
        attended = FloatBuffer(count: rows * c.queryLength)
        projected = FloatBuffer(count: rows * max(c.embeddingLength, 2 * c.feedForwardLength))
        logits = FloatBuffer(count: logitRows * c.vocabularySize)
        // Shapes were checked against Q8_0's 32-column blocks when the model loaded. Scales are f16, as
        // llama.cpp stores them: with f32 scales a fixture's first token moves 0.06 away from its log-probs.
        channels = try! Q8Activations(capacity: rows, columns: c.embeddingLength, halfScales: true, corrections: true)
        heads = try! Q8Activations(capacity: rows, columns: c.queryLength, halfScales: true, corrections: true)
        hidden = try! Q8Activations(capacity: rows, columns: c.feedForwardLength, halfScales: true, corrections: true)
    }

    /// Rows from `row` on carry the correction term in every product that follows (none when row >= rows).
    func correctRows(from row: Int) {
        channels.correctedFrom = min(row, rows)
        heads.correctedFrom = min(row, rows)
        hidden.correctedFrom = min(row, rows)
    }
}
