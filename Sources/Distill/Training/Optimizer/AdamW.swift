import Engine
import Foundation
import Tensors

/// AdamW (Loshchilov and Hutter 2019) over the flat parameter block, as in PyTorch and llm.c:
///   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   p -= lr * (m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + wd * p)      (wd only where the tensor decays)
/// Moments share the parameters' `ParameterLayout`; the checkpoint stores them.
final class AdamW {
    let config: OptimizerConfig
    let layout: ParameterLayout
    let m: FloatBuffer  // [P] first moment
    let v: FloatBuffer  // [P] second moment

    init(config: OptimizerConfig, layout: ParameterLayout) {
        self.config = config
        self.layout = layout
        m = FloatBuffer(count: layout.count)
        v = FloatBuffer(count: layout.count)
    }

    /// One update with learning rate lr at step t (counting from 1, for bias correction).
    func update(_ parameters: FloatBuffer, _ gradients: FloatBuffer, learningRate lr: Float, t: Int) {
        let b1 = config.beta1, b2 = config.beta2
        let correction1 = 1 - pow(b1, t), correction2 = 1 - pow(b2, t)
        for tensor in layout.tensors {
            let decay = tensor.decays ? config.weightDecay : 0
            let p = parameters.pointer + tensor.offset, g = gradients.pointer + tensor.offset
            let m = m.pointer + tensor.offset, v = v.pointer + tensor.offset
            let blocks = tensor.count / 16
            Parallel.forEachChunk(rows: blocks, minimumRowsPerChunk: 2048) { range in
                for block in range {
                    let i = block * 16
                    let grad = VectorMath.load(g + i)
                    let mNew = b1 * VectorMath.load(m + i) + (1 - b1) * grad
                    let vNew = b2 * VectorMath.load(v + i) + (1 - b2) * grad * grad
                    VectorMath.store(mNew, m + i)
                    VectorMath.store(vNew, v + i)
                    let step = (mNew / correction1) / ((vNew / correction2).squareRoot() + config.epsilon)
                    let param = VectorMath.load(p + i)
                    VectorMath.store(param - lr * (step + decay * param), p + i)
                }
            }
            for i in (blocks * 16)..<tensor.count {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                let step = (m[i] / correction1) / ((v[i] / correction2).squareRoot() + config.epsilon)
                p[i] -= lr * (step + decay * p[i])
            }
        }
    }

    private func pow(_ base: Float, _ exponent: Int) -> Float {
        Float(Foundation.pow(Double(base), Double(exponent)))
    }
}
