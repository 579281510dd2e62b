import Engine
import Foundation
import GGUF

/// `distillery bench`: prefill and decode speed of the int8 engine, measured as llama-bench measures pp and tg.
struct BenchCommand: Command {
    static let spec = CommandSpec(
        name: "bench",
        abstract: "Measure prefill and decode speed (as llama-bench's pp and tg) and peak memory.",
        usage: "distillery bench -m <file> [--threads <n>] [--prompt-tokens <p>] [--gen-tokens <g>] [--repeat <r>] [--activations <a>] [--json]",
        options: [
            CommonOptions.model,
            .value("-t", "--threads", name: "N",
                   help: "Threads of every step (default: 1 or \(Int8TransformerModel.defaultThreadCount), whichever measures faster)"),
            .value("-p", "--prompt-tokens", name: "P", help: "Prompt tokens prefilled in one batch", default: "128"),
            .value("-n", "--gen-tokens", name: "G", help: "Tokens decoded one at a time", default: "128"),
            .value("-r", "--repeat", name: "R", help: "Timed repetitions; the median is reported", default: "5"),
            .flag("--quantize", help: "Quantize non-Q8_0 weights to Q8_0 at load"),
            CommonOptions.activations,
            CommonOptions.json,
        ])

    let modelPath: String
    let threads: Int?
    let benchmark: SpeedBenchmark
    let quantize: Bool
    let activations: ActivationPrecision
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        modelPath = try arguments.required("--model")
        threads = try arguments.int("--threads", in: 1...1024)
        let prompt = try arguments.int("--prompt-tokens", in: 0...1_048_576)!
        let generated = try arguments.int("--gen-tokens", in: 0...1_048_576)!
        guard prompt + generated > 0 else { throw UsageError("--prompt-tokens and --gen-tokens cannot both be 0") }
        benchmark = SpeedBenchmark(promptTokens: prompt, generatedTokens: generated,
                                   repetitions: try arguments.int("--repeat", in: 1...1000)!)
        quantize = arguments.flag("--quantize")
        activations = try arguments.activationPrecision()
        json = arguments.flag("--json")
    }

    func run() throws {
        let file = try GGUFFile(path: modelPath)
        // Students (llama, or Q8_0 gemma3) run on the int8 engine; a teacher (a Gemma 3 in other types) on its
        // distillation path, products on the int8 kernels and attention on OpenBLAS.
        guard file.architecture == "llama" || file.hasOnlyQ8_0Matrices || quantize else {
            return try runReference(loadTeacherModel(file: file, threads: threads))
        }
        let model = try loadServingModel(file: file, quantize: quantize, threads: threads, activations: activations)
        let longest = max(benchmark.promptTokens, benchmark.generatedTokens)
        guard longest <= model.config.contextLength else {
            throw CLIError("\(longest) tokens do not fit the model's context of \(model.config.contextLength)")
        }
        let report = try benchmark.run(model)
        let peakMB = PeakMemory.residentMegabytes()
        let prefill = report.prefillTokensPerSecond, decode = report.decodeTokensPerSecond
        if json {
            try Console.printJSON([
                "prefill_tok_s": prefill.isFinite ? prefill : 0, "decode_tok_s": decode.isFinite ? decode : 0,
                "prefill_ms_per_token": prefill > 0 && prefill.isFinite ? 1000 / prefill : 0,
                "decode_ms_per_token": decode > 0 && decode.isFinite ? 1000 / decode : 0,
                "peak_rss_mb": peakMB, "threads": model.threadCount, "adaptive_threads": model.adaptsThreads,
                "kernel_path": model.kernelPath, "activations": activations.name,
                "prompt_tokens": benchmark.promptTokens, "gen_tokens": benchmark.generatedTokens,
                "repeat": benchmark.repetitions,
            ])
        } else {
            print("model      \(modelPath) (\(model.config.layerCount) layers, d \(model.config.embeddingLength), "
                  + "\(model.weightByteCount / 1024) KiB of int8 weights)")
            print("kernels    \(model.kernelPath), \(model.adaptsThreads ? "1 or " : "")\(model.threadCount) thread(s),"
                  + " \(activations.name) activations")
            if benchmark.promptTokens > 0 {
                print(String(format: "prefill    pp%-5d %10.1f tok/s  %8.4f ms/token", benchmark.promptTokens, prefill, 1000 / prefill))
            }
            if benchmark.generatedTokens > 0 {
                print(String(format: "decode     tg%-5d %10.1f tok/s  %8.4f ms/token", benchmark.generatedTokens, decode, 1000 / decode))
            }
            print(String(format: "peak RSS   %.1f MB (median of %d repetitions)", peakMB, benchmark.repetitions))
        }
    }
}

extension BenchCommand {
    static let teacherEngine = "int8 products (Q8_0 weights and inputs), f32 attention and norms"

    private func runReference<Model: LanguageModel>(_ model: Model) throws {
        if let threads { MatrixThreads.set(threads) }
        let report = try benchmark.run(model)
        let prefill = report.prefillTokensPerSecond, decode = report.decodeTokensPerSecond
        let peakMB = PeakMemory.residentMegabytes()
        if json {
            try Console.printJSON([
                "prefill_tok_s": prefill.isFinite ? prefill : 0, "decode_tok_s": decode.isFinite ? decode : 0,
                "peak_rss_mb": peakMB, "engine": Self.teacherEngine,
                "prompt_tokens": benchmark.promptTokens, "gen_tokens": benchmark.generatedTokens,
                "repeat": benchmark.repetitions,
            ])
        } else {
            print("model      \(modelPath) (\(model.config.architecture), \(Self.teacherEngine))")
            print(String(format: "prefill    pp%-5d %10.1f tok/s", benchmark.promptTokens, prefill))
            print(String(format: "decode     tg%-5d %10.1f tok/s", benchmark.generatedTokens, decode))
            print(String(format: "peak RSS   %.1f MB (median of %d repetitions)", peakMB, benchmark.repetitions))
        }
    }
}

/// The process's peak resident set, from the kernel's own accounting.
enum PeakMemory {
    /// VmHWM of /proc/self/status in MiB, or 0 where it is unavailable.
    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
