import Foundation

/// How requests arrive and when the run stops. No request starts after `duration`; every request ends by
/// its timeout, so a run is bounded in both count and time.
struct LoadPlan: Equatable {
    enum Arrivals: Equatable {
        /// `concurrency` clients, each sending its next request as soon as the previous one ends.
        case closedLoop(concurrency: Int)
        /// Poisson arrivals at `ratePerSecond`, independent of how fast the server answers.
        case openLoop(ratePerSecond: Double)
    }

    var arrivals: Arrivals
    var maxRequests: Int?
    var duration: Double
    var requestTimeout: Double
    var seed: UInt64
    /// Connections an open loop may hold before it drops arrivals (counted as failures).
    var maxInFlight: Int = 1000
}

/// A small seeded generator (SplitMix64), so a run's prompts and arrival times repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An exponential gap with mean 1/rate seconds: the time between Poisson arrivals.
    mutating func exponentialGap(rate: Double) -> Double {
        let uniform = Double(next() >> 11) * 0x1p-53   // [0, 1)
        return -log(1 - uniform) / rate
    }
}
