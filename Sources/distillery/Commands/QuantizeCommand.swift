import Foundation
import GGUF

/// `distillery quantize -m IN -o OUT`: a float student (f32, f16 or bf16 matrices, as `distill` trains them or
/// another tool exports them) rewritten as the Q8_0 file `serve` loads, as `llama-quantize IN OUT Q8_0` would.
struct QuantizeCommand: Command {
    static let spec = CommandSpec(
        name: "quantize",
        abstract: "Rewrite a GGUF model's float matrices as Q8_0 (what serve runs).",
        usage: "distillery quantize -m <file> -o <out.gguf> [--json]",
        options: [
            CommonOptions.model,
            .value("-o", "--output", name: "OUT", help: "Where to write the Q8_0 GGUF (not the input file)"),
            CommonOptions.json,
        ])

    let input: String
    let output: String
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        input = try arguments.required("--model")
        output = try arguments.required("--output")
        json = arguments.flag("--json")
        let same = URL(fileURLWithPath: input).standardizedFileURL == URL(fileURLWithPath: output).standardizedFileURL
        if same { throw UsageError("--output must not be the input file") }
    }

    func run() throws {
        let file = try GGUFFile(path: input)
        let (writer, summary) = try Q8_0Quantizer.quantize(file)
        try writer.write(to: output)
        let written = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        if json {
            try Console.printJSON(["input": input, "output": output, "quantized_tensors": summary.quantized,
                                   "copied_tensors": summary.copied, "input_bytes": file.fileSize, "output_bytes": written])
        } else {
            Console.write("\(output): \(summary.quantized) matrices quantized to Q8_0, \(summary.copied) tensors copied; "
                          + "\(formatBytes(file.fileSize)) -> \(formatBytes(written))\n")
        }
    }
}
