import Engine

/// One teacher's forward passes over student-id sequences, with a state and a vocabulary subset made once.
/// Type-erased so the pipeline can hold teachers of different architectures side by side.
protocol TeacherForward: AnyObject {
    /// Logits [T, S] of the student's vocabulary rows, in student id order, for T student ids.
    func studentLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float]
    /// Logits [T, V] over the teacher's whole vocabulary.
    func fullLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float]
    var vocabularySize: Int { get }
}

/// Opens the existential: `model` becomes a concrete `M` for the generic class.
func makeTeacherForward(_ model: some LanguageModel, teacherIDs: [Int32], contextLength: Int) throws -> any TeacherForward {
    try ModelTeacherForward(model, teacherIDs: teacherIDs, contextLength: contextLength)
}

final class ModelTeacherForward<M: LanguageModel>: TeacherForward {
    let model: M
    let teacherIDs: [Int32]  // [S] the teacher id of each student id
    let subset: VocabularySubset
    let state: M.State

    init(_ model: M, teacherIDs: [Int32], contextLength: Int) throws {
        self.model = model
        self.teacherIDs = teacherIDs
        subset = try model.vocabularySubset(ids: teacherIDs)
        state = model.makeState(contextLength: contextLength)
    }

    var vocabularySize: Int { model.config.vocabularySize }

    func studentLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float] {
        try model.forward(tokens: teacherTokens(studentTokens), startPosition: 0, state: state, logits: .subset(subset))
    }

    func fullLogits(_ studentTokens: ArraySlice<Int32>) throws -> [Float] {
        try model.forward(tokens: teacherTokens(studentTokens), startPosition: 0, state: state, logits: .allTokens)
    }

    private func teacherTokens(_ studentTokens: ArraySlice<Int32>) -> [Int32] {
        studentTokens.map { teacherIDs[Int($0)] }
    }
}
