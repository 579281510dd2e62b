import Tensors
import Tokenizer

/// Where each teacher token's probability goes in the student's vocabulary when the teacher targets fold
/// the teacher's whole distribution onto it: a kept token to its own student id, a dropped one to the first
/// piece of its spelling under the student's tokenizer. When the teacher predicts `▁subprocess` and the
/// student spells it `▁sub` + `process`, the target then says `▁sub` is likely, as the text will be.
/// Tokens with no spelling (unused control tokens the student does not keep, output rows past the
/// tokenizer) go nowhere: their probability is dropped and the rest renormalized.
public struct FirstPieceMap: Sendable {
    public static let nowhere: Int32 = -1

    /// The receiving student id of each teacher output row, or `nowhere`. [V]
    public let studentIDs: [Int32]
    /// S: the student's vocabulary size.
    public let studentVocabularySize: Int

    /// `teacherIDs[s]` is the teacher id of student id s; `outputRows` is V, the teacher's output rows.
    public init(teacher: Tokenizer, student: Tokenizer, teacherIDs: [Int32], outputRows V: Int) {
        var ids = [Int32](repeating: Self.nowhere, count: V)
        for (s, t) in teacherIDs.enumerated() where Int(t) < V { ids[Int(t)] = Int32(s) }
        let dropped = (0..<min(V, teacher.vocabularySize)).filter { ids[$0] == Self.nowhere }
        // tokenizing some 250k short texts: over the cores, in slices
        let slices = stride(from: 0, to: dropped.count, by: 4096).map { Array(dropped[$0..<min($0 + 4096, dropped.count)]) }
        let spelled = Parallel.map(slices) { slice in slice.map { Self.firstPiece(of: Int32($0), teacher, student) } }
        for (id, piece) in zip(dropped, spelled.joined()) { ids[id] = piece }
        studentIDs = ids
        studentVocabularySize = teacherIDs.count
    }

    /// The map for a student vocabulary chosen from `teacher`.
    public init(teacher: Tokenizer, vocabulary: StudentVocabulary, outputRows V: Int) {
        self.init(teacher: teacher, student: vocabulary.tokenizer, teacherIDs: vocabulary.teacherIDs, outputRows: V)
    }

    /// The student's first piece of a normal or user-defined teacher token's text; nowhere for the others
    /// (control, unused, unknown tokens have no text to spell).
    static func firstPiece(of id: Int32, _ teacher: Tokenizer, _ student: Tokenizer) -> Int32 {
        guard teacher.isNormal(id) || teacher.isUserDefined(id) else { return nowhere }
        let text = String(decoding: teacher.pieceBytes(for: id), as: UTF8.self)
        return student.encode(text, addBOS: false, parseSpecial: false).first ?? nowhere
    }

    /// Teacher rows that give their probability to another student token than their own.
    public var respelledCount: Int {
        studentIDs.indices.filter { studentIDs[$0] != Self.nowhere }.count - studentVocabularySize
    }
}
