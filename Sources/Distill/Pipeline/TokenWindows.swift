/// Packs tokenized documents into training sequences of T + 1 tokens: the documents joined into one
/// stream with an end-of-sequence token after each (when the vocabulary has one), cut into consecutive
/// chunks of T tokens, each sequence being BOS (when there is one) followed by its chunk. So every
/// stream token is a target exactly once, and every sequence starts the way an inference prompt does.
/// Without a BOS, chunks overlap by one token instead (the last input of one is the first of the next).
public enum TokenWindows {
    public static func pack(_ documents: [[Int32]], length T: Int, bos: Int32?, eos: Int32?,
                            keepPartialLast: Bool = false) -> [[Int32]] {
        precondition(T > 0)
        var stream: [Int32] = []
        stream.reserveCapacity(documents.reduce(0) { $0 + $1.count + 1 })
        for document in documents where !document.isEmpty {
            stream += document
            if let eos { stream.append(eos) }
        }
        var windows: [[Int32]] = []
        if let bos {
            var start = 0
            while start + T <= stream.count {
                windows.append([bos] + stream[start..<(start + T)])
                start += T
            }
            if keepPartialLast, start < stream.count { windows.append([bos] + stream[start...]) }
        } else {
            var start = 0
            while start + T + 1 <= stream.count {
                windows.append(Array(stream[start..<(start + T + 1)]))
                start += T
            }
            if keepPartialLast, start + 1 < stream.count { windows.append(Array(stream[start...])) }
        }
        return windows
    }

    /// At most `count` of `windows`, evenly spaced through them: a training set capped in size that still
    /// draws from every part of the corpus (documents come in corpus order), chosen without randomness so
    /// that a rerun picks the same sequences and resumes from its teacher cache.
    public static func evenlySpaced(_ windows: [[Int32]], count: Int) -> [[Int32]] {
        precondition(count >= 0)
        guard count < windows.count else { return windows }
        return (0..<count).map { windows[$0 * windows.count / count] }
    }
}
