import Engine
import GGUF
import Tokenizer

#if canImport(Glibc)
import Glibc
#endif

/// The reload's optional quality gate: bits per byte on held-out UTF-8 text must not exceed a bound
/// (DESIGN.md, decision 7: comparable across vocabularies).
public struct EvaluationGate: Sendable, Equatable {
    public var dataPath: String
    public var maxBitsPerByte: Double
    /// Only the first tokens of the text are scored, so a reload stays quick.
    public var maxTokens: Int

    public init(dataPath: String, maxBitsPerByte: Double, maxTokens: Int = 2048) {
        self.dataPath = dataPath
        self.maxBitsPerByte = maxBitsPerByte
        self.maxTokens = maxTokens
    }

    func check(engine: any LanguageModel, tokenizer: Tokenizer) throws(ModelLoadError) {
        let bitsPerByte = try Self.bitsPerByte(engine: engine, tokenizer: tokenizer, textFile: dataPath, maxTokens: maxTokens)
        guard bitsPerByte <= maxBitsPerByte else { throw .qualityRegressed(bitsPerByte: bitsPerByte, limit: maxBitsPerByte) }
    }

    /// Bits per byte of the text's first `maxTokens` tokens (`Evaluator.bitsPerByte`, in windows of the model's
    /// context up to 512), over the bytes those tokens spell.
    static func bitsPerByte(engine: any LanguageModel, tokenizer: Tokenizer, textFile: String,
                            maxTokens: Int) throws(ModelLoadError) -> Double {
        let file: MappedFile
        do {
            file = try MappedFile(path: textFile)
        } catch {
            throw .evaluationFailed("cannot read \(textFile): \(error)")
        }
        let tokens = Array(tokenizer.encode(utf8: file.bytes.assumingMemoryBound(to: UInt8.self), addBOS: true).prefix(maxTokens))
        let bytes = tokens.dropFirst().reduce(0) { $0 + tokenizer.pieceBytes(for: $1).count }
        guard tokens.count >= 2, bytes > 0 else { throw .evaluationFailed("\(textFile) holds no text to score") }
        do {
            let evaluator = Evaluator(model: engine, contextLength: min(engine.config.contextLength, 512))
            return try evaluator.bitsPerByte(documents: [tokens], byteCount: bytes)
        } catch {
            throw .evaluationFailed("\(error)")
        }
    }
}
