#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
extension SignalWatcher {
    /// Gives `signals` their default dispositions and unblocks them, undoing what a parent may
    /// have set up: a SIGCHLD ignored by the parent would make the kernel reap every child at
    /// once (each success then reads as `ECHILD`), a blocked SIGTERM would never be delivered.
    /// A signal in `keepIgnored` that the parent ignores stays ignored (`nohup` ignores SIGHUP on
    /// purpose); it is still unblocked. Call it first thing on the main thread.
    ///
    /// The corresponding C functions are `sigaction` and `pthread_sigmask`.
    public static func resetInherited(_ signals: [Int32], keepIgnored: Set<Int32> = []) {
        for number in signals where !(keepIgnored.contains(number) && isIgnored(number)) {
            var action = sigaction()
            sigemptyset(&action.sa_mask)
            setHandler(of: &action, to: SIG_DFL)
            sigaction(number, &action, nil)
        }
        unblock(signals)
    }

    /// Whether `number`'s disposition is "ignore".
    public static func isIgnored(_ number: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return false }
        return handlerAddress(of: current) == handlerAddress(SIG_IGN)
    }

    /// Makes sure the children this process starts can be waited for.
    ///
    /// With SIGCHLD ignored or `SA_NOCLDWAIT` set, the kernel reaps children as they end and
    /// `waitpid` fails with `ECHILD`: every exit status would be lost. The library is embedded by
    /// harnesses that never run oneshot's `main`, so ``ChildProcess`` calls this before each spawn:
    /// an ignored SIGCHLD becomes the default (which also discards it, but keeps zombies for
    /// `waitpid`), and `SA_NOCLDWAIT` is cleared; a handler the harness installed is kept.
    static func makeChildrenWaitable() {
        var current = sigaction()
        guard sigaction(SIGCHLD, nil, &current) == 0 else { return }
        let ignored = handlerAddress(of: current) == handlerAddress(SIG_IGN)
        guard ignored || current.sa_flags & Int32(SA_NOCLDWAIT) != 0 else { return }
        if ignored { setHandler(of: &current, to: SIG_DFL) }
        current.sa_flags &= ~Int32(SA_NOCLDWAIT)
        sigaction(SIGCHLD, &current, nil)
    }

    /// Whether `number` has a handler function (neither the default nor "ignore").
    static func hasHandler(_ number: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return false }
        let address = handlerAddress(of: current)
        return address != handlerAddress(SIG_DFL) && address != handlerAddress(SIG_IGN)
    }

    private static func handlerAddress(of action: sigaction) -> Int {
        #if canImport(Darwin)
            handlerAddress(action.__sigaction_u.__sa_handler)
        #else
            handlerAddress(action.__sigaction_handler.sa_handler)
        #endif
    }

    private static func handlerAddress(_ handler: (@convention(c) (Int32) -> Void)?) -> Int {
        unsafeBitCast(handler, to: Int.self)
    }

    static func setHandler(of action: inout sigaction, to handler: (@convention(c) (Int32) -> Void)?) {
        #if canImport(Darwin)
            action.__sigaction_u.__sa_handler = handler
        #else
            action.__sigaction_handler.sa_handler = handler
        #endif
    }
}
