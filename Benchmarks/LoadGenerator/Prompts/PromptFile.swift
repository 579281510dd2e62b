import Foundation

/// Prompts for the load, one per line: plain text, or JSONL where a line is a JSON string or an object with
/// a `prompt` (or `text`) string. Blank lines are skipped; the format is decided per line, so a file may mix
/// both. Plain lines starting with `{` or `"` must therefore be valid JSON.
enum PromptFile {
    enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case badLine(path: String, line: Int, reason: String)
        case empty(path: String)

        var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read prompts from \(path): \(reason)"
            case .badLine(let path, let line, let reason): "\(path):\(line): \(reason)"
            case .empty(let path): "\(path) holds no prompts"
            }
        }
    }

    static func load(path: String) throws(LoadError) -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8")
        }
        let prompts = try parse(text, path: path)
        guard !prompts.isEmpty else { throw .empty(path: path) }
        return prompts
    }

    static func parse(_ text: String, path: String) throws(LoadError) -> [String] {
        var prompts: [String] = []
        // "\r\n" is one Character, so both line endings are separators.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, line) in lines.enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            guard line.first == "{" || line.first == "\"" else {
                prompts.append(String(line))
                continue
            }
            prompts.append(try jsonPrompt(line, path: path, line: offset + 1))
        }
        return prompts
    }

    private static func jsonPrompt(_ line: Substring, path: String, line number: Int) throws(LoadError) -> String {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw .badLine(path: path, line: number, reason: "invalid JSON")
        }
        if let prompt = value as? String { return prompt }
        if let object = value as? [String: Any], let prompt = (object["prompt"] ?? object["text"]) as? String {
            return prompt
        }
        throw .badLine(path: path, line: number, reason: "expected a JSON string or an object with a \"prompt\" string")
    }
}
