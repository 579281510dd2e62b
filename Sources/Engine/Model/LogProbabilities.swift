#if canImport(Glibc)
import Glibc
#endif

/// One token and its log-probability.
public struct TokenLogProbability: Sendable, Equatable {
    public let id: Int32
    public let logprob: Float

    public init(id: Int32, logprob: Float) {
        self.id = id
        self.logprob = logprob
    }
}

/// Log-probabilities of the full softmax at temperature 1, as OpenAI's `logprobs` and `--top-logprobs` report them.
public enum LogProbabilities {
    /// log Σ exp(logits), computed stably.
    public static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Float {
        var maxValue = -Float.infinity
        for value in logits { maxValue = max(maxValue, value) }
        guard maxValue.isFinite else { return maxValue }
        var sum: Double = 0
        for value in logits { sum += Double(expf(value - maxValue)) }
        return maxValue + Float(log(sum))
    }

    public static func logProbability(of id: Int32, in logits: UnsafeBufferPointer<Float>) -> Float {
        logits[Int(id)] - logSumExp(logits)
    }

    /// The `n` most probable tokens, most probable first (ties by lower id).
    public static func top(_ n: Int, in logits: UnsafeBufferPointer<Float>) -> [TokenLogProbability] {
        top(n, in: logits, logSumExp: logSumExp(logits))
    }

    public static func top(_ n: Int, in logits: UnsafeBufferPointer<Float>, logSumExp lse: Float) -> [TokenLogProbability] {
        let best = TopK.indices(n, of: logits)
        return best.map { TokenLogProbability(id: Int32($0), logprob: logits[$0] - lse) }
    }

    public static func top(_ n: Int, in logits: [Float]) -> [TokenLogProbability] {
        logits.withUnsafeBufferPointer { top(n, in: $0) }
    }
}

/// Selection of the k largest values without sorting the whole array.
enum TopK {
    /// Indices of the `k` largest values, largest first; equal values by lower index.
    static func indices(_ k: Int, of values: UnsafeBufferPointer<Float>) -> [Int] {
        let k = min(max(k, 0), values.count)
        guard k > 0 else { return [] }
        // a min-heap of the best k seen so far; the root is the weakest of them
        var heap: [Int] = []
        heap.reserveCapacity(k)
        func weaker(_ a: Int, _ b: Int) -> Bool {
            values[a] < values[b] || (values[a] == values[b] && a > b)
        }
        for i in 0..<values.count {
            if heap.count < k {
                heap.append(i)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard weaker(heap[child], heap[parent]) else { break }
                    heap.swapAt(child, parent)
                    child = parent
                }
            } else if weaker(heap[0], i) {
                heap[0] = i
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var weakest = parent
                    if left < k, weaker(heap[left], heap[weakest]) { weakest = left }
                    if right < k, weaker(heap[right], heap[weakest]) { weakest = right }
                    if weakest == parent { break }
                    heap.swapAt(parent, weakest)
                    parent = weakest
                }
            }
        }
        return heap.sorted { weaker($1, $0) }
    }
}
