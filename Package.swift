// swift-tools-version:6.1
import PackageDescription

// Hot numeric code is optimised even in debug builds: unoptimised SIMD code runs
// 100-1000x slower, which would make the test suite crawl.
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

// The SIMD kernels are compiled three times from the same files (KernelsAVX2 and KernelsAVX512 symlink
// KernelsGeneric's): for any CPU, with AVX2 + FMA, and with AVX-512 F/BW/VL/DQ and 16-lane tiles
// (WIDE_VECTORS); `Kernels` picks one at run time from CPUID and XCR0. The individual -m flags, not
// -march=x86-64-v4, keep 16-lane vectors in whole zmm registers (x86-64-v4 prefers 256-bit halves).
// KernelsWideOnAVX2 is the AVX-512 copy's 16-lane code built for AVX2, only so that tests check its
// logic on machines without AVX-512.
#if arch(x86_64)
let avx2CodeGeneration: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
let avx512CodeGeneration: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mavx512f",
                                                          "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl", "-Xcc", "-mavx512dq"])]
#else
let avx2CodeGeneration: [SwiftSetting] = []
let avx512CodeGeneration: [SwiftSetting] = []
#endif

let package = Package(
    name: "AgriTrace",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "agritrace", targets: ["agritrace"]),
        // For the nested Benchmarks package; applications use the CLI.
        .library(name: "AgriTraceKit", targets: ["Deterministic", "Localization", "Imaging", "Kernels", "NeuralNet", "Training", "Markup",
                                                 "MerkleLog", "LedgerStore", "Provenance", "Grading", "Typesetting", "Traceability"]),
        // For the nested Benchmarks package's ProvinceBench and ServeBench: the public server and the province
        // aggregator (kept apart from AgriTraceKit: they link SwiftNIO, Hummingbird and postgres-nio).
        .library(name: "AgriTraceServerKit", targets: ["Province", "PublicServer", "Witnessing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The public HTTP server (`serve`). No traits: swift-configuration and full Foundation are not
        // needed, and leaving them out keeps everyone's build shorter.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // NIOHTTPTypes only (already a dependency of Hummingbird): the request and response parts ServerSupport's handler sees.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        // Bcrypt password hashes for the console's accounts (only the HummingbirdBcrypt product: a small C target).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // The province aggregator's store: PostgreSQL through the maintained NIO client (only Province uses it).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // TLS for the province's own bounded HTTP client (https cooperatives); already built for postgres-nio.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C libraries, at the bottom. Each is imported by exactly one Swift target (TestSupport also uses zlib
        // to build hostile zips and PNGs in tests).
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(name: "CHarfBuzz", pkgConfig: "harfbuzz", providers: [.apt(["libharfbuzz-dev"])]),
        .target(name: "CImageCodecs", dependencies: ["CJPEG", "CPNG"],
                cSettings: [.unsafeFlags(["-O2"])]),

        // Reproducible building blocks shared by the numeric and ledger modules: the seeded
        // generator and the parallel split whose chunks depend only on the job count.
        .target(name: "Deterministic"),

        // Messages in the user's language: gettext catalogues, the language choice, number and date formats.
        .target(name: "Localization", exclude: ["README.md"], resources: [.copy("Resources")]),

        // Domain modules.
        // The one HTML/SVG escaper and page security policy; no dependencies.
        .target(name: "Markup", exclude: ["README.md"]),
        // Label type: HarfBuzz shapes, FreeType rasterises, text is fitted into boxes; bundles Noto Sans.
        .target(name: "Typesetting", dependencies: ["CFreeType", "CHarfBuzz"], exclude: ["README.md"],
                resources: [.copy("Fonts")]),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Localization"], exclude: ["README.md"], swiftSettings: optimisedInDebug),
        .target(name: "CPUFeatures", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "CMemoryHints"),
        .target(name: "KernelsCore", swiftSettings: optimisedInDebug),
        .target(name: "KernelsGeneric", dependencies: ["KernelsCore", "CMemoryHints"], swiftSettings: optimisedInDebug),
        .target(name: "KernelsAVX2", dependencies: ["KernelsCore", "CMemoryHints"],
                swiftSettings: optimisedInDebug + avx2CodeGeneration + [.define("FUSED_MULTIPLY_ADD")]),
        .target(name: "KernelsAVX512", dependencies: ["KernelsCore", "CMemoryHints"],
                swiftSettings: optimisedInDebug + avx512CodeGeneration + [.define("FUSED_MULTIPLY_ADD"), .define("WIDE_VECTORS")]),
        .target(name: "KernelsWideOnAVX2", dependencies: ["KernelsCore", "CMemoryHints"],
                swiftSettings: optimisedInDebug + avx2CodeGeneration + [.define("FUSED_MULTIPLY_ADD"), .define("WIDE_VECTORS")]),
        .target(name: "Kernels", dependencies: ["KernelsCore", "KernelsGeneric", "KernelsAVX2", "KernelsAVX512", "CPUFeatures"],
                exclude: ["README.md"], swiftSettings: optimisedInDebug),
        .target(name: "NeuralNet", dependencies: ["Kernels", "Deterministic", "Localization",
                                                  .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"], swiftSettings: optimisedInDebug),
        .target(name: "Training", dependencies: ["NeuralNet", "Kernels", "Imaging", "Deterministic"],
                exclude: ["README.md"], swiftSettings: optimisedInDebug),
        .target(name: "MerkleLog", dependencies: ["Localization", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "LedgerStore", dependencies: ["Localization", "MerkleLog", "CSQLite", "Deterministic",
                                                    .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"]),
        // What the ledger's entries mean: provenance records, identifiers and rules.
        .target(name: "Provenance", dependencies: ["Localization", "LedgerStore", "MerkleLog"], exclude: ["README.md"]),
        .target(name: "Grading", dependencies: ["Localization", "Imaging", "Kernels", "NeuralNet", "LedgerStore", "Provenance", "CZlib", "Deterministic",
                                                .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"], resources: [.copy("Resources")]),
        .target(name: "Traceability", dependencies: ["Localization", "Markup", "LedgerStore", "Provenance", "MerkleLog", "Imaging", "Typesetting", "CQRencode",
                                                     .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"]),
        // What every HTTP listener shares: request targets checked one way, unknown methods answered 405, no reading of a body already refused, listen errors.
        .target(name: "ServerSupport", dependencies: ["Localization", .product(name: "NIOCore", package: "swift-nio"),
                                                      .product(name: "NIOHTTP1", package: "swift-nio"),
                                                      .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                                                      .product(name: "HTTPTypes", package: "swift-http-types")]),
        // The public read-only web server: lot pages, proof bundles, the browser verifier, C2SP tiles.
        .target(name: "PublicServer", dependencies: ["Localization", "Traceability", "Provenance", "LedgerStore", "MerkleLog", "Markup", "ServerSupport",
                                                     .product(name: "Hummingbird", package: "hummingbird"),
                                                     .product(name: "HTTPTypes", package: "swift-http-types"),
                                                     .product(name: "Logging", package: "swift-log"),
                                                     .product(name: "NIOCore", package: "swift-nio"),
                                                     .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                                                     .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"], resources: [.copy("Resources")]),
        // C2SP tlog-witness: the witness (add-checkpoint over HTTP, durable state) and the client that collects cosignatures.
        .target(name: "Witnessing", dependencies: ["MerkleLog", "ServerSupport",
                                                   .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "HTTPTypes", package: "swift-http-types"),
                                                   .product(name: "Logging", package: "swift-log"),
                                                   .product(name: "NIOCore", package: "swift-nio"),
                                                   .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"]),
        // The cooperative's private console (`serve --console`): accounts, uploads, grading jobs, review,
        // labels, origins; its own listener, separate from the public pages.
        .target(name: "Console", dependencies: ["Localization", "Markup", "Imaging", "LedgerStore", "Provenance", "MerkleLog", "Grading", "Traceability", "Witnessing", "ServerSupport",
                                                .product(name: "Hummingbird", package: "hummingbird"),
                                                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                                                .product(name: "HTTPTypes", package: "swift-http-types"),
                                                .product(name: "Logging", package: "swift-log"),
                                                .product(name: "NIOCore", package: "swift-nio"),
                                                .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"]),
        // The province aggregator: follows cooperatives' tiles, verifies, stores in PostgreSQL, answers queries.
        .target(name: "Province", dependencies: ["Localization", "LedgerStore", "Provenance", "MerkleLog", "Traceability", "Markup", "Witnessing", "PublicServer", "ServerSupport",
                                                 .product(name: "PostgresNIO", package: "postgres-nio"),
                                                 .product(name: "Hummingbird", package: "hummingbird"),
                                                 .product(name: "HTTPTypes", package: "swift-http-types"),
                                                 .product(name: "Logging", package: "swift-log"),
                                                 .product(name: "NIOCore", package: "swift-nio"),
                                                 .product(name: "NIOPosix", package: "swift-nio"),
                                                 .product(name: "NIOHTTP1", package: "swift-nio"),
                                                 .product(name: "NIOSSL", package: "swift-nio-ssl"),
                                                 .product(name: "Crypto", package: "swift-crypto")],
                exclude: ["README.md"]),
        .target(name: "AgriTraceCLI", dependencies: [
            "Localization", "Imaging", "Kernels", "NeuralNet", "Training", "LedgerStore", "Provenance", "MerkleLog", "Grading", "Traceability",
            "PublicServer", "Witnessing", "Console", "ServerSupport", "Province",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "agritrace", dependencies: ["AgriTraceCLI"]),

        // Tests mirror the targets.
        .target(name: "TestSupport", dependencies: ["Deterministic", "CZlib"], path: "Tests/TestSupport"),
        .target(name: "ProvenanceTestSupport", dependencies: ["Provenance", "LedgerStore", "Localization", "MerkleLog", "TestSupport"],
                path: "Tests/ProvenanceTestSupport"),
        .testTarget(name: "DeterministicTests", dependencies: ["Deterministic"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport",
                                                       .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "KernelsGeneric", "KernelsAVX2", "KernelsAVX512",
                                                         "KernelsWideOnAVX2", "TestSupport"],
                    swiftSettings: optimisedInDebug),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Kernels", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "NeuralNet", "Kernels", "Imaging", "TestSupport"],
                    swiftSettings: optimisedInDebug),
        .testTarget(name: "LocalizationTests", dependencies: ["Localization", "TestSupport"]),
        .testTarget(name: "MarkupTests", dependencies: ["Markup", "TestSupport"]),
        .testTarget(name: "TypesettingTests", dependencies: ["Typesetting", "TestSupport"]),
        .testTarget(name: "MerkleLogTests", dependencies: ["MerkleLog", "TestSupport"]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "Localization", "Provenance", "MerkleLog", "TestSupport",
                                                             "ProvenanceTestSupport"]),
        .testTarget(name: "ProvenanceTests", dependencies: ["Provenance", "Localization", "LedgerStore", "MerkleLog", "TestSupport",
                                                            "ProvenanceTestSupport"]),
        .testTarget(name: "GradingTests", dependencies: ["Grading", "NeuralNet", "LedgerStore", "Localization", "Provenance", "TestSupport"]),
        .testTarget(name: "TraceabilityTests", dependencies: ["Traceability", "Typesetting", "Localization", "Markup", "LedgerStore", "Provenance", "MerkleLog", "Imaging", "TestSupport",
                                                            "ProvenanceTestSupport",
                                                            .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "PublicServerTests", dependencies: ["PublicServer", "Traceability", "LedgerStore", "Provenance", "MerkleLog",
                                                            "TestSupport", "ProvenanceTestSupport",
                                                            .product(name: "NIOCore", package: "swift-nio"),
                                                            .product(name: "NIOEmbedded", package: "swift-nio"),
                                                            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                                                            .product(name: "HTTPTypes", package: "swift-http-types")]),
        .testTarget(name: "ServerSupportTests", dependencies: ["ServerSupport", "Localization"]),
        .testTarget(name: "WitnessingTests", dependencies: ["Witnessing", "MerkleLog", "Localization", "TestSupport"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Localization", "Grading", "Traceability", "LedgerStore", "Provenance", "MerkleLog",
                                                      "TestSupport", "ProvenanceTestSupport"]),
        .testTarget(name: "ProvinceTests", dependencies: ["Province", "Localization", "PublicServer", "Witnessing", "LedgerStore", "Provenance", "MerkleLog", "Traceability", "Markup",
                                                       "TestSupport", "ProvenanceTestSupport",
                                                       .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "AgriTraceCLITests", dependencies: ["agritrace", "AgriTraceCLI", "Localization", "Grading", "Traceability", "TestSupport", "Kernels", "NeuralNet", "LedgerStore", "Provenance", "MerkleLog",
                                                           "ProvenanceTestSupport", "Imaging",
                                                           .product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v6]
)
