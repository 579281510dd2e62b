extension Q8Matrix {
    /// ggml Q8_0 block: f16 scale, then 32 int8.
    public static let bytesPerBlock = 34

    /// Repacks ggml Q8_0 data: `rows` rows of `columns / 32` blocks each, row-major, as in a GGUF tensor of
    /// shape [columns, rows].
    public convenience init(q8_0 bytes: UnsafeRawBufferPointer, rows: Int, columns: Int) throws(KernelError) {
        try Self.validate(rows: rows, columns: columns)
        let expected = rows * (columns / 32) * Self.bytesPerBlock
        guard bytes.count == expected else { throw .byteCountMismatch(expected: expected, actual: bytes.count) }
        self.init(uncheckedRows: rows, columns: columns)
        for row in 0..<rows {
            for block in 0..<blocks {
                let source = (row * blocks + block) * Self.bytesPerBlock
                scales[scaleIndex(row: row, block: block)] = bytes.loadUnaligned(fromByteOffset: source, as: UInt16.self)
                for i in 0..<32 {
                    quants[quantIndex(row: row, column: block * 32 + i)] = bytes[source + 2 + i] ^ 0x80
                }
            }
        }
    }

    /// Quantizes f32 values (rows, columns) row-major exactly as ggml's `quantize_row_q8_0_ref` does:
    /// d = max|x| / 127 stored as f16, q = round(x / d) with the f32 d, ties away from zero.
    public convenience init(float values: UnsafeBufferPointer<Float>, rows: Int, columns: Int) throws(KernelError) {
        try Self.validate(rows: rows, columns: columns)
        guard values.count == rows * columns else {
            throw .byteCountMismatch(expected: rows * columns * 4, actual: values.count * 4)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteValue(index: bad) }
        self.init(uncheckedRows: rows, columns: columns)
        for row in 0..<rows {
            for block in 0..<blocks {
                let start = row * columns + block * 32
                var amax: Float = 0
                for i in 0..<32 { amax = max(amax, abs(values[start + i])) }
                let d = amax / 127
                let inverse: Float = d != 0 ? 1 / d : 0
                scales[scaleIndex(row: row, block: block)] = Float16(d).bitPattern
                for i in 0..<32 {
                    let q = Int8((values[start + i] * inverse).rounded())
                    quants[quantIndex(row: row, column: block * 32 + i)] = UInt8(bitPattern: q) ^ 0x80
                }
            }
        }
    }

    /// One matrix whose rows are those of `parts` in order, so inputs shared by several projections
    /// (q, k, v; gate, up) need one quantization and one kernel call.
    public convenience init(stacking parts: [Q8Matrix]) throws(KernelError) {
        guard let first = parts.first else { throw .emptyStack }
        for part in parts where part.columns != first.columns {
            throw .stackedColumnsMismatch(expected: first.columns, actual: part.columns)
        }
        self.init(uncheckedRows: parts.reduce(0) { $0 + $1.rows }, columns: first.columns)
        var row = 0
        for part in parts {
            for partRow in 0..<part.rows {
                for block in 0..<blocks {
                    scales[scaleIndex(row: row, block: block)] = part.scales[part.scaleIndex(row: partRow, block: block)]
                }
                for column in 0..<columns {
                    quants[quantIndex(row: row, column: column)] = part.quants[part.quantIndex(row: partRow, column: column)]
                }
                row += 1
            }
        }
    }
}
