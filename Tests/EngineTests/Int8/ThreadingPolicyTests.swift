import XCTest
@testable import Engine

final class ThreadingPolicyTests: XCTestCase {
    /// Runs `steps` steps whose cost per row is `solo` or `pooled` ns, returning how often the pool was used.
    private func run(_ policy: ThreadingPolicy, steps: Int, solo: UInt64, pooled: UInt64, rows: Int = 1) -> Int {
        var pooledSteps = 0
        for _ in 0..<steps {
            let pool = policy.choosePool()
            if pool { pooledSteps += 1 }
            policy.record(pool: pool, nanoseconds: (pool ? pooled : solo) * UInt64(rows), rows: rows)
        }
        return pooledSteps
    }

    func testPicksTheFasterModeAndFollowsAChange() {
        let policy = ThreadingPolicy.forDecode()
        // both measured within the first two bursts
        _ = run(policy, steps: 2 * policy.burst, solo: 200_000, pooled: 100_000)
        XCTAssertEqual(policy.averages.solo, 200_000)
        XCTAssertEqual(policy.averages.pooled, 100_000)
        // the pool is faster: used except for the exploration bursts
        let pooled = run(policy, steps: 4 * policy.period, solo: 200_000, pooled: 100_000)
        XCTAssertGreaterThan(pooled, 4 * policy.period - 4 * policy.burst - 1)
        // a neighbour takes a core: the pool becomes slower, and the policy moves to one thread
        _ = run(policy, steps: 2 * policy.period, solo: 200_000, pooled: 500_000)
        XCTAssertLessThan(run(policy, steps: 4 * policy.period, solo: 200_000, pooled: 500_000),
                          4 * policy.burst + 1)
        // and back when the core is free again
        _ = run(policy, steps: 16 * policy.period, solo: 200_000, pooled: 100_000)
        XCTAssertGreaterThan(run(policy, steps: 4 * policy.period, solo: 200_000, pooled: 100_000),
                             4 * policy.period - 4 * policy.burst - 1)
    }

    func testBatchPolicyMeasuresEveryStep() {
        let policy = ThreadingPolicy.forBatches()
        XCTAssertEqual(run(policy, steps: 2 * policy.burst, solo: 5_000, pooled: 3_000, rows: 128),
                       policy.burst)   // a burst of each
        XCTAssertEqual(policy.averages.solo, 5_000)
        XCTAssertEqual(policy.averages.pooled, 3_000)
        XCTAssertEqual(run(policy, steps: 10, solo: 5_000, pooled: 3_000, rows: 128), 10)
    }

    /// What locked a benchmark on one thread: the pool's first prefill stalled (a preempted worker), and that
    /// one sample outweighed every later one. A burst's fastest step stands for its mode.
    func testOneStalledStepDoesNotDecide() {
        let policy = ThreadingPolicy.forBatches()
        _ = run(policy, steps: policy.burst, solo: 110_000, pooled: 60_000, rows: 128)
        XCTAssertTrue(policy.choosePool())
        policy.record(pool: true, nanoseconds: 200_000 * 128, rows: 128)   // stalled
        _ = run(policy, steps: policy.burst - 1, solo: 110_000, pooled: 60_000, rows: 128)
        XCTAssertEqual(policy.averages.pooled, 60_000)
        XCTAssertEqual(run(policy, steps: 10, solo: 110_000, pooled: 60_000, rows: 128), 10)
    }

    /// A mode measured long ago is measured afresh by its next burst, not averaged into its old figure.
    func testAnExploredModeIsMeasuredAfresh() {
        let policy = ThreadingPolicy.forBatches()
        // a neighbour holds a core: the pool measures slow, one thread is used
        _ = run(policy, steps: 2 * policy.burst, solo: 110_000, pooled: 400_000, rows: 128)
        XCTAssertEqual(run(policy, steps: policy.period - 2 * policy.burst - 1, solo: 110_000, pooled: 400_000,
                           rows: 128), 0)
        // the core is free again: the next burst of the pool finds it and the pool takes over at once
        XCTAssertEqual(run(policy, steps: policy.period, solo: 110_000, pooled: 60_000, rows: 128), policy.period)
        XCTAssertEqual(policy.averages.pooled, 60_000)
    }

    func testFirstStepOfABurstIsNotMeasured() {
        let policy = ThreadingPolicy.forDecode()
        XCTAssertFalse(policy.choosePool())                     // one thread first
        policy.record(pool: false, nanoseconds: 9_000_000, rows: 1)   // a cold first step
        for _ in 1..<policy.burst {
            XCTAssertFalse(policy.choosePool())
            policy.record(pool: false, nanoseconds: 100, rows: 1)
        }
        XCTAssertEqual(policy.averages.solo, 100)
        XCTAssertTrue(policy.choosePool())                      // then the pool, which is not measured yet
    }
}
