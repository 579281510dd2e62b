import Distill
import Foundation
import GGUF
import Tokenizer

/// `distillery tokenize -m FILE (--text T | --file F) [--no-bos] [--json]`
struct TokenizeCommand: Command {
    static let spec = CommandSpec(
        name: "tokenize",
        abstract: "Print the token ids of a text under a model's tokenizer.",
        usage: "distillery tokenize -m <file> (--text <text> | --file <path>) [--no-bos] [--no-special] [--json]",
        options: [
            CommonOptions.model,
            .value("--text", name: "TEXT", help: "Text to tokenize"),
            .value("--file", name: "PATH", help: "File whose UTF-8 contents to tokenize"),
            .flag("--no-bos", help: "Do not add BOS, even where the model asks for it"),
            .flag("--no-special", help: "Treat special-token text such as <bos> as plain text"),
            .flag("--pieces", help: "Also print each token's piece"),
            CommonOptions.json,
        ])

    let modelPath: String
    let text: String
    let addBOS: Bool
    let parseSpecial: Bool
    let pieces: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        modelPath = try arguments.required("--model")
        if try arguments.exactlyOne("--text", "--file") == "--text" {
            text = arguments.string("--text")!
        } else {
            text = try CorpusReader.text(of: arguments.string("--file")!).get()
        }
        addBOS = !arguments.flag("--no-bos")
        parseSpecial = !arguments.flag("--no-special")
        pieces = arguments.flag("--pieces")
        json = arguments.flag("--json")
    }

    func run() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: modelPath))
        let ids = tokenizer.encode(text, addBOS: addBOS && tokenizer.addsBOSByDefault, parseSpecial: parseSpecial)
        if json {
            var object: [String: Any] = ["ids": ids.map(Int.init)]
            if pieces { object["pieces"] = ids.map { tokenizer.piece(for: $0) ?? "" } }
            try Console.printJSON(object)
        } else if pieces {
            Console.write(ids.map { "\($0)\t\(tokenizer.piece(for: $0) ?? "")\n" }.joined())
        } else {
            Console.write(ids.map(String.init).joined(separator: " ") + "\n")
        }
    }
}

/// A failure the CLI reports in one sentence.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
