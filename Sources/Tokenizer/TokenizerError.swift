/// Everything that can be wrong with a tokenizer's description, each case naming the problem.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The GGUF has no `tokenizer.ggml.model` (or no token list): it carries no tokenizer at all.
    case missingTokenizer(path: String?)
    case unsupportedModel(String)
    case missingKey(String)
    case wrongValueType(key: String, expected: String)
    case emptyVocabulary
    case lengthMismatch(key: String, expected: Int, found: Int)
    case badScore(id: Int32, score: Float)
    case duplicateToken(String, firstID: Int32, secondID: Int32)
    case badByteToken(id: Int32, text: String)
    case specialTokenOutOfRange(key: String, id: Int, vocabularySize: Int)
    case missingSpecialToken(flag: String, key: String)
    /// Some byte has neither a `<0xNN>` token, a one-byte token nor an unknown token to fall back to.
    case noByteFallback(byte: UInt8)
    case idOutOfRange(Int32, vocabularySize: Int)

    public var description: String {
        switch self {
        case .missingTokenizer(let path):
            "\(path.map { "\($0): " } ?? "")no tokenizer metadata (tokenizer.ggml.model and tokenizer.ggml.tokens are missing)"
        case .unsupportedModel(let model):
            "tokenizer.ggml.model '\(model)' is not supported (only 'llama', the SentencePiece tokenizer)"
        case .missingKey(let key): "tokenizer metadata key '\(key)' is missing"
        case .wrongValueType(let key, let expected): "tokenizer metadata key '\(key)' is not \(expected)"
        case .emptyVocabulary: "the vocabulary has no tokens"
        case .lengthMismatch(let key, let expected, let found):
            "'\(key)' has \(found) entries, but the vocabulary has \(expected) tokens"
        case .badScore(let id, let score): "token \(id) has score \(score), which is not a number"
        case .duplicateToken(let text, let first, let second):
            "duplicate token in vocabulary: '\(text)' has ids \(first) and \(second)"
        case .badByteToken(let id, let text): "byte token \(id) is '\(text)', not of the form <0xNN>"
        case .specialTokenOutOfRange(let key, let id, let size):
            "\(key) = \(id) is outside the vocabulary (\(size) tokens)"
        case .missingSpecialToken(let flag, let key): "\(flag) is true, but \(key) is not set"
        case .noByteFallback(let byte):
            "byte 0x\(String(byte, radix: 16, uppercase: true)) has no <0xNN> token and the vocabulary has no unknown token"
        case .idOutOfRange(let id, let size): "token id \(id) is outside the vocabulary (\(size) tokens)"
        }
    }
}
