import COpenBLAS
import Distill

/// The matrix products of one training step of the Llama student, replayed through cblas_sgemm alone
/// on scratch buffers: the ceiling the whole step is compared with.
enum SgemmReplay {
    struct Product { let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float }

    /// Returns the step's FLOPs, the replay times (seconds) and the number of products.
    static func measure(config: TrainingModelConfig, batchSize B: Int, sequenceLength T: Int, threads: Int?,
                        repeats: Int) -> (Double, [Double], Int) {
        let N = B * T, V = config.vocabularySize
        let clock = ContinuousClock()
        var products: [Product] = []
        func linear(_ rows: Int, _ inC: Int, _ outC: Int) {
            products.append(Product(transA: false, transB: true, m: rows, n: outC, k: inC, beta: 0))  // forward
            products.append(Product(transA: false, transB: false, m: rows, n: inC, k: outC, beta: 1))  // dinp
            products.append(Product(transA: true, transB: false, m: outC, n: inC, k: rows, beta: 1))  // dweight
        }
        let C = config.embeddingLength, F = config.feedForwardLength, HS = config.headSize
        let NH = config.headCount, NKV = config.kvHeadCount
        for _ in 0..<config.layerCount {
            linear(N, C, NH * HS); linear(N, C, NKV * HS); linear(N, C, NKV * HS); linear(N, NH * HS, C)
            linear(N, C, F); linear(N, C, F); linear(N, F, C)
            for _ in 0..<(B * NH) {
                products.append(Product(transA: false, transB: true, m: T, n: T, k: HS, beta: 0))  // q k^T
                products.append(Product(transA: false, transB: false, m: T, n: HS, k: T, beta: 0))  // att v
                products.append(Product(transA: false, transB: true, m: T, n: T, k: HS, beta: 0))  // datt
                products.append(Product(transA: true, transB: false, m: T, n: HS, k: T, beta: 1))  // dv
                products.append(Product(transA: false, transB: false, m: T, n: HS, k: T, beta: 1))  // dq
                products.append(Product(transA: true, transB: false, m: T, n: HS, k: T, beta: 1))  // dk
            }
        }
        linear(N, C, V)
        let stepFlops = products.reduce(0.0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) }
        let largest = products.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max()!
        let a = [Float](repeating: 0.01, count: largest), b = [Float](repeating: 0.02, count: largest)
        var c = [Float](repeating: 0, count: largest)
        func replay() {
            for p in products {
                let lda = p.transA ? p.m : p.k, ldb = p.transB ? p.k : p.n
                cblas_sgemm(CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans, p.transB ? CblasTrans : CblasNoTrans,
                            Int32(p.m), Int32(p.n), Int32(p.k), 1, a, Int32(lda), b, Int32(ldb), p.beta, &c, Int32(p.n))
            }
        }
        if let threads { openblas_set_num_threads(Int32(threads)) }
        replay()
        var gemmTimes: [Double] = []
        for _ in 0..<repeats {
            let start = clock.now
            replay()
            gemmTimes.append(seconds(clock.now - start))
        }

        return (stepFlops, gemmTimes, products.count)
    }
}
