/// What line completion measured over some lines.
public struct LineCompletionScore: Sendable, Codable, Equatable {
    public var lines: Int
    public var exactMatches: Int
    /// Mean `EditSimilarity` of predicted and real rest of line.
    public var editSimilarity: Double

    public init(lines: Int, exactMatches: Int, editSimilarity: Double) {
        self.lines = lines
        self.exactMatches = exactMatches
        self.editSimilarity = editSimilarity
    }

    /// The share of lines completed exactly.
    public var exactMatch: Double { lines > 0 ? Double(exactMatches) / Double(lines) : 0 }
}
