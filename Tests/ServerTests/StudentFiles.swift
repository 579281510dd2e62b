import Foundation
import GGUF
import XCTest

/// GGUF files written for tests: variants of the fixture student, and random students of other shapes.
enum StudentFiles {
    static func temporaryPath(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("distillery-server-tests")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    /// The fixture rewritten: `metadata` may change keys (nil value drops one), `tensor` may replace a
    /// tensor's type and values (nil keeps it as it is).
    static func variant(_ name: String, metadata: [String: GGUFValue?] = [:],
                        tensor: (GGUFTensorInfo, GGUFFile) throws -> (type: GGMLType, floats: [Float])? = { _, _ in nil },
                        dropTensors: Set<String> = []) throws -> String {
        let file = try GGUFFile(path: ServerFixtures.studentPath)
        var writer = GGUFWriter()
        for key in file.metadataKeys where metadata[key] == nil || metadata[key]! != nil {
            writer.set(key, metadata[key].map { $0! } ?? file.metadata[key]!)
        }
        for (key, value) in metadata where file.metadata[key] == nil { if let value { writer.set(key, value) } }
        for info in file.tensors where !dropTensors.contains(info.name) {
            if let (type, floats) = try tensor(info, file) {
                try writer.addTensor(name: info.name, shape: info.shape, floats: floats, as: type)
            } else {
                try writer.addTensor(name: info.name, shape: info.shape, type: info.type, data: Array(file.bytes(of: info)))
            }
        }
        let path = temporaryPath(name)
        try writer.write(to: path)
        return path
    }

    /// A random student with the fixture's tokenizer and the given shape, its matrices in `type`: llama, or
    /// gemma3 (head size 64, one KV head, tied output, head and post-branch norms, local layers sliding a
    /// window of `window` positions, every second layer global).
    static func randomStudent(_ name: String, architecture: String = "llama", embedding c: Int = 128, layers: Int = 2,
                              heads: Int = 2, feedForward ff: Int = 256, contextLength: Int = 512, type: GGMLType = .q8_0,
                              seed: UInt64 = 1, scale: Float = 0.05, window: Int = 16) throws -> String {
        let fixture = try GGUFFile(path: ServerFixtures.studentPath)
        let v = ServerFixtures.student.config.vocabularySize
        let gemma = architecture == "gemma3"
        let hs = gemma ? 64 : c / heads, kvHeads = gemma ? 1 : heads
        var writer = GGUFWriter()
        writer.set("general.architecture", .string(architecture))
        writer.set("general.name", .string(name))
        let a = architecture
        writer.set("\(a).context_length", .uint32(UInt32(contextLength)))
        writer.set("\(a).embedding_length", .uint32(UInt32(c)))
        writer.set("\(a).block_count", .uint32(UInt32(layers)))
        writer.set("\(a).feed_forward_length", .uint32(UInt32(ff)))
        writer.set("\(a).attention.head_count", .uint32(UInt32(heads)))
        writer.set("\(a).attention.head_count_kv", .uint32(UInt32(kvHeads)))
        writer.set("\(a).rope.dimension_count", .uint32(UInt32(hs)))
        writer.set("\(a).attention.layer_norm_rms_epsilon", .float32(1e-5))
        writer.set("\(a).rope.freq_base", .float32(10_000))
        if gemma {
            writer.set("gemma3.attention.key_length", .uint32(UInt32(hs)))
            writer.set("gemma3.attention.value_length", .uint32(UInt32(hs)))
            writer.set("gemma3.attention.sliding_window", .uint32(UInt32(window)))
            writer.set("gemma3.attention.sliding_window_pattern", .array((0..<layers).map { .bool($0 % 2 == 0) }))
        }
        for key in fixture.metadataKeys where key.hasPrefix("tokenizer.") { writer.set(key, fixture.metadata[key]!) }
        var random = SplitMix(seed: seed)
        func matrix(_ name: String, _ rowLength: Int, _ rows: Int) throws {
            let values = (0..<(rowLength * rows)).map { _ in random.nextSigned() * scale }
            try writer.addTensor(name: name, shape: [rowLength, rows], floats: values, as: type)
        }
        func ones(_ name: String, _ count: Int? = nil) throws {
            try writer.addTensor(name: name, shape: [count ?? c], floats: [Float](repeating: 1, count: count ?? c))
        }
        try matrix("token_embd.weight", c, v)
        try ones("output_norm.weight")
        if !gemma { try matrix("output.weight", c, v) }
        for l in 0..<layers {
            try ones("blk.\(l).attn_norm.weight")
            try matrix("blk.\(l).attn_q.weight", c, heads * hs)
            try matrix("blk.\(l).attn_k.weight", c, kvHeads * hs)
            try matrix("blk.\(l).attn_v.weight", c, kvHeads * hs)
            try matrix("blk.\(l).attn_output.weight", heads * hs, c)
            try ones("blk.\(l).ffn_norm.weight")
            try matrix("blk.\(l).ffn_gate.weight", c, ff)
            try matrix("blk.\(l).ffn_up.weight", c, ff)
            try matrix("blk.\(l).ffn_down.weight", ff, c)
            if gemma {
                for norm in ["attn_q_norm", "attn_k_norm"] { try ones("blk.\(l).\(norm).weight", hs) }
                for norm in ["post_attention_norm", "post_ffw_norm"] { try ones("blk.\(l).\(norm).weight") }
            }
        }
        let path = temporaryPath("\(name).gguf")
        try writer.write(to: path)
        return path
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextSigned() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
