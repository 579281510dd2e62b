import Foundation

/// Help text in one fixed layout: OVERVIEW / USAGE / ARGUMENTS / OPTIONS / SUBCOMMANDS.
enum HelpFormatter {
    static func help(for spec: CommandSpec) -> String {
        var out = "OVERVIEW: \(spec.abstract)\n\nUSAGE: \(spec.usage)\n"
        if !spec.arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            out += table(spec.arguments.map { ("<\($0.name)>", $0.help) })
        }
        let options = spec.options + [CommonOptions.help]
        out += "\nOPTIONS:\n"
        out += table(options.map { option in
            let names = option.names.joined(separator: ", ")
            let left = option.valueName.map { "\(names) <\($0)>" } ?? names
            let right = option.defaultValue.map { "\(option.help) (default: \($0))" } ?? option.help
            return (left, right)
        })
        if !spec.subcommands.isEmpty {
            out += "\nSUBCOMMANDS:\n"
            out += table(spec.subcommands.map { ($0.name, $0.abstract) })
        }
        return out
    }

    private static func table(_ rows: [(String, String)]) -> String {
        let width = min(max(rows.map(\.0.count).max() ?? 0, 8), 30) + 2
        return rows.map { left, right in
            let padded = left.count + 2 > width ? left + "\n" + String(repeating: " ", count: width + 2)
                                                : left.padding(toLength: width, withPad: " ", startingAt: 0)
            return "  \(padded)\(right)\n"
        }.joined()
    }
}
