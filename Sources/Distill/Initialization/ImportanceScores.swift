import Engine
import Foundation
import Tensors

/// How much each part of a model matters, measured on calibration sequences (ShortGPT, Minitron):
/// - a layer's block influence, 1 - cos(its input, its output) averaged over positions: a layer that barely
///   turns the residual stream can go first;
/// - activation importance of each FFN channel (the input of ffn_down), each attention head (its output,
///   the input of attn_output) and each embedding channel (the normalized inputs of every layer): per
///   sequence the L2 norm over positions, then the mean over sequences (Minitron's best aggregation).
public struct ImportanceScores: Sendable, Codable, Equatable {
    public var blockInfluence: [Double]  // [L]
    public var ffnChannels: [[Double]]  // [L][F]
    public var heads: [[Double]]  // [L][NH]
    public var embeddingChannels: [Double]  // [C]

    /// One forward pass of `model` per sequence (each of T tokens).
    static func measure(_ model: TrainingModel, sequences: [[Int32]]) throws -> ImportanceScores {
        let c = model.config
        let L = c.layerCount, C = c.embeddingLength, F = c.feedForwardLength, NH = c.headCount, HS = c.headSize
        guard let T = sequences.first?.count, T > 0, sequences.allSatisfy({ $0.count == T }) else {
            throw DistillError.invalidOption("calibration needs sequences of one length")
        }
        let graph = try TrainingGraph(model: model, batchSize: 1, sequenceLength: T)
        var scores = ImportanceScores(
            blockInfluence: Array(repeating: 0, count: L), ffnChannels: Array(repeating: Array(repeating: 0, count: F), count: L),
            heads: Array(repeating: Array(repeating: 0, count: NH), count: L), embeddingChannels: Array(repeating: 0, count: C))
        let count = Double(sequences.count)
        for sequence in sequences {
            try sequence.withUnsafeBufferPointer { try graph.forward(tokens: $0) }
            let acts = graph.acts
            for l in 0..<L {
                let a = acts.layers[l]
                scores.blockInfluence[l] += meanCosineDistance(acts.residuals[l].pointer, acts.residuals[l + 1].pointer, T, C) / count
                let channels = columnNorms(a.swiglu.pointer, rows: T, columns: F)
                for f in 0..<F { scores.ffnChannels[l][f] += channels[f] / count }
                let mixed = columnNorms(a.attentionMixed.pointer, rows: T, columns: NH * HS)
                for h in 0..<NH {
                    let head = mixed[(h * HS)..<((h + 1) * HS)]
                    scores.heads[l][h] += head.reduce(0) { $0 + $1 * $1 }.squareRoot() / count
                }
                for normed in [a.attentionNormed, a.ffnNormed] {
                    let norms = columnNorms(normed.pointer, rows: T, columns: C)
                    for i in 0..<C { scores.embeddingChannels[i] += norms[i] / count }
                }
            }
        }
        return scores
    }

    /// 1 - mean over rows of cos(a[t], b[t]), for a, b [rows, C].
    private static func meanCosineDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ rows: Int, _ C: Int) -> Double {
        var total = 0.0
        for t in 0..<rows {
            let x = a + t * C, y = b + t * C
            let dot = Double(VectorMath.dot(x, y, C))
            let norms = (Double(VectorMath.dot(x, x, C)) * Double(VectorMath.dot(y, y, C))).squareRoot()
            total += 1 - (norms > 0 ? dot / norms : 1)
        }
        return total / Double(rows)
    }

    /// The L2 norm of each column of x [rows, columns] over its rows.
    private static func columnNorms(_ x: UnsafePointer<Float>, rows: Int, columns: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        for t in 0..<rows {
            let row = x + t * columns
            for i in 0..<columns { sums[i] += Double(row[i] * row[i]) }
        }
        return sums.map { $0.squareRoot() }
    }

    /// The `count` most important indices of `scores`, in ascending index order (ties to the lower index).
    static func top(_ count: Int, of scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(count).sorted()
    }
}
