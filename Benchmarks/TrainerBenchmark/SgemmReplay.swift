import COpenBLAS
import Distill

/// The matrix products of one training step of the Llama student, replayed through cblas_sgemm alone
/// on scratch buffers: the ceiling the whole step is compared with.
struct SgemmReplay {
    struct Product { let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, beta: Float }

    let products: [Product]
    private let a: [Float], b: [Float]
    private var c: [Float]

    init(config: TrainingModelConfig, batchSize B: Int, sequenceLength T: Int) {
        let N = B * T, C = config.embeddingLength, F = config.feedForwardLength, V = config.vocabularySize
        let HS = config.headSize, NH = config.headCount, NKV = config.kvHeadCount
        var products: [Product] = []
        func linear(_ rows: Int, _ inC: Int, _ outC: Int) {
            products.append(Product(transA: false, transB: true, m: rows, n: outC, k: inC, beta: 0))  // forward
            products.append(Product(transA: false, transB: false, m: rows, n: inC, k: outC, beta: 1))  // dinp
            products.append(Product(transA: true, transB: false, m: outC, n: inC, k: rows, beta: 1))  // dweight
        }
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
        self.products = products
        let largest = products.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max()!
        a = [Float](repeating: 0.01, count: largest)
        b = [Float](repeating: 0.02, count: largest)
        c = [Float](repeating: 0, count: largest)
    }

    var flops: Double { products.reduce(0.0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) } }

    mutating func run() {
        for p in products {
            let lda = p.transA ? p.m : p.k, ldb = p.transB ? p.k : p.n
            cblas_sgemm(CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans, p.transB ? CblasTrans : CblasNoTrans,
                        Int32(p.m), Int32(p.n), Int32(p.k), 1, a, Int32(lda), b, Int32(ldb), p.beta, &c, Int32(p.n))
        }
    }
}
