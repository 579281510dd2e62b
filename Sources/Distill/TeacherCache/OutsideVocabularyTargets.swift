/// What the teacher targets do with the probability the teacher puts on tokens the student's vocabulary
/// dropped (about 7% on Python with an 8k vocabulary).
public enum OutsideVocabularyTargets: String, Sendable, Codable, CaseIterable {
    /// Dropped, the kept tokens renormalized: the teacher computes logits for the student's rows only
    /// (cheap), but where it predicts `▁subprocess`, which the student spells `▁sub` + `process`, the target
    /// says `▁sub` is unlikely.
    case renormalize
    /// Moved to the first student piece of each dropped token's spelling (`FirstPieceMap`): the target
    /// says `▁sub` is as likely as the teacher thinks `▁subprocess` is. Needs all of the teacher's logits.
    case firstPiece = "first-piece"
}
