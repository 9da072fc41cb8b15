import Foundation
import Oneshot

/// The lines after a run's summary for work that awaits a decision (exit 8): HELD — uncertain
/// `idempotent: false` work not started, with how to check it and the exact command that
/// releases it — and UNCERTAIN — attempts of this run whose outcome could not be learned, with
/// what the next run will do with them.
struct HeldReport {
    let plan: ResumePlan
    let report: RunReport?
    let graph: WorkstreamGraph
    let executor: CommandExecutor
    /// The command that runs the held work again: `oneshot F1 --rerun-uncertain`, with the
    /// flags that name the project and its files.
    let release: String

    /// `oneshot <feature> [-C DIR] [--features DIR] --rerun-uncertain`, quoted for a shell.
    static func releaseCommand(_ arguments: RunArguments) -> String {
        var words = ["oneshot", arguments.featureID]
        if let root = arguments.projectRoot { words += ["-C", root] }
        if let folder = arguments.featuresFolder { words += ["--features", folder] }
        return (words + ["--rerun-uncertain"]).map(ShellWord.word).joined(separator: " ")
    }

    func lines() -> [String] {
        heldLines() + uncertainLines()
    }

    private func heldLines() -> [String] {
        let notStarted = Set(report?.results.filter { $0.state == .held }.map(\.id) ?? [])
        return plan.uncertain.filter { !$0.willRerun && notStarted.contains($0.record.id) }.map { item in
            let record = item.record
            let check =
                item.verify.map { "its verify `\($0)` failed (\(item.verifyFailure ?? "not run")): check" }
                ?? "it has no verify: command to tell: check"
            return
                "HELD        \(record.id): idempotent: false, attempt \(record.attempt) (started \(record.startedAt)) was running when an earlier run died and may have done its work; \(check) its log \(executor.logPath(for: record.id)), then release it: `\(release)` runs it again, or 'status: completed' in \(file(of: record.id)) keeps it as done"
        }
    }

    private func uncertainLines() -> [String] {
        (report?.results ?? []).filter { $0.state == .uncertain }.compactMap { result in
            guard let node = graph.node(result.id) else { return nil }
            let workstream = graph.workstreams[node]
            let next: String
            if let verify = workstream.verify {
                next = "the next run first verifies it with `\(verify)`"
            } else if workstream.isIdempotent {
                next = "the next run runs it again (idempotent)"
            } else {
                next =
                    "the next run holds it: check its log, then `\(release)` runs it again, or 'status: completed' in \(file(of: result.id)) keeps it as done"
            }
            return
                "UNCERTAIN   \(result.id): its attempt ended without leaving its exit status (log \(executor.logPath(for: result.id))); \(next)"
        }
    }

    private func file(of id: String) -> String {
        graph.node(id).flatMap { graph.workstreams[$0].source?.file } ?? "its file"
    }
}
