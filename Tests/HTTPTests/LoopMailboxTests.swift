import XCTest

@testable import HTTP

final class LoopMailboxTests: XCTestCase {
    /// A mailbox whose loop is never run: wake-ups go unanswered until the test drains it by hand.
    private func openMailbox() throws -> (LoopMailbox, UVLoop, UVAsync) {
        let loop = try UVLoop()
        let async = try UVAsync(loop: loop) {}
        let mailbox = LoopMailbox()
        mailbox.open(wakeup: async.sendTarget)
        return (mailbox, loop, async)
    }

    private func written(_ bytes: UInt8) -> LoopMessage {
        .responder(ExchangeID(connection: 1, request: 1), .write([bytes]))
    }

    func testAPosterYieldsOnceAnIntervalWhileTheLoopLeavesAWakeUpUnanswered() throws {
        let (mailbox, loop, async) = try openMailbox()
        defer { mailbox.close(); async.close(); withExtendedLifetime(loop) {} }
        let start: UInt64 = 1_000_000_000
        let interval = LoopMailbox.starvedAfter

        XCTAssertTrue(mailbox.post(written(0), now: start))  // sends the wake-up
        XCTAssertTrue(mailbox.post(written(1), now: start + interval))  // waited exactly the interval: not yet
        XCTAssertEqual(mailbox.starvations, 0)
        XCTAssertTrue(mailbox.post(written(2), now: start + interval + 1))
        XCTAssertEqual(mailbox.starvations, 1, "the wake-up waited longer than the interval")
        XCTAssertTrue(mailbox.post(written(3), now: start + interval + 2))
        XCTAssertEqual(mailbox.starvations, 1, "a second poster in the same interval does not yield again")
        XCTAssertTrue(mailbox.post(written(4), now: start + 2 * interval + 2))
        XCTAssertEqual(mailbox.starvations, 2, "a loop still starved an interval later is yielded to again")

        var batch: [LoopMessage] = []
        mailbox.takeAll(into: &batch)  // the loop answered
        XCTAssertEqual(batch.count, 5, "every message is delivered, yield or not")
        let order = batch.compactMap { message -> UInt8? in
            if case .responder(_, .write(let bytes)) = message { return bytes.first }
            return nil
        }
        XCTAssertEqual(order, [0, 1, 2, 3, 4])

        XCTAssertTrue(mailbox.post(written(5), now: start + 10 * interval))  // a fresh wake-up
        XCTAssertTrue(mailbox.post(written(6), now: start + 10 * interval + 1))
        XCTAssertEqual(mailbox.starvations, 2, "a wake-up the loop answered in time starts a new wait")
    }

    func testAClosedMailboxRefusesWithoutYielding() throws {
        let (mailbox, loop, async) = try openMailbox()
        defer { async.close(); withExtendedLifetime(loop) {} }
        XCTAssertTrue(mailbox.post(written(0), now: 0))
        mailbox.close()
        XCTAssertFalse(mailbox.post(written(1), now: 10 * LoopMailbox.starvedAfter))
        XCTAssertEqual(mailbox.starvations, 0)
    }
}
