import Engine

/// What a command accepts, written once and used both to parse and to print help.
struct CommandSpec: Sendable {
    var name: String
    var abstract: String
    var usage: String
    var arguments: [ArgumentSpec] = []
    var options: [OptionSpec] = []
    var subcommands: [CommandSpec] = []
}

struct ArgumentSpec: Sendable {
    var name: String
    var help: String
    var isOptional = false
}

struct OptionSpec: Sendable {
    /// Every spelling, e.g. `["-m", "--model"]`; the last one is the canonical key.
    var names: [String]
    /// The placeholder of the option's value; nil for a flag that takes none.
    var valueName: String?
    var help: String
    var defaultValue: String?

    var key: String { names.last! }

    static func flag(_ names: String..., help: String) -> OptionSpec {
        OptionSpec(names: names, valueName: nil, help: help)
    }

    static func value(_ names: String..., name: String, help: String, default value: String? = nil) -> OptionSpec {
        OptionSpec(names: names, valueName: name, help: help, defaultValue: value)
    }
}

/// Shared option groups, reused by every command that needs them.
enum CommonOptions {
    static let model = OptionSpec.value("-m", "--model", name: "FILE", help: "GGUF model file")
    static let json = OptionSpec.flag("--json", help: "Print machine-readable JSON")
    static let help = OptionSpec.flag("-h", "--help", help: "Show help information")
    static let threads = OptionSpec.value("-t", "--threads", name: "N", help: "Worker threads (default: one per core)")
    static let activations = OptionSpec.value(
        "--activations", name: "corrected|q8_0",
        help: "q8_0: llama.cpp's rounding; corrected: logit rows add an int8 correction", default: "corrected")
}

extension ParsedArguments {
    /// `--activations` as the int8 engine takes it.
    func activationPrecision() throws -> ActivationPrecision {
        let name = string("--activations") ?? ActivationPrecision.correctedLogitRows.name
        guard let precision = ActivationPrecision(name: name) else {
            throw UsageError("--activations must be corrected or q8_0, got '\(name)'")
        }
        return precision
    }
}
