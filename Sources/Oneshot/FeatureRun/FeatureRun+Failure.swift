import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// Why a run could not start. Nothing ran; the checkpoint is as it was, except after
    /// ``checkpointUnusable(_:)``.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The feature id is not valid, its folder is missing, or its files are malformed or form
        /// a cycle: every problem, each naming its file and line.
        case invalidFeature(InputErrors)
        /// The selection names a workstream the feature does not have.
        case unknownWorkstream(String)
        /// Workstreams the run would start have no command for the executor (no `run:` and no
        /// template); work already done needs none.
        case missingCommand([Workstream])
        /// With ``Selection/requiresDoneDependencies``: `workstream` depends on `dependency`,
        /// outside the selection and not recorded done.
        case dependencyNotDone(workstream: String, dependency: String)
        /// Another run holds the feature's lock.
        case locked(FileLock.Failure)
        /// The checkpoint folder or file cannot be used (not a folder, no permission, read-only).
        case checkpointUnusable(SystemError)

        /// One line per problem, naming the file, id or path at fault.
        public var description: String {
            switch self {
            case .invalidFeature(let errors):
                errors.errors.map(\.description).joined(separator: "\n")
            case .unknownWorkstream(let id):
                "the feature has no workstream '\(Self.oneLine(id))'"
            case .missingCommand(let workstreams):
                workstreams.map { workstream in
                    let place = workstream.source.map { "\($0): " } ?? ""
                    return "\(place)workstream \(workstream.id) has no 'run:' command and the executor has no template"
                }.joined(separator: "\n")
            case .dependencyNotDone(let workstream, let dependency):
                "\(workstream): its dependency \(dependency) is not recorded done (in the checkpoint or the history)"
            case .locked(let failure):
                failure.description
            case .checkpointUnusable(let error):
                "checkpoint folder unusable: \(error)"
            }
        }

        /// A caller's text as it may appear in a one-line message: control characters (a
        /// newline would split the line) written as Swift escapes.
        static func oneLine(_ text: String) -> String {
            text.unicodeScalars.map { scalar in
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                    ? scalar.escaped(asASCII: true) : String(scalar)
            }.joined()
        }
    }
}
