import Engine
import Foundation

extension DistillationPipeline {
    /// The student's shape and starting weights, with what pruning did when it starts from the teacher.
    struct StudentStart {
        let config: TrainingModelConfig
        /// nil: random weights.
        let weights: [Float]?
        let pruning: PruningSummary?
    }

    func studentStart(teachers: [Teacher], vocabulary: StudentVocabulary, sequences: [[Int32]],
                      heldOut: [CorpusDocument]) throws -> StudentStart {
        let T = options.sequenceLength
        guard case .teacher(let pruning) = options.initialization else {
            return StudentStart(config: options.student.config(vocabularySize: vocabulary.size, contextLength: T),
                                weights: nil, pruning: nil)
        }
        let teacher = teachers[0]
        onEvent(.evaluating("dequantizing \(teacher.name)'s weights and measuring importance on "
                            + "\(min(pruning.calibrationSequences, sequences.count)) sequences"))
        let full = try TeacherWeights.load(file: teacher.file, teacherIDs: vocabulary.teacherIDs, contextLength: T)
        let calibration = sequences.prefix(pruning.calibrationSequences).map { Array($0.prefix(T)) }
        let scores = try BLASThreads.with(options.threads) { try ImportanceScores.measure(full, sequences: calibration) }
        let plan = try pruning.plan(teacherLayers: full.config.layerCount, scores: scores)
        let student = try Pruning.apply(plan, to: full, scores: scores)
        var summary = PruningSummary(plan: plan, teacherLayers: full.config.layerCount,
                                     blockInfluence: scores.blockInfluence, prunedBitsPerByte: nil)
        if !heldOut.isEmpty {
            let evaluation = HeldOutEvaluation(teachers: teachers, vocabulary: vocabulary, documents: heldOut,
                                               contextLength: T)
            summary.prunedBitsPerByte = try BLASThreads.with(options.threads) {
                try evaluation.bitsPerByte(engine(student, vocabulary: vocabulary, weights: .f32),
                                           tokenizer: vocabulary.tokenizer)
            }
        }
        onEvent(.pruned(summary))
        return StudentStart(config: student.config, weights: student.parameterValues, pruning: summary)
    }
}
