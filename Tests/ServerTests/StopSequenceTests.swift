import XCTest

@testable import Server

final class StopSequenceTests: XCTestCase {
    /// Feeds `pieces` and returns what was released and whether a stop fired.
    private func run(_ stops: [String], _ pieces: [String]) -> (text: String, stopped: Bool, releases: [String]) {
        var matcher = StopSequenceMatcher(stops)
        var out: [UInt8] = []
        var releases: [String] = []
        for piece in pieces {
            let (release, stopped) = matcher.append(Array(piece.utf8))
            out += release
            releases.append(String(decoding: release, as: UTF8.self))
            if stopped { return (String(decoding: out, as: UTF8.self), true, releases) }
        }
        out += matcher.flush()
        return (String(decoding: out, as: UTF8.self), false, releases)
    }

    func testStopInsideOnePiece() {
        XCTAssertEqual(run(["END"], ["abcENDdef"]).text, "abc")
        XCTAssertTrue(run(["END"], ["abcENDdef"]).stopped)
    }

    func testStopAcrossPiecesIsHeldBackAndNeverSent() {
        let result = run(["</s>"], ["hello <", "/", "s", ">", " after"])
        XCTAssertEqual(result.text, "hello ")
        XCTAssertTrue(result.stopped)
        XCTAssertEqual(result.releases, ["hello ", "", "", ""], "the partial stop is held until it resolves")
    }

    func testHeldTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        let result = run(["STOP"], ["ST", "OR", "Y"])
        XCTAssertEqual(result.text, "STORY")
        XCTAssertFalse(result.stopped)
        XCTAssertEqual(result.releases, ["", "STOR", "Y"])
    }

    func testEarliestOfSeveralStopsWins() {
        XCTAssertEqual(run(["world", "lo w"], ["hello world"]).text, "hel")
        XCTAssertEqual(run(["bb", "abbb"], ["xab", "bb"]).text, "x", "the match that starts first wins")
    }

    func testUnfinishedPrefixIsFlushedAtTheEnd() {
        let result = run(["\n\n"], ["line\n"])
        XCTAssertEqual(result.text, "line\n")
        XCTAssertFalse(result.stopped)
    }

    func testMultibyteStopsCutBetweenCharacters() {
        let result = run(["éé"], ["aé", "é", "b"])
        XCTAssertEqual(result.text, "a")
        XCTAssertEqual(run(["😀x"], ["😀😀", "y"]).text, "😀😀y")
    }

    func testNoStopsPassEverythingThrough() {
        XCTAssertEqual(run([], ["a", "b"]).releases, ["a", "b"])
    }
}
