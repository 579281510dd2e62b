import GGUF

/// The `distillery.*` keys a student GGUF carries: where it came from, how it was trained and how it
/// measured, so a file found on its own can be traced and compared (DESIGN decision 1).
enum Provenance {
    static let gemmaNotice = "Gemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms"

    static func keys(_ report: DistillationReport, _ student: StudentSummary) -> [(key: String, value: GGUFValue)] {
        var keys: [(key: String, value: GGUFValue)] = []
        func add(_ key: String, _ value: GGUFValue) { keys.append(("distillery." + key, value)) }
        func number(_ key: String, _ value: Double?) { if let value, value.isFinite { add(key, .float64(value)) } }
        func count(_ key: String, _ value: Int) { add(key, .uint64(UInt64(max(0, value)))) }

        add("teacher.sha256", .string(report.teachers.map(\.sha256).joined(separator: ",")))
        add("teacher.name", .string(report.teachers.map(\.name).joined(separator: ",")))
        add("teacher.weights", .string(report.teachers.map { "\($0.weight)" }.joined(separator: ",")))
        add("corpus.sha256", .string(report.corpus.sha256))
        count("corpus.training_bytes", report.corpus.trainingBytes)
        count("corpus.held_out_bytes", report.corpus.heldOutBytes)
        add("vocabulary.sha256", .string(report.vocabularySHA256))
        add("loss", .string(student.loss.kind.rawValue))
        add("alpha", .float32(student.loss.alpha))
        add("temperature", .float32(student.loss.temperature))
        add("beta", .float32(student.loss.beta))
        count("top_k", report.topK)
        add("targets_outside_vocabulary", .string((report.outsideVocabulary ?? .renormalize).rawValue))
        count("sequence_length", report.sequenceLength)
        count("steps", student.steps)
        count("tokens", student.tokens)
        add("learning_rate", .float32(student.learningRate))
        add("learning_rate_floor", .float32(student.learningRateFloor))
        add("seed", .uint64(student.seed))
        number("eval.bits_per_byte", student.int8?.bitsPerByte)
        number("eval.bits_per_byte_f32", student.float32?.bitsPerByte)
        number("eval.teacher_bits_per_byte", report.teachers.first?.bitsPerByte)
        number("eval.top1_agreement", student.int8?.top1Agreement)
        number("eval.kl_to_teacher", student.int8?.klToTeacher)
        number("eval.top1_accuracy", student.int8?.top1Accuracy)
        number("eval.expected_calibration_error", student.int8?.expectedCalibrationError)
        number("eval.teacher_mass_outside_vocabulary", report.teacherMassOutsideVocabulary)
        number("eval.line_exact_match", student.int8?.lineCompletion?.exactMatch)
        number("eval.line_edit_similarity", student.int8?.lineCompletion?.editSimilarity)
        number("eval.teacher_line_exact_match", report.teachers.first?.lineCompletion?.exactMatch)
        add("init", .string(student.initialization))
        if let p = report.pruning, student.initialization == "teacher" {
            add("init.kept_layers", .array(p.plan.layers.map { .uint32(UInt32($0)) }))
            add("init.teacher_layers", .uint32(UInt32(p.teacherLayers)))
            add("init.block_influence", .array(p.blockInfluence.map { .float32(Float($0)) }))
            add("init.shape", .string("d \(student.model.embeddingLength), \(student.model.layerCount) layers, "
                                      + "\(student.model.headCount) heads, FFN \(student.model.feedForwardLength)"))
            number("eval.pruned_bits_per_byte", p.prunedBitsPerByte)
        }
        add("command", .string(report.command))
        if report.teachers.contains(where: \.isGemma) { add("notice", .string(gemmaNotice)) }
        return keys
    }
}
