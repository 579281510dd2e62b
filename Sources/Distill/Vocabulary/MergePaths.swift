import Tokenizer

/// The pieces SentencePiece builds on its way to a piece: merging the piece's text on its own, from
/// one symbol per character, always the adjacent pair whose concatenation scores highest (ties: the
/// leftmost), exactly as the tokenizer does. A trimmed vocabulary that keeps a piece but drops one of
/// these can never produce it, so the student's vocabulary keeps each chosen piece's path with it.
struct MergePaths {
    let tokenizer: Tokenizer
    private var cache: [Int32: [Int32]] = [:]

    init(_ tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// The ids of the pieces merged on the way to `id`, `id` itself last when its text merges into it.
    mutating func path(to id: Int32) -> [Int32] {
        if let known = cache[id] { return known }
        var symbols = (tokenizer.piece(for: id) ?? "").unicodeScalars.map { String($0) }
        var merged: [Int32] = []
        while symbols.count > 1 {
            var best: (index: Int, score: Float, id: Int32)?
            for i in 0..<(symbols.count - 1) {
                guard let candidate = tokenizer.id(forPiece: symbols[i] + symbols[i + 1]),
                      let score = tokenizer.score(of: candidate) else { continue }
                if best == nil || score > best!.score { best = (i, score, candidate) }
            }
            guard let best else { break }
            symbols[best.index] += symbols[best.index + 1]
            symbols.remove(at: best.index + 1)
            merged.append(best.id)
        }
        cache[id] = merged
        return merged
    }
}
