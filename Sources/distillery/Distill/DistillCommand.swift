import Distill
import Foundation

/// `distillery distill`: a teacher and a corpus in, an int8 student GGUF and its model card out.
struct DistillCommand: Command {
    static let spec = CommandSpec(
        name: "distill",
        abstract: "Distill a student from a GGUF teacher on a corpus; write OUT.gguf and its model card OUT.md.",
        usage: "distillery distill --teacher <file[:weight]> --data <path> -o <out> [options]",
        options: DistillArguments.specs)

    let options: DistillationOptions
    let quiet: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        options = try DistillArguments.parse(arguments)
        quiet = arguments.flag("--quiet")
        json = arguments.flag("--json")
    }

    func run() throws {
        if let part = options.teacherShard {
            let printer = PipelineProgressPrinter(enabled: !quiet)
            let report = try DistillationPipeline(options: options, onEvent: printer.handle).runTeacherShard(part)
            return try DistillSummary.print(report, json: json)
        }
        let report = try Self.distill(options, quiet: quiet)
        try DistillSummary.print(report, json: json)
    }

    /// Runs the pipeline with progress on stderr.
    static func distill(_ options: DistillationOptions, quiet: Bool) throws -> DistillationReport {
        let printer = PipelineProgressPrinter(enabled: !quiet)
        return try DistillationPipeline(options: options, onEvent: printer.handle).run()
    }
}
