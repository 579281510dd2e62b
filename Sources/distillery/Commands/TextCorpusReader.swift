import Foundation

/// Reads the text of a file, or of every file below a folder (sorted, hidden files skipped).
/// Files that are not UTF-8 are reported on stderr and skipped; having nothing left is an error.
enum TextCorpusReader {
    static func read(_ path: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CLIError("no such file or folder: \(path)")
        }
        guard isFolder.boolValue else { return [try readUTF8File(path)] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { throw CLIError("cannot list \(path)") }
        var files: [String] = []
        for case let relative as String in walker where !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
            let full = (path as NSString).appendingPathComponent(relative)
            var folder: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &folder), !folder.boolValue { files.append(full) }
        }
        var texts: [String] = []
        for file in files.sorted() {
            do {
                let text = try readUTF8File(file)
                if !text.isEmpty { texts.append(text) }
            } catch {
                Console.error("warning: skipping \(file): \(error)")
            }
        }
        guard !texts.isEmpty else { throw CLIError("no readable UTF-8 text under \(path)") }
        return texts
    }
}
