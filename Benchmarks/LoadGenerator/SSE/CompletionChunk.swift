/// What the load generator needs from one streamed completion event, found by scanning its bytes rather than
/// decoding JSON so the client stays cheap at thousands of chunks per second. A JSON string escapes its
/// quotes, so a quoted key followed by a colon can only be a real key, never text inside a value.
struct CompletionChunk: Equatable {
    /// `choices[].text` (or a chat `content`) is present and non-empty: a token reached the client.
    var carriesText = false
    /// The event is `[DONE]`, the end of an OpenAI stream.
    var isDone = false
    /// The event carries an `error` object: the server failed after the stream had started.
    var isError = false
    /// `usage.completion_tokens`, in the final chunk when `stream_options.include_usage` is honoured.
    var completionTokens: Int?

    init(carriesText: Bool = false, isDone: Bool = false, isError: Bool = false, completionTokens: Int? = nil) {
        self.carriesText = carriesText
        self.isDone = isDone
        self.isError = isError
        self.completionTokens = completionTokens
    }

    init(event data: [UInt8]) {
        let trimmed = data.drop { Self.isSpace($0) }.reversed().drop { Self.isSpace($0) }.reversed()
        if trimmed.elementsEqual("[DONE]".utf8) {
            isDone = true
            return
        }
        carriesText = Self.valueStart(key: "text", in: data) != nil
            ? Self.hasNonEmptyString(key: "text", in: data) : Self.hasNonEmptyString(key: "content", in: data)
        isError = Self.valueStart(key: "error", in: data).map { data[$0] == UInt8(ascii: "{") } ?? false
        completionTokens = Self.valueStart(key: "completion_tokens", in: data).flatMap { Self.integer(at: $0, in: data) }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func hasNonEmptyString(key: String, in data: [UInt8]) -> Bool {
        guard let start = valueStart(key: key, in: data), data[start] == UInt8(ascii: "\""),
              start + 1 < data.count else { return false }
        return data[start + 1] != UInt8(ascii: "\"")
    }

    /// The index of the first byte of the value of the first `"key":`, if any.
    private static func valueStart(key: String, in data: [UInt8]) -> Int? {
        let pattern = Array("\"\(key)\"".utf8)
        guard data.count > pattern.count else { return nil }
        var index = 0
        while index + pattern.count <= data.count {
            if data[index] == pattern[0], data[index ..< index + pattern.count].elementsEqual(pattern) {
                var cursor = index + pattern.count
                while cursor < data.count, isSpace(data[cursor]) { cursor += 1 }
                if cursor < data.count, data[cursor] == UInt8(ascii: ":") {
                    cursor += 1
                    while cursor < data.count, isSpace(data[cursor]) { cursor += 1 }
                    if cursor < data.count { return cursor }
                }
            }
            index += 1
        }
        return nil
    }

    private static func integer(at start: Int, in data: [UInt8]) -> Int? {
        var value = 0
        var index = start
        while index < data.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(data[index]), value < 1 << 40 {
            value = value * 10 + Int(data[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index > start ? value : nil
    }
}
