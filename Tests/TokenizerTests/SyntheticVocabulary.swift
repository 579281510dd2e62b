import Tokenizer

/// A small SentencePiece vocabulary built in memory, laid out like Gemma's: specials first, then the 256
/// byte tokens, then pieces with scores chosen so that merge order matters.
enum SyntheticVocabulary {
    static let specials: [(String, TokenType)] = [
        ("<pad>", .control), ("<eos>", .control), ("<bos>", .control), ("<unk>", .unknown),
        ("<start>", .control), ("<start_of_turn>", .control), ("<end_of_turn>", .control),
        ("\n", .userDefined), ("  ", .userDefined), ("ab", .userDefined), ("bcd", .userDefined),
    ]

    /// (piece, score): higher scores merge first.
    static let pieces: [(String, Float)] = [
        ("▁", -1), ("h", -2), ("e", -2), ("l", -2), ("o", -2), ("w", -2), ("r", -2), ("d", -2), ("t", -2),
        ("i", -2), ("n", -2), ("g", -2), ("x", -2), ("y", -2), ("z", -2), ("c", -2), ("a", -2), ("b", -2),
        ("he", -3), ("ll", -3.5), ("llo", -4), ("hello", -5), ("▁hello", -6), ("▁h", -7), ("▁w", -5),
        ("or", -4), ("ld", -4), ("orld", -5), ("▁world", -5.5), ("in", -3), ("ing", -3.2), ("▁t", -4),
        ("th", -3), ("▁th", -4.5), ("▁the", -5), ("hi", -4), ("▁hi", -4.2),
        // "xyz": "yz" outscores "xy", so a higher score beats a leftmost pair.
        ("xy", -6), ("yz", -5.5),
        // "tix": "ti" and "ix" tie, so the leftmost pair wins.
        ("ti", -6), ("ix", -6),
    ]

    static var tokens: [String] {
        specials.map(\.0) + (0...255).map { TokenizerVocabulary.byteTokenText(UInt8($0)) } + pieces.map(\.0)
    }

    static func vocabulary(addSpacePrefix: Bool = true) throws -> TokenizerVocabulary {
        let types = specials.map(\.1) + Array(repeating: TokenType.byte, count: 256)
            + Array(repeating: TokenType.normal, count: pieces.count)
        let scores = Array(repeating: Float(-1000), count: specials.count) + Array(repeating: 0, count: 256) + pieces.map(\.1)
        return try TokenizerVocabulary(
            tokens: tokens, scores: scores, types: types,
            specialIDs: SpecialTokenIDs(bos: 2, eos: 1, unknown: 3, padding: 0),
            addBOS: true, addEOS: false, addSpacePrefix: addSpacePrefix, preTokenizer: "default")
    }

    static func tokenizer(addSpacePrefix: Bool = true) throws -> Tokenizer {
        try Tokenizer(vocabulary: vocabulary(addSpacePrefix: addSpacePrefix))
    }
}
