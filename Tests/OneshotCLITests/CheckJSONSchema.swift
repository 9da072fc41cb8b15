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
    /// `vendor.gitlab-ci`); returns the exit code and what the tool printed.
    static func validate(_ file: String, schema: String) throws -> (code: Int32, output: String) {
        guard let executable else { return (-1, unavailableReason ?? "") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--builtin-schema", schema, file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read to the end before waiting: a full pipe would stall the tool.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
