import GGUF
import Tensors
import Tokenizer

/// The student's vocabulary: the teacher's specials and byte tokens, plus the pieces the training text
/// uses most under the teacher's tokenizer, up to a size. Its tokenizer is complete (a student GGUF
/// carries it), and `teacherIDs` maps each student id to the teacher id of the same piece, so training
/// text tokenized once with the student's tokenizer is the identical sequence for both models.
public struct StudentVocabulary: Sendable {
    public let trimmed: TrimmedVocabulary
    public let tokenizer: Tokenizer
    /// Digest of the kept pieces and their teacher ids: names the vocabulary in cache headers.
    public let sha256: String
    public let report: VocabularyReport

    public var size: Int { trimmed.vocabulary.count }
    /// The teacher id of each student id. [V_student]
    public var teacherIDs: [Int32] { trimmed.newToOld }

    /// `size` counts everything kept, required tokens included. Pieces are taken most frequent first,
    /// each with the pieces on its merge path (see `MergePaths`), while they fit. Merging inside longer
    /// text can still go another way, so each refinement round tokenizes the text with the student's
    /// tokenizer and swaps pieces it never produces (and no produced piece needs) for the next candidates.
    public static func select(teacher: Tokenizer, documents: [CorpusDocument], size: Int,
                              refinementRounds: Int = 2) throws -> StudentVocabulary {
        let teacherVocabulary = teacher.vocabulary
        let required = Set(teacherVocabulary.requiredIDs + teacherVocabulary.specialTokenIDs())
        guard size >= required.count else {
            throw DistillError.vocabulary("--vocab \(size) is smaller than the \(required.count) tokens every student "
                                          + "keeps (the teacher's specials, the 256 bytes and \"▁\")")
        }
        let teacherCounts = TokenCounts(teacher, documents: documents)
        let candidates = teacherCounts.byFrequency.filter { !required.contains($0) }
        var paths = MergePaths(teacher)
        var kept = required
        var next = 0
        func fill() {
            while kept.count < size, next < candidates.count {
                let needed = Set(paths.path(to: candidates[next]) + [candidates[next]]).subtracting(kept)
                if kept.count + needed.count <= size { kept.formUnion(needed) }
                next += 1
            }
        }
        fill()

        var trimmed = try trim(teacherVocabulary, kept)
        var student = try Tokenizer(vocabulary: trimmed.vocabulary)
        var swapped = 0
        for _ in 0..<refinementRounds where next < candidates.count {
            let usage = TokenCounts(student, documents: documents).counts
            let produced = trimmed.newToOld.indices.filter { usage[$0] > 0 }.map { trimmed.newToOld[$0] }
            let useful = Set(produced + produced.flatMap { paths.path(to: $0) })
            let useless = kept.subtracting(required).subtracting(useful)
            guard !useless.isEmpty else { break }
            kept.subtract(useless)
            swapped += useless.count
            fill()
            trimmed = try trim(teacherVocabulary, kept)
            student = try Tokenizer(vocabulary: trimmed.vocabulary)
        }

        let studentTokens = TokenCounts(student, documents: documents).total
        let keptOccurrences = trimmed.newToOld.reduce(0) { $0 + teacherCounts.counts[Int($1)] }
        let report = VocabularyReport(
            size: trimmed.vocabulary.count, requiredTokens: required.count,
            teacherPiecesUsed: candidates.count + required.filter { teacherCounts.counts[Int($0)] > 0 }.count,
            teacherTokens: teacherCounts.total, studentTokens: studentTokens,
            teacherTokensCovered: Double(keptOccurrences) / Double(max(teacherCounts.total, 1)),
            unreachablePiecesReplaced: swapped)
        return StudentVocabulary(trimmed: trimmed, tokenizer: student, sha256: digest(trimmed), report: report)
    }

    private static func trim(_ vocabulary: TokenizerVocabulary, _ ids: Set<Int32>) throws -> TrimmedVocabulary {
        do { return try vocabulary.trimmed(keeping: ids.sorted()) } catch {
            throw DistillError.vocabulary("cannot trim the teacher's vocabulary: \(error)")
        }
    }

    private static func digest(_ trimmed: TrimmedVocabulary) -> String {
        var hasher = SHA256()
        let vocabulary = trimmed.vocabulary
        for (new, old) in trimmed.newToOld.enumerated() {
            hasher.update(integer: old)
            hasher.update(integer: vocabulary.types[new].rawValue)
            hasher.update(integer: vocabulary.scores[new].bitPattern)
            hasher.update(integer: UInt64(vocabulary.tokens[new].utf8.count))
            hasher.update(vocabulary.tokens[new])
        }
        return hasher.finalizeHex()
    }

    /// Token ids of each document under the student's tokenizer (no BOS), over the cores.
    public func encode(_ documents: [CorpusDocument]) -> [[Int32]] {
        let tokenizer = self.tokenizer
        return Parallel.map(documents) { tokenizer.encode($0.text, addBOS: false) }
    }
}

/// What the vocabulary selection found, for the CLI and the model card.
public struct VocabularyReport: Sendable, Codable, Equatable {
    public var size: Int
    public var requiredTokens: Int
    /// Distinct teacher tokens in the training text.
    public var teacherPiecesUsed: Int
    /// The training text's length in teacher tokens and in student tokens.
    public var teacherTokens: Int
    public var studentTokens: Int
    /// Share of the teacher's tokens of the training text whose piece the student kept.
    public var teacherTokensCovered: Double
    public var unreachablePiecesReplaced: Int
}
