import Engine
import Tokenizer

extension DistillationPipeline {
    /// Line completion for `teachers` (all, or none without teacher evaluation) and the int8 students (the
    /// f32 ones would only repeat them).
    func completeLines(_ evaluation: HeldOutEvaluation, teachers: [Teacher], teacherSummaries: inout [TeacherSummary],
                       students: [any LanguageModel], summaries: inout [StudentSummary], tokenizer: Tokenizer) throws {
        let lines = options.lineCompletionLines
        onEvent(.evaluating("line completion on \(lines) held-out lines (\(teachers.isEmpty ? "" : "teachers and ")int8 students)"))
        for (i, teacher) in teachers.enumerated() {
            teacherSummaries[i].lineCompletion = try evaluation.lineCompletion(teacher.model, tokenizer: teacher.tokenizer,
                                                                               lines: lines)
        }
        for (i, student) in students.enumerated() {
            summaries[i].int8?.lineCompletion = try evaluation.lineCompletion(student, tokenizer: tokenizer, lines: lines)
        }
    }
}
