/// What the trainer reports after each optimizer step.
public struct TrainingProgress: Codable, Sendable, Equatable {
    public var step: Int  // steps completed
    public var totalSteps: Int
    public var loss: Double  // mean per position over the step's tokens
    public var kl: Double?  // mean forward KL to the teacher (top-k + tail buckets); nil without teacher targets
    public var crossEntropy: Double  // mean next-token cross-entropy, nats
    public var learningRate: Float
    public var gradientNorm: Double  // before clipping
    public var tokens: Int  // tokens trained on so far, including before a resume
    public var tokensPerSecond: Double
    public var elapsedSeconds: Double  // in this run (since this trainer started training)
    public var etaSeconds: Double

    /// The CLI's progress line for stderr.
    public var line: String {
        var parts = ["step \(step)/\(totalSteps)", "loss " + format(loss, 4)]
        if let kl { parts.append("kl " + format(kl, 4)) }
        parts.append("ce " + format(crossEntropy, 4))
        parts.append("lr " + format(Double(learningRate), 6))
        parts.append(format(tokensPerSecond, 0) + " tok/s")
        parts.append("eta " + duration(etaSeconds))
        return parts.joined(separator: "  ")
    }

    private func format(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (x * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }

    private func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}

/// The progress callback's answer: keep going, or stop after this step (a checkpoint is still written).
public enum TrainingControl: Sendable { case proceed, stop }
