import Tensors
/// An int8 weight matrix (N rows of K columns, out = W · x) holding ggml Q8_0 values — one f16 scale per
/// 32 consecutive values of a row — repacked for the kernels:
///
/// - `quants` (G, B, 8, 16, 4): 16 rows interleaved four bytes at a time, so one 64-byte load feeds 16
///   int32 lanes (one per row) of a vpdpbusd, and each byte is stored as w ^ 0x80 = w + 128 (unsigned, as
///   vpdpbusd wants; the activations carry the matching -128 * sum correction).
/// - `scales` (G, B, 16): the f16 scales of the same 16 rows, per block.
///
/// G = ceil(N / 16) row groups, B = K / 32 blocks. Rows past N in the last group are zero with scale 0.
/// Immutable after its initializer, so one matrix is shared by every thread and every request.
public final class Q8Matrix: Sendable {
    public static let rowsPerGroup = 16
    static let bytesPerGroupBlock = 512

    /// N, the output length.
    public let rows: Int
    /// K, the input length; a multiple of 32.
    public let columns: Int
    /// B = K / 32.
    let blocks: Int
    /// G = ceil(N / 16).
    let groups: Int
    let quantStorage: AlignedArray<UInt8>   // (G, B, 8, 16, 4)
    let scaleStorage: AlignedArray<UInt16>  // (G, B, 16) f16 bits

    var quants: UnsafeMutablePointer<UInt8> { quantStorage.pointer }
    var scales: UnsafeMutablePointer<UInt16> { scaleStorage.pointer }

    /// Zero weights; the initializers in `Q8Matrix+Packing.swift` fill them.
    init(uncheckedRows rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        blocks = columns / 32
        groups = (rows + Self.rowsPerGroup - 1) / Self.rowsPerGroup
        quantStorage = AlignedArray(count: groups * blocks * Self.bytesPerGroupBlock)
        scaleStorage = AlignedArray(count: groups * blocks * Self.rowsPerGroup)
        quantStorage.pointer.update(repeating: 0x80, count: quantStorage.count)
    }

    static func validate(rows: Int, columns: Int) throws(KernelError) {
        guard rows > 0, columns > 0 else { throw .invalidShape(rows: rows, columns: columns) }
        guard columns % 32 == 0 else { throw .columnsNotMultipleOf32(columns: columns) }
    }

    /// Bytes of packed weights and scales; what one full pass over the matrix reads.
    public var byteCount: Int { quantStorage.count + scaleStorage.count * 2 }

    /// Offset of the byte holding (row, column) in `quants`.
    @inline(__always)
    func quantIndex(row: Int, column: Int) -> Int {
        let (group, lane) = row.quotientAndRemainder(dividingBy: Self.rowsPerGroup)
        let (block, inBlock) = column.quotientAndRemainder(dividingBy: 32)
        let (step, byte) = inBlock.quotientAndRemainder(dividingBy: 4)
        return ((group * blocks + block) * 8 + step) * 64 + lane * 4 + byte
    }

    @inline(__always)
    func scaleIndex(row: Int, block: Int) -> Int {
        let (group, lane) = row.quotientAndRemainder(dividingBy: Self.rowsPerGroup)
        return (group * blocks + block) * Self.rowsPerGroup + lane
    }

    /// The int8 value at (row, column), undoing the +128 bias.
    public func quant(row: Int, column: Int) -> Int8 {
        precondition(row >= 0 && row < rows && column >= 0 && column < columns)
        return Int8(bitPattern: quants[quantIndex(row: row, column: column)] ^ 0x80)
    }

    /// The f16 scale of block `block` (columns 32*block ..< 32*block + 32) of `row`.
    public func scale(row: Int, block: Int) -> Float {
        precondition(row >= 0 && row < rows && block >= 0 && block < blocks)
        return Float(Float16(bitPattern: scales[scaleIndex(row: row, block: block)]))
    }

    /// Writes row `row` as f32 (K values, d * q): an embedding lookup when the matrix is a token table.
    public func dequantizeRow(_ out: UnsafeMutablePointer<Float>, row: Int) {
        precondition(row >= 0 && row < rows)
        let (group, lane) = row.quotientAndRemainder(dividingBy: Self.rowsPerGroup)
        for block in 0..<blocks {
            let base = (group * blocks + block)
            let d = Float(Float16(bitPattern: scales[base * Self.rowsPerGroup + lane]))
            let quants = self.quants + base * Self.bytesPerGroupBlock + lane * 4
            for step in 0..<8 {
                for byte in 0..<4 {
                    out[block * 32 + step * 4 + byte] = d * Float(Int8(bitPattern: quants[step * 64 + byte] ^ 0x80))
                }
            }
        }
    }

    /// The f32 values (N, K) row-major, d * q; for references and tests.
    public func dequantized() -> [Float] {
        var out = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for block in 0..<blocks {
                let d = scale(row: row, block: block)
                for column in block * 32..<block * 32 + 32 {
                    out[row * columns + column] = d * Float(quant(row: row, column: column))
                }
            }
        }
        return out
    }
}
