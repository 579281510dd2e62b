/// A mistake in how the command was called: printed with the usage line, exit code 64 (EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// A command that wants its help printed and nothing else.
struct HelpRequested: Error {
    let spec: CommandSpec
}
