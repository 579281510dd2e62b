/// One sequence of the int8 engine: its KV cache, preallocated for `contextLength` positions and kept in
/// f16 as llama.cpp keeps it (half the memory and half the bytes attention reads), and the scratch of a
/// one-token step, so decoding allocates nothing. One thread drives a state at a time.
public final class Int8TransformerState: ModelState {
    public let config: ModelConfig
    public let contextLength: Int                  // P, at most config.contextLength
    let keys: UnsafeMutablePointer<Float16>        // (L, P, NKV * HS)
    let values: UnsafeMutablePointer<Float16>      // (L, P, NKV * HS)
    /// Scratch of `forward(token:position:state:)`: one row, one row of logits.
    let step: Int8Workspace

    init(config: ModelConfig, contextLength: Int?) {
        let length = min(max(contextLength ?? config.contextLength, 1), config.contextLength)
        self.config = config
        self.contextLength = length
        let count = config.layerCount * length * config.kvLength
        // Left uninitialized: attention reads only written positions, and untouched pages cost no memory.
        keys = .allocate(capacity: count)
        values = .allocate(capacity: count)
        step = Int8Workspace(config: config, rows: 1, logitRows: 1)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// keys[layer, position, :]
    @inline(__always)
    func key(layer: Int, position: Int) -> UnsafeMutablePointer<Float16> {
        keys + (layer * contextLength + position) * config.kvLength
    }

    /// values[layer, position, :]
    @inline(__always)
    func value(layer: Int, position: Int) -> UnsafeMutablePointer<Float16> {
        values + (layer * contextLength + position) * config.kvLength
    }

    /// Bytes of the KV cache.
    public var cacheByteCount: Int { 2 * config.layerCount * contextLength * config.kvLength * MemoryLayout<Float16>.size }

    /// The logits of the last `forward(token:position:state:)`, (V).
    public var logits: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: step.logits.pointer, count: config.vocabularySize)
    }
}
