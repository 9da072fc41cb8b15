import Foundation
import OneshotCLI
import OneshotSystem

// Before any await: the main thread must be able to receive the signals that stop a run, and a
// parent's dispositions must not leak in (SIGCHLD ignored would lose every child's exit status).
// SIGHUP stays ignored under `nohup`.
SignalWatcher.resetInherited([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD], keepIgnored: [SIGHUP])
// What a command starts outside its process group (a double fork, `setsid cmd &`) is re-parented
// to oneshot instead of init when its parent exits, so that it can be ended with its attempt and
// its zombie reaped (also when oneshot is a container's pid 1). Linux only; see `Subreaper`.
Subreaper.become()
// A command stopped by SIGSTOP is killed and reported instead of hanging the run.
ChildStopWatcher.install()
// Descriptors our parent left open must not leak into the commands we start.
InheritedDescriptors.closeOnExec()
// A closed stdout (`oneshot F052 | head`) must not kill oneshot and orphan its children.
Syscall.ignore(signal: SIGPIPE)
// oneshot's own descriptors running out must not fail workstreams: use all the hard limit allows.
DescriptorLimit.raiseSoftLimit()
Syscall.exit(await OneshotCLI.main(Array(CommandLine.arguments.dropFirst())))
