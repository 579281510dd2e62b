import Kernels
import Tensors

/// Everything one sequence needs while it runs: the KV cache and the scratch buffers of the forward pass,
/// all allocated here once (llama2.c's RunState), so decoding a token allocates nothing.
/// One thread drives a state at a time.
public final class InferenceState: ModelState {
    public let config: ModelConfig
    public let contextLength: Int          // P, at most config.contextLength
    public let cache: KVCache

    // one token's activations
    let x: FloatBuffer          // [C] the residual stream
    let xb: FloatBuffer         // [max(C, NH * HS)] normed input, then attention output
    let xb2: FloatBuffer        // [C] a branch's output before it joins the residual
    let q: FloatBuffer          // [NH * HS]
    let hb: FloatBuffer         // [FF] gate
    let hb2: FloatBuffer        // [FF] up
    let scores: FloatBuffer     // [NH, P] attention weights
    let logits: FloatBuffer     // [V]
    let ropeCos: FloatBuffer    // [R / 2]
    let ropeSin: FloatBuffer    // [R / 2]
    let rounded: FloatBuffer    // [max(C, NH * HS, FF, 2 * HS)] inputs rounded as ggml would (Numerics.ggml)

    /// Scratch of the batched forward, grown to the largest batch seen.
    var batch: BatchScratch?

    public init(config: ModelConfig, contextLength: Int? = nil) {
        let length = min(max(contextLength ?? config.contextLength, 1), config.contextLength)
        self.config = config
        self.contextLength = length
        cache = KVCache(layerCount: config.layerCount, contextLength: length, kvLength: config.kvLength)
        x = FloatBuffer(count: config.embeddingLength)
        xb = FloatBuffer(count: max(config.embeddingLength, config.queryLength))
        xb2 = FloatBuffer(count: config.embeddingLength)
        q = FloatBuffer(count: config.queryLength)
        hb = FloatBuffer(count: config.feedForwardLength)
        hb2 = FloatBuffer(count: config.feedForwardLength)
        scores = FloatBuffer(count: config.headCount * length)
        logits = FloatBuffer(count: config.vocabularySize)
        ropeCos = FloatBuffer(count: config.ropeDimensionCount / 2)
        ropeSin = FloatBuffer(count: config.ropeDimensionCount / 2)
        rounded = FloatBuffer(count: max(config.embeddingLength, config.queryLength, config.feedForwardLength,
                                         2 * config.headSize))
    }

    /// Checks a step before it touches memory: the state fits the model, the token exists, the position fits.
    func validate(model: ModelConfig, tokens: some Sequence<Int32>, startPosition: Int,
                  count: Int) throws(InferenceError) {
        guard model == config else { throw .stateMismatch("it was made for another model configuration") }
        guard count > 0 else { throw .emptyBatch }
        guard startPosition >= 0, startPosition + count <= contextLength else {
            throw .contextFull(position: max(startPosition, 0) + count - 1, contextLength: contextLength)
        }
        for token in tokens where token < 0 || Int(token) >= config.vocabularySize {
            throw .tokenOutOfRange(token: token, vocabularySize: config.vocabularySize)
        }
    }

    func batchScratch(tokens: Int) -> BatchScratch {
        if let batch, batch.capacity >= tokens { return batch }
        let scratch = BatchScratch(config: config, capacity: tokens, contextLength: contextLength)
        batch = scratch
        return scratch
    }
}

/// Activations of T tokens at once, row-major with one row per token. Keys and values go straight into the cache.
final class BatchScratch {
    let capacity: Int           // T at most
    let x: FloatBuffer          // [T, C]
    let xb: FloatBuffer         // [T, max(C, NH * HS)]
    let xb2: FloatBuffer        // [T, C]
    let q: FloatBuffer          // [T, NH * HS]
    let hb: FloatBuffer         // [T, FF]
    let hb2: FloatBuffer        // [T, FF]
    let scores: FloatBuffer     // [min(T, 64), P] one head's attention weights for a block of query rows
    let ropeCos: FloatBuffer    // [T, R / 2]
    let ropeSin: FloatBuffer    // [T, R / 2]
    let localRopeCos: FloatBuffer    // [T, R / 2] sliding-window layers' angles
    let localRopeSin: FloatBuffer    // [T, R / 2]

    init(config: ModelConfig, capacity t: Int, contextLength: Int) {
        capacity = t
        x = FloatBuffer(count: t * config.embeddingLength)
        xb = FloatBuffer(count: t * max(config.embeddingLength, config.queryLength))
        xb2 = FloatBuffer(count: t * config.embeddingLength)
        q = FloatBuffer(count: t * config.queryLength)
        hb = FloatBuffer(count: t * config.feedForwardLength)
        hb2 = FloatBuffer(count: t * config.feedForwardLength)
        scores = FloatBuffer(count: min(t, Attention.queryBlock) * contextLength)
        ropeCos = FloatBuffer(count: t * config.ropeDimensionCount / 2)
        ropeSin = FloatBuffer(count: t * config.ropeDimensionCount / 2)
        let localCount = config.slidingWindow == nil ? 0 : t * config.ropeDimensionCount / 2
        localRopeCos = FloatBuffer(count: localCount)
        localRopeSin = FloatBuffer(count: localCount)
    }
}
