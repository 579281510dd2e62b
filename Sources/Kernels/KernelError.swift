/// Why a kernel object could not be built from the given data.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// Q8_0 rows are whole 32-value blocks.
    case columnsNotMultipleOf32(columns: Int)
    case invalidShape(rows: Int, columns: Int)
    case byteCountMismatch(expected: Int, actual: Int)
    /// Stacked matrices must share their column count.
    case stackedColumnsMismatch(expected: Int, actual: Int)
    case emptyStack
    /// Weights to quantize held a NaN or an infinity.
    case nonFiniteValue(index: Int)
    /// `DISTILLERY_KERNELS` named a path that is unknown or that this CPU cannot run.
    case unavailablePath(requested: String, supported: [KernelPath])

    public var description: String {
        switch self {
        case .columnsNotMultipleOf32(let columns):
            "Q8_0 needs a column count that is a multiple of 32, got \(columns)"
        case .invalidShape(let rows, let columns):
            "invalid matrix shape \(rows) x \(columns)"
        case .byteCountMismatch(let expected, let actual):
            "Q8_0 data should be \(expected) bytes, got \(actual)"
        case .stackedColumnsMismatch(let expected, let actual):
            "stacked matrices must have \(expected) columns, one has \(actual)"
        case .emptyStack:
            "cannot stack zero matrices"
        case .nonFiniteValue(let index):
            "value \(index) is not finite"
        case .unavailablePath(let requested, let supported):
            "DISTILLERY_KERNELS=\(requested) is not available here; "
                + "use one of \(supported.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
