import OneshotWorkstreams

extension RunArguments {
    /// A setting and its value as a message names it, by where it came from: `--breaker-window
    /// (5)`, `breaker.window (10, .sdp/config.yml:3)`, or `the default breaker.window (5)`, so that
    /// a conflict between a flag and the file says which of the two to change.
    func named(_ key: String, _ value: String) -> String {
        let name = ConfigFile.displayName(of: key)
        guard let source = sources[key] else { return "the default \(name) (\(value))" }
        if source.hasPrefix("-") { return "\(source) (\(value))" }
        return "\(name) (\(value), \(source))"
    }
}
