#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns the signals that stop a program into the cancellation of an operation: what a
/// command-line tool that embeds a run (a `FeatureRun`) needs to stop it gracefully on Ctrl-C.
///
/// The first signal cancels the operation's task: a run stops launching, its running attempts
/// get SIGTERM, then SIGKILL after their grace, and it still returns (and saves) what it did. A
/// later signal means "now": it throws the ``KillSwitch`` bound around the operation, and the
/// attempts still being stopped get SIGKILL at once; the operation still returns.
///
/// ```swift
/// let run = try FeatureRun(root: projectRoot, featureID: "F052")
/// let (outcome, signal) = try await SignalCancellation.run {
///     try await run.run(executor: build)
/// }
/// if let signal, !outcome.succeeded { exit(128 + signal) }  // the checkpoint is saved
/// ```
public enum SignalCancellation {
    /// What a signal did.
    public enum Stage: Sendable, Equatable {
        /// The first signal: the operation's task was cancelled.
        case cancelled
        /// A later one: the kill switch was thrown.
        case killed
    }

    /// SIGINT, SIGTERM, SIGQUIT, and SIGHUP unless it is ignored: under `nohup`, closing the
    /// terminal must not stop the run.
    public static var stopSignals: [Int32] {
        [SIGINT, SIGTERM, SIGQUIT] + (SignalWatcher.isIgnored(SIGHUP) ? [] : [SIGHUP])
    }

    /// Runs `operation`, cancelling it on the first of `signals` and throwing `killSwitch` on
    /// each later one, until it returns.
    ///
    /// The signals are watched (through ``SignalWatcher``) before `operation` starts and until
    /// it returns.
    ///
    /// - Parameters:
    ///   - signals: the signals that stop the operation; ``stopSignals`` by default.
    ///   - restoringDispositions: whether the signals get their earlier dispositions back
    ///     afterwards (a harness wants its own Ctrl-C back; a CLI about to exit keeps the handler,
    ///     so that a late signal is not fatal).
    ///   - killSwitch: bound as ``KillSwitch/current`` around `operation`.
    ///   - onSignal: called on the signal relay's thread with each signal and what it did.
    ///   - operation: the work; it should honour cancellation.
    /// - Returns: what `operation` returned, and the first signal received, if any.
    /// - Throws: what `operation` throws.
    public static func run<T: Sendable, Failure: Error>(
        signals: [Int32] = stopSignals,
        restoringDispositions: Bool = true,
        killSwitch: KillSwitch = KillSwitch(),
        onSignal: @escaping @Sendable (_ signal: Int32, _ stage: Stage) -> Void = { _, _ in },
        _ operation: @escaping @Sendable () async throws(Failure) -> T
    ) async throws(Failure) -> (value: T, signal: Int32?) {
        let watched = SignalWatcher.signals(signals, restoringDispositions: restoringDispositions)
        let (stopRequests, requestStop) = AsyncStream<Void>.makeStream()
        let (result, received) = await withTaskGroup(of: Step<T, Failure>.self) { group in
            group.addTask {
                .finished(await cancellable(stopRequests: stopRequests, killSwitch: killSwitch, operation))
            }
            group.addTask { await nextSignal(watched) }
            var result: Result<T, Failure>?
            var received: Int32?
            while let step = await group.next() {
                switch step {
                case .finished(let value):
                    result = value
                    group.cancelAll()
                case .signal(let number) where received == nil:
                    received = number
                    onSignal(number, .cancelled)
                    requestStop.yield()
                    requestStop.finish()
                    group.addTask { await nextSignal(watched) }
                case .signal(let number):
                    onSignal(number, .killed)
                    killSwitch.throwSwitch()
                    group.addTask { await nextSignal(watched) }
                case .watchEnded:
                    break
                }
            }
            return (result, received)
        }
        guard let result else { preconditionFailure("Internal inconsistency: the operation returned nothing") }
        return (try result.get(), received)
    }

    private enum Step<T: Sendable, Failure: Error>: Sendable {
        case finished(Result<T, Failure>)
        case signal(Int32)
        case watchEnded
    }

    private enum Inner<T: Sendable, Failure: Error>: Sendable {
        case finished(Result<T, Failure>)
        case stopRequested
        case ended
    }

    /// `operation` under `killSwitch`, in a task of its own that a stop request cancels.
    private static func cancellable<T: Sendable, Failure: Error>(
        stopRequests: AsyncStream<Void>, killSwitch: KillSwitch,
        _ operation: @escaping @Sendable () async throws(Failure) -> T
    ) async -> Result<T, Failure> {
        await KillSwitch.$current.withValue(killSwitch) {
            await withTaskGroup(of: Inner<T, Failure>.self) { group in
                group.addTask {
                    do throws(Failure) {
                        return .finished(.success(try await operation()))
                    } catch {
                        return .finished(.failure(error))
                    }
                }
                group.addTask {
                    for await _ in stopRequests { return .stopRequested }
                    return .ended
                }
                var result: Result<T, Failure>?
                while let step = await group.next() {
                    switch step {
                    case .finished(let value):
                        result = value
                        group.cancelAll()
                    case .stopRequested:
                        group.cancelAll()
                    case .ended:
                        break
                    }
                }
                guard let result else { preconditionFailure("Internal inconsistency: the operation returned nothing") }
                return result
            }
        }
    }

    private static func nextSignal<T: Sendable, Failure: Error>(_ signals: AsyncStream<Int32>) async -> Step<T, Failure> {
        for await number in signals { return .signal(number) }
        return .watchEnded
    }
}
