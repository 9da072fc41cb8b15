import Foundation

/// Settings the environment may give, for a CI template that knows them only at run time
/// (`ONESHOT_DEADLINE` from the job's time limit). A flag wins over the environment, which wins
/// over `.sdp/config.yml`.
enum EnvironmentSettings {
    /// Each variable, and the ``Setting`` key it sets.
    static let variables: [(name: String, key: String)] = [
        ("ONESHOT_DEADLINE", "deadline"), ("ONESHOT_HEARTBEAT", "heartbeat"),
    ]

    /// Applies the variables set in `environment` whose setting no flag gave; records each one
    /// as its setting's source.
    static func apply(
        to run: inout RunArguments, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(UsageError) {
        for (name, key) in variables {
            guard let value = environment[name], !value.isEmpty, run.sources[key] == nil,
                let setting = Setting.all.first(where: { $0.key == key })
            else { continue }
            try setting.apply(&run, value, name)
            run.sources[key] = name
        }
    }
}
