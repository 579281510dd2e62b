extension Tokenizer {
    /// Text of `ids`, as llama.cpp's `llama_detokenize(remove_special: false)`: control and unknown tokens
    /// give nothing unless `renderSpecial`, and when the vocabulary adds a space prefix, one leading space of
    /// the first token is removed, unless `isContinuation` (the ids follow earlier text, as a completion
    /// follows its prompt). Ids outside the vocabulary give nothing. Bytes that are not valid UTF-8 become
    /// U+FFFD.
    public func decode(_ ids: [Int32], renderSpecial: Bool = false, isContinuation: Bool = false) -> String {
        String(decoding: decodeBytes(ids, renderSpecial: renderSpecial, isContinuation: isContinuation), as: UTF8.self)
    }

    /// The raw bytes `decode` would turn into a string.
    public func decodeBytes(_ ids: [Int32], renderSpecial: Bool = false, isContinuation: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        for (index, id) in ids.enumerated() {
            appendPieceBytes(of: id, renderSpecial: renderSpecial,
                             stripLeadingSpace: index == 0 && !isContinuation && vocabulary.addSpacePrefix, to: &out)
        }
        return out
    }

    /// The bytes one id contributes to decoded text (llama.cpp's `llama_token_to_piece`).
    public func pieceBytes(for id: Int32, renderSpecial: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        appendPieceBytes(of: id, renderSpecial: renderSpecial, stripLeadingSpace: false, to: &out)
        return out
    }

    func appendPieceBytes(of id: Int32, renderSpecial: Bool, stripLeadingSpace: Bool, to out: inout [UInt8]) {
        guard isValid(id) else { return }
        if !renderSpecial && !attributes[Int(id)].isDisjoint(with: .hiddenUnlessRendered) { return }
        var bytes = decodedPieces[Int(id)]
        if stripLeadingSpace && bytes.first == 0x20 { bytes = bytes.dropFirst() }
        out.append(contentsOf: bytes)
    }

    public func makeStreamingDecoder(renderSpecial: Bool = false, isContinuation: Bool = false) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, renderSpecial: renderSpecial, isContinuation: isContinuation)
    }
}
