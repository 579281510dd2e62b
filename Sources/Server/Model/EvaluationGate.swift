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

    func check(engine: any ServingEngine, tokenizer: Tokenizer) throws(ModelLoadError) {
        let bitsPerByte = try Self.bitsPerByte(engine: engine, tokenizer: tokenizer, textFile: dataPath, maxTokens: maxTokens)
        guard bitsPerByte <= maxBitsPerByte else { throw .qualityRegressed(bitsPerByte: bitsPerByte, limit: maxBitsPerByte) }
    }

    /// Σ −log₂ p(token | earlier tokens) over the scored tokens, divided by the bytes those tokens decode to.
    /// The text is cut into windows of the model's context; each window starts fresh.
    static func bitsPerByte(engine: any ServingEngine, tokenizer: Tokenizer, textFile: String,
                            maxTokens: Int) throws(ModelLoadError) -> Double {
        let file: MappedFile
        do {
            file = try MappedFile(path: textFile)
        } catch {
            throw .evaluationFailed("cannot read \(textFile): \(error)")
        }
        let tokens = Array(tokenizer.encode(utf8: file.bytes.assumingMemoryBound(to: UInt8.self), addBOS: true).prefix(maxTokens))
        let window = min(engine.config.contextLength, 512)
        var nats = 0.0, bytes = 0
        var start = 0
        while start + 1 < tokens.count {
            let slice = tokens[start..<min(start + window, tokens.count)]
            let state = engine.makeState(contextLength: slice.count)
            let logits: [Float]
            do {
                logits = try engine.prefill(slice, startPosition: 0, state: state, logits: .allTokens)
            } catch {
                throw .evaluationFailed("\(error)")
            }
            let v = engine.config.vocabularySize
            logits.withUnsafeBufferPointer { all in
                for i in 0..<(slice.count - 1) {
                    let row = UnsafeBufferPointer(rebasing: all[(i * v)..<((i + 1) * v)])
                    let next = slice[slice.startIndex + i + 1]
                    nats -= Double(LogProbabilities.logProbability(of: next, in: row))
                    bytes += tokenizer.pieceBytes(for: next).count
                }
            }
            start += slice.count
        }
        guard bytes > 0 else { throw .evaluationFailed("\(textFile) holds no text to score") }
        return nats / log(2.0) / Double(bytes)
    }
}
