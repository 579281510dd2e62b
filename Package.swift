// swift-tools-version:6.0
import PackageDescription

// `make sanitize` builds with DISTILLERY_SANITIZE=1: a sanitizer brings its own allocator, which jemalloc
// must not replace, so CJemalloc is then a stub whose `mallctl` always fails (jemalloc statistics read as absent).
let sanitizing = Context.environment["DISTILLERY_SANITIZE"] != nil
let jemalloc: Target = sanitizing
    ? .target(name: "CJemalloc", path: "Sources/CJemallocStub")
    : .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])])

// The module graph of DESIGN.md: each target uses only targets above it.
let package = Package(
    name: "Distillery",
    products: [
        .executable(name: "distillery", targets: ["distillery"]),
        .executable(name: "distillery-loadgen", targets: ["LoadGenerator"]),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        jemalloc,
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        .target(name: "CKernels"),

        // one home for the primitives every layer above shares: buffers, vector loops, parallel loops, files
        .target(name: "Tensors"),
        .target(name: "GGUF", dependencies: ["Tensors"]),
        .target(name: "Tokenizer", dependencies: ["GGUF"]),
        .target(name: "Kernels", dependencies: ["CKernels", "Tensors"]),
        .target(name: "Engine", dependencies: ["GGUF", "COpenBLAS", "Kernels", "Tensors"]),
        .target(name: "Distill", dependencies: ["COpenBLAS", "Engine", "Kernels", "Tokenizer", "GGUF", "Tensors"]),
        .target(name: "HTTP", dependencies: ["CLibUV", "CKernels", "Tensors"]),
        .target(name: "Server", dependencies: ["HTTP", "Engine", "Tokenizer", "GGUF", "Tensors", "CJemalloc"]),
        .executableTarget(name: "distillery", dependencies: ["GGUF", "Tokenizer", "Engine", "Distill", "Server", "Tensors", "CJemalloc"]),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels", "Tensors"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "GGUF", "Kernels", "Tensors", "CJemalloc"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DistillTests", dependencies: ["Distill", "GGUF", "Engine", "Kernels", "Tokenizer", "Tensors"]),
        // the socket client both the HTTP and the Server tests drive servers with
        .target(name: "TestHTTPClient", dependencies: ["HTTP"], path: "Tests/TestHTTPClient"),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestHTTPClient"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "HTTP", "Engine", "Tokenizer", "GGUF", "Tensors", "TestHTTPClient"]),
        .testTarget(name: "CLITests", dependencies: ["distillery", "GGUF", "TestHTTPClient"]),
        .testTarget(name: "LoadGeneratorTests", dependencies: ["LoadGenerator"]),

        .executableTarget(name: "KernelsBenchmark", dependencies: ["Kernels", "Tensors"], path: "Benchmarks/KernelsBenchmark"),
        .executableTarget(name: "TrainerBenchmark", dependencies: ["Distill", "Engine", "Tensors", "COpenBLAS"], path: "Benchmarks/TrainerBenchmark"),
        .executableTarget(name: "LoadGenerator", dependencies: ["HTTP", "Tensors"], path: "Benchmarks/LoadGenerator"),
    ]
)
