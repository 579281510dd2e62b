import Foundation
import GGUF
import XCTest

/// `distillery quantize`: an f32 export of the student fixture comes back as a Q8_0 file that generates
/// llama.cpp's greedy continuation; bad requests are refused before anything is written.
final class QuantizeCommandTests: XCTestCase {
    func testAFloatStudentBecomesTheQ8_0FileServeRuns() throws {
        let fixture = try GGUFFile(path: CLIRunner.fixture("student-s-q8_0.gguf"))
        var float = GGUFWriter(alignment: fixture.alignment)
        for key in fixture.metadataKeys { float.set(key, fixture.metadata[key]!) }
        for tensor in fixture.tensors {
            try float.addTensor(name: tensor.name, shape: tensor.shape, floats: fixture.floats(of: tensor))
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quantize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("student-f32.gguf").path
        let output = folder.appendingPathComponent("student-q8_0.gguf").path
        try float.write(to: input)

        let result = try CLIRunner.run(["quantize", "-m", input, "-o", output, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let matrices = fixture.tensors.filter { $0.type == .q8_0 }.count
        XCTAssertEqual(report["quantized_tensors"] as? Int, matrices)
        XCTAssertEqual(report["copied_tensors"] as? Int, fixture.tensors.count - matrices)
        let written = try GGUFFile(path: output)
        XCTAssertEqual(written.tensors.map(\.type), fixture.tensors.map(\.type))

        let reference = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: CLIRunner.fixture("student-s-q8_0-reference.json")))) as! [String: Any]
        let bos = (reference["cases"] as! [[String: Any]])[0]
        let generated = try CLIRunner.run(["generate", "-m", output, "--prompt-ids", "1", "-n", "16", "--temp", "0", "--json",
                                           "--activations", "q8_0"])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let ids = (try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])?["ids"] as? [Int]
        XCTAssertEqual(ids, bos["greedy_ids"] as? [Int])

        let same = try CLIRunner.run(["quantize", "-m", input, "-o", input])
        XCTAssertEqual(same.status, 64)
        XCTAssertTrue(same.stderr.contains("--output must not be the input file"), same.stderr)
        let missing = try CLIRunner.run(["quantize", "-m", folder.appendingPathComponent("none.gguf").path, "-o", output])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("none.gguf"), missing.stderr)
    }
}
