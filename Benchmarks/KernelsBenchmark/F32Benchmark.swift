import Kernels

enum F32Benchmark {
    static func run(pools: [Int: ThreadPool]) {}
}
