import Foundation
import Oneshot

extension RunCommand {
    /// The observer for CI logs: a heartbeat only when the run's lines go to a CI log (`CI` set,
    /// no terminal), where no live status line shows that work goes on; GitHub's annotations
    /// whenever `GITHUB_ACTIONS=true`.
    func makeCIOutput(featureID: String, graph: WorkstreamGraph, console: Console) -> CIOutput {
        let environment = ProcessInfo.processInfo.environment
        let heartbeat = CIOutput.isCILog(console.outputFD, environment: environment) ? arguments.heartbeat : nil
        return CIOutput(console: console, featureID: featureID, graph: graph, heartbeat: heartbeat, environment: environment)
    }
}
