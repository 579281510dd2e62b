import Tensors
/// Keys and values of every layer for `contextLength` positions, preallocated.
/// Layout keys[L, P, NKV * HS] (values the same), so one position's heads are contiguous.
public final class KVCache {
    public let layerCount: Int       // L
    public let contextLength: Int    // P
    public let kvLength: Int         // NKV * HS
    let keys: FloatBuffer            // [L, P, NKV * HS]
    let values: FloatBuffer          // [L, P, NKV * HS]

    public init(layerCount: Int, contextLength: Int, kvLength: Int) {
        self.layerCount = layerCount
        self.contextLength = contextLength
        self.kvLength = kvLength
        keys = FloatBuffer(count: layerCount * contextLength * kvLength)
        values = FloatBuffer(count: layerCount * contextLength * kvLength)
    }

    /// keys[layer, position, :]
    func key(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        keys.pointer + (layer * contextLength + position) * kvLength
    }

    /// values[layer, position, :]
    func value(layer: Int, position: Int) -> UnsafeMutablePointer<Float> {
        values.pointer + (layer * contextLength + position) * kvLength
    }

    public var byteCount: Int { 2 * keys.count * MemoryLayout<Float>.size }
}
