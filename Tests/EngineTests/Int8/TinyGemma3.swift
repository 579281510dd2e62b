import Foundation
import GGUF
import Tensors
@testable import Engine

/// Tiny random gemma3 files for the int8 engine: C 64, 2 query heads of 32 over 1 KV head, FF 128, V 96,
/// context 64, every width a multiple of Q8_0's 32. Layer roles are written as the per-layer bool array a
/// pruned student carries (`gemma3.attention.sliding_window_pattern`).
enum TinyGemma3 {
    static let embedding = 64, headSize = 32, feedForward = 128, vocabulary = 96

    /// Writes the file and returns its path; `localLayers[l]` says whether layer l slides its window.
    static func file(localLayers: [Bool], window: Int, type: GGMLType = .q8_0, seed: UInt64 = 5,
                     drop: Set<String> = []) throws -> String {
        let C = embedding, HS = headSize, FF = feedForward, V = vocabulary
        var writer = GGUFWriter()
        let metadata: [(String, GGUFValue)] = [
            ("general.architecture", .string("gemma3")),
            ("gemma3.embedding_length", .uint32(UInt32(C))), ("gemma3.block_count", .uint32(UInt32(localLayers.count))),
            ("gemma3.attention.head_count", .uint32(2)), ("gemma3.attention.head_count_kv", .uint32(1)),
            ("gemma3.attention.key_length", .uint32(UInt32(HS))), ("gemma3.attention.value_length", .uint32(UInt32(HS))),
            ("gemma3.feed_forward_length", .uint32(UInt32(FF))), ("gemma3.context_length", .uint32(64)),
            ("gemma3.attention.layer_norm_rms_epsilon", .float32(1e-6)), ("gemma3.rope.freq_base", .float32(1e6)),
            ("gemma3.attention.sliding_window", .uint32(UInt32(window))),
            ("gemma3.attention.sliding_window_pattern", .array(localLayers.map { .bool($0) })),
        ]
        for (key, value) in metadata { writer.set(key, value) }
        var shapes: [(String, [Int])] = [("token_embd.weight", [C, V]), ("output_norm.weight", [C])]
        for l in localLayers.indices {
            shapes += [("blk.\(l).attn_norm.weight", [C]), ("blk.\(l).attn_q.weight", [C, 2 * HS]),
                       ("blk.\(l).attn_k.weight", [C, HS]), ("blk.\(l).attn_v.weight", [C, HS]),
                       ("blk.\(l).attn_q_norm.weight", [HS]), ("blk.\(l).attn_k_norm.weight", [HS]),
                       ("blk.\(l).attn_output.weight", [2 * HS, C]), ("blk.\(l).post_attention_norm.weight", [C]),
                       ("blk.\(l).ffn_norm.weight", [C]), ("blk.\(l).ffn_gate.weight", [C, FF]),
                       ("blk.\(l).ffn_up.weight", [C, FF]), ("blk.\(l).ffn_down.weight", [FF, C]),
                       ("blk.\(l).post_ffw_norm.weight", [C])]
        }
        var random = SeededRandom(seed: seed)
        for (name, shape) in shapes where !drop.contains(name) {
            let isNorm = shape.count == 1
            let scale = isNorm ? 1 : 2 / Float(shape[0]).squareRoot()
            let values = (0..<shape.reduce(1, *)).map { _ in
                isNorm ? 0.7 + 0.6 * random.nextUnitFloat() : (random.nextUnitFloat() - 0.5) * scale
            }
            try writer.addTensor(name: name, shape: shape, floats: values, as: isNorm ? .f32 : type)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gemma3-\(UUID().uuidString).gguf").path
        try writer.write(to: path)
        return path
    }

    /// The int8 engine and the f32 reference on the same file.
    static func models(localLayers: [Bool], window: Int, threads: Int = 2,
                       activations: ActivationPrecision = .correctedLogitRows)
        throws -> (int8: Int8TransformerModel, f32: Gemma3Model) {
        let path = try file(localLayers: localLayers, window: window)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gguf = try GGUFFile(path: path)
        return (try Int8TransformerModel(file: gguf, threads: threads, activations: activations), try Gemma3Model(file: gguf))
    }
}
