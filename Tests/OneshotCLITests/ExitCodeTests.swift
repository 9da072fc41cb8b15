import Foundation
import Oneshot
import OneshotSystem
import Testing

@testable import OneshotCLI

/// Every failure's exit code comes from one table (`ExitCode+Errors.swift`), and the README's
/// table lists exactly the codes `ExitCode` has.
@Suite struct ExitCodeTests {
    private static let lockHeld = FileLock.Failure.held(path: ".sdp/checkpoints/F1.lock", holderPID: 42)
    private static let diskFull = SystemError(call: "fsync", path: ".sdp/checkpoints", errno: ENOSPC)

    @Test(arguments: [
        (UsageError("bad flag") as any Error, ExitCode.invalidInput),
        (InputError("features/F1/a.md:3: bad line"), .invalidInput),
        (InputErrors([InputError("a cycle")]), .invalidInput),
        (FeatureRun.Failure.invalidFeature(InputErrors([InputError("x")])), .invalidInput),
        (FeatureRun.Failure.unknownWorkstream("zz"), .invalidInput),
        (FeatureRun.Failure.missingCommand([]), .invalidInput),
        (FeatureRun.Failure.dependencyNotDone(workstream: "b", dependency: "a"), .invalidInput),
        (FeatureRun.Failure.locked(lockHeld), .locked),
        (FeatureRun.Failure.checkpointUnusable(diskFull), .checkpointFailed),
        (lockHeld, .locked),
        (FileLock.Failure.system(diskFull), .checkpointFailed),
        (CheckpointError(path: ".sdp/checkpoints/F1-checkpoint.json", reason: "cut short"), .checkpointFailed),
        (diskFull, .checkpointFailed),
        (CocoaError(.fileNoSuchFile), .invalidInput),
    ])
    func eachErrorHasOneCode(error: any Error, code: ExitCode) {
        #expect(ExitCode(error) == code, "\(error)")
    }

    @Test func theTypedTableAndTheAnyErrorTableAgree() {
        #expect(ExitCode(Self.lockHeld) == ExitCode(Self.lockHeld as any Error))
        #expect(ExitCode(FeatureRun.Failure.locked(Self.lockHeld)) == .locked)
        #expect(ExitCode(Self.diskFull) == ExitCode(Self.diskFull as any Error))
        #expect(UsageError("x").exitCode == .invalidInput)
    }

    @Test func aRunEndsWithItsStatusUnlessASignalStoppedIt() {
        let byStatus: [(RunReport.Status?, ExitCode)] = [
            (.succeeded, .success), (.failed, .workstreamsFailed), (.held, .heldForDecision),
            (.journalFailed, .checkpointFailed), (.infrastructureFailed, .checkpointFailed),
            (.breakerGaveUp, .breakerGaveUp), (.deadlineReached, .deadlineReached), (.interrupted, .interrupted),
            (nil, .interrupted),
        ]
        for (status, code) in byStatus {
            #expect(ExitCode(status: status, signal: nil) == code, "\(String(describing: status))")
        }
        let bySignal: [(Int32, ExitCode)] = [
            (SIGINT, .interrupted), (SIGHUP, .hangUp), (SIGQUIT, .quit), (SIGTERM, .terminated), (SIGUSR1, .terminated),
        ]
        for (signal, code) in bySignal {
            #expect(ExitCode(status: .failed, signal: signal) == code)
            #expect(code.rawValue == 128 + signal || signal == SIGUSR1)
        }
        #expect(ExitCode(status: .succeeded, signal: SIGINT) == .success, "all done before the signal: success")
    }

    @Test func theReadmeTableListsEveryCodeInOrder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### Exit codes\n").dropFirst().first)
        let table = section.components(separatedBy: "\n## ").first ?? section
        let codes = table.split(separator: "\n").compactMap { line -> Int32? in
            guard line.hasPrefix("| ") else { return nil }
            return Int32(line.dropFirst(2).prefix { $0 != " " })
        }
        #expect(codes == ExitCode.allCases.map(\.rawValue))
    }
}
