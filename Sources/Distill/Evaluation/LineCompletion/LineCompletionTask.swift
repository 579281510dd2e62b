/// One line to complete, CodeXGLUE-style: the prompt is a document's text up to the line's first
/// non-blank character (its indentation included), the answer is the rest of that line.
public struct LineCompletionTask: Sendable, Equatable {
    /// Which document, and which line of it (0-based).
    public let document: Int
    public let line: Int
    public let prompt: String
    /// The rest of the line, trailing whitespace removed.
    public let expected: String

    /// Tokens a model may write for one line before it is cut (Python lines rarely need half of them).
    public static let defaultMaxTokens = 64

    public init(document: Int, line: Int, prompt: String, expected: String) {
        self.document = document
        self.line = line
        self.prompt = prompt
        self.expected = expected
    }

    /// `count` lines spread evenly over all candidate lines of the documents, in order (all of them when
    /// there are fewer). A candidate line has something after its indentation and a non-empty prompt, so the
    /// first line of a document counts only when it is indented.
    public static func select(from documents: [String], count: Int) -> [LineCompletionTask] {
        let candidates = documents.enumerated().flatMap { d, text in Self.candidates(in: text, document: d) }
        guard candidates.count > count else { return candidates }
        // the middle of each of `count` equal slices
        return (0..<count).map { candidates[(2 * $0 + 1) * candidates.count / (2 * count)] }
    }

    /// Every candidate line of one document.
    static func candidates(in text: String, document: Int) -> [LineCompletionTask] {
        var tasks: [LineCompletionTask] = []
        var lineStart = text.startIndex
        var line = 0
        while lineStart < text.endIndex {
            let lineEnd = text[lineStart...].firstIndex(where: isLineEnd) ?? text.endIndex
            let content = text[lineStart..<lineEnd]
            if let first = content.firstIndex(where: { !isBlank($0) }), first > text.startIndex {
                tasks.append(LineCompletionTask(document: document, line: line, prompt: String(text[..<first]),
                                                expected: normalized(content[first...])))
            }
            line += 1
            lineStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
        }
        return tasks
    }

    /// Spaces, tabs and the like: what indentation and trailing blanks are made of.
    static func isBlank(_ c: Character) -> Bool { c.isWhitespace && !c.isNewline }

    /// "\n", or "\r\n", which Swift counts as one character.
    static func isLineEnd(_ c: Character) -> Bool { c == "\n" || c == "\r\n" }

    /// A generated line compared as the expected one is: trailing whitespace removed.
    public static func normalized(_ text: Substring) -> String {
        String(text[..<(text.lastIndex { !isBlank($0) }.map(text.index(after:)) ?? text.startIndex)])
    }
}
