import GGUF

/// Chooses held-out documents by a seeded hash of their text, so the split depends only on the seed and
/// the documents themselves, not on file order or paths: documents in hash order go to the held-out side
/// while they fit in `fraction` of the corpus bytes. If none fits, the smallest document is held out.
enum HeldOutSplit {
    static func split(_ documents: [CorpusDocument], fraction: Double,
                      seed: UInt64) -> (training: [CorpusDocument], heldOut: [CorpusDocument]) {
        let total = documents.reduce(0) { $0 + $1.byteCount }
        let budget = Int(fraction * Double(total))
        let ranked = documents.indices.map { (index: $0, key: rank(documents[$0], seed: seed)) }
            .sorted { $0.key < $1.key || ($0.key == $1.key && $0.index < $1.index) }
        var held = Set<Int>()
        var heldBytes = 0
        for (index, _) in ranked where heldBytes + documents[index].byteCount <= budget {
            held.insert(index)
            heldBytes += documents[index].byteCount
        }
        if held.isEmpty, let smallest = ranked.min(by: { documents[$0.index].byteCount < documents[$1.index].byteCount }) {
            held.insert(smallest.index)
        }
        // Both sides keep the reading order.
        return (documents.indices.filter { !held.contains($0) }.map { documents[$0] },
                documents.indices.filter { held.contains($0) }.map { documents[$0] })
    }

    /// The first 64 bits of SHA-256(seed || text).
    static func rank(_ document: CorpusDocument, seed: UInt64) -> UInt64 {
        var hasher = SHA256()
        hasher.update(integer: seed)
        hasher.update(document.text)
        return UInt64(hasher.finalizeHex().prefix(16), radix: 16)!
    }
}
