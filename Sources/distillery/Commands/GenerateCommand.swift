import Engine
import Foundation
import GGUF
import Tokenizer

/// `distillery generate`: text completion from the command line, streamed as it is generated.
struct GenerateCommand: Command {
    static let spec = CommandSpec(
        name: "generate",
        abstract: "Complete a prompt with a model, streaming the text as it is generated.",
        usage: "distillery generate -m <file> (--prompt <text> | --prompt-ids <ids>) [options]",
        options: [
            CommonOptions.model,
            .value("-p", "--prompt", name: "TEXT", help: "Prompt text (BOS added when the model asks for it)"),
            .value("--prompt-ids", name: "IDS", help: "Comma-separated prompt token ids, used verbatim"),
            .value("-n", "--max-tokens", name: "N", help: "Tokens to generate", default: "64"),
        ] + SamplingOptions.specs + [
            .value("--top-logprobs", name: "K", help: "Alternatives to report per token (0-20)", default: "0"),
            .value("--ctx", name: "N", help: "Context length (default: the model's)"),
            .value("-t", "--threads", name: "N",
                   help: "Threads of the int8 engine (default: 1 or 2 per step, whichever measures faster)"),
            CommonOptions.activations,
            .flag("--reference", help: "llama.cpp's arithmetic (slow): its log-probs to 1e-3 within 128 tokens of context, 0.7 beyond"),
            CommonOptions.json,
        ])

    let modelPath: String
    let prompt: Prompt
    let maxTokens: Int
    let sampling: SamplingParameters
    let topLogprobs: Int
    let contextLength: Int?
    let threads: Int?
    let reference: Bool
    let activations: ActivationPrecision
    let json: Bool

    enum Prompt {
        case text(String)
        case ids([Int32])
    }

    init(_ arguments: ParsedArguments) throws {
        modelPath = try arguments.required("--model")
        if try arguments.exactlyOne("--prompt", "--prompt-ids") == "--prompt" {
            prompt = .text(arguments.string("--prompt")!)
        } else {
            prompt = .ids(try parseIDs(arguments.string("--prompt-ids")!))
        }
        maxTokens = try arguments.int("--max-tokens", in: 0...1_000_000)!
        sampling = try SamplingOptions.parse(arguments)
        topLogprobs = try arguments.int("--top-logprobs", in: 0...20)!
        contextLength = try arguments.int("--ctx", in: 1...1_048_576)
        threads = try arguments.int("--threads", in: 1...1024)
        reference = arguments.flag("--reference")
        activations = try arguments.activationPrecision()
        json = arguments.flag("--json")
    }

    func run() throws {
        let file = try GGUFFile(path: modelPath)
        let tokenizer = try Tokenizer(gguf: file)
        if !reference && file.hasOnlyQ8_0Matrices {
            // the int8 engine the server runs students with
            try generate(with: loadServingModel(file: file, threads: threads, activations: activations), tokenizer: tokenizer)
        } else if file.architecture == "llama" || reference {
            // the oracle: llama.cpp's arithmetic, so that outputs compare with llama.cpp's token for token
            try generate(with: loadReferenceModel(file: file, numerics: .ggml), tokenizer: tokenizer)
        } else {
            try generate(with: loadTeacherModel(file: file, threads: threads), tokenizer: tokenizer)
        }
    }

    private func generate<Model: LanguageModel>(with model: Model, tokenizer: Tokenizer) throws {
        let ids: [Int32]
        switch prompt {
        case .text(let text): ids = tokenizer.encode(text, addBOS: tokenizer.addsBOSByDefault)
        case .ids(let given): ids = given
        }
        guard !ids.isEmpty else { throw CLIError("the prompt has no tokens") }
        if let bad = ids.first(where: { !tokenizer.isValid($0) || Int($0) >= model.config.vocabularySize }) {
            throw CLIError("prompt token id \(bad) is outside the vocabulary (0..<\(model.config.vocabularySize))")
        }
        let state = model.makeState(contextLength: contextLength)
        guard ids.count < state.contextLength else {
            throw CLIError("the prompt has \(ids.count) tokens; the context holds \(state.contextLength)")
        }
        var sampler = try Sampler(sampling)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var steps: [GeneratedToken] = []
        let start = DispatchTime.now().uptimeNanoseconds
        // the oracle batches the prompt as llama-server does, since batches decide llama.cpp's rounding
        let cuts = reference ? LlamaServerBatching.promptCuts(promptLength: ids.count, config: model.config) : []
        let options = GenerationOptions(maxTokens: maxTokens, stopTokens: tokenizer.endOfGenerationIDs,
                                        topLogprobs: topLogprobs, promptCuts: cuts)
        let finish = try Generator(model: model).generate(prompt: ids, state: state, sampler: &sampler,
                                                           options: options) { token in
            steps.append(token)
            if !json { Console.write(decoder.append(token.id)) }
            return .proceed
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let generated = steps.map(\.id)
        if json {
            try Console.printJSON([
                "ids": generated.map(Int.init),
                "text": tokenizer.decode(generated),
                "finish_reason": finish == .length ? "length" : "stop",
                "steps": steps.map { step -> [String: Any] in
                    ["id": Int(step.id), "logprob": Double(step.logprob),
                     "top_logprobs": step.topLogprobs.map { ["id": Int($0.id), "logprob": Double($0.logprob)] }]
                },
            ])
        } else {
            Console.write(decoder.finish() + "\n")
            Console.error(String(format: "[%d prompt + %d generated tokens in %.2f s, %.1f tok/s]",
                                 ids.count, generated.count, seconds, Double(ids.count + generated.count) / seconds))
        }
    }
}

extension GGUFFile {
    /// Every weight matrix is Q8_0: what the int8 engine runs without converting anything.
    var hasOnlyQ8_0Matrices: Bool {
        tensors.allSatisfy { $0.shape.filter { $0 > 1 }.count < 2 || $0.type == .q8_0 }
    }
}

/// "1, 2,3" -> [1, 2, 3], rejecting anything that is not a non-negative 32-bit integer.
func parseIDs(_ text: String) throws -> [Int32] {
    let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard !parts.isEmpty else { throw UsageError("--prompt-ids needs at least one token id") }
    return try parts.map { part in
        guard let id = Int32(part), id >= 0 else { throw UsageError("'\(part)' in --prompt-ids is not a token id") }
        return id
    }
}
