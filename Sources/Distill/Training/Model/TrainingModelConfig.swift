import Engine
import Tensors

/// The shape of a student, named as GGUF's `llama.*` / `gemma3.*` metadata names it.
/// Letters used in shape comments throughout the trainer: V vocab, C channels, L layers, NH query heads,
/// NKV key/value heads, HS head size, F feed-forward width, T time, B batch.
///
/// The two families differ only in data read from here: Gemma 3 scales the embedding by sqrt(C), normalizes
/// each query and key head, normalizes each branch's output before the residual add, gates with GELU (tanh)
/// instead of SiLU, rotates NEOX-style halves, and gives each layer a role: local (sliding window, its own
/// RoPE base) or global.
public struct TrainingModelConfig: Codable, Sendable, Equatable {
    public var architecture: ModelConfig.Architecture
    public var vocabularySize: Int  // V
    public var embeddingLength: Int  // C
    public var layerCount: Int  // L
    public var headCount: Int  // NH
    public var kvHeadCount: Int  // NKV
    public var headSize: Int  // HS; C / NH for llama, free for gemma3 (256 in Gemma-3-270M, where C = 640, NH = 4)
    public var feedForwardLength: Int  // F
    public var contextLength: Int  // longest T the rope table covers
    public var rmsNormEpsilon: Float
    /// RoPE base of global layers.
    public var ropeFrequencyBase: Float
    /// RoPE base of local (sliding-window) layers.
    public var localRopeBase: Float
    /// Positions a local layer sees, its own included; nil when every layer is global.
    public var slidingWindow: Int?
    /// Per layer: true when the layer is local. All false without a sliding window.
    public var localLayers: [Bool]
    /// When true the output projection reuses the token embedding ([V, C]) and there is no `output.weight`.
    public var tiedEmbeddings: Bool

    public init(
        architecture: ModelConfig.Architecture = .llama,
        vocabularySize: Int, embeddingLength: Int, layerCount: Int, headCount: Int, kvHeadCount: Int? = nil,
        headSize: Int? = nil, feedForwardLength: Int, contextLength: Int, rmsNormEpsilon: Float = 1e-5,
        ropeFrequencyBase: Float = 10_000, localRopeBase: Float = 10_000, slidingWindow: Int? = nil,
        localLayers: [Bool]? = nil, tiedEmbeddings: Bool = false
    ) {
        self.architecture = architecture
        self.vocabularySize = vocabularySize
        self.embeddingLength = embeddingLength
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount ?? headCount
        self.headSize = headSize ?? embeddingLength / max(headCount, 1)
        self.feedForwardLength = feedForwardLength
        self.contextLength = contextLength
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeFrequencyBase = ropeFrequencyBase
        self.localRopeBase = localRopeBase
        self.slidingWindow = slidingWindow
        self.localLayers = localLayers ?? Array(repeating: false, count: max(layerCount, 0))
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// NH / NKV: how many query heads read one key/value head.
    public var queriesPerKVHead: Int { headCount / kvHeadCount }

    public var isGemma: Bool { architecture == .gemma3 }
    /// Gemma multiplies the token embedding by sqrt(C) before the first layer.
    public var embeddingScale: Float { isGemma ? Float(embeddingLength).squareRoot() : 1 }
    public var ropeStyle: RoPEStyle { isGemma ? .halves : .adjacentPairs }

    public func isLocal(layer: Int) -> Bool { slidingWindow != nil && localLayers[layer] }
    public func attentionWindow(layer: Int) -> Int? { isLocal(layer: layer) ? slidingWindow : nil }
    public func ropeBase(layer: Int) -> Float { isLocal(layer: layer) ? localRopeBase : ropeFrequencyBase }

    /// The student the project ships: 7.6M parameters, the shape of `student-s-q8_0.gguf`.
    public static let studentS = TrainingModelConfig(
        vocabularySize: 8192, embeddingLength: 256, layerCount: 4, headCount: 4, feedForwardLength: 768,
        contextLength: 1024)

    /// A teacher's shape over a trimmed vocabulary of `vocabularySize` tokens.
    public init(teacher c: ModelConfig, vocabularySize: Int, contextLength: Int) {
        self.init(architecture: c.architecture, vocabularySize: vocabularySize, embeddingLength: c.embeddingLength,
                  layerCount: c.layerCount, headCount: c.headCount, kvHeadCount: c.kvHeadCount, headSize: c.headSize,
                  feedForwardLength: c.feedForwardLength, contextLength: contextLength, rmsNormEpsilon: c.normEpsilon,
                  ropeFrequencyBase: c.ropeBase, localRopeBase: c.localRopeBase, slidingWindow: c.slidingWindow,
                  localLayers: (0..<c.layerCount).map(c.isSlidingWindowLayer), tiedEmbeddings: c.architecture == .gemma3)
    }

    public func validate() throws {
        func require(_ condition: Bool, _ why: String) throws {
            if !condition { throw TrainingError.invalidConfiguration(why) }
        }
        try require(vocabularySize > 0 && embeddingLength > 0 && layerCount > 0, "sizes must be positive")
        try require(headCount > 0 && kvHeadCount > 0 && feedForwardLength > 0 && contextLength > 0 && headSize > 0,
                    "sizes must be positive")
        if !isGemma {
            try require(embeddingLength % headCount == 0, "embedding length \(embeddingLength) is not a multiple of "
                        + "head count \(headCount)")
            try require(headSize == embeddingLength / headCount, "a llama student's head size is C / NH")
        }
        try require(headCount % kvHeadCount == 0, "head count \(headCount) is not a multiple of kv head count "
                    + "\(kvHeadCount)")
        try require(headSize % 2 == 0, "head size \(headSize) must be even for RoPE")
        try require(rmsNormEpsilon > 0 && rmsNormEpsilon.isFinite, "rms norm epsilon must be positive")
        try require(ropeFrequencyBase > 1 && ropeFrequencyBase.isFinite, "rope frequency base must exceed 1")
        try require(localRopeBase > 1 && localRopeBase.isFinite, "local rope frequency base must exceed 1")
        try require(localLayers.count == layerCount, "\(localLayers.count) layer roles for \(layerCount) layers")
        try require(slidingWindow.map { $0 > 0 } ?? true, "the sliding window must be positive")
        try require(vocabularySize <= Int(Int32.max), "vocabulary too large for Int32 token ids")
    }
}
