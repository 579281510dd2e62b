extension Int8TransformerModel {
    /// The state's cache has this model's shape.
    @inline(__always)
    func validate(_ state: Int8TransformerState) throws(InferenceError) {
        guard state.config == config else { throw .stateMismatch("it was made for another model configuration") }
    }

    @inline(__always)
    func validate(token: Int32) throws(InferenceError) {
        guard token >= 0, Int(token) < config.vocabularySize else {
            throw .tokenOutOfRange(token: token, vocabularySize: config.vocabularySize)
        }
    }
}
