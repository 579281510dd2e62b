import Foundation

/// A CLI command: declares its spec, validates its arguments in `init`, then runs.
protocol Command {
    static var spec: CommandSpec { get }
    init(_ arguments: ParsedArguments) throws
    func run() throws
}

extension Command {
    /// Parses, validates and runs; returns the process exit code (0 ok, 1 failure, 64 bad usage).
    static func main(_ arguments: [String]) -> Int32 {
        do {
            let command = try Self(ParsedArguments(arguments, spec: spec))
            try command.run()
            return 0
        } catch let help as HelpRequested {
            print(HelpFormatter.help(for: help.spec), terminator: "")
            return 0
        } catch let usage as UsageError {
            Console.error("error: \(usage.message)\n\nUSAGE: \(spec.usage)\n  See '\(spec.usage.split(separator: " ").prefix(2).joined(separator: " ")) --help'.")
            return 64
        } catch {
            Console.error("error: \(error)")
            return 1
        }
    }
}

/// A command that only groups subcommands (the root, `admin`).
struct CommandGroup: Sendable {
    let spec: CommandSpec
    let commands: [String: @Sendable ([String]) -> Int32]

    func main(_ arguments: [String]) -> Int32 {
        guard let first = arguments.first else {
            Console.error(HelpFormatter.help(for: spec))
            return 64
        }
        if CommonOptions.help.names.contains(first) || first == "help" {
            if first == "help", arguments.count > 1, let sub = commands[arguments[1]] { return sub(["--help"]) }
            print(HelpFormatter.help(for: spec), terminator: "")
            return 0
        }
        guard let run = commands[first] else {
            Console.error("error: unknown subcommand '\(first)'\n\nUSAGE: \(spec.usage)\n  See '\(spec.usage.split(separator: " ").prefix(1).joined()) --help'.")
            return 64
        }
        return run(Array(arguments.dropFirst()))
    }
}

enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
    }

    /// Writes to stdout without buffering delays, for streamed generation.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func printJSON(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
