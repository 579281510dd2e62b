import Distill
import Foundation

/// The result of a distillation on stdout: a short table, or the whole report as JSON.
enum DistillSummary {
    /// One part of a sharded teacher pass: which cache files it wrote, and what to do with them.
    static func print(_ report: TeacherShardReport, json: Bool) throws {
        if json {
            let object: [String: Any] = [
                "teacher_shard": report.shard.description, "directory": report.directory,
                "cache_shards": report.cacheShards, "reused_shards": report.reusedShards,
                "total_cache_shards": report.totalCacheShards, "sequences": report.sequences,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            return Console.write(String(decoding: data, as: UTF8.self) + "\n")
        }
        Console.write("teacher shard \(report.shard): \(report.cacheShards.count) of the cache's \(report.totalCacheShards) "
                      + "shards in \(report.directory) (\(report.reusedShards) already complete); collect every part's "
                      + "shard-*.bin files in one folder and train with distillery distill --teacher-cache FOLDER\n")
    }

    static func print(_ report: DistillationReport, json: Bool) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                          nan: "nan")
            Console.write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
            return
        }
        var text = "held-out bits per byte (context \(report.sequenceLength)):\n"
        for teacher in report.teachers { text += line("teacher \(teacher.name)", teacher.bitsPerByte) }
        if let pruned = report.pruning?.prunedBitsPerByte { text += line("student as pruned (f32)", pruned) }
        text += line("student f32", report.student.float32?.bitsPerByte)
        text += line("student int8", report.student.int8?.bitsPerByte)
        if let baseline = report.baseline {
            text += line("baseline (ce) f32", baseline.float32?.bitsPerByte)
            text += line("baseline (ce) int8", baseline.int8?.bitsPerByte)
        }
        if let improvement = report.improvementOverBaseline {
            text += String(format: "student vs baseline: %.1f%% %@\n", abs(improvement) * 100,
                           improvement >= 0 ? "lower (better)" : "higher (worse)")
        }
        if let m = report.student.int8, let agreement = m.top1Agreement, let kl = m.klToTeacher,
           let accuracy = m.top1Accuracy, let calibration = m.expectedCalibrationError {
            text += String(format: "student int8: top-1 agreement %.1f%%, KL to teacher %.4f nats, top-1 accuracy %.1f%%, "
                           + "ECE %.4f\n", agreement * 100, kl, accuracy * 100, calibration)
        }
        let completions = report.teachers.map { ("teacher \($0.name)", $0.lineCompletion) }
            + [("student int8", report.student.int8?.lineCompletion), ("baseline (ce) int8", report.baseline?.int8?.lineCompletion)]
        for case let (name, score?) in completions {
            text += name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: "line completion: exact match %.1f%% of %d lines, edit similarity %.3f\n",
                         score.exactMatch * 100, score.lines, score.editSimilarity)
        }
        if let outside = report.teacherMassOutsideVocabulary {
            text += String(format: "teacher mass outside the student vocabulary: %.2f%%\n", outside * 100)
        }
        text += "student: \(report.student.path) (\(report.student.parameters) parameters, \(report.student.steps) steps)\n"
        if let baseline = report.baseline { text += "baseline: \(baseline.path)\n" }
        Console.write(text)
    }

    private static func line(_ name: String, _ value: Double?) -> String {
        name.padding(toLength: 28, withPad: " ", startingAt: 0) + (value.map { String(format: "%.4f", $0) } ?? "n/a") + "\n"
    }
}
