/// A complete SentencePiece ("llama") tokenizer description: the arrays and flags a GGUF stores under
/// `tokenizer.ggml.*`. Built from a GGUF, from arrays in memory, or by trimming another vocabulary, and
/// written back with `ggufMetadata`. Validated on construction; `Tokenizer(vocabulary:)` runs it.
public struct TokenizerVocabulary: Sendable, Equatable {
    /// The only `tokenizer.ggml.model` this module implements.
    public static let model = "llama"

    /// Token texts, spaces written as U+2581 "▁", byte tokens as "<0xNN>". Indexed by id.
    public let tokens: [String]
    /// SentencePiece log-probabilities: the merge with the highest score wins.
    public let scores: [Float]
    public let types: [TokenType]
    public let specialIDs: SpecialTokenIDs
    /// Whether llama.cpp adds BOS / EOS when asked to add special tokens.
    public let addBOS: Bool
    public let addEOS: Bool
    /// Whether a "▁" is put before the text (and after every special token) before merging.
    public let addSpacePrefix: Bool
    /// `tokenizer.ggml.pre`, carried through unchanged ("default" for Gemma).
    public let preTokenizer: String?
    /// `tokenizer.chat_template`, carried through unchanged.
    public let chatTemplate: String?

    public var count: Int { tokens.count }

    /// Checks lengths, scores, special ids and byte-token texts. `scores` default to 0 and `types` to
    /// `.normal`, as llama.cpp does when a GGUF leaves them out.
    public init(tokens: [String], scores: [Float]? = nil, types: [TokenType]? = nil,
                specialIDs: SpecialTokenIDs, addBOS: Bool = true, addEOS: Bool = false,
                addSpacePrefix: Bool = true, preTokenizer: String? = nil,
                chatTemplate: String? = nil) throws(TokenizerError) {
        guard !tokens.isEmpty else { throw .emptyVocabulary }
        let scores = scores ?? Array(repeating: 0, count: tokens.count)
        let types = types ?? Array(repeating: .normal, count: tokens.count)
        guard scores.count == tokens.count else {
            throw .lengthMismatch(key: TokenizerKeys.scores, expected: tokens.count, found: scores.count)
        }
        guard types.count == tokens.count else {
            throw .lengthMismatch(key: TokenizerKeys.tokenTypes, expected: tokens.count, found: types.count)
        }
        if let bad = scores.firstIndex(where: \.isNaN) { throw .badScore(id: Int32(bad), score: scores[bad]) }
        for (field, key) in SpecialTokenIDs.ggufKeys {
            if let id = specialIDs[keyPath: field], id < 0 || Int(id) >= tokens.count {
                throw .specialTokenOutOfRange(key: key, id: Int(id), vocabularySize: tokens.count)
            }
        }
        if addBOS && specialIDs.bos == nil {
            throw .missingSpecialToken(flag: TokenizerKeys.addBOS, key: "tokenizer.ggml.bos_token_id")
        }
        if addEOS && specialIDs.eos == nil {
            throw .missingSpecialToken(flag: TokenizerKeys.addEOS, key: "tokenizer.ggml.eos_token_id")
        }
        for id in types.indices where types[id] == .byte {
            guard Self.byteValue(ofByteToken: tokens[id]) != nil else {
                throw .badByteToken(id: Int32(id), text: tokens[id])
            }
        }
        self.tokens = tokens
        self.scores = scores
        self.types = types
        self.specialIDs = specialIDs
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        self.preTokenizer = preTokenizer
        self.chatTemplate = chatTemplate
    }

    /// Token texts compare byte for byte: Swift's string equality would call canonically equivalent
    /// texts ("é" precomposed or not) equal, and the tokenizer tells them apart.
    public static func == (a: TokenizerVocabulary, b: TokenizerVocabulary) -> Bool {
        a.tokens.elementsEqual(b.tokens) { $0.utf8.elementsEqual($1.utf8) }
            && a.scores.elementsEqual(b.scores) { $0.bitPattern == $1.bitPattern }
            && a.types == b.types && a.specialIDs == b.specialIDs
            && a.addBOS == b.addBOS && a.addEOS == b.addEOS && a.addSpacePrefix == b.addSpacePrefix
            && a.preTokenizer.map { Array($0.utf8) } == b.preTokenizer.map { Array($0.utf8) }
            && a.chatTemplate.map { Array($0.utf8) } == b.chatTemplate.map { Array($0.utf8) }
    }

    /// The byte a "<0xNN>" text stands for (hex digits of either case, as llama.cpp's strtol reads them).
    public static func byteValue(ofByteToken text: String) -> UInt8? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 6, utf8[0] == UInt8(ascii: "<"), utf8[1] == UInt8(ascii: "0"),
              utf8[2] == UInt8(ascii: "x"), utf8[5] == UInt8(ascii: ">"),
              let high = hexDigit(utf8[3]), let low = hexDigit(utf8[4]) else { return nil }
        return high << 4 | low
    }

    /// The canonical text of the token for `byte`.
    public static func byteTokenText(_ byte: UInt8) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "<"), UInt8(ascii: "0"), UInt8(ascii: "x"),
                                 hex[Int(byte >> 4)], hex[Int(byte & 15)], UInt8(ascii: ">")], as: UTF8.self)
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
