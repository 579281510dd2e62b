/// SentencePiece's merge loop, as llama.cpp's `llm_tokenizer_spm_session` runs it: start from one symbol
/// per UTF-8 character, repeatedly merge the adjacent pair whose concatenation is the highest-scoring
/// token (ties: the leftmost pair), then emit each final symbol's token, or its bytes' tokens when the
/// symbol is a lone character the vocabulary lacks. Buffers are kept between fragments of one input.
struct SentencePieceMerger {
    private struct Symbol {
        var start: Int32
        /// 0 once merged into the symbol on its left.
        var length: Int32
        var previous: Int32
        var next: Int32
    }

    private var symbols: [Symbol] = []
    private var queue = BigramQueue()

    /// Appends the tokens of `text` (whitespace already escaped to "▁") to `output`.
    mutating func encode(_ text: UnsafeBufferPointer<UInt8>, pieces: PieceTable.Lookup,
                         scores: UnsafeBufferPointer<Float>, byteTokens: UnsafeBufferPointer<Int32>,
                         into output: inout [Int32]) {
        guard !text.isEmpty else { return }
        symbols.removeAll(keepingCapacity: true)
        queue.removeAll()

        // One symbol per character; the length comes from the lead byte, as llama.cpp's unicode_len_utf8.
        var offset = 0
        while offset < text.count {
            let length = min(Self.utf8SequenceLength(leadByte: text[offset]), text.count - offset)
            let index = Int32(symbols.count)
            offset += length
            symbols.append(Symbol(start: Int32(offset - length), length: Int32(length),
                                  previous: index - 1, next: offset == text.count ? -1 : index + 1))
        }

        func addBigram(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let start = Int(symbols[Int(left)].start)
            let size = Int(symbols[Int(left)].length + symbols[Int(right)].length)
            let id = pieces.id(of: UnsafeBufferPointer(rebasing: text[start..<(start + size)]))
            guard id >= 0 else { return }
            queue.push(Bigram(left: left, right: right, score: scores[Int(id)], size: Int32(size)))
        }

        for right in symbols.indices.dropFirst() { addBigram(Int32(right - 1), Int32(right)) }

        while let bigram = queue.pop() {
            let left = symbols[Int(bigram.left)], right = symbols[Int(bigram.right)]
            // A pair is stale once either side has been merged into something else.
            guard left.length > 0, right.length > 0, left.length + right.length == bigram.size else { continue }
            symbols[Int(bigram.left)].length += right.length
            symbols[Int(bigram.right)].length = 0
            symbols[Int(bigram.left)].next = right.next
            if right.next >= 0 { symbols[Int(right.next)].previous = bigram.left }
            addBigram(left.previous, bigram.left)
            addBigram(bigram.left, right.next)
        }

        var index: Int32 = 0
        while index >= 0 {
            let symbol = symbols[Int(index)]
            let piece = UnsafeBufferPointer(rebasing: text[Int(symbol.start)..<Int(symbol.start + symbol.length)])
            let id = pieces.id(of: piece)
            if id >= 0 {
                output.append(id)
            } else {
                for byte in piece { output.append(byteTokens[Int(byte)]) }
            }
            index = symbol.next
        }
    }

    @inline(__always)
    static func utf8SequenceLength(leadByte: UInt8) -> Int {
        switch leadByte >> 4 {
        case 0xC, 0xD: 2
        case 0xE: 3
        case 0xF: 4
        default: 1
        }
    }
}
