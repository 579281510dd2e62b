import Tensors
/// The hyper-parameters of a decoder-only transformer, read from GGUF metadata (see `ModelConfig+Metadata`).
/// Letters used in shape comments across the engine: C embedding, L layers, NH query heads,
/// NKV key/value heads, HS head size, FF feed-forward width, V vocabulary, P context positions, T tokens.
public struct ModelConfig: Sendable, Equatable {
    public enum Architecture: String, Sendable, Codable {
        case llama, gemma3
    }

    public var architecture: Architecture
    public var embeddingLength: Int        // C
    public var layerCount: Int             // L
    public var headCount: Int              // NH
    public var kvHeadCount: Int            // NKV
    public var headSize: Int               // HS
    public var feedForwardLength: Int      // FF
    public var contextLength: Int          // P (trained maximum)
    public var vocabularySize: Int         // V
    public var normEpsilon: Float
    public var ropeDimensionCount: Int     // R <= HS, the rotated leading channels of each head
    public var ropeStyle: RoPEStyle
    /// RoPE base of global-attention layers.
    public var ropeBase: Float
    /// RoPE base of sliding-window layers (equal to `ropeBase` when there are none).
    public var localRopeBase: Float
    /// Positions a sliding-window layer sees, its own included; nil when every layer attends globally.
    public var slidingWindow: Int?
    /// Each layer's role: true for a local (sliding-window) layer, false for a global one. All false
    /// without a sliding window. A pruned student keeps its teacher layers' roles, so the pattern is data.
    public var localLayers: [Bool]
    /// Multiplies q·k before the softmax.
    public var attentionScale: Float
    /// Multiplies the token embedding before the first layer.
    public var embeddingScale: Float
    public var bosTokenID: Int32?
    public var eosTokenID: Int32?

    /// A configuration built in code (fakes, students being designed); `ModelConfig(file:)` reads one from GGUF.
    public init(architecture: Architecture, embeddingLength: Int, layerCount: Int, headCount: Int, kvHeadCount: Int,
                headSize: Int, feedForwardLength: Int, contextLength: Int, vocabularySize: Int,
                normEpsilon: Float = 1e-5, ropeDimensionCount: Int? = nil, ropeStyle: RoPEStyle = .adjacentPairs,
                ropeBase: Float = 10_000, localRopeBase: Float? = nil, slidingWindow: Int? = nil,
                slidingWindowPattern: Int = 1, localLayers: [Bool]? = nil, attentionScale: Float? = nil, embeddingScale: Float = 1,
                bosTokenID: Int32? = nil, eosTokenID: Int32? = nil) {
        self.architecture = architecture
        self.embeddingLength = embeddingLength
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headSize = headSize
        self.feedForwardLength = feedForwardLength
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.normEpsilon = normEpsilon
        self.ropeDimensionCount = ropeDimensionCount ?? headSize
        self.ropeStyle = ropeStyle
        self.ropeBase = ropeBase
        self.localRopeBase = localRopeBase ?? ropeBase
        self.slidingWindow = slidingWindow
        self.localLayers = localLayers ?? Self.localLayers(layerCount: layerCount, window: slidingWindow,
                                                          pattern: slidingWindowPattern)
        self.attentionScale = attentionScale ?? 1 / Float(headSize).squareRoot()
        self.embeddingScale = embeddingScale
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
    }

    public var queryLength: Int { headCount * headSize }        // NH * HS
    public var kvLength: Int { kvHeadCount * headSize }         // NKV * HS
    public var headsPerKVHead: Int { headCount / kvHeadCount }

    public func isSlidingWindowLayer(_ layer: Int) -> Bool {
        slidingWindow != nil && localLayers[layer]
    }

    /// llama.cpp's `set_swa_pattern(n)`: every n-th layer (1-based) is global, the others local.
    static func localLayers(layerCount: Int, window: Int?, pattern: Int) -> [Bool] {
        (0..<layerCount).map { window != nil && pattern > 0 && $0 % pattern < pattern - 1 }
    }

    /// How many past positions (the current one included) `layer` attends to; nil for all of them.
    public func attentionWindow(layer: Int) -> Int? {
        isSlidingWindowLayer(layer) ? slidingWindow : nil
    }

    public func ropeBase(layer: Int) -> Float {
        isSlidingWindowLayer(layer) ? localRopeBase : ropeBase
    }
}
