import Tokenizer

/// A prompt ready for the engine: its token ids, and what echo needs (its text, and each token's text
/// and offset when prompt log-probabilities are asked for). Built on a request thread.
struct PreparedPrompt: Sendable {
    let tokens: [Int32]
    let text: String
    /// `text`'s length in characters (Unicode scalars): where the completion's offsets start when echoed.
    let textLength: Int
    /// Per token, for `echo` with `logprobs`; empty otherwise.
    let tokenTexts: [(text: String, offset: Int)]

    init(tokens: [Int32], text: String?, tokenizer: Tokenizer, wantsTokenTexts: Bool) {
        self.tokens = tokens
        let text = text ?? tokenizer.decode(tokens)
        self.text = text
        textLength = text.unicodeScalars.count
        guard wantsTokenTexts else {
            tokenTexts = []
            return
        }
        var decoder = tokenizer.makeStreamingDecoder()
        var offset = 0
        var texts: [(String, Int)] = []
        for id in tokens {
            texts.append((LogprobEntry.text(of: id, tokenizer), offset))
            offset += decoder.append(id).unicodeScalars.count
        }
        tokenTexts = texts
    }
}
