import Foundation

/// Decides, step by step, whether a forward step runs on the pool or on the caller alone, by measuring both.
///
/// On two idle cores the pool wins (a decode step streams its weights through both cores' caches), but on a
/// core shared with another busy process a worker preempted in the middle of its share stalls the whole step
/// for a scheduler slice, and one thread is twice as fast (Benchmarks/README.md). Which holds changes from
/// minute to minute on a shared machine, so the policy keeps a running average of nanoseconds per row for
/// the mode in use, and every `period` steps spends a short burst on the other to notice a change.
/// A burst measures its mode afresh, as the fastest of the burst's steps: one step stalled by a preempted
/// worker must not decide for the next hundreds of steps (a single slow pooled prefill once kept a benchmark
/// on one thread, 15 ms a chunk instead of 8), while a core lost to a neighbour slows every step of it.
/// Results do not depend on the choice: every kernel computes the same bits on one thread or two.
///
/// Driven by one thread at a time (the holder of the model's pool); no allocation.
final class ThreadingPolicy: @unchecked Sendable {
    /// Weight of the newest sample in the running averages.
    static let smoothing = 1.0 / 16

    /// Every `period` steps, `burst` steps of the other mode.
    let period: Int, burst: Int
    /// Whether a burst's first step goes unmeasured: it pays for waking a sleeping worker, which matters
    /// for a 0.1 ms decode step and not for a 5 ms prefill.
    let skipsFirst: Bool

    /// Decode steps: short and many.
    static func forDecode() -> ThreadingPolicy { ThreadingPolicy(period: 256, burst: 8, skipsFirst: true) }
    /// Prefill chunks and multi-sequence steps: long and fewer.
    static func forBatches() -> ThreadingPolicy { ThreadingPolicy(period: 32, burst: 2, skipsFirst: false) }

    init(period: Int, burst: Int, skipsFirst: Bool) {
        precondition(period > burst && burst > (skipsFirst ? 1 : 0))
        self.period = period
        self.burst = burst
        self.skipsFirst = skipsFirst
    }

    private var solo = 0.0, pooled = 0.0   // ns per row; 0 until measured
    private var step = 0
    private var burstLeft = 0
    private var exploringPool = false
    private var skipNext = false
    /// Whether a sample of this burst has replaced its mode's average yet.
    private var burstMeasured = false

    /// Whether the next step should use the pool.
    func choosePool() -> Bool {
        step += 1
        if burstLeft == 0 && (solo == 0 || pooled == 0 || step % period == 0) {
            // a few steps of the mode not in use: the one not yet measured, else the slower
            exploringPool = solo != 0 && (pooled == 0 || solo <= pooled)
            burstLeft = burst
            skipNext = skipsFirst
            burstMeasured = false
        }
        if burstLeft > 0 { return exploringPool }
        return pooled < solo
    }

    func record(pool: Bool, nanoseconds: UInt64, rows: Int) {
        let exploring = burstLeft > 0
        if exploring { burstLeft -= 1 }
        if skipNext {
            skipNext = false
            return
        }
        let sample = Double(nanoseconds) / Double(max(rows, 1))
        let average = pool ? pooled : solo
        let updated: Double
        if exploring {
            updated = burstMeasured ? min(average, sample) : sample
            burstMeasured = true
        } else {
            updated = average == 0 ? sample : average + Self.smoothing * (sample - average)
        }
        if pool { pooled = updated } else { solo = updated }
    }

    /// The running averages (ns per row), for tests and diagnostics.
    var averages: (solo: Double, pooled: Double) { (solo, pooled) }
}
