/// The command line was wrong: printed with a hint to `--help`, exit code 64.
struct UsageError: Error, Equatable, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
