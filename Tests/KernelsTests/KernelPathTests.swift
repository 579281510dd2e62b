import XCTest
import Kernels

final class KernelPathTests: XCTestCase {
    func testPortableIsAlwaysSupportedAndBestIsTheLastSupported() {
        XCTAssertEqual(KernelPath.supported.first, .portable)
        XCTAssertEqual(KernelPath.best, KernelPath.supported.last)
        XCTAssertTrue(KernelPath.active.isSupported)
    }

    func testEnvironmentVariableSelectsOrRejectsAPath() throws {
        XCTAssertEqual(try KernelPath.fromEnvironment([:]), .best)
        XCTAssertEqual(try KernelPath.fromEnvironment(["DISTILLERY_KERNELS": ""]), .best)
        XCTAssertEqual(try KernelPath.fromEnvironment(["DISTILLERY_KERNELS": "Portable"]), .portable)
        for path in KernelPath.supported {
            XCTAssertEqual(try KernelPath.fromEnvironment(["DISTILLERY_KERNELS": path.rawValue]), path)
        }
        XCTAssertThrowsError(try KernelPath.fromEnvironment(["DISTILLERY_KERNELS": "neon"])) {
            XCTAssertEqual($0 as? KernelError, .unavailablePath(requested: "neon", supported: KernelPath.supported))
        }
    }
}
