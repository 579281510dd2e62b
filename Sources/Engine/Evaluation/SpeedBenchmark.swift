import Foundation
import Tensors

/// Prefill and decode speed measured the way llama-bench measures pp and tg, so the two compare:
/// prefill is P random tokens in one batch from an empty cache (logits of the last only); decode is G
/// random tokens one at a time from an empty cache. One warm-up run, then R timed repetitions.
public struct SpeedBenchmark {
    public struct Report: Sendable {
        /// Seconds of each repetition, in run order.
        public var prefillSeconds: [Double]
        public var decodeSeconds: [Double]
        public let promptTokens: Int
        public let generatedTokens: Int

        /// Tokens per second of the median repetition.
        public var prefillTokensPerSecond: Double { Double(promptTokens) / Self.median(prefillSeconds) }
        public var decodeTokensPerSecond: Double { Double(generatedTokens) / Self.median(decodeSeconds) }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                                         : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    public let promptTokens: Int
    public let generatedTokens: Int
    public let repetitions: Int

    public init(promptTokens: Int, generatedTokens: Int, repetitions: Int) {
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.repetitions = repetitions
    }

    public func run<Model: LanguageModel>(_ model: Model, seed: UInt64 = 42) throws(InferenceError) -> Report {
        var random = SeededRandom(seed: seed)
        let V = model.config.vocabularySize
        let prompt = (0..<promptTokens).map { _ in Int32.random(in: 0..<Int32(V), using: &random) }
        let generated = (0..<generatedTokens).map { _ in Int32.random(in: 0..<Int32(V), using: &random) }
        let state = model.makeState(contextLength: max(promptTokens, generatedTokens, 1))
        var report = Report(prefillSeconds: [], decodeSeconds: [], promptTokens: promptTokens,
                            generatedTokens: generatedTokens)
        for repetition in 0...repetitions {
            let prefill = try time { () throws(InferenceError) in
                if !prompt.isEmpty { _ = try model.forward(tokens: prompt, startPosition: 0, state: state, logits: .lastToken) }
            }
            let decode = try time { () throws(InferenceError) in
                for (position, token) in generated.enumerated() { _ = try model.forward(token: token, position: position, state: state) }
            }
            if repetition > 0 {   // the first run warms caches and wakes the workers
                report.prefillSeconds.append(prefill)
                report.decodeSeconds.append(decode)
            }
        }
        return report
    }

    private func time(_ body: () throws(InferenceError) -> Void) throws(InferenceError) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
