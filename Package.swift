// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// For the targets whose async code runs inside database transactions (the store, units of
/// work, modules): async functions run on their caller's executor unless marked
/// `@concurrent`, so a SQLite transaction's statements run on the writer's thread from BEGIN
/// to COMMIT, with no hop through the shared pool while the transaction is open.
let transactionalSwiftSettings = swiftSettings + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

let package = Package(
    name: "ponte",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ponte", targets: ["ponte"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Domain types and rules. Pure: no I/O, no clock read directly.
        .target(
            name: "PonteCore",
            swiftSettings: swiftSettings
        ),
        // One folder per provider: signature verification, payload reading and the API
        // client; Outbound/ holds what every client shares (timeouts, retries,
        // idempotency keys, circuit breaker, call statistics).
        .target(
            name: "PonteProviders",
            dependencies: [
                "PonteCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The few functions of SQLite's C interface that the writer connection calls, from the
        // copy of SQLite that sqlite-nio builds.
        .target(name: "SQLiteAPI"),
        // Migrations, the webhook inbox; SQLite and PostgreSQL behind one interface.
        // Its async code runs on its caller's executor, so that a SQLite transaction's
        // statements run on the writer's thread (see SQLiteWriter).
        .target(
            name: "PonteStore",
            dependencies: [
                "PonteCore",
                "SQLiteAPI",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // The job runner: leases, retries, dead letters, periodic jobs, rate limits.
        .target(
            name: "PonteJobs",
            dependencies: [
                "PonteCore",
                "PonteStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // Faithful local simulators of the providers (Stripe, Asaas, iFood, Twilio), on loopback.
        .target(
            name: "PonteSandbox",
            dependencies: [
                "PonteCore",
                "PonteProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What a business module is built with: the module protocol and its context, routes with
        // their OpenAPI description, the request context and errors, stream endpoints.
        .target(
            name: "PonteKit",
            dependencies: [
                "PonteCore",
                "PonteStore",
                "PonteJobs",
                "PonteProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // Module: calls to providers as durable jobs (`POST /api/v1/outbound`).
        .target(
            name: "PonteOutbound",
            dependencies: [
                "PonteCore",
                "PonteKit",
                "PonteJobs",
                "PonteProviders",
                "PonteStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // Module: iFood's event polling, into the webhook inbox.
        .target(
            name: "PonteIFood",
            dependencies: [
                "PonteCore",
                "PonteKit",
                "PonteJobs",
                "PonteProviders",
                "PonteStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // Module: store orders (seeds 003, 000 §1–§3): stores and their policy, orders, Asaas
        // payments, deadlines, the POS stream, customer notifications.
        .target(
            name: "PonteOrders",
            dependencies: [
                "PonteCore",
                "PonteKit",
                "PonteJobs",
                "PonteProviders",
                "PonteStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // Module: self-service kiosks (seed 002): payment sessions, tickets exactly once,
        // ESC/POS printing, the service queue and its display panel.
        .target(
            name: "PonteKiosk",
            dependencies: [
                "PonteCore",
                "PonteKit",
                "PonteJobs",
                "PonteProviders",
                "PonteStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // Module: venue integrations (seed 004): venues and their users, connections to their
        // own provider accounts with credentials in the vault, the audit log.
        .target(
            name: "PonteVenues",
            dependencies: [
                "PonteCore",
                "PonteKit",
                "PonteJobs",
                "PonteProviders",
                "PonteStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // HTTP: the webhook intake, the admin API, auth, configuration; assembles the modules.
        .target(
            name: "PonteServer",
            dependencies: [
                "PonteCore",
                "PonteStore",
                "PonteJobs",
                "PonteProviders",
                "PonteKit",
                "PonteOutbound",
                "PonteIFood",
                "PonteOrders",
                "PonteKiosk",
                "PonteVenues",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: transactionalSwiftSettings
        ),
        // Load generators for the benchmarks.
        .target(
            name: "PonteBench",
            dependencies: [
                "PonteProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "PonteStore",
                "PonteJobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the simulators beside a hub: `serve --sandbox` and `PONTE_SANDBOX_URL`.
        .target(
            name: "PonteSandboxHub",
            dependencies: [
                "PonteServer",
                "PonteSandbox",
                "PonteProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ponte",
            dependencies: [
                "PonteServer",
                "PonteSandbox",
                "PonteSandboxHub",
                "PonteKit",
                "PonteOutbound",
                "PonteIFood",
                "PonteBench",
                "PonteStore",
                "PonteProviders",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PonteCoreTests",
            dependencies: ["PonteCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PonteProvidersTests",
            dependencies: [
                "PonteProviders",
                "PonteCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PonteSandboxTests",
            dependencies: [
                "PonteCore",
                "PonteProviders",
                "PonteSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PonteStoreTests",
            dependencies: [
                "PonteCore",
                "PonteStore",
                "PonteJobs",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PonteOrdersTests",
            dependencies: ["PonteOrders", "PonteCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PonteServerTests",
            dependencies: [
                "PonteCore",
                "PonteServer",
                "PonteSandbox",
                "PonteSandboxHub",
                "PonteKit",
                "PonteOutbound",
                "PonteIFood",
                "PonteOrders",
                "PonteJobs",
                "PonteProviders",
                "PonteStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
