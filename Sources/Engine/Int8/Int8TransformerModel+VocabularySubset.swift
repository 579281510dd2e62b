import Kernels

extension Int8TransformerModel {
    /// The output rows of `ids` as a Q8_0 matrix of their own, so a teacher pass computes (T, S) logits for a
    /// student's S tokens instead of (T, V) over a 262k vocabulary. Requantizing a Q8_0 row's dequantized
    /// values gives its blocks back (the scale's largest value maps to 127 again).
    public func vocabularySubset(ids: [Int32]) throws(InferenceError) -> VocabularySubset {
        var subset = try VocabularySubset(ids: ids, vocabularySize: config.vocabularySize, rows: nil,
                                          source: ObjectIdentifier(head))
        guard !ids.isEmpty else { return subset }
        let C = config.embeddingLength
        var values = [Float](repeating: 0, count: ids.count * C)   // (S, C)
        values.withUnsafeMutableBufferPointer { values in
            for (s, id) in ids.enumerated() { head.dequantizeRow(values.baseAddress! + s * C, row: Int(id)) }
        }
        subset.int8Rows = values.withUnsafeBufferPointer { try? Q8Matrix(float: $0, rows: ids.count, columns: C) }
        return subset
    }

    /// The matrix and width of the logits `selection` asks for: the head (V), or a subset's rows (S).
    func logitHead(_ selection: LogitSelection) throws(InferenceError) -> (matrix: Q8Matrix, width: Int) {
        guard case .subset(let subset) = selection else { return (head, config.vocabularySize) }
        guard subset.source == ObjectIdentifier(head), let rows = subset.int8Rows ?? (subset.count == 0 ? head : nil) else {
            throw .stateMismatch("the vocabulary subset was made for another model")
        }
        return (rows, subset.count)
    }
}
