import Foundation
import GGUF
import Kernels
import Synchronization
import Tensors

/// The int8 transformer engine the server runs students with, for both families a student can have: LLaMA
/// and Gemma 3. What differs between them is data read from the file (`ModelConfig`, and which norm tensors
/// exist): norms before each branch only, or after it too; RMSNorm of each query and key head; SiLU or tanh-GELU
/// gate; embedding scale; RoPE pairing, and each layer's RoPE base and sliding window; a tied output.
/// The f32 references (`LlamaModel`, `Gemma3Model`) are its oracles. Weights are Q8_0 repacked once at
/// load; every product quantizes its input to int8 blocks on the fly (as llama.cpp's Q8_0 path does, with a
/// second int8 term on the rows whose logits are read: `ActivationPrecision`) and accumulates in int32; norms,
/// RoPE, softmax and attention stay in f32 SIMD over an f16 KV cache.
///
/// A decoded token reads every weight once and allocates nothing: the state holds its cache and scratch.
/// Prefill and `decodeStep` run R rows through each product at once, so a weight loaded from memory
/// serves R tokens (R tokens of one prompt, or the next token of R sequences).
///
/// Immutable after loading and shared by every request; the thread pool serves one caller at a time, and a
/// caller that finds it busy runs its step on its own thread instead of waiting.
public final class Int8TransformerModel: LanguageModel {
    /// At most this many threads by default (fewer on fewer cores), each step using one or all of them,
    /// whichever `ThreadingPolicy` measures faster at the time (Benchmarks/README.md).
    public static let defaultThreadCount = 2
    /// Prefill runs prompts in chunks of at most this many tokens, which bounds its scratch.
    public static let prefillChunk = 128

    public let config: ModelConfig
    /// Participants in each kernel call, the caller included (at most, when `adaptsThreads`).
    public let threadCount: Int
    /// Whether each step measures and picks between one thread and `threadCount` (no `threads` given).
    public var adaptsThreads: Bool { decodePolicy != nil }
    let layers: [Int8LayerWeights]
    let embedding: Q8Matrix          // (V, C)
    let outputNorm: FloatBuffer      // (C)
    let head: Q8Matrix               // (V, C), the embedding itself when tied
    /// RoPE angles of global layers, and of sliding-window layers (the same table when the bases agree).
    let globalRope: RoPETable, localRope: RoPETable   // (P, R / 2)
    /// The feed-forward gate's nonlinearity.
    let gate: GateActivation
    private let sharedPool: ExclusivePool
    var pool: ThreadPool? { sharedPool.pool }
    /// The instruction set every kernel call uses.
    let path: KernelPath
    /// How finely each row's activations are quantized.
    public let activationPrecision: ActivationPrecision
    /// For one-token steps and for batches of rows; nil when the thread count was given.
    private let decodePolicy: ThreadingPolicy?, batchPolicy: ThreadingPolicy?
    private let spareWorkspace = Mutex<Int8Workspace?>(nil)
    /// The multi-sequence decode step's batch and gathered arguments, reused so the decode loop allocates nothing;
    /// only the caller that holds `decodeScratchClaim` touches it.
    nonisolated(unsafe) var decodeScratch = MultiSequenceScratch()
    let decodeScratchClaim = Atomic<Bool>(false)

    /// Loads a `llama` or `gemma3` GGUF. Weight matrices must be Q8_0 unless `quantize` is set, which converts any other
    /// type to Q8_0 (as `llama-quantize` would). `threads` fixes the threads of every step (at most one per core);
    /// without it each step uses one thread or `defaultThreadCount`, whichever runs faster at the time.
    /// `kernelPath` defaults to the fastest this CPU runs (or `DISTILLERY_KERNELS`); tests pin each one.
    public init(file: GGUFFile, quantize: Bool = false, threads: Int? = nil, kernelPath: KernelPath = .active,
                activations: ActivationPrecision = .correctedLogitRows) throws(ModelError) {
        guard kernelPath.isSupported else {
            throw .unavailableKernels("the \(kernelPath) kernels cannot run on this CPU")
        }
        let config = try ModelConfig(file: file)
        for (what, width) in [("embedding length", config.embeddingLength), ("query width", config.queryLength),
                              ("feed-forward length", config.feedForwardLength)] where width % 32 != 0 {
            throw .inconsistent("the \(what) \(width) is not a multiple of 32, which Q8_0 blocks need")
        }
        let loader = Q8WeightLoader(file: file, quantize: quantize)
        let C = config.embeddingLength, V = config.vocabularySize
        embedding = try loader.matrix("token_embd.weight", rows: V, columns: C)
        outputNorm = try loader.vector("output_norm.weight", count: C)
        head = file.tensor(named: "output.weight") == nil
            ? embedding : try loader.matrix("output.weight", rows: V, columns: C)
        var layers: [Int8LayerWeights] = []
        for l in 0..<config.layerCount {
            let layer = try Int8LayerWeights(loader, layer: l, config: config)
            if config.architecture == .gemma3 { try Self.checkGemmaNorms(layer, layer: l) }
            layers.append(layer)
        }
        globalRope = try Self.ropeTable(config, base: config.ropeBase)
        localRope = config.localRopeBase == config.ropeBase ? globalRope : try Self.ropeTable(config, base: config.localRopeBase)
        gate = config.architecture == .gemma3 ? .geluTanh : .silu
        self.config = config
        self.layers = layers
        path = kernelPath
        activationPrecision = activations
        let cores = ProcessInfo.processInfo.activeProcessorCount
        threadCount = max(1, min(threads ?? Self.defaultThreadCount, cores))
        sharedPool = ExclusivePool(threads: threadCount)
        let adaptive = threads == nil && threadCount > 1
        decodePolicy = adaptive ? .forDecode() : nil
        batchPolicy = adaptive ? .forBatches() : nil
    }

    private static func ropeTable(_ config: ModelConfig, base: Float) throws(ModelError) -> RoPETable {
        do {
            return try RoPETable(maxPositions: config.contextLength, dimensions: config.ropeDimensionCount, base: base,
                                 style: config.ropeStyle == .halves ? .halves : .adjacentPairs)
        } catch {
            throw .inconsistent("RoPE: \(error)")
        }
    }

    /// Gemma 3 normalizes query and key heads and both branches' outputs: a file without those norms is broken.
    private static func checkGemmaNorms(_ weights: Int8LayerWeights, layer l: Int) throws(ModelError) {
        let norms = [("attn_q_norm", weights.queryNorm), ("post_attention_norm", weights.postAttentionNorm),
                     ("post_ffw_norm", weights.postFFNNorm)]
        if let missing = norms.first(where: { $0.1 == nil }) { throw .missingTensor("blk.\(l).\(missing.0).weight") }
    }

    /// RoPE angles of `layer`: its base depends on its role.
    func rope(layer: Int) -> RoPETable { config.isSlidingWindowLayer(layer) ? localRope : globalRope }

    /// x (C) = embedding[token] · embeddingScale (sqrt(C) for Gemma, 1 for LLaMA).
    @inline(__always)
    func embed(_ x: UnsafeMutablePointer<Float>, token: Int32) {
        embedding.dequantizeRow(x, row: Int(token))
        let scale = config.embeddingScale, C = config.embeddingLength
        if scale != 1 { for i in 0..<C { x[i] *= scale } }
    }

    public func makeState(contextLength: Int?) -> any ModelState {
        makeSequenceState(contextLength: contextLength)
    }

    /// A state of this engine's own type, for `decodeStep`.
    public func makeSequenceState(contextLength: Int? = nil) -> Int8TransformerState {
        Int8TransformerState(config: config, contextLength: contextLength)
    }

    public func canReuse(_ state: any ModelState, contextLength: Int) -> Bool {
        canReuse(state, as: Int8TransformerState.self, contextLength: contextLength)
    }

    /// The instruction set the kernels run with (avx512, avx2 or portable).
    public var kernelPath: String { path.rawValue }

    /// Bytes of repacked weights one decode step reads.
    public var weightByteCount: Int {
        layers.reduce(head.byteCount) { $0 + $1.byteCount }
    }

    public func forward(token: Int32, position: Int, state: any ModelState) throws(InferenceError) -> UnsafeBufferPointer<Float> {
        let state: Int8TransformerState = try own(state)
        try validate(state)
        try validate(token: token)
        guard position >= 0, position < state.contextLength else {
            throw .contextFull(position: max(position, 0), contextLength: state.contextLength)
        }
        let workspace = state.step
        embed(workspace.residual.pointer, token: token)
        withPool(rows: 1) { pool in
            runLayers(workspace, rows: 1, layout: .sequence(state, start: position), logitRowsFrom: 0, pool: pool)
            computeLogits(workspace.logits.pointer, workspace, firstRow: 0, rows: 1, pool: pool)
        }
        return state.logits
    }

    /// Runs a step of `rows` rows with the pool, or on this thread alone when another caller holds the pool
    /// or the threading policy measures one thread faster.
    @inline(__always)
    func withPool<Result>(rows: Int, _ body: (ThreadPool?) -> Result) -> Result {
        sharedPool.withPool { pool in
            guard let pool, let policy = rows == 1 ? decodePolicy : batchPolicy else { return body(pool) }
            let usePool = policy.choosePool()
            let start = DispatchTime.now().uptimeNanoseconds
            let result = body(usePool ? pool : nil)
            policy.record(pool: usePool, nanoseconds: DispatchTime.now().uptimeNanoseconds - start, rows: rows)
            return result
        }
    }

    /// A prefill workspace of at least `rows` rows: the one kept from the last prefill when it is big enough.
    func checkoutWorkspace(rows: Int) -> Int8Workspace {
        if let spare = spareWorkspace.withLock({ $0.take() }), spare.rows >= rows { return spare }
        return Int8Workspace(config: config, rows: rows, logitRows: 1)
    }

    func checkinWorkspace(_ workspace: Int8Workspace) {
        spareWorkspace.withLock { spare in
            if spare == nil || spare!.rows < workspace.rows { spare = workspace }
        }
    }
}
