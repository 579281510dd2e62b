import GGUF

/// The GGUF metadata keys of a SentencePiece tokenizer, as llama.cpp names them.
public enum TokenizerKeys {
    public static let model = "tokenizer.ggml.model"
    public static let preTokenizer = "tokenizer.ggml.pre"
    public static let tokens = "tokenizer.ggml.tokens"
    public static let scores = "tokenizer.ggml.scores"
    public static let tokenTypes = "tokenizer.ggml.token_type"
    public static let addBOS = "tokenizer.ggml.add_bos_token"
    public static let addEOS = "tokenizer.ggml.add_eos_token"
    public static let addSpacePrefix = "tokenizer.ggml.add_space_prefix"
    public static let chatTemplate = "tokenizer.chat_template"
}

extension TokenizerVocabulary {
    public init(gguf: GGUFFile) throws(TokenizerError) {
        try self.init(metadata: gguf.metadata, path: gguf.path)
    }

    /// Reads the vocabulary as llama.cpp's `llama_vocab::load` does for `tokenizer.ggml.model = "llama"`:
    /// defaults BOS 1, EOS 2, UNK 0, add_bos true, add_eos false, add_space_prefix true, then the keys present.
    public init(metadata: [String: GGUFValue], path: String? = nil) throws(TokenizerError) {
        guard let modelValue = metadata[TokenizerKeys.model] else {
            throw .missingTokenizer(path: path)
        }
        guard let model = modelValue.string else {
            throw .wrongValueType(key: TokenizerKeys.model, expected: "a string")
        }
        guard model == Self.model else { throw .unsupportedModel(model) }

        guard let tokenValues = metadata[TokenizerKeys.tokens] else { throw .missingKey(TokenizerKeys.tokens) }
        guard let tokenArray = tokenValues.array else {
            throw .wrongValueType(key: TokenizerKeys.tokens, expected: "an array of strings")
        }
        var tokens: [String] = []
        tokens.reserveCapacity(tokenArray.count)
        for value in tokenArray {
            guard case .string(let text) = value else {
                throw .wrongValueType(key: TokenizerKeys.tokens, expected: "an array of strings")
            }
            tokens.append(text)
        }

        let scores = try metadata[TokenizerKeys.scores].map { value throws(TokenizerError) in
            try Self.numbers(value, key: TokenizerKeys.scores) { Float($0.double ?? .nan) }
        }
        let types = try metadata[TokenizerKeys.tokenTypes].map { value throws(TokenizerError) in
            try Self.numbers(value, key: TokenizerKeys.tokenTypes) { TokenType(gguf: $0.int ?? 0) }
        }

        var specialIDs = SpecialTokenIDs.llamaDefaults(vocabularySize: tokens.count)
        for (field, key) in SpecialTokenIDs.ggufKeys {
            guard let value = metadata[key] else { continue }
            guard let id = value.int else { throw .wrongValueType(key: key, expected: "an integer") }
            guard id >= 0, id < tokens.count else {
                throw .specialTokenOutOfRange(key: key, id: id, vocabularySize: tokens.count)
            }
            specialIDs[keyPath: field] = Int32(id)
        }

        func flag(_ key: String, default defaultValue: Bool) throws(TokenizerError) -> Bool {
            guard let value = metadata[key] else { return defaultValue }
            guard let bool = value.bool else { throw .wrongValueType(key: key, expected: "a bool") }
            return bool
        }

        try self.init(tokens: tokens, scores: scores, types: types, specialIDs: specialIDs,
                      addBOS: try flag(TokenizerKeys.addBOS, default: true),
                      addEOS: try flag(TokenizerKeys.addEOS, default: false),
                      addSpacePrefix: try flag(TokenizerKeys.addSpacePrefix, default: true),
                      preTokenizer: metadata[TokenizerKeys.preTokenizer]?.string,
                      chatTemplate: metadata[TokenizerKeys.chatTemplate]?.string)
    }

    private static func numbers<T>(_ value: GGUFValue, key: String,
                                   _ convert: (GGUFValue) -> T) throws(TokenizerError) -> [T] {
        guard let items = value.array else { throw .wrongValueType(key: key, expected: "an array of numbers") }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard item.double != nil else { throw .wrongValueType(key: key, expected: "an array of numbers") }
            result.append(convert(item))
        }
        return result
    }

    /// Every `tokenizer.*` key llama.cpp needs to load this vocabulary, in the order llama.cpp's converter
    /// writes them. Token types are int32 and scores float32, as llama.cpp requires.
    public var ggufMetadata: [(key: String, value: GGUFValue)] {
        var entries: [(key: String, value: GGUFValue)] = [(TokenizerKeys.model, .string(Self.model))]
        if let preTokenizer { entries.append((TokenizerKeys.preTokenizer, .string(preTokenizer))) }
        entries.append((TokenizerKeys.tokens, .array(tokens.map { .string($0) })))
        entries.append((TokenizerKeys.scores, .array(scores.map { .float32($0) })))
        entries.append((TokenizerKeys.tokenTypes, .array(types.map { .int32($0.rawValue) })))
        for (field, key) in SpecialTokenIDs.ggufKeys {
            if let id = specialIDs[keyPath: field] { entries.append((key, .uint32(UInt32(id)))) }
        }
        entries.append((TokenizerKeys.addBOS, .bool(addBOS)))
        entries.append((TokenizerKeys.addEOS, .bool(addEOS)))
        entries.append((TokenizerKeys.addSpacePrefix, .bool(addSpacePrefix)))
        if let chatTemplate { entries.append((TokenizerKeys.chatTemplate, .string(chatTemplate))) }
        return entries
    }

    /// Sets every tokenizer key on `writer`, replacing earlier values.
    public func write(into writer: inout GGUFWriter) {
        for (key, value) in ggufMetadata { writer.set(key, value) }
    }
}
