// swift-tools-version:6.0
// A nested package so that `swift test` at the top level never builds the benchmarks.
// Build and run with `swift run -c release --package-path Benchmarks <BenchName> ...`.
import PackageDescription

let kit: Target.Dependency = .product(name: "AgriTraceKit", package: "AgriTrace")
let serverKit: Target.Dependency = .product(name: "AgriTraceServerKit", package: "AgriTrace")

let package = Package(
    name: "AgriTraceBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "AgriTrace", path: "..")],
    targets: [
        .target(name: "BenchSupport"),
        .executableTarget(name: "ImagingBench", dependencies: [kit, "BenchSupport"]),
        .executableTarget(name: "EngineBench", dependencies: [kit, "BenchSupport"]),
        .executableTarget(name: "TrainingBench", dependencies: [kit, "BenchSupport"]),
        .executableTarget(name: "LedgerBench", dependencies: [kit, "BenchSupport"]),
        .executableTarget(name: "PipelineBench", dependencies: [kit, "BenchSupport"]),
        .executableTarget(name: "ProvinceBench", dependencies: [kit, serverKit, "BenchSupport"]),
        .executableTarget(name: "ServeBench", dependencies: [kit, serverKit, "BenchSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
