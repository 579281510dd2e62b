import Tensors
import Tokenizer

/// How often each id of a tokenizer occurs in some documents, and how many tokens that took.
struct TokenCounts: Sendable {
    let counts: [Int]  // [V]
    let total: Int

    /// Tokenizes every document (no BOS) over the cores and counts ids.
    init(_ tokenizer: Tokenizer, documents: [CorpusDocument]) {
        let perDocument = Parallel.map(documents) { tokenizer.encode($0.text, addBOS: false) }
        var counts = [Int](repeating: 0, count: tokenizer.vocabularySize)
        var total = 0
        for ids in perDocument {
            for id in ids { counts[Int(id)] += 1 }
            total += ids.count
        }
        self.counts = counts
        self.total = total
    }

    /// Ids that occur, most frequent first (ties: lower id first).
    var byFrequency: [Int32] {
        counts.indices.filter { counts[$0] > 0 }
            .sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
            .map { Int32($0) }
    }
}
