import Foundation

/// The single-node Slurm that `.ci/slurm-up` starts (CI runs it before `swift test`): its
/// client environment, read from `/tmp/oneshot-slurm/env`, and its job-completion log.
enum SlurmCluster {
    /// Where `.ci/slurm-up` writes the environment a client needs.
    static let envFile = "/tmp/oneshot-slurm/env"

    /// `SLURM_CONF` and `ONESHOT_SLURM_JOBCOMP`, or `nil` when no cluster was started.
    static let environment: [String: String]? = {
        guard let text = try? String(contentsOfFile: envFile, encoding: .utf8) else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values["SLURM_CONF"] == nil ? nil : values
    }()

    /// Whether the tests can use a real cluster: `.ci/slurm-up` ran and `sbatch` is installed.
    static let isAvailable: Bool = {
        let sbatch = ["/usr/bin/sbatch", "/usr/local/bin/sbatch"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        return environment != nil && sbatch
    }()

    /// Why the Slurm tests skip, for the test report.
    static let skipReason = "no Slurm cluster: run .ci/slurm-up first (needs \(envFile) and sbatch); CI starts it"

    /// The lines of the job-completion log (`JobCompType=jobcomp/filetxt`) naming the job `name`.
    static func completions(of name: String) -> [String] {
        guard let path = environment?["ONESHOT_SLURM_JOBCOMP"],
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").map(String.init).filter { $0.contains(" Name=\(name) ") }
    }

    /// The Slurm job name the log of `id` records for its attempt `attempt`.
    static func jobName(in project: TemporaryProject, feature: String, _ id: String, attempt: Int = 1) -> String? {
        guard let log = project.read(".sdp/logs/\(feature)/\(id).log") else { return nil }
        for line in log.split(separator: "\n") where line.hasPrefix("=== \(id) attempt \(attempt) ·") {
            guard let range = line.range(of: "Slurm job ") else { continue }
            return line[range.upperBound...].split(separator: " ").first.map(String.init)
        }
        return nil
    }
}
