import Kernels
import Tensors

/// The work between a layer's products that treats each row alone: norms, residual adds, the gated unit and
/// the quantization of each product's input. One row (a decode step) runs it on the engine thread; a prefill
/// chunk or a batched decode step splits its rows over the pool, since on one thread this work is about a
/// quarter of a prefill (the products and attention being split already) and bounds what a second core gives.
enum RowStage {
    /// rmsnorm(residual) -> channels, for the q/k/v product.
    case attentionNorm
    /// attended -> heads, for the output projection.
    case quantizeHeads
    /// residual += postnorm(projected) (Gemma's post-attention norm), then rmsnorm(residual) -> channels for
    /// gate and up.
    case afterAttention
    /// gate(projected) * up(projected) -> hidden, for the down projection.
    case gatedUnit
    /// residual += postnorm(projected) (Gemma's post-FFN norm).
    case afterFeedForward
}

extension Int8TransformerModel {
    /// Splitting rows over the pool pays from about this many values per stage (a hand-off costs ~0.5 µs,
    /// a 640-wide row's norm and quantization ~1 µs).
    static let minimumParallelRowValues = 4096

    /// Runs `stage` of layer `layer` over rows 0..<rows, split over the pool when there are enough of them.
    func run(_ stage: RowStage, layer: Int, _ w: Int8Workspace, rows: Int, pool: ThreadPool?) {
        switch stage {
        case .attentionNorm, .afterAttention: w.channels.setRows(rows)
        case .quantizeHeads: w.heads.setRows(rows)
        case .gatedUnit: w.hidden.setRows(rows)
        case .afterFeedForward: break
        }
        let job = RowJob(model: self, workspace: w, layer: layer, stage: stage)
        guard let pool, rows > 1, rows * config.embeddingLength >= Self.minimumParallelRowValues else {
            return run(job, rows: 0..<rows)
        }
        withUnsafePointer(to: job) { job in
            pool.parallelFor(rows, context: job) { job, lower, upper in
                let job = job.assumingMemoryBound(to: RowJob.self).pointee
                job.model.run(job, rows: lower..<upper)
            }
        }
    }

    /// What each participant of a row stage reads.
    private struct RowJob {
        let model: Int8TransformerModel
        let workspace: Int8Workspace
        let layer: Int
        let stage: RowStage
    }

    private func run(_ job: RowJob, rows: Range<Int>) {
        let w = job.workspace, layer = layers[job.layer]
        let C = config.embeddingLength, FF = config.feedForwardLength, eps = config.normEpsilon
        let residual = w.residual.pointer, projected = w.projected.pointer
        switch job.stage {
        case .attentionNorm:
            Kernel.rmsNorm(w.channels, residual, layer.attentionNorm.pointer, rowRange: rows, columns: C, epsilon: eps,
                           path: path)
        case .quantizeHeads:
            w.heads.quantize(w.attended.pointer, rowRange: rows, path: path)
        case .afterAttention:
            addToResidual(w, rows: rows, normalizedBy: layer.postAttentionNorm)
            Kernel.rmsNorm(w.channels, residual, layer.ffnNorm.pointer, rowRange: rows, columns: C, epsilon: eps,
                           path: path)
        case .gatedUnit:
            Kernel.gatedUnit(w.hidden, projected, projected + FF, rowRange: rows, columns: FF, stride: 2 * FF,
                             activation: gate, path: path)
        case .afterFeedForward:
            addToResidual(w, rows: rows, normalizedBy: layer.postFFNNorm)
        }
    }

    /// residual += projected (rows of C), through `norm` first where the layer has one.
    private func addToResidual(_ w: Int8Workspace, rows: Range<Int>, normalizedBy norm: FloatBuffer?) {
        let C = config.embeddingLength
        let x = w.residual.pointer + rows.lowerBound * C, y = w.projected.pointer + rows.lowerBound * C
        if let norm {
            Kernel.rmsNorm(y, y, norm.pointer, rows: rows.count, columns: C, epsilon: config.normEpsilon)
        }
        for i in 0..<rows.count * C { x[i] += y[i] }
    }
}
