import Distill
import Engine
import Foundation
import Tensors
import XCTest

/// Gradient checks prove backward matches forward, not that forward is right: each fast forward here
/// is compared with a naive scalar twin written straight from the definition, on shapes that are not
/// multiples of the SIMD width.
final class ForwardReferenceTests: XCTestCase {
    var rng = SeededRandom(seed: 21)

    func testMatmulMatchesNaiveLoops() {
        let N = 7, IC = 13, OC = 5
        let inp = GradientCheck.random(N * IC, &rng), weight = GradientCheck.random(OC * IC, &rng)
        var out = [Float](repeating: 0, count: N * OC)
        out.ptr { Matmul.forward($0, inp, weight, N, IC, OC) }
        for n in 0..<N {
            for o in 0..<OC {
                let expected = (0..<IC).reduce(0.0) { $0 + Double(inp[n * IC + $1]) * Double(weight[o * IC + $1]) }
                XCTAssertEqual(Double(out[n * OC + o]), expected, accuracy: 1e-5)
            }
        }
    }

    func testRMSNormMatchesDefinition() {
        let N = 3, C = 21, eps: Float = 1e-5
        let inp = GradientCheck.random(N * C, &rng), weight = GradientCheck.random(C, &rng)
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        out.ptr { o in rstd.ptr { RMSNorm.forward(o, $0, inp, weight, N, C, eps: eps) } }
        for n in 0..<N {
            let row = inp[(n * C)..<((n + 1) * C)]
            let rms = (row.reduce(0) { $0 + Double($1 * $1) } / Double(C) + Double(eps)).squareRoot()
            for i in 0..<C {
                XCTAssertEqual(Double(out[n * C + i]), Double(inp[n * C + i]) / rms * Double(weight[i]), accuracy: 1e-5)
            }
        }
    }

    func testGatedUnitsMatchTheirDefinitions() {
        let count = 35
        let gate = GradientCheck.random(count, &rng, scale: 3), up = GradientCheck.random(count, &rng)
        var silu = [Float](repeating: 0, count: count), gelu = silu
        silu.ptr { GatedUnit.forward($0, gate, up, count, activation: .silu) }
        gelu.ptr { GatedUnit.forward($0, gate, up, count, activation: .geluTanh) }
        for i in 0..<count {
            let g = Double(gate[i]), u = Double(up[i])
            XCTAssertEqual(Double(silu[i]), g / (1 + exp(-g)) * u, accuracy: 1e-5)
            // GELU, tanh approximation (Gemma's gelu_pytorch_tanh)
            let tanhGELU = 0.5 * g * (1 + tanh((2 / Double.pi).squareRoot() * (g + 0.044715 * g * g * g)))
            XCTAssertEqual(Double(gelu[i]), tanhGELU * u, accuracy: 1e-5)
        }
    }

    /// llm.c's scalar attention loop, extended with grouped-query heads.
    func testGroupedQueryAttentionMatchesScalarLoops() {
        let B = 2, T = 6, NH = 6, NKV = 2, HS = 5
        let q = GradientCheck.random(B * T * NH * HS, &rng), k = GradientCheck.random(B * T * NKV * HS, &rng)
        let v = GradientCheck.random(B * T * NKV * HS, &rng)
        var out = [Float](repeating: 0, count: q.count), att = [Float](repeating: 0, count: B * NH * T * T)
        out.ptr { o in att.ptr { CausalSelfAttention.forward(o, $0, q, k, v, B, T, NH, NKV, HS) } }
        let scale = 1 / Double(HS).squareRoot()
        for b in 0..<B {
            for t in 0..<T {
                for h in 0..<NH {
                    let g = h / (NH / NKV)
                    let query = (0..<HS).map { Double(q[((b * T + t) * NH + h) * HS + $0]) }
                    let scores = (0...t).map { t2 in
                        (0..<HS).reduce(0.0) { $0 + query[$1] * Double(k[((b * T + t2) * NKV + g) * HS + $1]) } * scale
                    }
                    let m = scores.max()!, e = scores.map { exp($0 - m) }, sum = e.reduce(0, +)
                    for i in 0..<HS {
                        let expected = (0...t).reduce(0.0) { $0 + e[$1] / sum * Double(v[((b * T + $1) * NKV + g) * HS + i]) }
                        XCTAssertEqual(Double(out[((b * T + t) * NH + h) * HS + i]), expected, accuracy: 1e-5)
                    }
                }
            }
        }
    }

    func testEmbeddingCopiesTokenRows() {
        let V = 5, C = 18, tokens: [Int32] = [4, 0, 4]
        let wte = GradientCheck.random(V * C, &rng)
        var out = [Float](repeating: 0, count: tokens.count * C)
        out.ptr { Embedding.forward($0, tokens, wte, tokens.count, C) }
        for (n, token) in tokens.enumerated() {
            XCTAssertEqual(Array(out[(n * C)..<((n + 1) * C)]), Array(wte[(Int(token) * C)..<((Int(token) + 1) * C)]))
        }
    }
}
