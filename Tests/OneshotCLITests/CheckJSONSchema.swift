import Foundation

/// The `check-jsonschema` tool (`pip install check-jsonschema`), which validates a CI file against
/// GitHub's or GitLab's published schema offline: both are built into it.
enum CheckJSONSchema {
    /// The tool on `PATH`, or `nil`: the tests that need it print why and skip (`.ci/run` installs it).
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/check-jsonschema" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Why the tests that need the tool skip, or `nil` when it is there.
    static var unavailableReason: String? {
        executable == nil ? "check-jsonschema is not on PATH (pip install check-jsonschema; .ci/run installs it)" : nil
    }

    /// Validates `file` against the built-in schema `schema` (`vendor.github-workflows`,
    /// `vendor.gitlab-ci`); returns the exit code and what the tool printed. Awaits the tool's
    /// exit instead of blocking a thread of the test runner's pool (it takes seconds under load).
    static func validate(_ file: String, schema: String) async throws -> (code: Int32, output: String) {
        guard let executable else { return (-1, unavailableReason ?? "") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--builtin-schema", schema, file]
        let outputPath = NSTemporaryDirectory() + "check-jsonschema-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let (exited, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            continuation.yield($0.terminationStatus)
            continuation.finish()
        }
        try process.run()
        var code: Int32 = -1
        for await status in exited { code = status }
        return (code, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}
