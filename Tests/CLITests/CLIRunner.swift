import Foundation
import XCTest

/// Runs the built `distillery` executable as a user would, capturing its output and exit code.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLIRunner {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable sits beside the test bundle in the build products folder.
    static var executable: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("distillery")
    }

    static func fixture(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures/\(name)").path
    }

    /// Runs the CLI (in `folder`, with extra environment variables) to its exit.
    static func run(_ arguments: [String], in folder: URL? = nil, stdin: String? = nil,
                    environment: [String: String] = [:]) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = DrainedPipe(), err = DrainedPipe()
        process.standardOutput = out.pipe
        process.standardError = err.pipe
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        try process.run()
        out.startDraining()
        err.startDraining()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: out.textAtEnd(), stderr: err.textAtEnd())
    }
}
