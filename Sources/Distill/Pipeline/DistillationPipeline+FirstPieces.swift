extension DistillationPipeline {
    /// Each teacher's `FirstPieceMap` when the targets fold its distribution onto the student's vocabulary
    /// (`--outside-vocab first-piece`); nil when they renormalize.
    func firstPieceMaps(_ teachers: [Teacher], _ vocabulary: StudentVocabulary) -> [FirstPieceMap]? {
        guard options.outsideVocabulary == .firstPiece else { return nil }
        return teachers.map {
            FirstPieceMap(teacher: $0.tokenizer, vocabulary: vocabulary, outputRows: $0.model.config.vocabularySize)
        }
    }
}
