import Foundation
import OneshotCLI
import OneshotSystem

// Before any await: the main thread must be able to receive the signals that stop a run.
SignalWatcher.unblock([SIGINT, SIGTERM, SIGHUP])
exit(await OneshotCLI.main(Array(CommandLine.arguments.dropFirst())))
