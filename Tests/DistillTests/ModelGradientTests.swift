import Distill
import Engine
import Tensors
import XCTest

/// The whole graph (embedding -> L x [rmsnorm, GQA attention with RoPE, SwiGLU] -> norm -> output ->
/// kl loss) against finite differences on every parameter of a tiny model, tied and untied; and Gemma 3's
/// (scaled embedding, head norms, post-branch norms, GELU gate, a local layer whose window is shorter than
/// the sequence, a head size other than C / NH).
final class ModelGradientTests: XCTestCase {
    func testEveryParameterGradientUntied() throws {
        try checkModel(TrainingModelConfig(
            vocabularySize: 11, embeddingLength: 8, layerCount: 2, headCount: 4, kvHeadCount: 2,
            feedForwardLength: 12, contextLength: 8, tiedEmbeddings: false))
    }

    func testEveryParameterGradientTied() throws {
        try checkModel(TrainingModelConfig(
            vocabularySize: 11, embeddingLength: 8, layerCount: 2, headCount: 4, kvHeadCount: 2,
            feedForwardLength: 12, contextLength: 8, tiedEmbeddings: true))
    }

    func testEveryParameterGradientGemma3() throws {
        try checkModel(TrainingModelConfig(
            architecture: .gemma3, vocabularySize: 11, embeddingLength: 8, layerCount: 2, headCount: 2, kvHeadCount: 1,
            headSize: 6, feedForwardLength: 12, contextLength: 8, rmsNormEpsilon: 1e-6, ropeFrequencyBase: 1e6,
            localRopeBase: 1e4, slidingWindow: 3, localLayers: [true, false], tiedEmbeddings: true))
    }

    private func checkModel(_ config: TrainingModelConfig) throws {
        let tied = config.tiedEmbeddings
        let model = try TrainingModel(config: config, seed: 3, standardDeviation: 0.5)
        let B = 2, T = 5, N = B * T, V = config.vocabularySize
        var rng = SeededRandom(seed: 4)
        let tokens = (0..<N).map { _ in Int32(rng.next() % UInt64(V)) }
        let targets = (0..<N).map { _ in Int32(rng.next() % UInt64(V)) }
        let teacher = try TeacherTargets(logits: GradientCheck.random(N * V, &rng, scale: 2), vocabularySize: V, k: 4,
                                         temperature: 1.5)
        let loss = DistillationLoss(kind: .kl, alpha: 0.6, temperature: 1.5)
        let graph = try TrainingGraph(model: model, batchSize: B, sequenceLength: T)

        func value() -> Double {
            try! tokens.withUnsafeBufferPointer { try graph.forward(tokens: $0) }
            return try! LossLayer.forward(graph.logits.pointer, targets, teacher, loss, N, V).loss
        }
        _ = value()
        try LossLayer.backward(graph.logitGradients.pointer, graph.logits.pointer, targets, teacher, loss, dloss: 1, N, V)
        graph.backward()
        let analytic = graph.gradients.array

        var numeric = [Double](repeating: 0, count: model.parameterCount)
        let h: Float = 3e-3
        for i in 0..<model.parameterCount {
            let original = model.parameters[i]
            model.parameters[i] = original + h
            let plus = value()
            model.parameters[i] = original - h
            let minus = value()
            model.parameters[i] = original
            numeric[i] = (plus - minus) / Double(2 * h)
        }
        for tensor in model.layout.tensors {
            let range = tensor.offset..<(tensor.offset + tensor.count)
            GradientCheck.assertClose(Array(analytic[range]), Array(numeric[range]), tolerance: 2e-2,
                                      "\(config.architecture) \(tied ? "tied" : "untied") \(tensor.name)")
        }
        XCTAssertEqual(model.layout.tensor(named: "output.weight") == nil, tied)
    }
}
