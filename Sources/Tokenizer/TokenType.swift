/// A token's kind, as stored in `tokenizer.ggml.token_type` (llama.cpp's `llama_token_type`).
public enum TokenType: Int32, Sendable, CaseIterable {
    case undefined = 0
    case normal = 1
    case unknown = 2
    case control = 3
    case userDefined = 4
    case unused = 5
    case byte = 6

    /// Values outside the known range read as `.undefined`, as llama.cpp reads them.
    public init(gguf raw: Int) {
        self = Int32(exactly: raw).flatMap(TokenType.init(rawValue:)) ?? .undefined
    }
}

/// The attribute bits llama.cpp derives from the type (`llama_token_attr`). A token can carry several:
/// llama.cpp forces CONTROL onto end-of-turn-looking tokens and UNUSED onto control tokens named "unused",
/// and encoding and decoding test bits, not the type.
package struct TokenAttributes: OptionSet, Sendable, Hashable {
    package let rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package static let unknown = TokenAttributes(rawValue: 1 << 0)
    package static let unused = TokenAttributes(rawValue: 1 << 1)
    package static let normal = TokenAttributes(rawValue: 1 << 2)
    package static let control = TokenAttributes(rawValue: 1 << 3)
    package static let userDefined = TokenAttributes(rawValue: 1 << 4)
    package static let byte = TokenAttributes(rawValue: 1 << 5)

    /// Tokens whose text is matched in the input before SentencePiece runs (the special-token cache).
    package static let matchedAsText: TokenAttributes = [.control, .userDefined, .unknown]
    /// Tokens that decode to nothing unless special tokens are rendered.
    package static let hiddenUnlessRendered: TokenAttributes = [.unknown, .control]

    package init(_ type: TokenType) {
        switch type {
        case .undefined: self = []
        case .normal: self = .normal
        case .unknown: self = .unknown
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .unused: self = .unused
        case .byte: self = .byte
        }
    }
}
