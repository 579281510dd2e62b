import Foundation

/// Test data checked into the repository, found from this file's path so tests run from any directory.
enum FixturePaths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let student = packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/student-s-q8_0.gguf").path

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("distillery-\(getpid())-\(name)").path
    }
}
