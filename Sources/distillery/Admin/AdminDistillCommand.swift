import Distill
import Foundation
import Server

/// `distillery admin distill <distill options> --reload URL [--reload URL ...] [--token T] [--max-bits-per-byte X]`:
/// distills, and hot-swaps the student into the server at URL (or rolls it across the replicas, one at a time)
/// only if it passes the quality gate (its int8 bits per byte on the held-out split, measured by the pipeline).
struct AdminDistillCommand: Command {
    static let spec = CommandSpec(
        name: "distill",
        abstract: "Distill a student, then hot-swap it into a running server if it passes the quality gate.",
        usage: "distillery admin distill --teacher <file> --data <path> -o <out> --reload <url> [--reload <url> ...] [--token <token>] "
            + "[--max-bits-per-byte <x>] [options]",
        options: [
            .value("--reload", name: "URL", help: "The server to reload, http://HOST:PORT; repeat it to roll across replicas"),
            AdminCommand.token,
            .value("--max-bits-per-byte", name: "X", help: "Reload only if the int8 student's held-out bits per byte <= X"),
        ] + DistillArguments.specs)

    let options: DistillationOptions
    let servers: [String]
    let roll: RollingReload
    let token: String?
    let maximumBitsPerByte: Double?
    let quiet: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        options = try DistillArguments.parse(arguments)
        if options.teacherShard != nil { throw UsageError("--teacher-shard computes part of a cache: use distillery distill") }
        _ = try arguments.required("--reload")
        servers = arguments.strings("--reload")
        do { roll = try RollingReload(servers: servers) } catch { throw UsageError("--reload: \(error)") }
        token = AdminCommand.token(arguments)
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
        if let maximumBitsPerByte {
            guard let bits = report.student.int8?.bitsPerByte, bits <= maximumBitsPerByte else {
                let measured = report.student.int8.map { String(format: "%.4f", $0.bitsPerByte) } ?? "unmeasured"
                throw CLIError("the student's held-out bits per byte (\(measured)) is above --max-bits-per-byte "
                               + "\(maximumBitsPerByte): \(servers.joined(separator: ", ")) left alone")
            }
        }
        // The server opens the file itself, so it gets an absolute path.
        let path = URL(fileURLWithPath: options.studentPath).standardizedFileURL.path
        let replicas = roll.run(model: path, token: token) { replica in
            Console.error("\(replica.server): \(AdminCommand.describe(replica.outcome))")
        }
        try AdminCommand.requireEveryReplicaReloaded(replicas)
        guard case .reloaded(let version, _) = replicas.last?.outcome else { return }
        Console.error("reloaded \(servers.joined(separator: ", ")) with \(path)")
        // With --json, stdout holds only the report.
        if json { Console.error("version \(version)") } else { Console.write("version \(version)\n") }
    }
}
