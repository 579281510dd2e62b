import Engine
import Tensors

/// A student's weights (llama or gemma3) in f32, one flat block laid out by `ParameterLayout`.
/// The class owns the memory; the trainer's graph reads and the optimizer writes it in place.
public final class TrainingModel {
    public let config: TrainingModelConfig
    public let layout: ParameterLayout
    package let parameters: FloatBuffer  // [P]

    /// Initializes like llm.c (GPT-2): every matrix and embedding normal(0, std), the residual
    /// projections (attn_output, ffn_down) scaled by 1/sqrt(2L) so the residual stream does not grow
    /// with depth, and the RMSNorm gains at 1.
    public convenience init(config: TrainingModelConfig, seed: UInt64, standardDeviation: Float = 0.02) throws {
        try config.validate()
        self.init(validConfig: config)
        var rng = SeededRandom(seed: seed)
        let residualScale = 1 / Float(2 * config.layerCount).squareRoot()
        for tensor in layout.tensors {
            let p = parameters.pointer + tensor.offset
            if tensor.name.hasSuffix("norm.weight") {
                p.update(repeating: 1, count: tensor.count)
                continue
            }
            let isResidualProjection = tensor.name.hasSuffix("attn_output.weight")
                || tensor.name.hasSuffix("ffn_down.weight")
            let std = standardDeviation * (isResidualProjection ? residualScale : 1)
            for i in 0..<tensor.count { p[i] = rng.nextNormal() * std }
        }
    }

    /// Wraps existing weights, e.g. read from a checkpoint or a GGUF file.
    public convenience init(config: TrainingModelConfig, parameters values: [Float]) throws {
        try config.validate()
        self.init(validConfig: config)
        guard values.count == layout.count else {
            throw TrainingError.invalidConfiguration(
                "expected \(layout.count) parameters for this config, got \(values.count)")
        }
        parameters.copy(from: FloatBuffer(values))
    }

    /// Weights by GGUF tensor name (e.g. read from a student GGUF), each row-major [rows, columns].
    /// Every tensor of the layout must be present with the right size; extra names are an error too.
    public convenience init(config: TrainingModelConfig, tensors: [String: [Float]]) throws {
        try config.validate()
        self.init(validConfig: config)
        for tensor in layout.tensors {
            guard let values = tensors[tensor.name] else {
                throw TrainingError.invalidConfiguration("tensor \(tensor.name) is missing")
            }
            guard values.count == tensor.count else {
                throw TrainingError.invalidConfiguration(
                    "tensor \(tensor.name) has \(values.count) values, expected \(tensor.rows) x \(tensor.columns)")
            }
            values.withUnsafeBufferPointer { parameters.pointer.advanced(by: tensor.offset).update(from: $0.baseAddress!, count: tensor.count) }
        }
        if let extra = tensors.keys.sorted().first(where: { layout.tensor(named: $0) == nil }) {
            throw TrainingError.invalidConfiguration("tensor \(extra) does not belong to this config")
        }
    }

    private init(validConfig: TrainingModelConfig) {
        config = validConfig
        layout = ParameterLayout(validConfig)
        parameters = FloatBuffer(count: layout.count)
    }

    public var parameterCount: Int { layout.count }

    /// All weights in layout order.
    public var parameterValues: [Float] { parameters.array }

    /// One tensor's weights, row-major [rows, columns] as GGUF stores them.
    public func weights(named name: String) -> [Float]? {
        guard let tensor = layout.tensor(named: name) else { return nil }
        return Array(UnsafeBufferPointer(start: parameters.pointer + tensor.offset, count: tensor.count))
    }

    var tensors: ModelTensors { ModelTensors(layout, base: parameters.pointer) }
}
