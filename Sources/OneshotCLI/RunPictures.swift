import Oneshot

/// What a run writes of itself as it ends: its trace with `--trace FILE`, and its report with
/// `--report` (or `report: auto`) when it failed or was resumed — no surprise files otherwise.
struct RunPictures {
    let arguments: RunArguments
    let console: Console

    /// Writes what was asked for from the run's last checkpoint, and prints where
    /// (`report: .sdp/reports/F052.html`) with the lines for people; a file that cannot be
    /// written is a warning: the run's outcome stands.
    func write(_ checkpoint: Checkpoint, succeeded: Bool, resumed: Bool) {
        let (lines, warnings) = render(checkpoint, succeeded: succeeded, resumed: resumed)
        warnings.forEach(console.warning)
        var people = console
        if arguments.json { people.outputFD = 2 }
        lines.forEach(people.out)
    }

    private func render(_ checkpoint: Checkpoint, succeeded: Bool, resumed: Bool) -> (lines: [String], warnings: [String]) {
        let picture = RunPicture(checkpoint: checkpoint, runInProgress: false)
        var lines: [String] = []
        var warnings: [String] = []
        if let path = arguments.tracePath {
            if let problem = PictureFile.write(PictureFile.trace(picture), to: path) {
                warnings.append(problem)
            } else {
                lines.append("trace: \(path)")
            }
        }
        if arguments.report && (!succeeded || resumed) {
            let path = PictureFile.reportPath(checkpoint.featureID)
            if let problem = PictureFile.write(PictureFile.report(picture), to: path, creatingFolder: true) {
                warnings.append(problem)
            } else {
                lines.append("report: \(path)")
            }
        }
        return (lines, warnings)
    }
}
