import Tokenizer

/// Turns one choice's tokens into what its client may see: whole characters only, nothing at or past a
/// stop sequence, and each token's log-probability released together with its text. Streaming and
/// non-streaming responses both come out of it, so their texts are equal by construction.
struct CompletionText {
    struct Release {
        var text: [UInt8] = []
        var tokens: [LogprobEntry] = []

        var isEmpty: Bool { text.isEmpty && tokens.isEmpty }

        mutating func append(_ other: Release) {
            text += other.text
            tokens += other.tokens
        }
    }

    private var decoder: StreamingDecoder
    private var stops: StopSequenceMatcher
    /// Characters before the completion in the choice's text (the echoed prompt).
    private let offsetBase: Int
    /// Text the decoder has produced so far, in bytes and in characters.
    private var decodedBytes = 0
    private var decodedScalars = 0
    /// Text released to the client so far.
    private var releasedBytes = 0
    /// Tokens whose text is not wholly released yet, with the byte range of decoded text they ended.
    private var pending: [(entry: LogprobEntry, start: Int, end: Int)] = []
    /// After a stop sequence nothing more is released.
    private var hasStopped = false

    init(tokenizer: Tokenizer, stops: [String], offsetBase: Int) {
        // a completion continues its prompt, so its first token keeps its leading space
        decoder = tokenizer.makeStreamingDecoder(isContinuation: true)
        self.stops = StopSequenceMatcher(stops)
        self.offsetBase = offsetBase
    }

    /// Adds a generated token (with its log-probabilities when the request wants them). When a stop
    /// sequence completes, `stopped` is true and the release ends right before it.
    mutating func append(_ token: Int32, entry: LogprobEntry?) -> (release: Release, stopped: Bool) {
        let start = decodedBytes
        let piece = decoder.append(token)
        if var entry {
            entry.textOffset = offsetBase + decodedScalars
            pending.append((entry, start, start + piece.utf8.count))
        }
        decodedBytes += piece.utf8.count
        decodedScalars += piece.unicodeScalars.count
        let (text, stopped) = stops.append(piece.utf8)
        releasedBytes += text.count
        if stopped {
            hasStopped = true
            // the tokens that made up the stop sequence are not reported
            let kept = pending.filter { $0.start < releasedBytes }.map(\.entry)
            pending.removeAll()
            return (Release(text: text, tokens: kept), true)
        }
        let ready = pending.prefix { $0.end <= releasedBytes }
        pending.removeFirst(ready.count)
        return (Release(text: text, tokens: ready.map(\.entry)), false)
    }

    /// Generation ended without a stop sequence: everything held back (an unfinished character becomes
    /// U+FFFD) — unless the tail completes a stop sequence after all.
    mutating func finish() -> Release {
        guard !hasStopped else { return Release() }
        hasStopped = true
        let tail = decoder.finish()
        var (text, stopped) = stops.append(tail.utf8)
        if !stopped { text += stops.flush() }
        releasedBytes += text.count
        let kept = pending.filter { $0.start < releasedBytes || !stopped }.map(\.entry)
        pending.removeAll()
        return Release(text: text, tokens: kept)
    }
}
