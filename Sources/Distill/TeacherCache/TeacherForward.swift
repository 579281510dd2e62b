import Engine

/// One teacher's forward passes over student-id sequences, with a state and a vocabulary subset made once.
/// Type-erased so the pipeline can hold teachers of different architectures side by side.
protocol TeacherForward: AnyObject {
    /// Logits [T, S] of the student's vocabulary rows, in student id order, for T student ids.
    func studentLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float]
    /// Logits [T, V] over the teacher's whole vocabulary.
    func fullLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float]
    var vocabularySize: Int { get }
    /// What the cache stores for T student ids: the top k, at `temperature`, of the teacher's distribution
    /// over the student's vocabulary.
    func targets(_ studentTokens: ArraySlice<Int32>, k: Int, temperature: Float) throws -> TeacherTargets
}

extension TeacherForward {
    func targets(_ studentTokens: ArraySlice<Int32>, k: Int, temperature: Float) throws -> TeacherTargets {
        try restrictedTargets(studentTokens, k: k, temperature: temperature)
    }

    /// Softmax over the student's S rows only: the teacher restricted to the student's vocabulary and
    /// renormalized, so whatever it puts on other tokens is spread over the kept ones. (Over the full
    /// vocabulary the tail would hold mass the student can never place, while the trainer's student tail
    /// is the rest of the student's own vocabulary.)
    func restrictedTargets(_ studentTokens: ArraySlice<Int32>, k: Int, temperature: Float) throws -> TeacherTargets {
        let logits = try studentLogits(studentTokens)  // [T, S]
        return try TeacherTargets(logits: logits, vocabularySize: logits.count / max(studentTokens.count, 1), k: k,
                                  temperature: temperature)
    }
}

/// Opens the existential: `model` becomes a concrete `M` for the generic class. With `firstPieces`, the
/// targets fold the teacher's whole distribution onto the student's vocabulary (`FirstPieceMap`).
func makeTeacherForward(_ model: some LanguageModel, teacherIDs: [Int32], contextLength: Int,
                        firstPieces: FirstPieceMap? = nil) throws -> any TeacherForward {
    try ModelTeacherForward(model, teacherIDs: teacherIDs, contextLength: contextLength, firstPieces: firstPieces)
}

final class ModelTeacherForward<M: LanguageModel>: TeacherForward {
    let model: M
    let teacherIDs: [Int32]  // [S] the teacher id of each student id
    let subset: VocabularySubset
    let state: any ModelState
    let firstPieces: FirstPieceMap?

    /// Positions whose full logits [rows, V] are computed at once: 64 x 262k floats is 67 MB, where a whole
    /// sequence of 512 would be half a gigabyte.
    static var fullLogitRows: Int { 64 }

    init(_ model: M, teacherIDs: [Int32], contextLength: Int, firstPieces: FirstPieceMap? = nil) throws {
        self.model = model
        self.teacherIDs = teacherIDs
        subset = try model.vocabularySubset(ids: teacherIDs)
        state = model.makeState(contextLength: contextLength)
        if let firstPieces {
            precondition(firstPieces.studentIDs.count == model.config.vocabularySize
                         && firstPieces.studentVocabularySize == teacherIDs.count, "a first-piece map of another teacher")
        }
        self.firstPieces = firstPieces
    }

    var vocabularySize: Int { model.config.vocabularySize }

    func studentLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float] {
        try model.forward(tokens: teacherTokens(studentTokens), startPosition: 0, state: state, logits: .subset(subset))
    }

    func fullLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float] {
        try model.forward(tokens: teacherTokens(studentTokens), startPosition: 0, state: state, logits: .allTokens)
    }

    func targets(_ studentTokens: ArraySlice<Int32>, k: Int, temperature: Float) throws -> TeacherTargets {
        guard let firstPieces else { return try restrictedTargets(studentTokens, k: k, temperature: temperature) }
        // the sequence in chunks of positions, each chunk's full logits folded before the next is computed
        let tokens = teacherTokens(studentTokens)
        var folded: [Float] = []  // [T, S]
        folded.reserveCapacity(tokens.count * firstPieces.studentVocabularySize)
        for start in stride(from: 0, to: tokens.count, by: Self.fullLogitRows) {
            let chunk = Array(tokens[start..<min(start + Self.fullLogitRows, tokens.count)])
            let logits = try model.forward(tokens: chunk, startPosition: start, state: state, logits: .allTokens)
            folded += firstPieces.fold(logits, rows: chunk.count, temperature: temperature)
        }
        return try firstPieces.targets(folded: folded, k: k, temperature: temperature)
    }

    private func teacherTokens(_ studentTokens: ArraySlice<Int32>) -> [Int32] {
        studentTokens.map { teacherIDs[Int($0)] }
    }
}
