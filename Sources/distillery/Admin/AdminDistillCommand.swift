import Distill
import Foundation

/// `distillery admin distill <distill options> --reload URL [--token T] [--max-bits-per-byte X]`:
/// distills, and hot-swaps the student into the server at URL only if it passes the quality gate.
struct AdminDistillCommand: Command {
    static let spec = CommandSpec(
        name: "distill",
        abstract: "Distill a student, then hot-swap it into a running server if it passes the quality gate.",
        usage: "distillery admin distill --teacher <file> --data <path> -o <out> --reload <url> [--token <t>] "
            + "[--max-bits-per-byte <x>] [options]",
        options: [
            .value("--reload", name: "URL", help: "The server to reload, http://HOST:PORT"),
            .value("--token", name: "T", help: "Admin bearer token (default: $DISTILLERY_ADMIN_TOKEN)"),
            .value("--max-bits-per-byte", name: "X", help: "Reload only if the int8 student's held-out bits per byte <= X"),
        ] + DistillArguments.specs)

    let options: DistillationOptions
    let client: ReloadClient
    let maximumBitsPerByte: Double?
    let quiet: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        options = try DistillArguments.parse(arguments)
        let token = arguments.string("--token") ?? ProcessInfo.processInfo.environment["DISTILLERY_ADMIN_TOKEN"]
        client = try ReloadClient(url: try arguments.required("--reload"), token: token?.isEmpty == true ? nil : token)
        maximumBitsPerByte = try arguments.double("--max-bits-per-byte", in: 0...1000)
        if maximumBitsPerByte != nil, options.corpus.evalFraction == 0, options.corpus.evalInputs.isEmpty {
            throw UsageError("--max-bits-per-byte needs held-out text: drop --eval-fraction 0 or pass --eval-data")
        }
        quiet = arguments.flag("--quiet")
        json = arguments.flag("--json")
    }

    func run() throws {
        let report = try DistillCommand.distill(options, quiet: quiet)
        try DistillSummary.print(report, json: json)
        let bits = report.student.int8?.bitsPerByte
        if let maximumBitsPerByte {
            guard let bits, bits <= maximumBitsPerByte else {
                let measured = bits.map { String(format: "%.4f", $0) } ?? "unmeasured"
                throw CLIError("the student's held-out bits per byte (\(measured)) is above --max-bits-per-byte "
                               + "\(maximumBitsPerByte): the server at \(client.host):\(client.port) was left alone")
            }
        }
        let path = URL(fileURLWithPath: options.studentPath).standardizedFileURL.path
        let version = try client.reload(modelPath: path)
        Console.error("reloaded \(client.host):\(client.port) with \(path)")
        // With --json, stdout holds only the report.
        if json { Console.error("version \(version)") } else { Console.write("version \(version)\n") }
    }
}

/// `distillery admin`: operations on a running server.
enum AdminCommand {
    static let spec = CommandSpec(
        name: "admin",
        abstract: "Administer a running server: distill and hot-swap a new student.",
        usage: "distillery admin <subcommand> [options]",
        subcommands: [AdminDistillCommand.spec])

    static let group = CommandGroup(spec: spec, commands: [
        "distill": AdminDistillCommand.main,
    ])
}
