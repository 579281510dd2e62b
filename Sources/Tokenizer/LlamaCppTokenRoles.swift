/// What llama.cpp infers from token texts rather than from metadata (in `llama_vocab::load`): the
/// end-of-turn token when the GGUF names none, the end-of-generation set, and the tokens it turns into
/// control tokens because they look like one. FIM tokens are not inferred: no SentencePiece vocabulary
/// this project meets (Gemma's and its trimmed students) has one.
package struct LlamaCppTokenRoles: Sendable {
    package var endOfTurnID: Int32?
    /// Ascending.
    package var endOfGenerationIDs: [Int32]
    /// Tokens whose text names them end-of-turn or end-of-generation, whatever their type.
    package var forcedControlIDs: [Int32]

    static let endOfTurnTexts: [String] = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ]
    static let endOfMessageTexts: [String] = ["<|eom_id|>"]
    /// Includes "</s>", so Gemma 3's user-defined `</s>` (212) ends generation, as it does in llama.cpp.
    static let endOfGenerationTexts: [String] = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]

    /// One pass over the vocabulary, comparing bytes (Swift string equality would also match
    /// canonically equivalent texts, which llama.cpp does not).
    init(vocabulary: TokenizerVocabulary) {
        let groups = [Self.endOfTurnTexts, Self.endOfMessageTexts, Self.endOfGenerationTexts]
        var wanted: [[UInt8]: [Int]] = [:]  // text -> the groups it is in
        for (group, texts) in groups.enumerated() {
            for text in texts { wanted[Array(text.utf8), default: []].append(group) }
        }
        let lengths = Set(wanted.keys.map(\.count)), firstBytes = Set(wanted.keys.compactMap(\.first))
        var firstInGroup: [Int32?] = [nil, nil]
        var endOfGeneration = Set<Int32>()
        for (id, token) in vocabulary.tokens.enumerated() {
            guard let first = token.utf8.first, firstBytes.contains(first), lengths.contains(token.utf8.count) else { continue }
            guard let inGroups = wanted[Array(token.utf8)] else { continue }
            for group in inGroups {
                if group == 2 { endOfGeneration.insert(Int32(id)) } else if firstInGroup[group] == nil { firstInGroup[group] = Int32(id) }
            }
        }
        let specialIDs = vocabulary.specialIDs
        let detectedEndOfTurn = specialIDs.endOfTurn == nil ? firstInGroup[0] : nil
        var forced = endOfGeneration
        if let detectedEndOfTurn { forced.insert(detectedEndOfTurn) }
        if let endOfMessage = firstInGroup[1] { forced.insert(endOfMessage) }

        endOfTurnID = specialIDs.endOfTurn ?? detectedEndOfTurn
        for id in [specialIDs.eos, endOfTurnID, firstInGroup[1]].compactMap({ $0 }) { endOfGeneration.insert(id) }
        endOfGenerationIDs = endOfGeneration.sorted()
        forcedControlIDs = forced.sorted()
    }
}

extension TokenizerVocabulary {
    /// The end-of-turn id: the GGUF's, else the first token with one of llama.cpp's end-of-turn texts
    /// (`<end_of_turn>`, 106, for Gemma).
    public var endOfTurnID: Int32? { LlamaCppTokenRoles(vocabulary: self).endOfTurnID }

    /// Every id that ends generation, as llama.cpp's `special_eog_ids`: EOS, end of turn, and the tokens
    /// with an end-of-generation text. Gemma 3: 1 `<eos>`, 106 `<end_of_turn>` and 212 `</s>`. Ascending.
    public var endOfGenerationIDs: [Int32] { LlamaCppTokenRoles(vocabulary: self).endOfGenerationIDs }
}
