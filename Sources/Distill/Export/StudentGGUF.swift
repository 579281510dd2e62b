import GGUF
import Tokenizer

/// A trained student as a `llama` or `gemma3` GGUF, laid out as llama.cpp's converter writes one:
/// `general.*`, the architecture's hyper-parameters, the complete tokenizer, then `distillery.*` provenance;
/// tensors under llama.cpp's names, matrices in `weightType` (Q8_0 for serving, F32 for evaluation) and
/// norms in F32, no `output.weight` when the embedding is tied. A gemma3 student records each layer's role
/// (`attention.sliding_window_pattern`, one bool per layer, true for local) and the local RoPE base, so a
/// student that kept teacher layers 0, 5 and 11 attends as they did, in llama.cpp too.
public enum StudentGGUF {
    /// `vocabulary` nil writes no tokenizer: a file only the Engine's models load (tests of the layers' math).
    public static func writer(model: TrainingModel, vocabulary: TokenizerVocabulary?, weightType: GGMLType,
                              name: String, provenance: [(key: String, value: GGUFValue)] = []) throws -> GGUFWriter {
        let c = model.config
        if let vocabulary, vocabulary.count != c.vocabularySize {
            throw DistillError.vocabulary("the tokenizer has \(vocabulary.count) tokens, the model \(c.vocabularySize) rows")
        }
        var writer = GGUFWriter()
        let arch = c.architecture.rawValue
        func uint(_ key: String, _ value: Int) { writer.set("\(arch).\(key)", .uint32(UInt32(value))) }
        writer.set("general.architecture", .string(arch))
        writer.set("general.name", .string(name))
        writer.set("general.file_type", .uint32(weightType == .q8_0 ? 7 : 0))  // LLAMA_FTYPE_MOSTLY_Q8_0 / ALL_F32
        uint("vocab_size", c.vocabularySize)
        uint("context_length", c.contextLength)
        uint("embedding_length", c.embeddingLength)
        uint("block_count", c.layerCount)
        uint("feed_forward_length", c.feedForwardLength)
        uint("rope.dimension_count", c.headSize)
        uint("attention.head_count", c.headCount)
        uint("attention.head_count_kv", c.kvHeadCount)
        writer.set("\(arch).attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon))
        writer.set("\(arch).rope.freq_base", .float32(c.ropeFrequencyBase))
        if c.isGemma {
            uint("attention.key_length", c.headSize)
            uint("attention.value_length", c.headSize)
            if let window = c.slidingWindow {
                uint("attention.sliding_window", window)
                writer.set("gemma3.attention.sliding_window_pattern", .array(c.localLayers.map { .bool($0) }))
                writer.set("gemma3.rope.freq_base_swa", .float32(c.localRopeBase))
            }
        }
        vocabulary?.write(into: &writer)
        writer.set("general.quantization_version", .uint32(2))
        for (key, value) in provenance { writer.set(key, value) }

        for tensor in model.layout.tensors {
            let isNorm = tensor.rows == 1
            let type: GGMLType = isNorm ? .f32 : weightType
            do {
                try writer.addTensor(name: tensor.name, shape: tensor.ggufShape, floats: model.weights(named: tensor.name)!,
                                     as: type)
            } catch {
                throw DistillError.io(path: name, reason: "cannot add tensor \(tensor.name): \(error)")
            }
        }
        return writer
    }
}
