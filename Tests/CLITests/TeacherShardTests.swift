import Foundation
import XCTest

/// Issue 21: the teacher pass split over N processes (`--teacher-shard I/N`), collected in one folder, gives
/// the single-process cache byte for byte and the same student; a part built with other settings is refused.
final class TeacherShardTests: XCTestCase {
    private func shardFiles(_ folder: URL) throws -> [String: Data] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".bin") }
        return try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) })
    }

    private func studentNumbers(_ result: CLIResult) throws -> [String: Any] {
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
        let student = try XCTUnwrap(report["student"] as? [String: Any])
        return ["int8": try XCTUnwrap(student["int8"] as? [String: Any])["bits_per_byte"] as Any,
                "float32": try XCTUnwrap(student["float32"] as? [String: Any])["bits_per_byte"] as Any]
    }

    func testShardsCollectedInOneFolderAreTheSingleProcessCacheAndTrainTheSameStudent() throws {
        let folder = try DistillCommandTests.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = DistillCommandTests.distillArguments(extra: ["--json", "--quiet", "--lines", "0"])

        let single = try CLIRunner.run(["distill"] + arguments + ["--teacher-cache", "single", "-o", "single/student"],
                                       in: folder)
        XCTAssertEqual(single.status, 0, single.stderr)
        let singleFiles = try shardFiles(folder.appendingPathComponent("single"))
        XCTAssertGreaterThanOrEqual(singleFiles.count, 4, "enough cache shards to split three ways")

        let parts = 3
        var owned: [[Int]] = []
        for part in 0..<parts {
            let result = try CLIRunner.run(["distill"] + arguments + ["--teacher-shard", "\(part)/\(parts)",
                                            "--teacher-cache", "part\(part)", "-o", "part\(part)/student"], in: folder)
            XCTAssertEqual(result.status, 0, result.stderr)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(report["teacher_shard"] as? String, "\(part)/\(parts)")
            XCTAssertEqual(report["total_cache_shards"] as? Int, singleFiles.count)
            owned.append(try XCTUnwrap(report["cache_shards"] as? [Int]))
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("part\(part)/student.gguf").path),
                           "a teacher shard trains nothing")
        }
        XCTAssertEqual(owned.flatMap { $0 }.sorted(), Array(0..<singleFiles.count), "every cache shard computed once")

        let merged = folder.appendingPathComponent("merged")
        try FileManager.default.createDirectory(at: merged, withIntermediateDirectories: true)
        for part in 0..<parts {
            for (name, data) in try shardFiles(folder.appendingPathComponent("part\(part)")) {
                try data.write(to: merged.appendingPathComponent(name))
            }
        }
        XCTAssertEqual(try shardFiles(merged), singleFiles, "the collected parts are the single-process cache, byte for byte")

        // the parts of a Kubernetes Indexed Job write into one shared folder at the same time
        let processes = try (0..<parts).map { part in
            try DistillCommandTests.start(["distill"] + arguments + ["--teacher-shard", "\(part)/\(parts)",
                                          "--teacher-cache", "shared", "-o", "shared-work\(part)/student"], in: folder)
        }
        for process in processes { process.waitUntilExit() }
        XCTAssertEqual(processes.map(\.terminationStatus), Array(repeating: 0, count: parts))
        XCTAssertEqual(try shardFiles(folder.appendingPathComponent("shared")), singleFiles,
                       "parts written side by side into one folder are the single-process cache too")

        let fromParts = try CLIRunner.run(["distill"] + arguments + ["--teacher-cache", "merged", "-o", "merged/student"],
                                          in: folder)
        XCTAssertEqual(fromParts.status, 0, fromParts.stderr)
        XCTAssertEqual(try studentNumbers(fromParts) as NSDictionary, try studentNumbers(single) as NSDictionary,
                       "the same student")
        XCTAssertEqual(try shardFiles(merged), singleFiles, "training reused the parts without rewriting them")

        // a part computed with other settings (another top-k) in the folder: refused, naming the difference
        let other = try CLIRunner.run(["distill"] + arguments + ["--top-k", "4", "--teacher-shard", "0/\(parts)",
                                       "--teacher-cache", "merged", "-o", "other/student"], in: folder)
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("the teacher cache merged was built with"), other.stderr)
    }

    func testBadShardArgumentsAreClearErrors() throws {
        for (argument, message) in [("3/3", "0 <= I < N, got 3/3"), ("1", "expects I/N such as 0/4, got '1'"),
                                    ("a/b", "expects I/N"), ("0/0", "0 <= I < N")] {
            let result = try CLIRunner.run(["distill"] + DistillCommandTests.distillArguments(extra: ["--teacher-shard", argument]))
            XCTAssertEqual(result.status, 64, argument)
            XCTAssertTrue(result.stderr.contains(message), "\(argument): \(result.stderr)")
        }
        let ce = try CLIRunner.run(["distill"] + DistillCommandTests.distillArguments(extra: ["--teacher-shard", "0/2",
                                                                                             "--loss", "ce"]))
        XCTAssertEqual(ce.status, 64)
        XCTAssertTrue(ce.stderr.contains("--loss ce does not use"), ce.stderr)
    }
}
