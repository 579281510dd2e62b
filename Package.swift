// swift-tools-version:6.0
import PackageDescription

// The module graph of DESIGN.md: each target uses only targets above it.
let package = Package(
    name: "Distillery",
    products: [
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CKernels"),
        .target(name: "Kernels", dependencies: ["CKernels"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
        .executableTarget(name: "KernelsBenchmark", dependencies: ["Kernels"], path: "Benchmarks/KernelsBenchmark"),
    ]
)
