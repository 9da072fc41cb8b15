import Foundation

/// `oneshot config`: the effective run settings and where each came from (default, the
/// configuration file with its line, or a flag).
struct ConfigCommand {
    let arguments: ConfigArguments
    let console: Console

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        var run: RunArguments
        do {
            // Flags given to `config` are parsed as a run's would be (with a placeholder feature).
            guard case .run(let parsed) = try ArgumentParser.parse(arguments.runArguments + ["CONFIG"]) else {
                return .invalidInput
            }
            run = parsed
            // No feature, so no checkpoint: the settings a new run would use.
            _ = try run.merge(recorded: nil, checkpoint: "")
        } catch {
            error.messages.forEach { console.error($0) }
            return error.exitCode
        }
        if arguments.json {
            console.out(json(run))
            return .success
        }
        let width = Setting.all.map(\.key.count).max() ?? 10
        console.out("\("SETTING".padding(to: width))  \("VALUE".padding(to: 20))  SOURCE")
        for setting in Setting.all {
            let value = setting.show(run)
            console.out("\(setting.key.padding(to: width))  \(value.padding(to: 20))  \(run.sources[setting.key] ?? "default")")
        }
        return .success
    }

    /// `{"settings": {"jobs": {"value": "3", "source": "default"}, …}}`: the table, for machines.
    private func json(_ run: RunArguments) -> String {
        let settings = Dictionary(
            uniqueKeysWithValues: Setting.all.map { setting in
                (setting.key, ["value": setting.show(run), "source": run.sources[setting.key] ?? "default"])
            })
        let data =
            (try? JSONSerialization.data(withJSONObject: ["settings": settings], options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
