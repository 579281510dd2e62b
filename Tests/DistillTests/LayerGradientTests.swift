import Distill
import Engine
import Kernels
import Tensors
import XCTest

/// Each layer's backward against central finite differences of its forward, on tiny odd shapes
/// (not multiples of the 16-lane SIMD width, so the scalar tails are exercised too).
final class LayerGradientTests: XCTestCase {
    var rng = SeededRandom(seed: 7)

    func testMatmul() {
        let N = 5, IC = 7, OC = 19
        var inp = GradientCheck.random(N * IC, &rng), weight = GradientCheck.random(OC * IC, &rng)
        let r = GradientCheck.random(N * OC, &rng)
        var out = [Float](repeating: 0, count: N * OC)
        func loss() -> Double {
            out.ptr { o in Matmul.forward(o, inp, weight, N, IC, OC); return GradientCheck.project(o, r) }
        }
        var dinp = [Float](repeating: 0, count: N * IC), dweight = [Float](repeating: 0, count: OC * IC)
        dinp.ptr { di in dweight.ptr { dw in Matmul.backward(di, dw, r, inp, weight, N, IC, OC) } }
        GradientCheck.assertClose(dinp, GradientCheck.numeric(&inp, loss), "matmul dinp")
        GradientCheck.assertClose(dweight, GradientCheck.numeric(&weight, loss), "matmul dweight")
    }

    func testEmbeddingWithRepeatedTokens() {
        let V = 6, C = 17, tokens: [Int32] = [3, 0, 3, 5, 3]
        var wte = GradientCheck.random(V * C, &rng)
        let r = GradientCheck.random(tokens.count * C, &rng)
        var out = [Float](repeating: 0, count: tokens.count * C)
        func loss() -> Double {
            out.ptr { o in Embedding.forward(o, tokens, wte, tokens.count, C); return GradientCheck.project(o, r) }
        }
        var dwte = [Float](repeating: 0, count: V * C)
        dwte.ptr { Embedding.backward($0, r, tokens, tokens.count, C) }
        GradientCheck.assertClose(dwte, GradientCheck.numeric(&wte, loss), "embedding dwte")
    }

    func testRMSNorm() {
        let N = 70, C = 19  // N > 64 so the backward splits rows over several chunks
        var inp = GradientCheck.random(N * C, &rng), weight = GradientCheck.random(C, &rng)
        let r = GradientCheck.random(N * C, &rng)
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        func loss() -> Double {
            out.ptr { o in rstd.ptr { s in
                RMSNorm.forward(o, s, inp, weight, N, C, eps: 1e-5)
                return GradientCheck.project(o, r)
            } }
        }
        _ = loss()
        var dinp = [Float](repeating: 0, count: N * C), dweight = [Float](repeating: 0, count: C)
        dinp.ptr { di in dweight.ptr { dw in RMSNorm.backward(di, dw, r, inp, weight, rstd, N, C) } }
        GradientCheck.assertClose(dinp, GradientCheck.numeric(&inp, loss), "rmsnorm dinp")
        GradientCheck.assertClose(dweight, GradientCheck.numeric(&weight, loss), "rmsnorm dweight")
    }

    func testRoPE() throws {
        let B = 2, T = 5, H = 3, HS = 8
        let table = try RoPETable(maxPositions: T, dimensions: HS, base: 10_000)
        var x = GradientCheck.random(B * T * H * HS, &rng)
        let r = GradientCheck.random(x.count, &rng)
        func loss() -> Double {
            var y = x
            return y.ptr { p in RoPE.forward(p, table, B, T, H, HS); return GradientCheck.project(p, r) }
        }
        var dx = r
        dx.ptr { RoPE.backward($0, table, B, T, H, HS) }
        GradientCheck.assertClose(dx, GradientCheck.numeric(&x, loss), "rope dx")
    }

    /// llama.cpp's LLaMA rope (mode 0): pair (x[2i], x[2i+1]) at position p turns by p * base^(-2i/HS).
    func testRoPERotatesAdjacentPairsLikeLlamaCpp() throws {
        let HS = 4, T = 3
        let table = try RoPETable(maxPositions: T, dimensions: HS, base: 10_000)
        var x: [Float] = (0..<T).flatMap { _ in [1, 0, 0, 1] as [Float] }
        x.ptr { RoPE.forward($0, table, 1, T, 1, HS) }
        let p = 2, theta1 = Float(p) * powf(10_000, -2.0 / 4)
        XCTAssertEqual(x[p * HS + 0], cosf(Float(p)), accuracy: 1e-6)
        XCTAssertEqual(x[p * HS + 1], sinf(Float(p)), accuracy: 1e-6)
        XCTAssertEqual(x[p * HS + 2], -sinf(theta1), accuracy: 1e-6)
        XCTAssertEqual(x[p * HS + 3], cosf(theta1), accuracy: 1e-6)
        XCTAssertEqual(Array(x[0..<HS]), [1, 0, 0, 1], "position 0 is not rotated")
    }

    func testGroupedQueryAttention() {
        let B = 2, T = 5, NH = 4, NKV = 2, HS = 3
        var q = GradientCheck.random(B * T * NH * HS, &rng), k = GradientCheck.random(B * T * NKV * HS, &rng)
        var v = GradientCheck.random(B * T * NKV * HS, &rng)
        let r = GradientCheck.random(B * T * NH * HS, &rng)
        var out = [Float](repeating: 0, count: r.count), att = [Float](repeating: 0, count: B * NH * T * T)
        func loss() -> Double {
            out.ptr { o in att.ptr { a in
                CausalSelfAttention.forward(o, a, q, k, v, B, T, NH, NKV, HS)
                return GradientCheck.project(o, r)
            } }
        }
        _ = loss()
        var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count)
        var dv = [Float](repeating: 0, count: v.count), scratch = [Float](repeating: 0, count: B * NKV * T * T)
        dq.ptr { dqp in dk.ptr { dkp in dv.ptr { dvp in scratch.ptr { s in
            CausalSelfAttention.backward(dqp, dkp, dvp, s, r, q, k, v, att, B, T, NH, NKV, HS)
        } } } }
        GradientCheck.assertClose(dq, GradientCheck.numeric(&q, loss), "attention dq")
        GradientCheck.assertClose(dk, GradientCheck.numeric(&k, loss), "attention dk")
        GradientCheck.assertClose(dv, GradientCheck.numeric(&v, loss), "attention dv")
    }

    func testAttentionIsCausal() {
        let T = 4, HS = 2
        let q = GradientCheck.random(T * HS, &rng), k = GradientCheck.random(T * HS, &rng)
        var v = GradientCheck.random(T * HS, &rng)
        var out1 = [Float](repeating: 0, count: T * HS), att = [Float](repeating: 0, count: T * T)
        out1.ptr { o in att.ptr { a in CausalSelfAttention.forward(o, a, q, k, v, 1, T, 1, 1, HS) } }
        v[(T - 1) * HS] += 10  // changing the last value must not change earlier outputs
        var out2 = out1
        out2.ptr { o in att.ptr { a in CausalSelfAttention.forward(o, a, q, k, v, 1, T, 1, 1, HS) } }
        XCTAssertEqual(Array(out1[0..<(T - 1) * HS]), Array(out2[0..<(T - 1) * HS]))
        XCTAssertNotEqual(out1[(T - 1) * HS], out2[(T - 1) * HS])
        XCTAssertEqual(att[1], 0, "no weight above the diagonal")
    }

    func testGatedUnitSiLU() { checkGatedUnit(.silu) }
    func testGatedUnitGELU() { checkGatedUnit(.geluTanh) }

    private func checkGatedUnit(_ activation: GateActivation) {
        let count = 37
        var gate = GradientCheck.random(count, &rng, scale: 2), up = GradientCheck.random(count, &rng)
        let r = GradientCheck.random(count, &rng)
        var out = [Float](repeating: 0, count: count)
        func loss() -> Double {
            out.ptr { o in GatedUnit.forward(o, gate, up, count, activation: activation); return GradientCheck.project(o, r) }
        }
        var dgate = [Float](repeating: 0, count: count), dup = [Float](repeating: 0, count: count)
        dgate.ptr { dg in dup.ptr { du in GatedUnit.backward(dg, du, r, gate, up, count, activation: activation) } }
        GradientCheck.assertClose(dgate, GradientCheck.numeric(&gate, loss), "\(activation) dgate")
        GradientCheck.assertClose(dup, GradientCheck.numeric(&up, loss), "\(activation) dup")
    }

    /// Gemma's local layers: row t sees only the last `window` positions.
    func testSlidingWindowAttention() {
        let B = 2, T = 7, NH = 2, NKV = 1, HS = 4, window = 3
        var q = GradientCheck.random(B * T * NH * HS, &rng), k = GradientCheck.random(B * T * NKV * HS, &rng)
        var v = GradientCheck.random(B * T * NKV * HS, &rng)
        let r = GradientCheck.random(q.count, &rng)
        var out = [Float](repeating: 0, count: q.count), att = [Float](repeating: 0, count: B * NH * T * T)
        func loss() -> Double {
            out.ptr { o in att.ptr { a in
                CausalSelfAttention.forward(o, a, q, k, v, B, T, NH, NKV, HS, window: window)
                return GradientCheck.project(o, r)
            } }
        }
        _ = loss()
        for t in 0..<T {
            for j in 0..<T where j > t || j <= t - window { XCTAssertEqual(att[t * T + j], 0, "row \(t) sees \(j)") }
            XCTAssertEqual(att[(t * T)..<(t * T + T)].reduce(0, +), 1, accuracy: 1e-5)
        }
        var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count)
        var dv = [Float](repeating: 0, count: v.count), scratch = [Float](repeating: 0, count: B * NKV * T * T)
        dq.ptr { dqp in dk.ptr { dkp in dv.ptr { dvp in scratch.ptr { s in
            CausalSelfAttention.backward(dqp, dkp, dvp, s, r, q, k, v, att, B, T, NH, NKV, HS, window: window)
        } } } }
        GradientCheck.assertClose(dq, GradientCheck.numeric(&q, loss), "windowed attention dq")
        GradientCheck.assertClose(dk, GradientCheck.numeric(&k, loss), "windowed attention dk")
        GradientCheck.assertClose(dv, GradientCheck.numeric(&v, loss), "windowed attention dv")
    }

    /// NEOX-style rotation: pairs (x[i], x[i + HS/2]); backward is the inverse rotation.
    func testRoPEHalvesGradient() throws {
        let B = 1, T = 5, H = 2, HS = 6
        var x = GradientCheck.random(B * T * H * HS, &rng)
        let r = GradientCheck.random(x.count, &rng)
        let table = try RoPETable(maxPositions: T, dimensions: HS, base: 10_000, style: .halves)
        func loss() -> Double {
            var y = x
            return y.ptr { RoPE.forward($0, table, B, T, H, HS); return GradientCheck.project($0, r) }
        }
        var dx = r
        dx.ptr { RoPE.backward($0, table, B, T, H, HS) }
        GradientCheck.assertClose(dx, GradientCheck.numeric(&x, loss), "rope halves dx")
        // position 1, pair 0 of head 0 mixes channels 0 and 3
        var y = x
        y.ptr { RoPE.forward($0, table, B, T, H, HS) }
        let p = H * HS, c = Float(cos(1.0)), s = Float(sin(1.0))
        XCTAssertEqual(y[p], x[p] * c - x[p + 3] * s, accuracy: 1e-5)
        XCTAssertEqual(y[p + 3], x[p] * s + x[p + 3] * c, accuracy: 1e-5)
    }
}
