// swift-tools-version:6.0
import PackageDescription

/// Settings every target shares: Swift 6 language mode (strict concurrency) plus the
/// upcoming features our model codebases turn on.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "oneshot",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Oneshot", targets: ["Oneshot"]),
        .executable(name: "oneshot", targets: ["oneshot"]),
    ],
    targets: [
        // Thin, typed wrappers over the libc calls the project makes (errno, EINTR, spawn, wait, kill).
        .target(name: "OneshotSystem", swiftSettings: strictSettings),
        // Workstream files: the two metadata forms, strict parsing with file:line errors.
        .target(name: "OneshotWorkstreams", dependencies: ["OneshotSystem"], swiftSettings: strictSettings),
        // The DAG: indegrees, Kahn's order, cycles named, critical-path priorities.
        .target(name: "OneshotGraph", dependencies: ["OneshotWorkstreams"], swiftSettings: strictSettings),
        // The circuit breaker: a pure state machine with an injected clock.
        .target(name: "OneshotBreaker", swiftSettings: strictSettings),
        // The work-conserving dispatcher: one TaskGroup loop over a pure state machine.
        .target(
            name: "OneshotDispatch", dependencies: ["OneshotBreaker", "OneshotGraph", "OneshotSystem", "OneshotWorkstreams"],
            swiftSettings: strictSettings
        ),
        // The checkpoint: atomic durable writes under a lock, the seed's JSON format, resume.
        .target(
            name: "OneshotCheckpoint",
            dependencies: ["OneshotSystem", "OneshotWorkstreams", "OneshotGraph", "OneshotBreaker", "OneshotDispatch"],
            swiftSettings: strictSettings
        ),
        // The CLI's executor: a shell command per workstream, in its own process group, logged.
        .target(
            name: "OneshotCommand",
            dependencies: ["OneshotSystem", "OneshotWorkstreams", "OneshotDispatch", "OneshotCheckpoint"],
            swiftSettings: strictSettings),
        // Pictures of a run: a Chrome trace for Perfetto, a self-contained HTML report with a Gantt chart.
        .target(name: "OneshotReport", dependencies: ["OneshotCheckpoint", "OneshotSystem"], swiftSettings: strictSettings),
        // The umbrella an agent harness imports.
        .target(
            name: "Oneshot",
            dependencies: [
                "OneshotWorkstreams", "OneshotGraph", "OneshotBreaker", "OneshotDispatch", "OneshotCheckpoint", "OneshotCommand",
                "OneshotReport",
            ],
            swiftSettings: strictSettings
        ),
        // Argument parsing, output and exit codes: a thin layer over the library.
        .target(name: "OneshotCLI", dependencies: ["Oneshot", "OneshotSystem"], swiftSettings: strictSettings),
        .executableTarget(name: "oneshot", dependencies: ["OneshotCLI"], swiftSettings: strictSettings),
        // Benchmarks against ninja and make: `swift build -c release && swift run -c release oneshot-bench`.
        .executableTarget(
            name: "oneshot-bench", dependencies: ["Oneshot", "OneshotSystem"], path: "Benchmarks/oneshot-bench",
            swiftSettings: strictSettings
        ),

        // Test tools shared by test targets (a file system that fails on demand, a manual clock, waits
        // on a thread of their own); not shipped.
        .target(
            name: "OneshotTestSupport", dependencies: ["OneshotSystem"], path: "Tests/OneshotTestSupport",
            swiftSettings: strictSettings),

        // Suites' time limits are 3 minutes at least, a bound against hangs, never a speed goal:
        // Swift Testing (6.3) starts every test case at once, so a test's minute runs beside all
        // the others, and on a loaded 2-core machine (a 1-CPU quota with 2 CPU hogs) tests that
        // take milliseconds alone went past 60 s waiting for the CPU.
        .testTarget(
            name: "OneshotSystemTests", dependencies: ["OneshotSystem", "OneshotTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "OneshotWorkstreamsTests", dependencies: ["OneshotWorkstreams", "OneshotDispatch"],
            swiftSettings: strictSettings),
        .testTarget(name: "OneshotGraphTests", dependencies: ["OneshotGraph"], swiftSettings: strictSettings),
        .testTarget(name: "OneshotBreakerTests", dependencies: ["OneshotBreaker"], swiftSettings: strictSettings),
        .testTarget(
            name: "OneshotDispatchTests", dependencies: ["OneshotDispatch", "OneshotBreaker", "OneshotTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "OneshotCheckpointTests",
            dependencies: [
                "OneshotCheckpoint", "OneshotSystem", "OneshotWorkstreams", "OneshotDispatch", "OneshotGraph",
                "OneshotTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OneshotReportTests", dependencies: ["OneshotReport", "OneshotCheckpoint"], swiftSettings: strictSettings),
        .testTarget(
            name: "OneshotCLITests",
            dependencies: ["OneshotCLI", "Oneshot", "OneshotCheckpoint", "OneshotTestSupport", "oneshot"],
            swiftSettings: strictSettings
        ),
    ]
)
