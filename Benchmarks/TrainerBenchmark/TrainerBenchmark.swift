// Training throughput of the 7.6M-parameter student (d 256, 4 layers, 4 heads, FFN 768, vocab 8192,
// context 256): tokens/s and GFLOP/s of whole training steps, against cblas_sgemm alone replaying the
// step's exact matrix products.
//
//   swift run -c release TrainerBenchmark [--batch 4] [--steps 8] [--loss kl] [--threads N]
//
// OpenBLAS picks its kernels from the CPU model at load time; on CPUs it does not know it falls back to
// a slow generic kernel, so compare with OPENBLAS_CORETYPE=SkylakeX (or Haswell) set in the environment.
import COpenBLAS
import Distill
import Foundation

@main
struct TrainerBenchmark {
    static func main() throws {
        let options = Options()
        let T = 256
        let config = TrainingModelConfig(vocabularySize: 8192, embeddingLength: 256, layerCount: 4, headCount: 4,
                                         feedForwardLength: 768, contextLength: T)
        let model = try TrainingModel(config: config, seed: 1)
        let V = config.vocabularySize, B = options.batch, N = B * T
        let loss = try DistillationLoss(name: options.loss)

        // synthetic data: random tokens, and random but valid top-k teacher targets
        var rng = Xoshiro256(seed: 2)
        func randomSequence() throws -> TrainingSequence {
            let tokens = (0...T).map { _ in Int32(rng.next() % UInt64(V)) }
            var ids: [Int32] = [], logprobs: [Float] = []
            for _ in 0..<T {
                var chosen = Set<Int32>()
                while chosen.count < options.k { chosen.insert(Int32(rng.next() % UInt64(V))) }
                let weights = (0..<options.k).map { _ in rng.nextUniform() + 0.01 }
                let total = weights.reduce(0, +)
                ids += chosen.sorted()
                logprobs += weights.map { log(0.9 * $0 / total) }
            }
            let teacher = try TeacherTargets(positions: T, k: options.k, temperature: 1, ids: ids, logprobs: logprobs,
                                             tailMass: [Float](repeating: 0.1, count: T))
            return TrainingSequence(tokens: tokens, teachers: [teacher])
        }
        let data = InMemoryTrainingData(try (0..<(B * 4)).map { _ in try randomSequence() })
        let trainer = try Trainer(model: model, config: TrainerConfig(
            batchSize: B, sequenceLength: T, totalSteps: options.steps + 2, loss: loss, threads: options.threads), data: data)

        let clock = ContinuousClock()

        // whole optimizer steps (the first two warm up caches and threads)
        var stepTimes: [Double] = []
        for i in 0..<(options.steps + 2) {
            let start = clock.now
            _ = try trainer.trainStep()
            if i >= 2 { stepTimes.append(seconds(clock.now - start)) }
        }

            let phases = try PhaseTimes.measure(model: model, data: data, loss: loss, batchSize: B, sequenceLength: T,
                                            threads: options.threads, repeats: options.steps)
        let (stepFlops, gemmTimes, productCount) = SgemmReplay.measure(config: config, batchSize: B, sequenceLength: T,
                                                                            threads: options.threads, repeats: options.steps)
        let step = median(stepTimes), gemm = median(gemmTimes)
        print("""
            OpenBLAS \(String(cString: openblas_get_corename())) kernels, \(openblas_get_num_threads()) threads; \
            \(model.parameterCount) parameters; B \(B) x T \(T) = \(N) tokens per step; loss \(options.loss), k \(options.k)
            training step:     \(String(format: "%7.1f", step * 1000)) ms  \(String(format: "%8.0f", Double(N) / step)) tokens/s  \
            \(String(format: "%6.1f", stepFlops / step / 1e9)) GFLOP/s (median of \(options.steps))
            sgemm alone:       \(String(format: "%7.1f", gemm * 1000)) ms  \(String(format: "%8.0f", Double(N) / gemm)) tokens/s  \
            \(String(format: "%6.1f", stepFlops / gemm / 1e9)) GFLOP/s (\(productCount) products, \
            \(String(format: "%.1f", stepFlops / 1e9)) GFLOP per step)
            step / sgemm:      \(String(format: "%.2f", step / gemm))x
            phases (ms):       \(phases)  rest of step \(phases.ms(step - phases.total))
            """)
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

struct Options {
    var batch = 4, steps = 8, threads: Int? = nil, loss = "kl", k = 64
    init() {
        var args = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = args.next() {
            guard let value = args.next() else { fatalError("missing value for \(flag)") }
            switch flag {
            case "--batch": batch = Int(value)!
            case "--steps": steps = Int(value)!
            case "--threads": threads = Int(value)!
            case "--loss": loss = value
            case "--k": k = Int(value)!
            default: fatalError("unknown option \(flag)")
            }
        }
    }
}

