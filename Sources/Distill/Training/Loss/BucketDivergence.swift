import Foundation

/// A divergence between the teacher's and the student's distributions over the same buckets
/// (K top-k ids plus the tail), and, for the backward pass, h_j = q_j * dD/dq_j for each bucket j.
/// With h the gradient with respect to the student's (temperature-scaled) logits u follows for any D:
///   dD/du_v = h_j(v) * q_v / q_j(v) - q_v * sum_j h_j
/// (q_v / q_j is 1 for a top-k id, e_v / tailSum for a tail token). Carrying h instead of dD/dq keeps
/// forward KL exact when the student's probability underflows.
struct BucketDivergence {
    /// Probabilities below this count as this in logs that would otherwise be -infinity.
    static let logFloor = log(1e-30)

    /// D and h for teacher bucket probabilities p (log p given) and student bucket q (log q given).
    static func evaluate(
        _ kind: DistillationLoss.Kind, beta: Double,
        teacherLog logp: [Double], studentLog logq: [Double], h: inout [Double]
    ) -> Double {
        var value = 0.0
        for j in logp.indices {
            let lp = logp[j], lq = Swift.max(logq[j], logFloor)
            let p = exp(logp[j]), q = exp(logq[j])
            switch kind {
            case .kl:
                if p > 0 { value += p * (lp - lq) }
                h[j] = -p
            case .rkl:
                let r = lq - Swift.max(lp, logFloor)
                value += q * r
                h[j] = q * (r + 1)
            case .jsd:
                let m = beta * p + (1 - beta) * q
                let logm = log(Swift.max(m, 1e-30))
                if p > 0 { value += beta * p * (lp - logm) }
                if q > 0 { value += (1 - beta) * q * (lq - logm) }
                h[j] = (1 - beta) * q * (lq - logm)
            case .ce:
                h[j] = 0
            }
        }
        return value
    }

    /// Forward KL(p || q) on the buckets: the distance to the teacher that progress reports, whatever the loss.
    static func forwardKL(teacherLog logp: [Double], studentLog logq: [Double]) -> Double {
        var value = 0.0
        for j in logp.indices where logp[j] > -.infinity {
            value += exp(logp[j]) * (logp[j] - Swift.max(logq[j], logFloor))
        }
        return value
    }
}
