// swift-tools-version:6.0
import PackageDescription

/// Stricter imports, one target at a time: a file sees only the members of modules it imports itself
/// (`MemberImportVisibility`), and imports are internal unless written `public import` where a public
/// declaration exposes the module's types (`InternalImportsByDefault`). On every source target.
let strictImports: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Kefu",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kefu", targets: ["kefu"]),
        .library(name: "KefuServices", targets: ["KefuServices"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: [
        // System library: PCRE2 (8-bit code units). Debian: libpcre2-dev.
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // System library: zlib (gzip for W3C Bitstring Status Lists). Debian: zlib1g-dev.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Shared vocabulary: diagnostics, errors, clocks.
        .target(name: "KefuCore", swiftSettings: strictImports),
        // The only importer of CPCRE2: compiled patterns, limits, normalization, evidence ranges.
        .target(name: "KefuRegex", dependencies: ["CPCRE2", "KefuCore"], swiftSettings: strictImports),
        // Rubric model and scorer (pure).
        .target(name: "KefuRubrics", dependencies: ["KefuCore", "KefuRegex"], swiftSettings: strictImports),
        // Scenario model and runner state machine (pure; clock injected).
        .target(
            name: "KefuScenarios", dependencies: ["KefuCore", "KefuRegex", "KefuRubrics"], swiftSettings: strictImports),
        // Question banks, GIFT, blueprints, grading, exam sessions, item statistics (pure).
        .target(name: "KefuExams", dependencies: ["KefuCore", "KefuRegex"], swiftSettings: strictImports),
        // Mentor assignment (optimal, deterministic) and transcript review model (pure).
        .target(name: "KefuMentoring", dependencies: ["KefuCore"], swiftSettings: strictImports),
        // YAML loading of content and lint diagnostics.
        .target(
            name: "KefuContent",
            dependencies: [
                "KefuCore", "KefuRegex", "KefuRubrics", "KefuScenarios", "KefuExams", "KefuMentoring", "KefuTracks",
                "Yams", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictImports
        ),
        // Hash chain, RFC 6962 Merkle tree, signed checkpoints, credentials (pure + swift-crypto).
        .target(
            name: "KefuLedger", dependencies: ["KefuCore", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictImports),
        // QA auditing: masking, sampling, agreement statistics (pure).
        .target(name: "KefuQA", dependencies: ["KefuCore", "KefuRegex"], swiftSettings: strictImports),
        // Certification rules, KPIs, promotion rules (pure).
        .target(name: "KefuTracks", dependencies: ["KefuCore", "KefuLedger"], swiftSettings: strictImports),
        // Storage protocols: one store per aggregate, domain types in and out, no SQL (no GRDB).
        .target(name: "KefuStorage", dependencies: ["KefuCore", "KefuLedger"], swiftSettings: strictImports),
        // SQLite through GRDB: migrations, records, every SQL statement; implements KefuStorage.
        .target(
            name: "KefuStore",
            dependencies: ["KefuCore", "KefuLedger", "KefuStorage", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictImports),
        // PostgreSQL through postgres-nio (pooled PostgresClient): migrations and every SQL statement of the server
        // backend; implements KefuStorage like KefuStore does.
        .target(
            name: "KefuPostgres",
            dependencies: [
                "KefuCore", "KefuLedger", "KefuStorage", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictImports),
        // Use cases shared by the CLI and (later) the web layer.
        .target(
            name: "KefuServices",
            dependencies: [
                "KefuCore", "KefuRegex", "KefuRubrics", "KefuContent", "KefuLedger", "KefuStorage", "KefuStore",
                "KefuPostgres", "KefuTracks", "KefuQA", "KefuScenarios", "KefuExams", "KefuMentoring",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: strictImports
        ),
        // The web app (`kefu serve`): Hummingbird routes, sessions, CSRF, templates, the JSON API. Thin: every rule
        // lives in KefuServices.
        .target(
            name: "KefuWeb",
            dependencies: [
                "KefuServices", "KefuCore", "KefuExams",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                "Yams",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictImports
        ),
        // Command tree.
        .target(
            name: "KefuCLI",
            dependencies: [
                "KefuServices", "KefuCore", "KefuWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictImports
        ),
        .executableTarget(name: "kefu", dependencies: ["KefuCLI"], swiftSettings: strictImports),
        // Test support: fresh storage, the storage conformance suites, golden files.
        .target(
            name: "KefuTesting",
            dependencies: ["KefuCore", "KefuStorage", "KefuStore", "KefuPostgres", "KefuServices"],
            swiftSettings: strictImports),
        .testTarget(
            name: "KefuStorageTests",
            dependencies: [
                "KefuTesting", "KefuStorage", "KefuStore", "KefuPostgres", "KefuCore", "KefuLedger",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "KefuRegexTests", dependencies: ["KefuRegex"]),
        .testTarget(
            name: "KefuWebTests",
            dependencies: [
                "KefuWeb", "KefuServices", "KefuCore", "KefuTesting", "KefuStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .testTarget(name: "KefuRubricsTests", dependencies: ["KefuRubrics", "KefuRegex", "KefuContent"]),
        .testTarget(
            name: "KefuContentTests", dependencies: ["KefuContent", "KefuRubrics", "KefuExams", "KefuTracks"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "KefuCLITests", dependencies: ["KefuCLI", "KefuServices", "KefuStore", "KefuExams", "KefuTesting"]),
        .testTarget(
            name: "KefuScenariosTests", dependencies: ["KefuScenarios", "KefuRubrics", "KefuContent", "KefuCore"]),
        .testTarget(name: "KefuExamsTests", dependencies: ["KefuExams", "KefuCore", "KefuRegex"]),
        .testTarget(name: "KefuMentoringTests", dependencies: ["KefuMentoring", "KefuCore"]),
        .testTarget(name: "KefuQATests", dependencies: ["KefuQA", "KefuRegex", "KefuCore"]),
        .testTarget(
            name: "KefuLedgerTests", dependencies: ["KefuLedger", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "KefuStoreTests",
            dependencies: [
                "KefuStore", "KefuStorage", "KefuServices", "KefuLedger", "KefuContent", "KefuTracks", "KefuExams",
                "KefuScenarios", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
