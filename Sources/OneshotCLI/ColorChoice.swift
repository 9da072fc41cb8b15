import Foundation
import OneshotSystem

/// `--color auto|always|never` (also `color:` in `.sdp/config.yml`): whether the lines for people
/// carry ANSI colour. CI logs (GitHub Actions, GitLab) render colour although stdout is no
/// terminal there, so `always` or `FORCE_COLOR` turn it on.
public enum ColorChoice: String, Sendable, Equatable, CaseIterable {
    /// Colour when `FORCE_COLOR` says so, none when `NO_COLOR` is set, else only on a terminal
    /// whose `TERM` is not `dumb`.
    case auto
    /// Always colour, whatever the output and the environment.
    case always
    /// Never colour.
    case never

    /// Whether output written to `descriptor` is coloured. Under `auto`, `FORCE_COLOR` (any value
    /// but `0` or `false`) wins over `NO_COLOR`, as in Node.js; empty values count as unset.
    func colours(_ descriptor: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let force = environment["FORCE_COLOR"], !force.isEmpty {
                return force != "0" && force.lowercased() != "false"
            }
            if let none = environment["NO_COLOR"], !none.isEmpty { return false }
            return Syscall.isTerminal(descriptor) && environment["TERM"] != "dumb"
        }
    }
}
