import GGUF

/// `--quantize`: rewrites a float student as Q8_0 in memory, exactly as `distillery quantize` writes it, so the
/// served numbers are the int8 model's.
enum LoadTimeQuantizer {
    static func quantized(_ file: GGUFFile) throws(ModelLoadError) -> GGUFFile {
        do {
            let (writer, _) = try Q8_0Quantizer.quantize(file)
            return try GGUFFile(mapped: MappedFile(contents: writer.serialized(), name: file.path))
        } catch .badShape(let tensor, let reason) {
            throw .cannotQuantize(tensor: tensor, reason: reason)
        } catch {
            throw .cannotQuantize(tensor: "(file)", reason: "\(error)")
        }
    }
}
