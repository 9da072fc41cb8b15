/// The `oneshot` command: parses the arguments and runs the subcommand.
public enum OneshotCLI {
    /// Runs `oneshot` with `arguments` (without the program name).
    ///
    /// - Returns: the process exit code (see ``ExitCode``).
    public static func main(_ arguments: [String]) async -> Int32 {
        let console = Console()
        do {
            switch try ArgumentParser.parse(arguments) {
            case .help:
                console.out(HelpText.text)
                return ExitCode.success.rawValue
            case .version:
                console.out("oneshot \(HelpText.version)")
                return ExitCode.success.rawValue
            case .run(let run):
                return await RunCommand(arguments: run, console: console).execute().rawValue
            case .status(let status):
                return StatusCommand(arguments: status, console: console).execute().rawValue
            }
        } catch {
            console.error(error.message)
            console.hint("see 'oneshot --help'")
            return ExitCode.invalidInput.rawValue
        }
    }
}
