/// The ids a vocabulary names for its structural tokens; nil where it has none.
public struct SpecialTokenIDs: Sendable, Equatable {
    public var bos: Int32?
    public var eos: Int32?
    public var unknown: Int32?
    public var padding: Int32?
    /// End of turn (`<end_of_turn>` for Gemma): generation stops there too.
    public var endOfTurn: Int32?
    public var separator: Int32?
    public var mask: Int32?

    public init(bos: Int32? = nil, eos: Int32? = nil, unknown: Int32? = nil, padding: Int32? = nil,
                endOfTurn: Int32? = nil, separator: Int32? = nil, mask: Int32? = nil) {
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.padding = padding
        self.endOfTurn = endOfTurn
        self.separator = separator
        self.mask = mask
    }

    /// Each field with its GGUF key; "seperator" is spelled as llama.cpp spells it.
    public static let ggufKeys: [(field: any WritableKeyPath<SpecialTokenIDs, Int32?> & Sendable, key: String)] = [
        (\.bos, "tokenizer.ggml.bos_token_id"),
        (\.eos, "tokenizer.ggml.eos_token_id"),
        (\.endOfTurn, "tokenizer.ggml.eot_token_id"),
        (\.unknown, "tokenizer.ggml.unknown_token_id"),
        (\.separator, "tokenizer.ggml.seperator_token_id"),
        (\.padding, "tokenizer.ggml.padding_token_id"),
        (\.mask, "tokenizer.ggml.mask_token_id"),
    ]

    /// llama.cpp's defaults for a SentencePiece vocabulary, dropping any id the vocabulary is too small for.
    public static func llamaDefaults(vocabularySize: Int) -> SpecialTokenIDs {
        func inRange(_ id: Int32) -> Int32? { Int(id) < vocabularySize ? id : nil }
        return SpecialTokenIDs(bos: inRange(1), eos: inRange(2), unknown: inRange(0))
    }

    /// Every id that is set, without repeats, in ascending order.
    public var allIDs: [Int32] {
        Array(Set(Self.ggufKeys.compactMap { self[keyPath: $0.field] })).sorted()
    }

    /// The same roles with every id passed through `transform` (used when trimming renumbers tokens).
    public func mapped(_ transform: (Int32) -> Int32?) -> SpecialTokenIDs {
        var result = SpecialTokenIDs()
        for (field, _) in Self.ggufKeys {
            result[keyPath: field] = self[keyPath: field].flatMap(transform)
        }
        return result
    }
}
