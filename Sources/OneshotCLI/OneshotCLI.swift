/// The `oneshot` command: parses the arguments and runs the subcommand.
public enum OneshotCLI {
    /// Runs `oneshot` with `arguments` (without the program name).
    ///
    /// - Returns: the process exit code (see ``ExitCode``).
    public static func main(_ arguments: [String]) async -> Int32 {
        let console = Console()
        do {
            switch try ArgumentParser.parse(arguments) {
            case .help(let topic):
                console.out(HelpText.text(for: topic))
                return ExitCode.success.rawValue
            case .config(let config):
                return ConfigCommand(arguments: config, console: console).execute().rawValue
            case .plan(let plan):
                return PlanCommand(
                    featureID: plan.featureID, featuresFolder: plan.featuresFolder, projectRoot: plan.projectRoot,
                    format: plan.json ? .json : plan.dot ? .dot : .text, console: console, execTemplate: plan.execTemplate,
                    selection: plan.selection
                ).execute().rawValue
            case .version:
                console.out("oneshot \(HelpText.version)")
                return ExitCode.success.rawValue
            case .run(let run):
                var command = RunCommand(arguments: run, console: console)
                return await command.execute().rawValue
            case .status(let status):
                return StatusCommand(arguments: status, console: console).execute().rawValue
            case .picture(let picture):
                return PictureCommand(arguments: picture, console: console).execute().rawValue
            case .export(let export):
                return ExportCommand(arguments: export, console: console).execute().rawValue
            case .list(let list):
                return ListCommand(arguments: list, console: console).execute().rawValue
            case .log(let log):
                return LogCommand(arguments: log, console: console).execute().rawValue
            case .clean(let clean):
                return CleanCommand(arguments: clean, console: console).execute().rawValue
            case .completions(let shell):
                console.out(Completions.script(for: shell))
                return ExitCode.success.rawValue
            }
        } catch {
            error.messages.forEach { console.error($0) }
            console.hint(error.hint)
            return error.exitCode.rawValue
        }
    }
}
