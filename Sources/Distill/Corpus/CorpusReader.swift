import Foundation

/// Reads documents from files, folders (recursively, through a `FileFilter`) and JSONL files (one
/// document per line, from its "text" field). A file that cannot be read, is binary or is not UTF-8 is
/// reported in `skipped` and left out; the caller decides whether what is left is enough.
public struct CorpusReader: Sendable {
    public var filter: FileFilter

    public init(filter: FileFilter = FileFilter()) { self.filter = filter }

    public struct Result: Sendable {
        public var documents: [CorpusDocument] = []
        public var skipped: [SkippedInput] = []
    }

    /// Documents of every input, in the order given, each folder's files sorted by path. Files named
    /// explicitly are read whatever the filter says.
    public func read(_ inputs: [String]) -> Result {
        var result = Result()
        for input in inputs {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
                result.skipped.append(SkippedInput(path: input, reason: "no such file or folder"))
                continue
            }
            let files = isFolder.boolValue ? filesBelow(input, skipped: &result.skipped) : [input]
            for file in files { readFile(file, into: &result) }
        }
        return result
    }

    private func filesBelow(_ folder: String, skipped: inout [SkippedInput]) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else {
            skipped.append(SkippedInput(path: folder, reason: "cannot list the folder"))
            return []
        }
        var files: [String] = []
        for case let relative as String in walker {
            let full = (folder as NSString).appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            if filter.accepts(relativePath: relative) { files.append(full) }
        }
        return files.sorted()
    }

    private func readFile(_ path: String, into result: inout Result) {
        switch Self.text(of: path) {
        case .failure(let skip):
            result.skipped.append(skip)
        case .success(let text):
            if path.hasSuffix(".jsonl") {
                let records = JSONLRecords.parse(text, path: path)
                result.documents += records.documents
                if let problem = records.problem { result.skipped.append(problem) }
            } else {
                result.documents.append(CorpusDocument(text: text, source: path))
            }
        }
    }

    /// A file's text, or why it cannot be used.
    public static func text(of path: String) -> Swift.Result<String, SkippedInput> {
        guard FileManager.default.fileExists(atPath: path) else { return .failure(SkippedInput(path: path, reason: "no such file")) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            return .failure(SkippedInput(path: path, reason: "unreadable (\(error.localizedDescription))"))
        }
        if data.contains(0) { return .failure(SkippedInput(path: path, reason: "binary (contains NUL bytes)")) }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte order mark
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(SkippedInput(path: path, reason: "not UTF-8"))
        }
        return .success(text)
    }
}

extension SkippedInput: Error {}
