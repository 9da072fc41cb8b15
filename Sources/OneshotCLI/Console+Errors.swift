import Oneshot

extension Console {
    /// Prints every problem `error` carries, one `oneshot: error:` line each: each file and line
    /// of invalid workstream files, each bad setting, else the error's description.
    func error(_ error: any Error) {
        if case .invalidFeature(let errors)? = error as? FeatureRun.Failure {
            errors.errors.forEach { self.error($0.description) }
        } else if let errors = error as? InputErrors {
            errors.errors.forEach { self.error($0.description) }
        } else if let error = error as? UsageError {
            error.messages.forEach { self.error($0) }
        } else {
            self.error("\(error)")
        }
    }
}
