import GGUF
import Tokenizer

/// A trained student as a llama-architecture GGUF, laid out as llama.cpp's converter writes one:
/// `general.*`, the `llama.*` hyper-parameters, the complete tokenizer, then `distillery.*` provenance;
/// tensors under llama.cpp's names, matrices in `weightType` (Q8_0 for serving, F32 for evaluation) and
/// norms in F32, no `output.weight` when the embedding is tied.
public enum StudentGGUF {
    public static func writer(model: TrainingModel, vocabulary: TokenizerVocabulary, weightType: GGMLType,
                              name: String, provenance: [(key: String, value: GGUFValue)] = []) throws -> GGUFWriter {
        let c = model.config
        guard vocabulary.count == c.vocabularySize else {
            throw DistillError.vocabulary("the tokenizer has \(vocabulary.count) tokens, the model \(c.vocabularySize) rows")
        }
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("general.name", .string(name))
        writer.set("general.file_type", .uint32(weightType == .q8_0 ? 7 : 0))  // LLAMA_FTYPE_MOSTLY_Q8_0 / ALL_F32
        writer.set("llama.vocab_size", .uint32(UInt32(c.vocabularySize)))
        writer.set("llama.context_length", .uint32(UInt32(c.contextLength)))
        writer.set("llama.embedding_length", .uint32(UInt32(c.embeddingLength)))
        writer.set("llama.block_count", .uint32(UInt32(c.layerCount)))
        writer.set("llama.feed_forward_length", .uint32(UInt32(c.feedForwardLength)))
        writer.set("llama.rope.dimension_count", .uint32(UInt32(c.headSize)))
        writer.set("llama.attention.head_count", .uint32(UInt32(c.headCount)))
        writer.set("llama.attention.head_count_kv", .uint32(UInt32(c.kvHeadCount)))
        writer.set("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon))
        writer.set("llama.rope.freq_base", .float32(c.ropeFrequencyBase))
        vocabulary.write(into: &writer)
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
