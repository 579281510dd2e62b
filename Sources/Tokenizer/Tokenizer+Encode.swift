extension Tokenizer {
    /// Token ids of `text`, as llama.cpp's `llama_tokenize`. With `parseSpecial`, control and unknown tokens
    /// written as text ("<bos>", "<start_of_turn>") become those tokens; user-defined ones ("\n", "  ")
    /// always do. `addBOS` / `addEOS` add those tokens where the vocabulary has them; llama.cpp's
    /// `add_special = true` is `addBOS: addsBOSByDefault, addEOS: addsEOSByDefault`.
    public func encode(_ text: String, addBOS: Bool, addEOS: Bool = false, parseSpecial: Bool = true) -> [Int32] {
        var text = text
        return text.withUTF8 { encode(utf8: $0, addBOS: addBOS, addEOS: addEOS, parseSpecial: parseSpecial) }
    }

    /// The same for raw bytes, which need not be valid UTF-8: characters are cut by lead byte, as llama.cpp
    /// cuts them, and whatever forms no token falls back to byte tokens.
    public func encode(utf8 text: UnsafeBufferPointer<UInt8>, addBOS: Bool, addEOS: Bool = false,
                       parseSpecial: Bool = true) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.count / 3 + 2)
        if addBOS, let bosID { output.append(bosID) }

        var merger = SentencePieceMerger()
        var escaped: [UInt8] = []
        var previousWasSpecial = true
        pieces.withLookup { lookup in
            vocabulary.scores.withUnsafeBufferPointer { scores in
                byteTokens.withUnsafeBufferPointer { byteTokens in
                    for fragment in specialMatcher.partition(text, parseSpecial: parseSpecial) {
                        switch fragment {
                        case .token(let id):
                            output.append(id)
                            previousWasSpecial = true
                        case .text(let range):
                            escaped.removeAll(keepingCapacity: true)
                            if vocabulary.addSpacePrefix && previousWasSpecial { escaped.append(contentsOf: Self.spaceMark) }
                            for byte in text[range] {
                                if byte == 0x20 { escaped.append(contentsOf: Self.spaceMark) } else { escaped.append(byte) }
                            }
                            escaped.withUnsafeBufferPointer { escapedText in
                                merger.encode(escapedText, pieces: lookup, scores: scores, byteTokens: byteTokens, into: &output)
                            }
                            previousWasSpecial = false
                        }
                    }
                }
            }
        }
        if addEOS, let eosID { output.append(eosID) }
        return output
    }

    /// U+2581 LOWER ONE EIGHTH BLOCK "▁", SentencePiece's visible space.
    static let spaceMark: [UInt8] = [0xE2, 0x96, 0x81]
}
