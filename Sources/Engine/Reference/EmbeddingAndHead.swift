import Kernels
import Tensors

/// The token embedding and the final norm plus output projection, shared by every architecture here.
struct EmbeddingAndHead {
    let embedding: Matrix        // [V, C]
    let outputNorm: FloatBuffer  // [C]
    let output: Matrix           // [V, C], the embedding itself when tied
    let config: ModelConfig

    init(_ loader: WeightLoader, config c: ModelConfig) throws(ModelError) {
        let C = c.embeddingLength, V = c.vocabularySize
        embedding = try loader.matrix("token_embd.weight", rows: V, columns: C)
        outputNorm = try loader.load("output_norm.weight", shape: [C])
        let untied = loader.file.tensor(named: "output.weight") != nil
        output = untied ? try loader.matrix("output.weight", rows: V, columns: C) : embedding
        config = c
    }

    /// x[C] = embedding[token] * embeddingScale
    func embed(_ x: UnsafeMutablePointer<Float>, token: Int32) {
        let c = config.embeddingLength
        x.update(from: embedding.pointer + Int(token) * c, count: c)
        if config.embeddingScale != 1 { Ops.scale(x, config.embeddingScale, c) }
    }

    /// logits[V] = output · rmsnorm(x); normalizes x in place.
    func logits(_ logits: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>,
                _ arithmetic: some ReferenceArithmetic) {
        NaiveKernel.rmsNorm(x, x, outputNorm.pointer, rows: 1, columns: config.embeddingLength, epsilon: config.normEpsilon)
        arithmetic.product(logits, output, x)
    }

    /// Logits of T tokens x[T, C] as `selection` asks; normalizes x in place.
    func logits(_ x: UnsafeMutablePointer<Float>, t: Int, selection: LogitSelection) throws(InferenceError) -> [Float] {
        switch selection {
        case .none:
            return []
        case .lastToken:
            let last = x + (t - 1) * config.embeddingLength
            return product(last, t: 1, rows: output.pointer, rowCount: config.vocabularySize)
        case .allTokens:
            return product(x, t: t, rows: output.pointer, rowCount: config.vocabularySize)
        case .subset(let subset):
            guard let rows = subset.rows, subset.source == ObjectIdentifier(output.values) else {
                throw .stateMismatch("the vocabulary subset was made for another model")
            }
            return product(x, t: t, rows: rows.pointer, rowCount: subset.count)
        }
    }

    /// out[T, N] = rmsnorm(x)[T, C] · rows[N, C]ᵀ
    private func product(_ x: UnsafeMutablePointer<Float>, t: Int, rows: UnsafePointer<Float>, rowCount n: Int) -> [Float] {
        let c = config.embeddingLength
        for i in 0..<t { NaiveKernel.rmsNorm(x + i * c, x + i * c, outputNorm.pointer, rows: 1, columns: c, epsilon: config.normEpsilon) }
        guard n > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: t * n) { out, count in
            if t == 1 {
                BLAS.matvec(out.baseAddress!, rows, x, rows: n, columns: c)
            } else {
                BLAS.matmulTransposed(out.baseAddress!, outStride: n, x, xStride: c, rows, wStride: c, t: t, n: c, d: n)
            }
            count = t * n
        }
    }

    func vocabularySubset(ids: [Int32]) throws(InferenceError) -> VocabularySubset {
        try VocabularySubset(ids: ids, gatheringFrom: output.values, config: config)
    }
}
