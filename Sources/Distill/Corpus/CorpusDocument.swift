/// One training or evaluation document: a whole file, or one record of a JSONL file.
public struct CorpusDocument: Sendable, Equatable {
    public let text: String
    /// Where it came from: a path, or "path:line" for a JSONL record.
    public let source: String

    public init(text: String, source: String) {
        self.text = text
        self.source = source
    }

    public var byteCount: Int { text.utf8.count }
}

/// An input the corpus reader could not use, and why; reported, never fatal on its own.
public struct SkippedInput: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
