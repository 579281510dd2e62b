/// How close a predicted line is to the real one, as CodeXGLUE's line completion reports it:
/// 1 - Levenshtein(a, b) / max(|a|, |b|), on Unicode scalars (insertions, deletions and substitutions each
/// cost 1). 1 for identical strings (two empty strings included), 0 when nothing lines up.
public enum EditSimilarity {
    public static func of(_ a: String, _ b: String) -> Double {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        let longest = max(x.count, y.count)
        guard longest > 0 else { return 1 }
        return 1 - Double(distance(x, y)) / Double(longest)
    }

    /// The Levenshtein distance, with one row of the dynamic programme kept.
    public static func distance(_ a: String, _ b: String) -> Int {
        distance(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    static func distance(_ x: [Unicode.Scalar], _ y: [Unicode.Scalar]) -> Int {
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        // row[j]: distance between the i characters of x seen so far and y's first j
        var row = Array(0...y.count)
        for i in 1...x.count {
            var diagonal = row[0]  // distance(x[..<i-1], y[..<j-1])
            row[0] = i
            for j in 1...y.count {
                let substitution = diagonal + (x[i - 1] == y[j - 1] ? 0 : 1)
                diagonal = row[j]
                row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
            }
        }
        return row[y.count]
    }
}
