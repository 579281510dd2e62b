import Foundation
import GGUF

/// `distillery inspect FILE [--json]`: a GGUF file's metadata and tensor table.
struct InspectCommand: Command {
    static let spec = CommandSpec(
        name: "inspect",
        abstract: "Print a GGUF file's metadata and tensor table.",
        usage: "distillery inspect <file> [--json] [--full-arrays]",
        arguments: [ArgumentSpec(name: "file", help: "GGUF file")],
        options: [CommonOptions.json, .flag("--full-arrays", help: "Print every element of long arrays")])

    let path: String
    let json: Bool
    let fullArrays: Bool

    init(_ arguments: ParsedArguments) throws {
        path = arguments.positional(0)!
        json = arguments.flag("--json")
        fullArrays = arguments.flag("--full-arrays")
    }

    func run() throws {
        let file = try GGUFFile(path: path)
        if json {
            try Console.printJSON(jsonObject(file))
        } else {
            Console.write(text(file))
        }
    }

    private func text(_ file: GGUFFile) -> String {
        var out = "\(file.path): GGUF v\(file.version), \(file.metadata.count) metadata keys, \(file.tensors.count) tensors, "
        out += "\(formatCount(file.parameterCount)) parameters, \(formatBytes(file.fileSize))\n\nMETADATA\n"
        for key in file.metadataKeys {
            let value = file.metadata[key]!
            out += "  \(key) = \(fullArrays ? full(value) : value.description)\n"
        }
        out += "\nTENSORS\n"
        let width = max(file.tensors.map(\.name.count).max() ?? 0, 4)
        out += "  " + "name".padding(toLength: width, withPad: " ", startingAt: 0) + "  type  shape              bytes\n"
        for t in file.tensors {
            let shape = t.shape.map(String.init).joined(separator: " x ")
            out += "  " + t.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out += "  " + t.type.name.padding(toLength: 4, withPad: " ", startingAt: 0)
            out += "  " + shape.padding(toLength: 17, withPad: " ", startingAt: 0) + "  \(t.byteCount)\n"
        }
        return out
    }

    private func full(_ value: GGUFValue) -> String {
        guard let items = value.array else { return value.description }
        return "[" + items.map(full).joined(separator: ", ") + "]"
    }

    private func jsonObject(_ file: GGUFFile) -> [String: Any] {
        var metadata: [String: Any] = [:]
        for (key, value) in file.metadata { metadata[key] = jsonValue(value) }
        return [
            "path": file.path, "version": Int(file.version), "alignment": file.alignment,
            "parameters": file.parameterCount, "file_bytes": file.fileSize, "metadata": metadata,
            "tensors": file.tensors.map { t -> [String: Any] in
                ["name": t.name, "type": t.type.name, "shape": t.shape, "offset": t.offset, "bytes": t.byteCount]
            },
        ]
    }

    private func jsonValue(_ value: GGUFValue) -> Any {
        switch value {
        case .string(let s): return s
        case .bool(let b): return b
        case .float32, .float64: return value.double!
        case .array(let items):
            if fullArrays || items.count <= 32 { return items.map(jsonValue) }
            return ["array_length": items.count, "first": items.prefix(16).map(jsonValue)] as [String: Any]
        default: return value.int ?? 0
        }
    }
}

func formatCount(_ n: Int) -> String {
    switch n {
    case 1_000_000_000...: String(format: "%.2fB", Double(n) / 1e9)
    case 1_000_000...: String(format: "%.1fM", Double(n) / 1e6)
    case 1_000...: String(format: "%.1fK", Double(n) / 1e3)
    default: String(n)
    }
}

func formatBytes(_ n: Int) -> String {
    let mib = Double(n) / 1_048_576
    return mib >= 1 ? String(format: "%.1f MiB", mib) : String(format: "%.1f KiB", Double(n) / 1024)
}
