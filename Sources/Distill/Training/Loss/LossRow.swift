import Engine
import Foundation
import Tensors

/// The loss at one position, forward and (optionally) backward. Student buckets at temperature tau:
///   u = z / tau, e_v = exp(u_v - max u), Z = sum e
///   q_j = e_id(j) / Z for the teacher's top-k ids, q_tail = (sum of e over all other ids) / Z
/// The tail is summed directly (top-k entries zeroed first), never formed as 1 - sum q_j.
struct LossRow {
    let loss: DistillationLoss
    let teacher: TeacherTargets?
    let V: Int
    private let scratch: FloatBuffer  // [V] e_v
    private var teacherLog: [Double] = []  // [K + 1] log p per bucket, tail last
    private var studentLog: [Double] = []  // [K + 1] log q per bucket, tail last
    private var h: [Double] = []  // [K + 1]
    private var bucketIds: [Int] = []  // [K] the row's non-padding ids
    private var topE: [Float] = []  // [K] e at those ids

    init(loss: DistillationLoss, teacher: TeacherTargets?, vocabularySize: Int) {
        self.loss = loss
        self.teacher = teacher
        V = vocabularySize
        scratch = FloatBuffer(count: vocabularySize)
    }

    struct Result { var loss: Float; var kl: Float; var crossEntropy: Float }

    /// z [V] -> loss, KL to the teacher, CE; when dlogits [V] is given it is overwritten with dloss * dL/dz.
    mutating func evaluate(
        _ z: UnsafePointer<Float>, target: Int32, teacherRow n: Int, dlogits dz: UnsafeMutablePointer<Float>?,
        dloss: Float
    ) -> Result {
        let distills = loss.kind != .ce
        let ceWeight = distills ? 1 - loss.alpha : 1
        var result = Result(loss: 0, kl: 0, crossEntropy: 0)
        var reusableUnitTemperature: (e: UnsafeMutablePointer<Float>, Z: Float, maxU: Float)? = nil

        if let teacher {
            let tau = loss.temperature, e = scratch.pointer
            let m = VectorMath.max(z, V) / tau
            _ = VectorMath.expScaledShifted(e, z, scale: 1 / tau, shift: m, V)
            // gather the top-k buckets, zero them in e, and sum what remains: the tail
            loadTeacherRow(teacher, n)
            topE.removeAll(keepingCapacity: true)
            for id in bucketIds { topE.append(e[id]); e[id] = 0 }
            let tailSum = Double(VectorMath.sum(e, V))
            let Z = tailSum + topE.reduce(0.0) { $0 + Double($1) }
            let logZ = log(Z)
            for (j, id) in bucketIds.enumerated() { studentLog[j] = Double(z[id] / tau - m) - logZ }
            studentLog[bucketIds.count] = log(tailSum) - logZ
            result.kl = Float(BucketDivergence.forwardKL(teacherLog: teacherLog, studentLog: studentLog))
            if distills {
                let divergence = BucketDivergence.evaluate(
                    loss.kind, beta: Double(loss.beta), teacherLog: teacherLog, studentLog: studentLog, h: &h)
                result.loss = loss.alpha * tau * tau * Float(divergence)
                if let dz {
                    // dL/dz = alpha * tau^2 * (1/tau) * dD/du
                    let scale = Double(dloss * loss.alpha * tau)
                    let s = h.reduce(0, +)
                    let tailFactor = tailSum > 0 ? h[bucketIds.count] / tailSum - s / Z : 0
                    VectorMath.scale(dz, e, Float(scale * tailFactor), V)
                    for (j, id) in bucketIds.enumerated() {
                        dz[id] = Float(scale * (h[j] - exp(studentLog[j]) * s))
                    }
                }
            }
            // with tau = 1, e is already the unit-temperature softmax numerator once the top-k are put back
            if tau == 1 {
                for (j, id) in bucketIds.enumerated() { e[id] = topE[j] }
                reusableUnitTemperature = (e, Float(Z), m)
            }
        }
        if dz != nil, !distills { dz!.update(repeating: 0, count: V) }

        // cross-entropy with the next token at temperature 1
        let (e1, Z1, m1) = reusableUnitTemperature ?? unitTemperatureSoftmax(z)
        result.crossEntropy = log(Z1) + m1 - z[Int(target)]
        result.loss += ceWeight * result.crossEntropy
        if let dz, ceWeight > 0 {
            VectorMath.addScaled(dz, e1, dloss * ceWeight / Z1, V)
            dz[Int(target)] -= dloss * ceWeight
        }
        return result
    }

    private func unitTemperatureSoftmax(_ z: UnsafePointer<Float>) -> (UnsafeMutablePointer<Float>, Float, Float) {
        let m = VectorMath.max(z, V)
        let Z = VectorMath.expScaledShifted(scratch.pointer, z, scale: 1, shift: m, V)
        return (scratch.pointer, Z, m)
    }

    /// Fills bucketIds and teacherLog (tail last) for position n, and sizes studentLog and h to match.
    private mutating func loadTeacherRow(_ teacher: TeacherTargets, _ n: Int) {
        bucketIds.removeAll(keepingCapacity: true)
        teacherLog.removeAll(keepingCapacity: true)
        for j in 0..<teacher.k where teacher.ids[n * teacher.k + j] != TeacherTargets.padding {
            bucketIds.append(Int(teacher.ids[n * teacher.k + j]))
            teacherLog.append(Double(teacher.logprobs[n * teacher.k + j]))
        }
        teacherLog.append(log(Double(teacher.tailMass[n])))
        studentLog = [Double](repeating: 0, count: teacherLog.count)
        h = [Double](repeating: 0, count: teacherLog.count)
    }
}
