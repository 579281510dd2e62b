// The block formats of the Gemma teacher file besides F32 and Q8_0, as ggml defines them.
extension Quantization {
    // MARK: Q5_0: { f16 d; uint32 qh (5th bits); uint8 qs[16] (low nibbles) }, value = d * (q - 16)

    static func dequantizeQ5_0(_ raw: UnsafeRawBufferPointer, block: Int, into out: UnsafeMutablePointer<Float>) {
        let base = block * 22
        let d = halfAt(raw, base)
        let qh = raw.loadUnaligned(fromByteOffset: base + 2, as: UInt32.self).littleEndian
        for j in 0..<16 {
            let q = raw[base + 6 + j]
            let high0 = ((qh >> UInt32(j)) << 4) & 0x10
            let high1 = (qh >> UInt32(j + 12)) & 0x10
            out[j] = d * Float(Int32(UInt32(q & 0x0F) | high0) - 16)
            out[j + 16] = d * Float(Int32(UInt32(q >> 4) | high1) - 16)
        }
    }

    // MARK: Q4_K: super-block of 256 = 8 sub-blocks of 32, each with a 6-bit scale and min.
    // { f16 d; f16 dmin; uint8 scales[12]; uint8 qs[128] }, value = d * sc * q - dmin * m

    /// The 6-bit scale and min of sub-block j of a Q4_K block, from its 12 packed bytes (ggml's `get_scale_min_k4`).
    public static func scaleAndMinK4(_ j: Int, _ scales: UnsafeRawBufferPointer) -> (UInt8, UInt8) {
        if j < 4 { return (scales[j] & 63, scales[j + 4] & 63) }
        let scale = (scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4)
        let min = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4)
        return (scale, min)
    }

    static func dequantizeQ4_K(_ raw: UnsafeRawBufferPointer, block: Int, into out: UnsafeMutablePointer<Float>) {
        let base = block * 144
        let d = halfAt(raw, base)
        let dmin = halfAt(raw, base + 2)
        let scales = UnsafeRawBufferPointer(rebasing: raw[(base + 4)..<(base + 16)])
        var q = base + 16
        var y = out
        for pair in 0..<4 {
            let (sc1, m1) = scaleAndMinK4(2 * pair, scales)
            let (sc2, m2) = scaleAndMinK4(2 * pair + 1, scales)
            let d1 = d * Float(sc1), min1 = dmin * Float(m1)
            let d2 = d * Float(sc2), min2 = dmin * Float(m2)
            for l in 0..<32 { y[l] = d1 * Float(raw[q + l] & 0x0F) - min1 }
            for l in 0..<32 { y[32 + l] = d2 * Float(raw[q + l] >> 4) - min2 }
            q += 32
            y += 64
        }
    }

    // MARK: Q6_K: { uint8 ql[128] (low 4 bits); uint8 qh[64] (high 2 bits); int8 scales[16]; f16 d },
    // value = d * scale * (q - 32), one scale per 16 values.

    static func dequantizeQ6_K(_ raw: UnsafeRawBufferPointer, block: Int, into out: UnsafeMutablePointer<Float>) {
        let base = block * 210
        let d = halfAt(raw, base + 208)
        var ql = base, qh = base + 128, sc = base + 192
        var y = out
        for _ in 0..<2 {
            for l in 0..<32 {
                let group = l / 16
                let low0 = raw[ql + l], low32 = raw[ql + l + 32], high = raw[qh + l]
                let q1 = Int32((low0 & 0x0F) | ((high & 3) << 4)) - 32
                let q2 = Int32((low32 & 0x0F) | (((high >> 2) & 3) << 4)) - 32
                let q3 = Int32((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                let q4 = Int32((low32 >> 4) | (((high >> 6) & 3) << 4)) - 32
                y[l] = d * Float(Int8(bitPattern: raw[sc + group])) * Float(q1)
                y[l + 32] = d * Float(Int8(bitPattern: raw[sc + group + 2])) * Float(q2)
                y[l + 64] = d * Float(Int8(bitPattern: raw[sc + group + 4])) * Float(q3)
                y[l + 96] = d * Float(Int8(bitPattern: raw[sc + group + 6])) * Float(q4)
            }
            y += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }
}
