// Micro-benchmarks for the Kernels target; not a test. Run:
//   swift run -c release KernelsBenchmark [matvec|matmul|decode|prefill|sweep|quantize|packing|f32|pool|forward|all]
// (matvec runs plain and corrected activations.)
// Each figure is the median of several timed repetitions.
import Foundation
import Kernels

let mode = CommandLine.arguments.dropFirst().first ?? "all"
// BENCH_PIN=1 binds the caller to core 0 and the worker to core 1.
let pinned = ProcessInfo.processInfo.environment["BENCH_PIN"] == "1"
if pinned { ThreadPool.pinCurrentThread(toCore: 0) }
let pools = [1: ThreadPool(threadCount: 1), 2: ThreadPool(threadCount: 2, pinned: pinned)]

if mode == "matvec" || mode == "all" {
    MatVecBenchmark.run(pools: pools)
    MatVecBenchmark.run(pools: pools, corrected: true)
}
if mode == "matmul" || mode == "all" { MatVecBenchmark.run(pools: pools, tokens: 128) }
if mode == "decode" || mode == "all" { DecodeBenchmark.run(pools: pools, tokens: 1) }
if mode == "prefill" || mode == "all" { DecodeBenchmark.run(pools: pools, tokens: 128) }
if mode == "sweep" { SweepBenchmark.run(pools: pools) }
if mode == "quantize" || mode == "all" { QuantizeBenchmark.run() }
if mode == "packing" || mode == "all" { PackingBenchmark.run() }
if mode == "f32" || mode == "all" { F32Benchmark.run(pools: pools) }
if mode == "pool" || mode == "all" { PoolBenchmark.run(pools: pools) }
if mode == "forward" || mode == "all" { ForwardBenchmark.run(pools: pools) }
if mode == "steps" {
    // For allocation counting under valgrind: N forward steps on the path DISTILLERY_KERNELS selects.
    let steps = Int(CommandLine.arguments.dropFirst(2).first ?? "10") ?? 10
    let threads = Int(CommandLine.arguments.dropFirst(3).first ?? "2") ?? 2
    ForwardBenchmark.steps(steps, pool: pools[threads]!)
}
