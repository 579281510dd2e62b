import Foundation
import Tokenizer

/// The naive twin of the merge loop: rescans every adjacent pair after each merge (quadratic), picks the
/// highest score with the leftmost pair on ties, and falls back to byte tokens. Only for text without
/// special tokens; `text` is the raw fragment, spaces not yet escaped.
func naiveSentencePiece(_ text: String, tokenizer: Tokenizer, spacePrefix: Bool) -> [Int32] {
    let escaped = (spacePrefix ? " " : "") + text
    var symbols = escaped.replacingOccurrences(of: " ", with: "\u{2581}").unicodeScalars.map { String($0) }
    while symbols.count > 1 {
        var best: (index: Int, score: Float)?
        for i in 0..<(symbols.count - 1) {
            guard let id = tokenizer.id(forPiece: symbols[i] + symbols[i + 1]), let score = tokenizer.score(of: id) else { continue }
            if best == nil || score > best!.score { best = (i, score) }
        }
        guard let best else { break }
        symbols[best.index] += symbols[best.index + 1]
        symbols.remove(at: best.index + 1)
    }
    return symbols.flatMap { symbol -> [Int32] in
        if let id = tokenizer.id(forPiece: symbol) { return [id] }
        return symbol.utf8.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return tokenizer.id(forPiece: "<0x\(hex.count == 1 ? "0" + hex : hex)>") ?? tokenizer.unknownID!
        }
    }
}
