import Foundation

/// The root command: picks the subcommand, turns errors into messages and exit codes (0, 1, 64 bad usage).
enum LoadGeneratorCommand {
    static let help = """
        OVERVIEW: Load generator and chart writer for OpenAI-compatible completion servers.

        USAGE: distillery-loadgen <subcommand> [options]

        SUBCOMMANDS:
          run                     Drive a server with streaming completions and report latencies
          chart                   Draw the SVG charts of a benchmark results file
          soak                    Hours of mixed traffic and reloads; RSS, descriptors, queue and latency per window

        See 'distillery-loadgen <subcommand> --help' for a subcommand's options.
        """

    static func main(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first, name != "-h", name != "--help" else {
            print(help)
            return arguments.isEmpty ? 64 : 0
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch name {
            case "run":
                if rest.contains("-h") || rest.contains("--help") { print(RunCommand.help); return 0 }
                let parsed = try Arguments(rest, valueOptions: RunCommand.valueOptions, flagOptions: RunCommand.flagOptions)
                return try RunCommand(parsed).run()
            case "soak":
                if rest.contains("-h") || rest.contains("--help") { print(SoakCommand.help); return 0 }
                let parsed = try Arguments(rest, valueOptions: SoakCommand.valueOptions, flagOptions: [])
                return try SoakCommand(parsed).run()
            case "chart":
                if rest.contains("-h") || rest.contains("--help") { print(ChartCommand.help); return 0 }
                let parsed = try Arguments(rest, valueOptions: ChartCommand.valueOptions, flagOptions: [])
                return try ChartCommand(parsed).run()
            default:
                throw UsageError("unknown subcommand '\(name)'")
            }
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("distillery-loadgen: \(error)\nSee 'distillery-loadgen --help'.\n".utf8))
            return 64
        } catch {
            FileHandle.standardError.write(Data("distillery-loadgen: \(error)\n".utf8))
            return 1
        }
    }
}
