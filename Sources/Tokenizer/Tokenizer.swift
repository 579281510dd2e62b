import GGUF

/// A SentencePiece tokenizer that encodes and decodes exactly as llama.cpp does for a
/// `tokenizer.ggml.model = "llama"` vocabulary (Gemma 3's, or a student's trimmed from it).
/// Immutable after construction; every method may be called from any thread.
public final class Tokenizer: Sendable {
    public let vocabulary: TokenizerVocabulary
    let pieces: PieceTable
    /// Per id, with llama.cpp's adjustments on top of the type. [V]
    let attributes: [TokenAttributes]
    /// The token each byte falls back to: "<0xNN>", else the one-byte text, else UNK. [256]
    let byteTokens: [Int32]
    /// What each id decodes to when specials are rendered (llama.cpp's token-to-piece cache).
    let decodedPieces: PieceBytes
    let specialMatcher: SpecialTokenMatcher
    public let endOfTurnID: Int32?
    public let endOfGenerationIDs: Set<Int32>

    public convenience init(gguf: GGUFFile) throws(TokenizerError) {
        try self.init(vocabulary: TokenizerVocabulary(gguf: gguf))
    }

    /// Throws when two tokens share a text, or when a byte has nothing to fall back to.
    public init(vocabulary: TokenizerVocabulary) throws(TokenizerError) {
        self.vocabulary = vocabulary
        let pieces = try PieceTable(pieces: vocabulary.tokens)
        self.pieces = pieces

        let roles = LlamaCppTokenRoles(vocabulary: vocabulary)
        var attributes = vocabulary.types.map(TokenAttributes.init)
        // llama.cpp makes end-of-turn-looking tokens control tokens, and marks control tokens named "unused".
        for id in roles.forcedControlIDs { attributes[Int(id)].insert(.control) }
        let unused = Array("unused".utf8)
        for id in attributes.indices where attributes[id].contains(.control) {
            let text = pieces.bytes[Int(pieces.offsets[id])..<Int(pieces.offsets[id + 1])]
            if text.count >= unused.count,
               text.indices.dropLast(unused.count - 1).contains(where: { text[$0..<($0 + unused.count)].elementsEqual(unused) }) {
                attributes[id].insert(.unused)
            }
        }
        self.attributes = attributes
        endOfTurnID = roles.endOfTurnID
        endOfGenerationIDs = Set(roles.endOfGenerationIDs)

        var byteTokens: [Int32] = []
        for byte in 0...UInt8.max {
            let single = byte < 0x80 ? pieces.id(of: String(UnicodeScalar(byte))) : nil
            guard let id = pieces.id(of: TokenizerVocabulary.byteTokenText(byte)) ?? single
                    ?? vocabulary.specialIDs.unknown else { throw .noByteFallback(byte: byte) }
            byteTokens.append(id)
        }
        self.byteTokens = byteTokens

        decodedPieces = PieceBytes(count: vocabulary.count) { id, out in
            Self.appendDecodedPiece(id: id, attributes: attributes[id], vocabulary: vocabulary, pieces: pieces, to: &out)
        }

        var specials: [(id: Int32, text: [UInt8], needsParseSpecial: Bool)] = []
        for id in attributes.indices where !attributes[id].isDisjoint(with: .matchedAsText) {
            let start = Int(pieces.offsets[id]), end = Int(pieces.offsets[id + 1])
            specials.append((Int32(id), Array(pieces.bytes[start..<end]),
                             !attributes[id].isDisjoint(with: [.control, .unknown])))
        }
        specialMatcher = SpecialTokenMatcher(specials: specials)
    }

    /// llama.cpp's `token_to_piece` with `special = true`: control, unknown and user-defined tokens give
    /// their text, normal tokens their text with "▁" as space, byte tokens their byte, others nothing.
    private static func appendDecodedPiece(id: Int, attributes: TokenAttributes, vocabulary: TokenizerVocabulary,
                                           pieces: PieceTable, to out: inout [UInt8]) {
        let text = pieces.bytes[Int(pieces.offsets[id])..<Int(pieces.offsets[id + 1])]
        if !attributes.isDisjoint(with: [.unknown, .control, .userDefined]) {
            out.append(contentsOf: text)
        } else if attributes.contains(.normal) {
            var i = text.startIndex
            while i < text.endIndex {
                if text[i] == 0xE2, i + 2 < text.endIndex, text[i + 1] == 0x96, text[i + 2] == 0x81 {
                    out.append(0x20)
                    i += 3
                } else {
                    out.append(text[i])
                    i += 1
                }
            }
        } else if attributes.contains(.byte), let byte = TokenizerVocabulary.byteValue(ofByteToken: vocabulary.tokens[id]) {
            out.append(byte)
        }
    }

    // MARK: - The vocabulary

    public var vocabularySize: Int { vocabulary.count }
    public var bosID: Int32? { vocabulary.specialIDs.bos }
    public var eosID: Int32? { vocabulary.specialIDs.eos }
    public var unknownID: Int32? { vocabulary.specialIDs.unknown }
    public var paddingID: Int32? { vocabulary.specialIDs.padding }
    /// Whether llama.cpp adds BOS / EOS when asked to add special tokens (`add_special`).
    public var addsBOSByDefault: Bool { vocabulary.addBOS }
    public var addsEOSByDefault: Bool { vocabulary.addEOS }
    public var addsSpacePrefix: Bool { vocabulary.addSpacePrefix }

    /// The token's vocabulary text ("▁Hello", "<0x0A>", "<start_of_turn>"), or nil for an id out of range.
    public func piece(for id: Int32) -> String? {
        isValid(id) ? vocabulary.tokens[Int(id)] : nil
    }

    /// The id whose vocabulary text is exactly `piece`.
    public func id(forPiece piece: String) -> Int32? { pieces.id(of: piece) }

    public func isValid(_ id: Int32) -> Bool { id >= 0 && Int(id) < vocabulary.count }
    public func score(of id: Int32) -> Float? { isValid(id) ? vocabulary.scores[Int(id)] : nil }
    public func type(of id: Int32) -> TokenType? { isValid(id) ? vocabulary.types[Int(id)] : nil }

    public func isControl(_ id: Int32) -> Bool { has(id, .control) }
    public func isUserDefined(_ id: Int32) -> Bool { has(id, .userDefined) }
    public func isByte(_ id: Int32) -> Bool { has(id, .byte) }
    public func isUnknown(_ id: Int32) -> Bool { has(id, .unknown) }
    public func isUnused(_ id: Int32) -> Bool { has(id, .unused) }
    public func isNormal(_ id: Int32) -> Bool { has(id, .normal) }
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationIDs.contains(id) }

    private func has(_ id: Int32, _ attribute: TokenAttributes) -> Bool {
        isValid(id) && attributes[Int(id)].contains(attribute)
    }
}
