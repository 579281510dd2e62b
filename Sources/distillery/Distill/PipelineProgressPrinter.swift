import Distill
import Foundation

/// Prints the pipeline's events on stderr: one line per stage, and for the teacher pass and training a
/// line at most every `interval` seconds (and at the end), so logs of long runs stay readable.
final class PipelineProgressPrinter: @unchecked Sendable {
    private let enabled: Bool
    private let interval: Double
    private var lastLine: [String: UInt64] = [:]

    init(enabled: Bool, interval: Double = 10) {
        self.enabled = enabled
        self.interval = interval
    }

    func handle(_ event: PipelineEvent) {
        guard enabled else { return }
        switch event {
        case .corpus(let c, let skipped):
            for skip in skipped.prefix(20) { Console.error("warning: skipped \(skip)") }
            if skipped.count > 20 { Console.error("warning: ... and \(skipped.count - 20) more inputs skipped") }
            Console.error("corpus: \(c.trainingDocuments) documents (\(c.trainingBytes) bytes) for training, "
                          + "\(c.heldOutDocuments) held out (\(c.heldOutBytes) bytes); \(c.duplicatesDropped) duplicates "
                          + "dropped, \(skipped.count) inputs skipped")
        case .teacherLoaded(let t):
            Console.error("teacher: \(t.name) (\(t.architecture), \(t.parameters) parameters, weight \(t.weight)) "
                          + "sha256 \(t.sha256.prefix(16))")
        case .vocabulary(let v):
            Console.error("vocabulary: \(v.size) tokens (\(v.requiredTokens) specials and bytes); the training text is "
                          + "\(v.studentTokens) student tokens (\(v.teacherTokens) for the teacher), "
                          + String(format: "%.1f%%", v.teacherTokensCovered * 100) + " of the teacher's tokens kept")
        case .sequences(let training, let available, let heldOut, let T):
            let share = training < available ? " (evenly drawn from \(available))" : ""
            Console.error("sequences: \(training) of \(T) tokens for training\(share); \(heldOut) held-out documents")
        case .teacherCache(.damagedShard(let path, let reason)):
            Console.error("warning: teacher cache shard \(path) is damaged (\(reason)); computing it again")
        case .teacherCache(.progress(let p)):
            let finished = p.sequencesDone == p.sequences
            guard due("teacher", force: finished || p.sequencesDone == 0) else { return }
            var line = "teacher pass: \(p.sequencesDone)/\(p.sequences) sequences"
            if p.reusedShards > 0 { line += " (\(p.reusedShards)/\(p.shards) shards reused from the cache)" }
            if p.tokensPerSecond > 0 { line += String(format: ", %.0f tok/s", p.tokensPerSecond) }
            if !finished, p.etaSeconds.isFinite { line += ", ETA " + duration(p.etaSeconds) }
            Console.error(line)
        case .pruned(let p):
            var line = "pruned: kept teacher layers \(p.plan.layers.map(String.init).joined(separator: ",")) of \(p.teacherLayers)"
            line += "; block influence " + p.blockInfluence.map { String(format: "%.3f", $0) }.joined(separator: " ")
            if let bits = p.prunedBitsPerByte { line += String(format: "; held-out bits per byte before training %.4f", bits) }
            Console.error(line)
        case .trainingStarted(let run, let parameters, let resumedAt, let total):
            var line = "training \(run): \(parameters) parameters"
            if resumedAt > 0 { line += ", resuming at step \(resumedAt)" }
            if let total { line += ", \(total) steps" }
            Console.error(line)
        case .trainingPlanned(let run, let total, let perStep):
            Console.error("training \(run): time budget -> \(total) steps at " + String(format: "%.2f s/step", perStep))
        case .training(let run, let progress):
            guard due(run, force: progress.step == progress.totalSteps || progress.step == 1) else { return }
            Console.error("\(run): \(progress.line)")
        case .evaluating(let what):
            Console.error("evaluating: \(what)")
        case .wrote(let path):
            Console.error("wrote \(path)")
        }
    }

    private func due(_ key: String, force: Bool) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        if !force, let last = lastLine[key], Double(now - last) / 1e9 < interval { return false }
        lastLine[key] = now
        return true
    }

    private func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
