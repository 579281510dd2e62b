import Engine
import Tokenizer

/// One token of OpenAI's legacy `logprobs` object: its text, log-probability, the most probable
/// alternatives, and where its text starts in the choice's text (in characters, i.e. Unicode scalars).
struct LogprobEntry: Sendable {
    var token: String
    /// nil for a prompt's first token, which nothing predicts.
    var logprob: Float?
    var top: [(token: String, logprob: Float)]?
    var textOffset = 0

    /// A generated token: its log-probability under the full softmax at temperature 1, and the `count` most
    /// probable tokens plus the chosen one (as OpenAI and vLLM list it).
    init(token id: Int32, logits: UnsafeBufferPointer<Float>, count: Int, tokenizer: Tokenizer) {
        let lse = LogProbabilities.logSumExp(logits)
        token = Self.text(of: id, tokenizer)
        logprob = logits[Int(id)] - lse
        var alternatives = LogProbabilities.top(count, in: logits, logSumExp: lse)
        if !alternatives.contains(where: { $0.id == id }) {
            alternatives.append(TokenLogProbability(id: id, logprob: logits[Int(id)] - lse))
        }
        top = alternatives.map { (Self.text(of: $0.id, tokenizer), $0.logprob) }
    }

    init(token: String, logprob: Float?, top: [(token: String, logprob: Float)]?, textOffset: Int = 0) {
        self.token = token
        self.logprob = logprob
        self.top = top
        self.textOffset = textOffset
    }

    /// The token's text; bytes that are not whole UTF-8 characters are spelled `bytes:\xNN` as OpenAI does.
    static func text(of id: Int32, _ tokenizer: Tokenizer) -> String {
        let bytes = tokenizer.pieceBytes(for: id)
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let digits = Array("0123456789abcdef")
        return "bytes:" + bytes.map { "\\x\(digits[Int($0 >> 4)])\(digits[Int($0 & 0xF)])" }.joined()
    }
}

extension JSONWriter {
    /// `{"tokens": [...], "token_logprobs": [...], "top_logprobs": [...], "text_offset": [...]}`
    mutating func logprobs(_ entries: [LogprobEntry]) {
        beginObject()
        key("tokens")
        beginArray()
        for entry in entries { value(entry.token) }
        endArray()
        key("token_logprobs")
        beginArray()
        for entry in entries {
            if let logprob = entry.logprob { value(logprob) } else { null() }
        }
        endArray()
        key("top_logprobs")
        beginArray()
        for entry in entries {
            guard let top = entry.top else {
                null()
                continue
            }
            beginObject()
            // two ids can share a text (e.g. both "\u{FFFD}"); an object keeps the more probable one
            var seen = Set<String>()
            for alternative in top where seen.insert(alternative.token).inserted {
                field(alternative.token, alternative.logprob)
            }
            endObject()
        }
        endArray()
        key("text_offset")
        beginArray()
        for entry in entries { value(entry.textOffset) }
        endArray()
        endObject()
    }
}
