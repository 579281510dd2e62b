import Engine

/// The student's transformer shape apart from its vocabulary and context, from a preset or explicit
/// `--dim --layers --heads --kv-heads --ffn`. Parameter counts below are for an 8,192-token vocabulary.
public struct StudentShape: Sendable, Codable, Equatable {
    public var architecture: ModelConfig.Architecture = .llama
    public var embeddingLength: Int  // C
    public var layerCount: Int  // L
    public var headCount: Int  // NH
    public var kvHeadCount: Int  // NKV
    public var feedForwardLength: Int  // F
    public var tiedEmbeddings: Bool
    /// HS; nil: C / NH. Free for gemma3 only.
    public var headSize: Int? = nil

    public init(embeddingLength: Int, layerCount: Int, headCount: Int, kvHeadCount: Int? = nil,
                feedForwardLength: Int, tiedEmbeddings: Bool = false) {
        self.embeddingLength = embeddingLength
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount ?? headCount
        self.feedForwardLength = feedForwardLength
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// About 1.2M parameters, for quick runs.
    public static let tiny = StudentShape(embeddingLength: 64, layerCount: 2, headCount: 2, feedForwardLength: 192)
    /// 7.6M parameters: the shape of the fixture student `student-s-q8_0.gguf`.
    public static let small = StudentShape(embeddingLength: 256, layerCount: 4, headCount: 4, feedForwardLength: 768)
    /// About 26M parameters.
    public static let base = StudentShape(embeddingLength: 512, layerCount: 6, headCount: 8, feedForwardLength: 1280)

    public static let presets: [String: StudentShape] = ["tiny": tiny, "small": small, "base": base]

    public static func preset(named name: String) throws -> StudentShape {
        guard let shape = presets[name.lowercased()] else {
            throw DistillError.invalidOption("unknown preset '\(name)' (expected tiny, small or base)")
        }
        return shape
    }

    /// A gemma3 student gets Gemma 3's conventions: a 512-position window on local layers with every sixth
    /// layer global, RoPE bases 1e6 (global) and 1e4 (local), epsilon 1e-6, a tied embedding.
    public func config(vocabularySize: Int, contextLength: Int) -> TrainingModelConfig {
        guard architecture == .gemma3 else {
            return TrainingModelConfig(vocabularySize: vocabularySize, embeddingLength: embeddingLength, layerCount: layerCount,
                                       headCount: headCount, kvHeadCount: kvHeadCount, feedForwardLength: feedForwardLength,
                                       contextLength: contextLength, tiedEmbeddings: tiedEmbeddings)
        }
        return TrainingModelConfig(
            architecture: .gemma3, vocabularySize: vocabularySize, embeddingLength: embeddingLength, layerCount: layerCount,
            headCount: headCount, kvHeadCount: kvHeadCount, headSize: headSize, feedForwardLength: feedForwardLength,
            contextLength: contextLength, rmsNormEpsilon: 1e-6, ropeFrequencyBase: 1_000_000, localRopeBase: 10_000,
            slidingWindow: 512, localLayers: (0..<layerCount).map { $0 % 6 < 5 }, tiedEmbeddings: true)
    }

    /// The shape problems `TrainingModelConfig.validate` would find, plus Q8_0's rule that every weight
    /// row (C, F and NH * HS values long) be a whole number of 32-value blocks.
    public func validate() throws {
        do { try config(vocabularySize: 1, contextLength: 1).validate() } catch {
            throw DistillError.invalidOption("student shape: \(error)")
        }
        guard embeddingLength % 32 == 0, feedForwardLength % 32 == 0 else {
            throw DistillError.invalidOption("--dim \(embeddingLength) and --ffn \(feedForwardLength) must be multiples "
                                             + "of 32 (Q8_0 quantizes rows in blocks of 32)")
        }
        let attentionWidth = headCount * (headSize ?? embeddingLength / max(headCount, 1))
        guard attentionWidth % 32 == 0 else {
            throw DistillError.invalidOption("--heads x --head-dim (\(attentionWidth)) must be a multiple of 32 (Q8_0 blocks)")
        }
        guard architecture == .gemma3 || headSize == nil else {
            throw DistillError.invalidOption("--head-dim is for gemma3 students; a llama head is --dim / --heads wide")
        }
    }
}
