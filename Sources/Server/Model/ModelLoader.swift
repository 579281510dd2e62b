import Engine
import GGUF
import Glibc
import Tokenizer

/// What a model must pass before it is served.
public struct ModelLoadOptions: Sendable {
    /// Files with more parameters are refused (teacher-sized models never load).
    public var maxParameters = 100_000_000
    /// Quantize f32/f16/bf16 weight matrices to Q8_0 on load instead of refusing them.
    public var quantize = false
    /// Refuse a model whose bits per byte on held-out text exceed a bound.
    public var evaluation: EvaluationGate?
    /// Kernel threads per step; nil lets the engine pick one thread or all cores, whichever measures faster.
    public var threads: Int?
    /// How the int8 engine quantizes activations (llama.cpp's Q8_0, or corrected logit rows).
    public var activations: ActivationPrecision

    public init(maxParameters: Int = 100_000_000, quantize: Bool = false, evaluation: EvaluationGate? = nil,
                threads: Int? = nil, activations: ActivationPrecision = .correctedLogitRows) {
        self.maxParameters = maxParameters
        self.quantize = quantize
        self.evaluation = evaluation
        self.threads = threads
        self.activations = activations
    }
}

/// Loads and validates a student. Slow (reads, dequantizes, hashes and test-runs the whole model), so it
/// runs on a background thread, never on the loop or engine thread.
public struct ModelLoader: Sendable {
    package typealias EngineFactory = @Sendable (GGUFFile) throws(ModelError) -> any LanguageModel

    public let options: ModelLoadOptions
    private let makeEngine: EngineFactory

    /// Serves with the int8 engine.
    public init(options: ModelLoadOptions) {
        self.init(options: options) { file throws(ModelError) in
            try loadServingModel(file: file, threads: options.threads, activations: options.activations)
        }
    }

    /// `makeEngine` builds the engine that runs a validated file (the int8 engine by default).
    package init(options: ModelLoadOptions, makeEngine: @escaping EngineFactory) {
        self.options = options
        self.makeEngine = makeEngine
    }

    /// GGUF parses, llama or gemma3 architecture, under the parameter budget, int8 weights, a tokenizer that fits the
    /// model, a smoke forward pass with finite logits, and the optional quality gate.
    public func load(path: String) throws(ModelLoadError) -> LoadedModel {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch .cannotOpen(_, let reason) {
            throw access(path, F_OK) != 0 ? .fileNotFound(path: path) : .unreadable(path: path, reason: reason)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        var file: GGUFFile
        do {
            file = try GGUFFile(mapped: mapped)
        } catch {
            throw .invalidGGUF(path: path, error)
        }
        guard let name = file.architecture, ModelConfig.Architecture(rawValue: name) != nil else {
            throw .unsupportedArchitecture(file.architecture)
        }
        guard file.parameterCount <= options.maxParameters else {
            throw .tooLarge(parameters: file.parameterCount, limit: options.maxParameters)
        }
        let needsQuantizing = try checkInt8(file)
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(gguf: file)
        } catch {
            throw .missingTokenizer(error)
        }
        if needsQuantizing { file = try LoadTimeQuantizer.quantized(file) }
        let engine: any LanguageModel
        do {
            engine = try makeEngine(file)
        } catch {
            throw .invalidModel(error)
        }
        guard tokenizer.vocabularySize <= engine.config.vocabularySize else {
            throw .vocabularyMismatch(tokenizer: tokenizer.vocabularySize, model: engine.config.vocabularySize)
        }
        try smokeTest(engine, firstToken: tokenizer.bosID ?? 0)
        if let gate = options.evaluation { try gate.check(engine: engine, tokenizer: tokenizer) }

        let version = String(SHA256.hex(SHA256.hash(mapped.bytes)).prefix(12))
        let basename = path.split(separator: "/").last.map(String.init) ?? path
        return LoadedModel(version: version, path: path, name: file.metadata["general.name"]?.string ?? basename,
                           parameterCount: file.parameterCount, loadedAt: Self.now(), engine: engine, tokenizer: tokenizer)
    }

    /// Every weight matrix must be Q8_0 (vectors such as norms may stay float). Returns whether some
    /// matrix needs quantizing, which only `--quantize` allows.
    private func checkInt8(_ file: GGUFFile) throws(ModelLoadError) -> Bool {
        var needsQuantizing = false
        for tensor in file.tensors {
            if tensor.type == .q8_0 { continue }
            let isFloat = tensor.type == .f32 || tensor.type == .f16 || tensor.type == .bf16
            let isMatrix = tensor.shape.filter { $0 > 1 }.count >= 2
            guard isFloat, !isMatrix || options.quantize else { throw .notInt8(tensor: tensor.name, type: tensor.type.name) }
            if isMatrix { needsQuantizing = true }
        }
        return needsQuantizing
    }

    /// One forward pass from a fresh state; every logit must be finite.
    private func smokeTest(_ engine: any LanguageModel, firstToken: Int32) throws(ModelLoadError) {
        let state = engine.makeState(contextLength: min(8, engine.config.contextLength))
        let logits: UnsafeBufferPointer<Float>
        do {
            logits = try engine.forward(token: firstToken, position: 0, state: state)
        } catch {
            throw .smokeTestFailed("\(error)")
        }
        guard logits.count == engine.config.vocabularySize else {
            throw .smokeTestFailed("\(logits.count) logits for a vocabulary of \(engine.config.vocabularySize)")
        }
        if let bad = logits.firstIndex(where: { !$0.isFinite }) { throw .smokeTestFailed("logit \(bad) is \(logits[bad])") }
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
