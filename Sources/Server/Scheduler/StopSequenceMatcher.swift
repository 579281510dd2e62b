/// Finds stop sequences in generated text as it streams, also when one spans several tokens, and
/// releases only text that cannot be the start of one: nothing at or past a stop is ever sent.
///
/// Works on UTF-8 bytes. Text held back is a prefix of some stop sequence, which starts with a lead byte,
/// so text is only ever cut between characters.
struct StopSequenceMatcher {
    private let stops: [[UInt8]]
    /// Text not yet released because it may be the beginning of a stop sequence.
    private var held: [UInt8] = []

    init(_ stops: [String]) {
        self.stops = stops.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    /// Adds generated text. Returns the text that is now safe to send, and whether a stop sequence
    /// completed: then the returned text ends right before it and everything after is dropped.
    mutating func append(_ text: some Collection<UInt8>) -> (release: [UInt8], stopped: Bool) {
        guard !stops.isEmpty else { return (Array(text), false) }
        held.append(contentsOf: text)
        if let start = earliestMatch() {
            let release = Array(held[..<start])
            held.removeAll()
            return (release, true)
        }
        let keep = longestSuffixStartingAStop()
        let release = Array(held[..<(held.count - keep)])
        held.removeFirst(held.count - keep)
        return (release, false)
    }

    /// The held-back text, when generation ends without a stop.
    mutating func flush() -> [UInt8] {
        defer { held.removeAll() }
        return held
    }

    private func earliestMatch() -> Int? {
        var best: Int?
        for stop in stops where stop.count <= held.count {
            var start = 0
            while start + stop.count <= held.count, best.map({ start < $0 }) ?? true {
                if held[start] == stop[0] && held[start..<(start + stop.count)].elementsEqual(stop) {
                    best = start
                    break
                }
                start += 1
            }
        }
        return best
    }

    /// The length of the longest suffix of `held` that is a proper prefix of some stop sequence.
    private func longestSuffixStartingAStop() -> Int {
        var longest = 0
        for stop in stops {
            for length in stride(from: min(stop.count - 1, held.count), to: longest, by: -1)
                where held[(held.count - length)...].elementsEqual(stop[..<length]) {
                longest = length
                break
            }
        }
        return longest
    }
}
