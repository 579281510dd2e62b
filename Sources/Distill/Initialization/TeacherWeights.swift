import Engine
import GGUF

/// A teacher's own weights as a `TrainingModel` in f32, the starting point of a teacher-initialized student
/// (and, with every layer kept, a check that the trainer's forward is the teacher's). Quantized blocks
/// (Q4_K, Q6_K, Q5_0, Q8_0, ...) are dequantized once; the embedding keeps only the rows of the student's
/// vocabulary, in student id order.
enum TeacherWeights {
    /// `teacherIDs` [S]: the teacher id of each student id.
    static func load(file: GGUFFile, teacherIDs: [Int32], contextLength: Int) throws -> TrainingModel {
        let teacher: ModelConfig
        do { teacher = try ModelConfig(file: file) } catch { throw DistillError.invalidOption("teacher: \(error)") }
        let config = TrainingModelConfig(teacher: teacher, vocabularySize: teacherIDs.count, contextLength: contextLength)
        let layout = ParameterLayout(config)
        var tensors: [String: [Float]] = [:]
        for tensor in layout.tensors {
            var values: [Float]
            do { values = try file.floats(named: tensor.name) } catch {
                throw DistillError.invalidOption("teacher tensor \(tensor.name): \(error)")
            }
            if tensor.name == "token_embd.weight" || tensor.name == "output.weight" {
                values = try gatherRows(values, ids: teacherIDs, columns: tensor.columns, name: tensor.name)
            }
            tensors[tensor.name] = values
        }
        do { return try TrainingModel(config: config, tensors: tensors) } catch {
            throw DistillError.invalidOption("teacher weights do not fit a \(teacher.architecture) student: \(error)")
        }
    }

    /// rows ids of a row-major [V, columns] matrix, as [S, columns].
    private static func gatherRows(_ matrix: [Float], ids: [Int32], columns: Int, name: String) throws -> [Float] {
        let rows = matrix.count / columns
        var out = [Float](repeating: 0, count: ids.count * columns)
        for (s, id) in ids.enumerated() {
            guard Int(id) < rows, id >= 0 else {
                throw DistillError.invalidOption("token \(id) is outside the teacher's \(name) (\(rows) rows)")
            }
            for c in 0..<columns { out[s * columns + c] = matrix[Int(id) * columns + c] }
        }
        return out
    }
}
