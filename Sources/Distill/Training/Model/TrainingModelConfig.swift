/// The shape of a Llama student, named as GGUF's `llama.*` metadata names it.
/// Letters used in shape comments throughout the trainer: V vocab, C channels, L layers, NH query heads,
/// NKV key/value heads, HS head size (C / NH), F feed-forward width, T time, B batch.
public struct TrainingModelConfig: Codable, Sendable, Equatable {
    public var vocabularySize: Int  // V
    public var embeddingLength: Int  // C
    public var layerCount: Int  // L
    public var headCount: Int  // NH
    public var kvHeadCount: Int  // NKV
    public var feedForwardLength: Int  // F
    public var contextLength: Int  // longest T the rope table covers
    public var rmsNormEpsilon: Float
    public var ropeFrequencyBase: Float
    /// When true the output projection reuses the token embedding ([V, C]) and there is no `output.weight`.
    public var tiedEmbeddings: Bool

    public init(
        vocabularySize: Int, embeddingLength: Int, layerCount: Int, headCount: Int, kvHeadCount: Int? = nil,
        feedForwardLength: Int, contextLength: Int, rmsNormEpsilon: Float = 1e-5, ropeFrequencyBase: Float = 10_000,
        tiedEmbeddings: Bool = false
    ) {
        self.vocabularySize = vocabularySize
        self.embeddingLength = embeddingLength
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount ?? headCount
        self.feedForwardLength = feedForwardLength
        self.contextLength = contextLength
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeFrequencyBase = ropeFrequencyBase
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// HS
    public var headSize: Int { embeddingLength / headCount }
    /// NH / NKV: how many query heads read one key/value head.
    public var queriesPerKVHead: Int { headCount / kvHeadCount }

    /// The student the project ships: 7.6M parameters, the shape of `student-s-q8_0.gguf`.
    public static let studentS = TrainingModelConfig(
        vocabularySize: 8192, embeddingLength: 256, layerCount: 4, headCount: 4, feedForwardLength: 768,
        contextLength: 1024)

    public func validate() throws {
        func require(_ condition: Bool, _ why: String) throws {
            if !condition { throw TrainingError.invalidConfiguration(why) }
        }
        try require(vocabularySize > 0 && embeddingLength > 0 && layerCount > 0, "sizes must be positive")
        try require(headCount > 0 && kvHeadCount > 0 && feedForwardLength > 0 && contextLength > 0,
                    "sizes must be positive")
        try require(embeddingLength % headCount == 0, "embedding length \(embeddingLength) is not a multiple of "
                    + "head count \(headCount)")
        try require(headCount % kvHeadCount == 0, "head count \(headCount) is not a multiple of kv head count "
                    + "\(kvHeadCount)")
        try require(headSize % 2 == 0, "head size \(headSize) must be even for RoPE")
        try require(rmsNormEpsilon > 0 && rmsNormEpsilon.isFinite, "rms norm epsilon must be positive")
        try require(ropeFrequencyBase > 1 && ropeFrequencyBase.isFinite, "rope frequency base must exceed 1")
        try require(vocabularySize <= Int(Int32.max), "vocabulary too large for Int32 token ids")
    }
}
