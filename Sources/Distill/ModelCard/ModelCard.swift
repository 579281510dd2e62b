import Foundation

/// `OUT.md`: what the student is, where it came from, how it measures and the exact command, in the
/// layout of a Hugging Face model card. A Gemma teacher adds the Gemma Terms of Use notice: the
/// student is a model derivative.
public enum ModelCard {
    public static func render(_ report: DistillationReport, termsFile: String? = nil) -> String {
        let s = report.student
        var out = "# \((s.path as NSString).lastPathComponent)\n\n"
        let architecture = s.model.isGemma ? "Gemma-3-architecture" : "Llama-architecture"
        out += "A \(millions(s.parameters)) parameter \(architecture) student (Q8_0, \(megabytes(s.fileBytes))) "
        out += "distilled by Distillery from \(report.teachers.map { "`\($0.name)`" }.joined(separator: " + ")) "
        out += "with \(s.loss.kind.rawValue == "ce" ? "plain cross-entropy" : "the \(s.loss.kind.rawValue) loss") "
        out += "on \(kilobytes(report.corpus.trainingBytes)) of text.\n\n"

        if report.heldOutTokens == 0 {
            out += "## Results\n\nNot evaluated: the run had no held-out text (`--eval-fraction 0` without `--eval-data`).\n"
        } else {
            out += "## Results (held-out text, \(kilobytes(report.corpus.heldOutBytes)), \(report.heldOutTokens) student tokens)\n\n"
            out += "| model | bits per byte | top-1 agreement with teacher | KL to teacher (nats/token) | top-1 accuracy | ECE "
            out += "| line exact match | line edit similarity |\n"
            out += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
            for teacher in report.teachers {
                out += "| teacher `\(teacher.name)` | \(number(teacher.bitsPerByte)) | | | | | \(lines(teacher.lineCompletion))\n"
            }
            if let pruned = report.pruning?.prunedBitsPerByte {
                out += "| student as pruned, before training (f32) | \(number(pruned)) | | | | |\n"
            }
            out += row("student, f32", s.float32) + row("**student, int8 (this file)**", s.int8)
            if let b = report.baseline {
                let start = b.initialization == s.initialization ? "same start" : "\(b.initialization) init"
                out += row("`ce` baseline (\(start)), f32", b.float32) + row("`ce` baseline (\(start)), int8", b.int8)
            }
        }
        if report.heldOutTokens > 0, s.int8?.top1Agreement == nil {
            out += "\nThe teacher was not run on the held-out text (`--no-teacher-eval`): no teacher numbers, and no "
            out += "agreement, KL, accuracy or calibration, which are taken beside it.\n"
        }
        if let completed = (report.teachers.compactMap(\.lineCompletion) + [s.int8?.lineCompletion].compactMap { $0 }).first {
            out += "\nLine completion: \(completed.lines) held-out lines spread evenly, each completed greedily from the text "
            out += "before its first non-blank character until a newline (CodeXGLUE's line-level task), within "
            out += "\(report.sequenceLength) tokens; exact match of the rest of the line, and mean edit similarity "
            out += "1 - Levenshtein / max(length).\n"
        }
        if let improvement = report.improvementOverBaseline {
            out += "\nThe distilled student's bits per byte are \(String(format: "%.1f", abs(improvement) * 100))% "
            out += improvement >= 0 ? "lower (better) than" : "higher (worse) than"
            out += " the `ce` baseline's, trained with the same steps and tokens"
            if let b = report.baseline {
                out += b.initialization == s.initialization ? " from the same start" : " from \(b.initialization) weights"
            }
            out += ".\n"
        }
        if let outside = report.teacherMassOutsideVocabulary {
            out += "\nThe teacher puts \(String(format: "%.2f", outside * 100))% of its probability (temperature 1, held-out "
            out += "text) on tokens outside the student's vocabulary; "
            out += report.outsideVocabulary == .firstPiece
                ? "the training targets, and the agreement and KL above, give it to the first student piece of each such "
                    + "token's spelling.\n"
                : "targets and agreement use the rest, renormalized.\n"
        }

        out += "\n## Teacher\n\n"
        for t in report.teachers {
            out += "- `\(t.path)`: \(t.name) (\(t.architecture), \(millions(t.parameters)) parameters), weight \(t.weight), "
            out += "sha256 `\(t.sha256)`\n"
        }
        out += "\n## Data\n\n"
        let c = report.corpus
        out += "- inputs: \(c.inputs.map { "`\($0)`" }.joined(separator: ", "))"
        if !c.include.isEmpty { out += "; include \(c.include.map { "`\($0)`" }.joined(separator: ", "))" }
        if !c.exclude.isEmpty { out += "; exclude \(c.exclude.map { "`\($0)`" }.joined(separator: ", "))" }
        out += "\n- training: \(c.trainingDocuments) documents, \(c.trainingBytes) bytes; held out: \(c.heldOutDocuments) "
        out += "documents, \(c.heldOutBytes) bytes"
        out += c.evalInputs.isEmpty ? " (split by document hash)\n" : " (\(c.evalInputs.joined(separator: ", ")))\n"
        out += "- \(c.duplicatesDropped) exact duplicates dropped, \(c.skippedInputs) inputs skipped; corpus sha256 `\(c.sha256)`\n"
        let v = report.vocabulary
        out += "- vocabulary: \(v.size) tokens (\(v.requiredTokens) specials and bytes kept), covering "
        out += "\(String(format: "%.1f", v.teacherTokensCovered * 100))% of the teacher's tokens of the training text; "
        out += "\(v.studentTokens) student tokens vs \(v.teacherTokens) teacher tokens; sha256 `\(report.vocabularySHA256)`\n"

        out += "\n## Training\n\n"
        let m = s.model
        if let p = report.pruning {
            out += "- initialized from the teacher: kept layers \(p.plan.layers.map(String.init).joined(separator: ", ")) of "
            out += "\(p.teacherLayers) (layer roles kept: \(m.localLayers.map { $0 ? "local" : "global" }.joined(separator: ", ")))"
            if p.plan.heads != nil || p.plan.feedForwardLength != nil || p.plan.embeddingLength != nil {
                out += "; width pruned by activation importance"
            }
            out += "\n- block influence (1 - cos of each teacher block's input and output): "
            out += p.blockInfluence.enumerated().map { "\($0.offset): " + String(format: "%.3f", $0.element) }
                .joined(separator: ", ") + "\n"
        } else {
            out += "- initialized with random weights\n"
        }
        out += "- shape: d \(m.embeddingLength), \(m.layerCount) layers, \(m.headCount) heads (\(m.kvHeadCount) kv, size \(m.headSize)), "
        out += "FFN \(m.feedForwardLength), context \(m.contextLength)\(m.tiedEmbeddings ? ", tied embeddings" : "")\n"
        if s.loss.kind == .ce {
            // alpha, temperature and top-k describe teacher targets, which a `ce` student never saw
            out += "- loss ce: cross-entropy on the text alone, no teacher targets"
        } else {
            out += "- loss \(s.loss.kind.rawValue), alpha \(s.loss.alpha), temperature \(s.loss.temperature)"
            out += s.loss.kind == .jsd ? ", beta \(s.loss.beta)" : ""
            out += "; top-\(report.topK) teacher targets"
        }
        out += ", sequences of \(report.sequenceLength) tokens\n"
        out += "- \(s.steps) steps, \(s.tokens) tokens, \(s.batchTokens) tokens per step, peak learning rate "
        out += "\(s.learningRate) (cosine decay to \(s.learningRateFloor) of it), seed \(s.seed); \(Int(s.trainingSeconds.rounded())) s of training in the run that finished it\n"

        out += "\n## Command\n\n```\n\(report.command)\n```\n"
        if let folder = report.heldOutFolder {
            out += "\nThe held-out documents are in `\(folder)`; `distillery eval -m \(s.path) --data \(folder) "
            out += "--ctx \(report.sequenceLength)` scores the student on them again.\n"
        }
        if report.teachers.contains(where: \.isGemma) {
            out += "\n## License notice\n\nThis model was distilled from Gemma and is a Model Derivative under the Gemma "
            out += "Terms of Use. \(Provenance.gemmaNotice).\n"
            if let termsFile { out += "A copy of the terms is in `\(termsFile)`.\n" }
        }
        return out
    }

    private static func row(_ name: String, _ m: StudentMetrics?) -> String {
        guard let m else { return "| \(name) | n/a | | | | | | |\n" }
        return "| \(name) | \(number(m.bitsPerByte)) | \(percent(m.top1Agreement)) | \(number(m.klToTeacher)) | "
            + "\(percent(m.top1Accuracy)) | \(number(m.expectedCalibrationError)) | \(lines(m.lineCompletion))\n"
    }

    /// The two line-completion cells, empty when not measured.
    private static func lines(_ score: LineCompletionScore?) -> String {
        guard let score else { return " | |" }
        return "\(percent(score.exactMatch)) | \(String(format: "%.3f", score.editSimilarity)) |"
    }

    static func number(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "n/a" }
    static func percent(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a" }
    static func millions(_ n: Int) -> String { String(format: "%.1fM", Double(n) / 1e6) }
    static func megabytes(_ n: Int) -> String { String(format: "%.1f MB", Double(n) / 1e6) }
    static func kilobytes(_ n: Int) -> String { String(format: "%.0f KB", Double(n) / 1e3) }
}
