import Foundation
import Tensors
import XCTest

final class AtomicFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A write that fails part-way (a kill, a full disk) leaves the previous file whole and no temporary file.
    func testInterruptedWriteKeepsThePreviousFile() throws {
        let path = directory.appendingPathComponent("c.bin").path
        try AtomicFile.write(Array("complete old file".utf8), to: path)
        struct Killed: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: path) { file in
            try Array("half of a new fi".utf8).withUnsafeBytes(file.write)
            throw Killed()
        }) { XCTAssertTrue($0 is Killed) }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "complete old file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["c.bin"])
    }

    func testAMissingFolderIsAFailureNamingThePath() {
        let path = directory.path + "/no/such/dir/x.bin"
        XCTAssertThrowsError(try AtomicFile.write([1, 2, 3], to: path)) { error in
            guard let failure = error as? AtomicFile.Failure else { return XCTFail("\(error)") }
            XCTAssertTrue(failure.path.hasPrefix(path), failure.path)
            XCTAssertTrue(failure.reason.contains("No such file"), failure.reason)
        }
    }
}
