import Oneshot

extension RunArguments {
    /// Takes one run option read by ``OptionScanner``: a switch, `-C`, `--trace`, a selection
    /// flag, or a ``Setting``'s flag, whose source is then the `name` it was given by.
    mutating func take(_ option: CommandOption, name: String, value: String?) throws(UsageError) {
        switch option {
        case .directory: projectRoot = value
        case .fresh: fresh = true
        case .force: force = true
        case .rerunUncertain: rerunUncertain = true
        case .killOrphans: killOrphans = true
        case .noWait: noWait = true
        case .json: json = true
        case .dryRun: dryRun = true
        case .failFast: failFast = true
        case .keepGoing: failFast = false
        case .verbose: verbosity = .verbose
        case .quiet: verbosity = .quiet
        case .trace: tracePath = value
        case _ where selection.take(option, value: value): break
        default:
            guard let setting = Setting.forFlag(option.name), let value = value ?? setting.switchValue else {
                throw UsageError(.unknownOption(name, subcommand: .run, suggestion: nil))
            }
            try setting.apply(&self, value, name)
            sources[setting.key] = name
        }
    }

    /// Merges what the flags did not give, highest precedence first: the environment, the
    /// interrupted run's `recorded` settings (read from `checkpoint`), `.sdp/config.yml`; then
    /// checks them all together, once (``validate()``).
    ///
    /// - Returns: what a resume took from the checkpoint.
    /// - Throws: ``UsageError`` naming each bad value and where it came from.
    mutating func merge(recorded: RecordedSettings?, checkpoint: String) throws(UsageError) -> RunSettings.Resumed {
        try EnvironmentSettings.apply(to: &self)
        let resumed = try RunSettings.applyRecorded(recorded, path: checkpoint, to: &self)
        try ConfigFile.apply(to: &self)
        try validate()
        return resumed
    }

    /// The message for breaker settings that make no configuration, naming each setting by its
    /// source so a conflict between a flag and the file says which to change.
    func problem(_ error: BreakerConfigurationError) -> String {
        let name = { (field: BreakerConfiguration.Field) in
            named(BreakerSettings.key(of: field), breakerSettings.text(of: field))
        }
        switch error {
        case .outOfRange(let field, _): return "\(name(field)) is out of range"
        case .thresholdExceedsWindow: return "\(name(.threshold)) cannot exceed \(name(.window))"
        case .maxBackoffShorterThanOpenTimeout: return "\(name(.maxBackoff)) cannot be shorter than \(name(.openTimeout))"
        }
    }
}
