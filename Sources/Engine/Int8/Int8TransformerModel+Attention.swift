import Kernels

extension Int8TransformerModel {
    /// RoPE, the cache write and attention of one layer, for each sequence in the step. A decode step splits
    /// its attention over the pool by query head (one sequence: students with one KV head would otherwise
    /// leave the second core idle) or by sequence (several) through a job context, which allocates nothing;
    /// prefill hands its (token, head) pairs to the attention kernel's own split.
    func attend(_ w: Int8Workspace, layer: Int, rows: Int, layout: RowLayout, pool: ThreadPool?) {
        let job = AttentionJob(model: self, workspace: w, layer: layer, layout: layout)
        switch layout {
        case .sequence(let state, let start) where rows > 1:
            rotateAndCache(w, row: 0, rows: rows, layer: layer, state: state, start: start)
            attend(w, row: 0, rows: rows, layer: layer, state: state, start: start, heads: 0..<config.headCount,
                   pool: pool)
        case .sequence(let state, let start):
            rotateAndCache(w, row: 0, rows: 1, layer: layer, state: state, start: start)
            parallel(pool, job, count: config.headCount, work: config.queryLength * (start + 1))
        case .independent(let states, let positions):
            var work = 0
            for b in 0..<rows {
                rotateAndCache(w, row: b, rows: 1, layer: layer, state: states[b], start: positions[b])
                work += config.queryLength * (positions[b] + 1)
            }
            parallel(pool, job, count: rows, work: work)
        }
    }

    /// Normalizes (where the layer has head norms) and rotates q and k of rows row..<row + rows, consecutive
    /// tokens of `state` from `start`, and writes their keys and values into its f16 cache.
    private func rotateAndCache(_ w: Int8Workspace, row: Int, rows: Int, layer l: Int, state: Int8TransformerState, start: Int) {
        let QL = config.queryLength, KVL = config.kvLength, stride = QL + 2 * KVL, HS = config.headSize
        let q = w.qkv.pointer + row * stride
        if let queryNorm = layers[l].queryNorm, let keyNorm = layers[l].keyNorm {
            for t in 0..<rows {
                let qt = q + t * stride
                Kernel.rmsNorm(qt, qt, queryNorm.pointer, rows: config.headCount, columns: HS, epsilon: config.normEpsilon)
                Kernel.rmsNorm(qt + QL, qt + QL, keyNorm.pointer, rows: config.kvHeadCount, columns: HS,
                               epsilon: config.normEpsilon)
            }
        }
        // q and k heads are adjacent in each row
        Kernel.rope(q, rope(layer: l), startPosition: start, tokens: rows, heads: config.headCount + config.kvHeadCount,
                    headSize: HS, tokenStride: stride)
        for t in 0..<rows {
            let k = q + t * stride + QL
            Kernel.convert(state.key(layer: l, position: start + t), k, count: KVL, path: path)
            Kernel.convert(state.value(layer: l, position: start + t), k + KVL, count: KVL, path: path)
        }
    }

    /// Causal attention of those rows over positions 0...start + t (the last `attentionWindow` of them on a
    /// sliding-window layer), for query heads `heads`: whole KV-head groups in one call, a range that starts or
    /// ends inside a group in a call per group.
    private func attend(_ w: Int8Workspace, row: Int, rows: Int, layer l: Int, state: Int8TransformerState, start: Int,
                        heads: Range<Int>, pool: ThreadPool?) {
        let HS = config.headSize, group = config.headsPerKVHead
        let QL = config.queryLength, KVL = config.kvLength, stride = QL + 2 * KVL
        var head = heads.lowerBound
        while head < heads.upperBound {
            let kvHead = head / group
            let wholeGroups = head % group == 0 && heads.upperBound % group == 0
            let end = wholeGroups ? heads.upperBound : min(heads.upperBound, (kvHead + 1) * group)
            Kernel.attention(w.attended.pointer + row * QL + head * HS, w.qkv.pointer + row * stride + head * HS,
                             state.key(layer: l, position: 0) + kvHead * HS, state.value(layer: l, position: 0) + kvHead * HS,
                             startPosition: start, tokens: rows, heads: end - head, kvHeads: (end - head + group - 1) / group,
                             headSize: HS, queryStride: stride, outputStride: QL, cacheStride: KVL,
                             scale: config.attentionScale, window: config.attentionWindow(layer: l), pool: pool, path: path)
            head = end
        }
    }

    /// A decode step's attention goes to the pool from this many multiply-adds (NH · positions · HS): about
    /// 64 positions of the student, where one layer's attention takes ~3 µs on one core and the hand-off
    /// (through a job context, ~0.5 µs) pays. The attention kernel's own split (for prefill) starts later.
    static let minimumParallelDecodeAttentionWork = 1 << 14

    /// What each participant of a decode step's parallel attention reads.
    private struct AttentionJob {
        let model: Int8TransformerModel
        let workspace: Int8Workspace
        let layer: Int
        let layout: RowLayout
    }

    /// Items 0..<count of `job` (KV heads of one sequence, or sequences), over the pool when `work`
    /// (multiply-adds) pays for the hand-off.
    private func parallel(_ pool: ThreadPool?, _ job: AttentionJob, count: Int, work: Int) {
        guard let pool, count > 1, work >= Self.minimumParallelDecodeAttentionWork else { return attend(job, 0..<count) }
        withUnsafePointer(to: job) { job in
            pool.parallelFor(count, grain: 1, context: job) { job, lower, upper in
                let job = job.assumingMemoryBound(to: AttentionJob.self).pointee
                job.model.attend(job, lower..<upper)
            }
        }
    }

    private func attend(_ job: AttentionJob, _ items: Range<Int>) {
        let w = job.workspace, layer = job.layer
        switch job.layout {
        case .sequence(let state, let start):
            attend(w, row: 0, rows: 1, layer: layer, state: state, start: start, heads: items, pool: nil)
        case .independent(let states, let positions):
            for b in items {
                attend(w, row: b, rows: 1, layer: layer, state: states[b], start: positions[b],
                       heads: 0..<config.headCount, pool: nil)
            }
        }
    }
}
