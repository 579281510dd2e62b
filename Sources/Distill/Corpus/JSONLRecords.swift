import Foundation

/// The documents of a JSONL file: one JSON object per line, its text in the "text" field (the layout of
/// most published pretraining corpora). Blank lines are ignored; lines that are not such an object are
/// counted and reported once per file.
enum JSONLRecords {
    static func parse(_ text: String, path: String) -> (documents: [CorpusDocument], problem: SkippedInput?) {
        var documents: [CorpusDocument] = []
        var badLines: [Int] = []
        // Split on the byte: Swift's Character "\n" does not match the "\r\n" of Windows line ends.
        for (index, line) in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let record = object["text"] as? String else {
                badLines.append(index + 1)
                continue
            }
            documents.append(CorpusDocument(text: record, source: "\(path):\(index + 1)"))
        }
        guard let first = badLines.first else { return (documents, nil) }
        let what = badLines.count == 1 ? "line \(first) is" : "\(badLines.count) lines (first: line \(first)) are"
        return (documents, SkippedInput(path: path, reason: "\(what) not a JSON object with a \"text\" string"))
    }
}
