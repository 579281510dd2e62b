import GGUF

extension ModelConfig {
    /// Reads the configuration of a `llama` or `gemma3` GGUF and checks it against the embedding tensor.
    public init(file: GGUFFile) throws(ModelError) {
        guard let name = file.architecture, let architecture = Architecture(rawValue: name) else {
            throw .unsupportedArchitecture(file.architecture)
        }
        let keys = MetadataReader(metadata: file.metadata, prefix: name)
        let embeddingLength = try keys.positiveInt("embedding_length")
        let headCount = try keys.positiveInt("attention.head_count")
        let kvHeadCount = try keys.positiveInt("attention.head_count_kv", default: headCount)
        guard headCount % kvHeadCount == 0 else {
            throw .badValue(key: "\(name).attention.head_count_kv",
                            reason: "\(headCount) query heads cannot be grouped over \(kvHeadCount) KV heads")
        }
        let headSize: Int
        if keys.has("attention.key_length") {
            headSize = try keys.positiveInt("attention.key_length")
        } else {
            guard embeddingLength % headCount == 0 else {
                throw .badValue(key: "\(name).embedding_length",
                                reason: "\(embeddingLength) is not divisible by \(headCount) heads")
            }
            headSize = embeddingLength / headCount
        }
        let valueLength = try keys.positiveInt("attention.value_length", default: headSize)
        guard valueLength == headSize else {
            throw .badValue(key: "\(name).attention.value_length",
                            reason: "\(valueLength) differs from the key length \(headSize), which is not supported")
        }
        let ropeDimensionCount = try keys.positiveInt("rope.dimension_count", default: headSize)
        guard ropeDimensionCount <= headSize, ropeDimensionCount % 2 == 0 else {
            throw .badValue(key: "\(name).rope.dimension_count",
                            reason: "\(ropeDimensionCount) must be even and at most the head size \(headSize)")
        }
        let layerCount = try keys.positiveInt("block_count")
        let epsilon = try keys.positiveFloat("attention.layer_norm_rms_epsilon")
        let ropeBase = try keys.positiveFloat("rope.freq_base", default: 10_000)

        guard let embedding = file.tensor(named: "token_embd.weight") else { throw .missingTensor("token_embd.weight") }
        guard embedding.shape.count == 2, embedding.shape[0] == embeddingLength, embedding.shape[1] > 0 else {
            throw .shapeMismatch(tensor: "token_embd.weight", expected: [embeddingLength, embedding.shape.last ?? 0],
                                 found: embedding.shape)
        }

        self.architecture = architecture
        self.embeddingLength = embeddingLength
        self.layerCount = layerCount
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headSize = headSize
        self.feedForwardLength = try keys.positiveInt("feed_forward_length")
        self.contextLength = try keys.positiveInt("context_length")
        self.vocabularySize = embedding.shape[1]
        self.normEpsilon = epsilon
        self.ropeDimensionCount = ropeDimensionCount
        self.ropeBase = ropeBase
        self.bosTokenID = try Self.tokenID(file, "tokenizer.ggml.bos_token_id", vocabularySize: embedding.shape[1])
        self.eosTokenID = try Self.tokenID(file, "tokenizer.ggml.eos_token_id", vocabularySize: embedding.shape[1])

        switch architecture {
        case .llama:
            ropeStyle = .adjacentPairs
            localRopeBase = ropeBase
            slidingWindow = nil
            localLayers = Array(repeating: false, count: layerCount)
            attentionScale = 1 / Float(headSize).squareRoot()
            embeddingScale = 1
        case .gemma3:
            // llama.cpp hard-codes these for every Gemma 3 size; newer converters may write them.
            ropeStyle = .halves
            localRopeBase = try keys.positiveFloat("rope.freq_base_swa", default: 10_000)
            // as llama.cpp: without the key no layer slides
            slidingWindow = keys.has("attention.sliding_window") ? try keys.positiveInt("attention.sliding_window") : nil
            localLayers = try keys.layerRoles("attention.sliding_window_pattern", layerCount: layerCount,
                                              window: slidingWindow, defaultPattern: 6)
            // Gemma's query_pre_attn_scalar is the head size, except for the 27B model (62 layers).
            let scaleBase = layerCount == 62 ? embeddingLength / headCount : headSize
            attentionScale = 1 / Float(scaleBase).squareRoot()
            embeddingScale = Float(embeddingLength).squareRoot()
        }
    }

    private static func tokenID(_ file: GGUFFile, _ key: String, vocabularySize: Int) throws(ModelError) -> Int32? {
        guard let value = file.metadata[key] else { return nil }
        guard let id = value.int, (0..<vocabularySize).contains(id) else {
            throw .badValue(key: key, reason: "\(value) is not a token id below the vocabulary size \(vocabularySize)")
        }
        return Int32(id)
    }
}

/// Typed access to `<architecture>.<name>` metadata keys.
struct MetadataReader {
    let metadata: [String: GGUFValue]
    let prefix: String

    func has(_ name: String) -> Bool { metadata["\(prefix).\(name)"] != nil }

    func positiveInt(_ name: String, default fallback: Int? = nil) throws(ModelError) -> Int {
        let key = "\(prefix).\(name)"
        guard let value = metadata[key] else {
            guard let fallback else { throw .missingKey(key) }
            return fallback
        }
        guard let int = value.int, int > 0, int <= 1 << 30 else {
            throw .badValue(key: key, reason: "\(value) is not a positive integer")
        }
        return int
    }

    /// A per-layer bool array (true: sliding-window layer), or an integer period as llama.cpp's
    /// `load_swa_pattern` reads either.
    func layerRoles(_ name: String, layerCount: Int, window: Int?, defaultPattern: Int) throws(ModelError) -> [Bool] {
        let key = "\(prefix).\(name)"
        guard let array = metadata[key]?.array else {
            let pattern = try positiveInt(name, default: defaultPattern)
            return ModelConfig.localLayers(layerCount: layerCount, window: window, pattern: pattern)
        }
        let roles = array.compactMap { $0.bool ?? $0.int.map { $0 != 0 } }
        guard roles.count == array.count, roles.count == layerCount else {
            throw .badValue(key: key, reason: "expected \(layerCount) per-layer bools, found \(array.count) values")
        }
        return roles
    }

    func positiveFloat(_ name: String, default fallback: Float? = nil) throws(ModelError) -> Float {
        let key = "\(prefix).\(name)"
        guard let value = metadata[key] else {
            guard let fallback else { throw .missingKey(key) }
            return fallback
        }
        guard let double = value.double, double > 0, double.isFinite else {
            throw .badValue(key: key, reason: "\(value) is not a positive number")
        }
        return Float(double)
    }
}
