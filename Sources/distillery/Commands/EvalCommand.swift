import Engine
import Foundation
import GGUF
import Tokenizer

/// `distillery eval`: how well a model predicts held-out text, in bits per byte and llama.cpp's perplexity.
struct EvalCommand: Command {
    static let spec = CommandSpec(
        name: "eval",
        abstract: "Score held-out text: bits per byte and perplexity by llama.cpp's protocol.",
        usage: "distillery eval -m <file> --data <path> [--ctx <n>] [--json]",
        options: [
            CommonOptions.model,
            .value("--data", name: "PATH", help: "A text file, or a folder whose files are read recursively"),
            .value("--ctx", name: "N", help: "Tokens per window (sliding windows advance by half)", default: "512"),
            .flag("--quiet", help: "No progress bar"),
            CommonOptions.json,
        ])

    let modelPath: String
    let dataPath: String
    let contextLength: Int
    let quiet: Bool
    let json: Bool

    init(_ arguments: ParsedArguments) throws {
        modelPath = try arguments.required("--model")
        dataPath = try arguments.required("--data")
        contextLength = try arguments.int("--ctx", in: 4...1_048_576)!
        quiet = arguments.flag("--quiet")
        json = arguments.flag("--json")
    }

    func run() throws {
        let documents = try TextCorpusReader.read(dataPath)
        let file = try GGUFFile(path: modelPath)
        let tokenizer = try Tokenizer(gguf: file)
        try evaluate(loadTeacherModel(file: file), tokenizer: tokenizer, documents: documents)
    }

    private func evaluate<Model: LanguageModel>(_ model: Model, tokenizer: Tokenizer, documents: [String]) throws {
        guard contextLength <= model.config.contextLength else {
            throw CLIError("--ctx \(contextLength) is longer than the model's context (\(model.config.contextLength))")
        }
        let evaluator = Evaluator(model: model, contextLength: contextLength)
        let progress = ProgressBar(label: "eval", enabled: !quiet)
        let start = DispatchTime.now().uptimeNanoseconds

        // Bits per byte: each document on its own, BOS first when the model wants one.
        let perDocument = documents.map { tokenizer.encode($0, addBOS: tokenizer.addsBOSByDefault) }
        let bytes = documents.reduce(0) { $0 + $1.utf8.count }
        // llama.cpp's protocol: the whole text as one token stream.
        let whole = tokenizer.encode(documents.joined(separator: "\n\n"), addBOS: tokenizer.addsBOSByDefault)
        let windows = perDocument.reduce(0) { $0 + SlidingWindowCount.of(tokens: $1.count, window: contextLength) }
        let totalPasses = windows + whole.count / contextLength
        var passes = 0
        let tick: (Int, Int) -> Void = { _, _ in
            passes += 1
            progress.update(done: passes, total: totalPasses)
        }

        var sliding = EvaluationTally()
        for tokens in perDocument { sliding = sliding + (try evaluator.slidingWindow(tokens, onChunk: tick)) }
        let llama = try evaluator.llamaPerplexityProtocol(whole, onChunk: tick)
        progress.finish()

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let forwarded = sliding.forwardedTokens + llama.forwardedTokens
        let evaluatedTokens = perDocument.reduce(0) { $0 + $1.count } + whole.count / contextLength * contextLength
        let report: [String: Any] = [
            "model": modelPath, "data": dataPath, "ctx": contextLength, "documents": documents.count,
            "bits_per_byte": sliding.bits / Double(max(bytes, 1)),
            "bits_per_token": sliding.bits / Double(max(sliding.scoredTokens, 1)),
            "ppl_llama_protocol": llama.scoredTokens > 0 ? llama.perplexity : NSNull(),
            "tokens": perDocument.reduce(0) { $0 + $1.count }, "scored_tokens": sliding.scoredTokens,
            "bytes": bytes, "tokens_per_second": Double(evaluatedTokens) / seconds, "seconds": seconds,
            // both protocols' windows, overlaps included: the rate llama-perplexity's n_chunks x n_ctx compares with
            "forward_tokens": forwarded, "forward_tokens_per_second": Double(forwarded) / seconds,
        ]
        if json {
            try Console.printJSON(report)
        } else {
            var text = String(format: "bits_per_byte       %.4f\nbits_per_token      %.4f\n",
                              report["bits_per_byte"] as! Double, report["bits_per_token"] as! Double)
            text += llama.scoredTokens > 0 ? String(format: "ppl_llama_protocol  %.4f\n", llama.perplexity)
                                           : "ppl_llama_protocol  n/a (the text is shorter than one --ctx chunk)\n"
            text += "tokens              \(report["tokens"]!)\nbytes               \(bytes)\n"
            text += String(format: "tokens/s            %.1f\n", report["tokens_per_second"] as! Double)
            Console.write(text)
        }
    }
}

enum SlidingWindowCount {
    static func of(tokens: Int, window: Int) -> Int {
        guard tokens >= 2 else { return 0 }
        let stride = max(window / 2, 1)
        return tokens <= window ? 1 : 1 + (tokens - window + stride - 1) / stride
    }
}
