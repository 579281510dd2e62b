// Training throughput of the 7.6M-parameter student (d 256, 4 layers, 4 heads, FFN 768, vocab 8192,
// context 256): tokens/s and GFLOP/s of whole training steps, against cblas_sgemm alone replaying the
// step's exact matrix products.
//
//   swift run -c release TrainerBenchmark [--batch 4] [--steps 8] [--loss kl] [--threads N]
//
// OpenBLAS picks its kernels from the CPU model at load time; on virtual CPUs it does not know it falls
// back to slow SSE3 kernels. The `distillery` CLI sets OPENBLAS_CORETYPE from the CPU's flags; set it here
// by hand (OPENBLAS_CORETYPE=SkylakeX on AVX-512, Haswell on AVX2) to measure what the CLI runs.
import COpenBLAS
import Distill
import Engine
import Foundation
import Tensors

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
        var rng = SeededRandom(seed: 2)
        func randomSequence() throws -> TrainingSequence {
            let tokens = (0...T).map { _ in Int32(rng.next() % UInt64(V)) }
            var ids: [Int32] = [], logprobs: [Float] = []
            for _ in 0..<T {
                var chosen = Set<Int32>()
                while chosen.count < options.k { chosen.insert(Int32(rng.next() % UInt64(V))) }
                let weights = (0..<options.k).map { _ in rng.nextUnitFloat() + 0.01 }
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
            batchSize: B, sequenceLength: T, totalSteps: options.steps + 1, loss: loss, threads: options.threads), data: data)

        let probe = try PhaseTimes.Probe(model: model, data: data, loss: loss, batchSize: B, sequenceLength: T)
        var replay = SgemmReplay(config: config, batchSize: B, sequenceLength: T)
        let clock = ContinuousClock()
        func time(_ body: () throws -> Void) rethrows -> Double {
            let start = clock.now
            try body()
            return seconds(clock.now - start)
        }

        // Rounds interleave a whole step, its phases and the sgemm replay, so load from other processes on a
        // shared machine hits all three alike; the first round warms up and is dropped.
        var stepTimes: [Double] = [], phaseTimes: [PhaseTimes] = [], gemmTimes: [Double] = []
        try BLASThreads.with(options.threads) {
            for round in 0...options.steps {
                let step = try time { _ = try trainer.trainStep() }
                let phases = try probe.measure()
                let gemm = time { replay.run() }
                if round > 0 {
                    stepTimes.append(step)
                    phaseTimes.append(phases)
                    gemmTimes.append(gemm)
                }
            }
        }
        let step = median(stepTimes), gemm = median(gemmTimes), flops = replay.flops
        let forward = median(phaseTimes.map(\.forward)), lossTime = median(phaseTimes.map(\.loss))
        let backward = median(phaseTimes.map(\.backward))
        let rest = median(zip(stepTimes, phaseTimes).map { $0 - $1.total })
        func ms(_ s: Double) -> String { String(format: "%.1f", s * 1000) }
        if String(cString: openblas_get_corename()) == "Prescott" {
            print("note: OpenBLAS chose its generic SSE3 kernels; `distillery` sets OPENBLAS_CORETYPE from the CPU's "
                  + "flags, so rerun with OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) to measure what it runs")
        }
        print("""
            OpenBLAS \(String(cString: openblas_get_corename())) kernels, \(options.threads ?? Int(openblas_get_num_threads())) \
            threads; \(model.parameterCount) parameters; B \(B) x T \(T) = \(N) tokens per step; loss \(options.loss), \
            k \(options.k); medians of \(options.steps) rounds
            training step:  \(String(format: "%7.1f", step * 1000)) ms  \(String(format: "%6.0f", Double(N) / step)) tokens/s  \
            \(String(format: "%6.1f", flops / step / 1e9)) GFLOP/s
            sgemm alone:    \(String(format: "%7.1f", gemm * 1000)) ms  \(String(format: "%6.0f", Double(N) / gemm)) tokens/s  \
            \(String(format: "%6.1f", flops / gemm / 1e9)) GFLOP/s  (the step's \(replay.products.count) products, \
            \(String(format: "%.1f", flops / 1e9)) GFLOP)
            step / sgemm:   \(String(format: "%.2f", step / gemm))x
            phases (ms):    forward \(ms(forward)), loss \(ms(lossTime)), backward \(ms(backward)), \
            rest of the step \(ms(rest))
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

