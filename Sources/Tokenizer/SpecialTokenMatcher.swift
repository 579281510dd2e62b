/// A piece of the input after special tokens are cut out: a token, or a byte range still to be merged.
enum Fragment: Equatable {
    case token(Int32)
    case text(Range<Int>)
}

/// Cuts control, user-defined and unknown tokens written as text out of the input, with the result of
/// llama.cpp's `tokenizer_st_partition`: it takes the specials longest first and splits every remaining
/// text fragment at each special's leftmost non-overlapping occurrences. Rather than one pass over the
/// text per special (6,400 for Gemma), a trie finds every occurrence in one pass, and the occurrences are
/// then accepted in llama.cpp's order: by special (longest first, ties by id), then by position.
struct SpecialTokenMatcher: Sendable {
    /// The specials in llama.cpp's order; an occurrence refers to its special by this rank. [R]
    private let rankID: [Int32]
    private let rankLength: [Int32]
    /// Control and unknown tokens are cut only when parsing specials; user-defined ones always.
    private let rankNeedsParseSpecial: [Bool]
    /// Trie children of the root, by byte (-1: none). [256]
    private let rootChildren: [Int32]
    /// Trie edges below the root: node << 8 | byte -> child.
    private let edges: [Int: Int32]
    /// The rank of the special ending at each trie node, or -1. [nodes]
    private let nodeRank: [Int32]

    /// `specials` are (id, text bytes, needsParseSpecial) for every token matched as text.
    init(specials: [(id: Int32, text: [UInt8], needsParseSpecial: Bool)]) {
        let ordered = specials.filter { !$0.text.isEmpty }.sorted {
            $0.text.count != $1.text.count ? $0.text.count > $1.text.count : $0.id < $1.id
        }
        rankID = ordered.map(\.id)
        rankLength = ordered.map { Int32($0.text.count) }
        rankNeedsParseSpecial = ordered.map(\.needsParseSpecial)

        var rootChildren = Array(repeating: Int32(-1), count: 256)
        var edges: [Int: Int32] = [:]
        var nodeRank: [Int32] = [-1]
        for (rank, special) in ordered.enumerated() {
            var node: Int32 = 0
            for byte in special.text {
                let existing = node == 0 ? rootChildren[Int(byte)] : edges[Int(node) << 8 | Int(byte)] ?? -1
                if existing >= 0 {
                    node = existing
                    continue
                }
                let child = Int32(nodeRank.count)
                nodeRank.append(-1)
                if node == 0 { rootChildren[Int(byte)] = child } else { edges[Int(node) << 8 | Int(byte)] = child }
                node = child
            }
            nodeRank[Int(node)] = Int32(rank)
        }
        self.rootChildren = rootChildren
        self.edges = edges
        self.nodeRank = nodeRank
    }

    func partition(_ text: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        guard !text.isEmpty else { return [] }

        // Every occurrence of every special, in text order. [occurrences]
        var occurrenceRank: [Int32] = []
        var occurrenceStart: [Int32] = []
        for start in 0..<text.count {
            var node = rootChildren[Int(text[start])]
            var end = start + 1
            while node >= 0 {
                let rank = nodeRank[Int(node)]
                if rank >= 0 && (parseSpecial || !rankNeedsParseSpecial[Int(rank)]) {
                    occurrenceRank.append(rank)
                    occurrenceStart.append(Int32(start))
                }
                guard end < text.count, let child = edges[Int(node) << 8 | Int(text[end])] else { break }
                node = child
                end += 1
            }
        }
        guard !occurrenceRank.isEmpty else { return [.text(0..<text.count)] }

        // Counting sort by rank; positions stay ascending within a rank.
        var bucketStart = Array(repeating: Int32(0), count: rankID.count + 1)
        for rank in occurrenceRank { bucketStart[Int(rank) + 1] += 1 }
        for rank in 0..<rankID.count { bucketStart[rank + 1] += bucketStart[rank] }
        var cursor = bucketStart
        var sortedStart = Array(repeating: Int32(0), count: occurrenceRank.count)
        for (rank, start) in zip(occurrenceRank, occurrenceStart) {
            sortedStart[Int(cursor[Int(rank)])] = start
            cursor[Int(rank)] += 1
        }

        // owner[i]: -1 free, -2 inside an accepted special, else the rank of the special starting at i.
        // Specials come longest first, so an accepted one can never lie strictly inside a later
        // candidate: checking the candidate's two ends finds every overlap.
        var owner = Array(repeating: Int32(-1), count: text.count)
        for rank in 0..<rankID.count where bucketStart[rank] < bucketStart[rank + 1] {
            let length = Int(rankLength[rank])
            for k in Int(bucketStart[rank])..<Int(bucketStart[rank + 1]) {
                let start = Int(sortedStart[k])
                guard owner[start] == -1, owner[start + length - 1] == -1 else { continue }
                owner[start] = Int32(rank)
                for i in (start + 1)..<(start + length) { owner[i] = -2 }
            }
        }

        var fragments: [Fragment] = []
        var textStart = 0
        var i = 0
        while i < text.count {
            let rank = owner[i]
            guard rank >= 0 else {
                i += 1
                continue
            }
            if i > textStart { fragments.append(.text(textStart..<i)) }
            fragments.append(.token(rankID[Int(rank)]))
            i += Int(rankLength[Int(rank)])
            textStart = i
        }
        if textStart < text.count { fragments.append(.text(textStart..<text.count)) }
        return fragments
    }
}
