#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The attributes and file actions every ``ChildProcess`` is spawned with, each call checked.
///
/// - A session of its own (`POSIX_SPAWN_SETSID`), so a process group whose id is the child's
///   pid, without a controlling terminal: a command that opens `/dev/tty` to prompt fails at once
///   (`ENXIO`) instead of being stopped by SIGTTIN and hanging the run, and the terminal's job
///   control never reaches it.
/// - An empty signal mask and every signal at its default disposition: what oneshot ignores or
///   handles (SIGPIPE, SIGINT, SIGCHLD…) is none of the command's business.
/// - Standard input from `/dev/null`, standard output and error to the log, descriptor 3 when
///   the caller passes one (the feature's exit-status file), and no other descriptor: one the
///   caller left open without close-on-exec (an embedding harness's socket, a pipe) would
///   otherwise keep its far end waiting for as long as the command, or whatever the command
///   left behind, runs.
struct SpawnSetup {
    #if canImport(Darwin)
        var attributes: posix_spawnattr_t? = nil
        var actions: posix_spawn_file_actions_t? = nil
    #else
        var attributes = posix_spawnattr_t()
        var actions = posix_spawn_file_actions_t()
    #endif
    private var attributesMade = false
    private var actionsMade = false

    /// The descriptor a child gets `passedFD` as: the first after the standard three, so that
    /// the rest can still be closed with one range.
    static let passedDescriptor: Int32 = 3

    /// The descriptor a child gets `parkingFD` as, after ``passedDescriptor``.
    static let parkingDescriptor: Int32 = 4

    /// Prepares a spawn whose output goes to `outputFD`, with `passedFD` (if any) as the child's
    /// descriptor 3 and `parkingFD` (if any, with `passedFD`) as its descriptor 4. Both must be
    /// numbered above 4, so that each `dup2` is a real one (it clears close-on-exec) and none
    /// overwrites the other.
    ///
    /// - Throws: ``SystemError`` naming the call that failed (out of memory, in practice).
    init(outputFD: Int32, passedFD: Int32? = nil, parkingFD: Int32? = nil) throws(SystemError) {
        try Self.check("posix_spawnattr_init", posix_spawnattr_init(&attributes))
        attributesMade = true
        try Self.check("posix_spawn_file_actions_init", posix_spawn_file_actions_init(&actions))
        actionsMade = true
        do {
            try setSignals()
            try Self.check(
                "posix_spawnattr_setflags",
                posix_spawnattr_setflags(&attributes, Int16(Self.flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
            try Self.check(
                "posix_spawn_file_actions_addopen", posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0))
            try Self.check("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, outputFD, 1))
            try Self.check("posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, outputFD, 2))
            if let passedFD {
                try Self.check(
                    "posix_spawn_file_actions_adddup2",
                    posix_spawn_file_actions_adddup2(&actions, passedFD, Self.passedDescriptor))
            }
            if let parkingFD {
                try Self.check(
                    "posix_spawn_file_actions_adddup2",
                    posix_spawn_file_actions_adddup2(&actions, parkingFD, Self.parkingDescriptor))
            }
            let passed: Int32 = parkingFD != nil ? 2 : passedFD != nil ? 1 : 0
            try closeTheRest(from: Self.passedDescriptor + passed)
        } catch {
            destroy()
            throw error
        }
    }

    /// Frees what `init` made. Call it once the spawn is done.
    mutating func destroy() {
        if attributesMade { posix_spawnattr_destroy(&attributes) }
        if actionsMade { posix_spawn_file_actions_destroy(&actions) }
        attributesMade = false
        actionsMade = false
    }

    private mutating func setSignals() throws(SystemError) {
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var every = sigset_t()
        sigfillset(&every)
        // Neither can be caught or ignored: their disposition cannot be set.
        sigdelset(&every, SIGKILL)
        sigdelset(&every, SIGSTOP)
        try Self.check("posix_spawnattr_setsigmask", posix_spawnattr_setsigmask(&attributes, &emptyMask))
        try Self.check("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(&attributes, &every))
    }

    /// Every descriptor from `first` up closed in the child: glibc 2.34+'s
    /// `posix_spawn_file_actions_addclosefrom_np`, Darwin's `POSIX_SPAWN_CLOEXEC_DEFAULT` (in
    /// ``flags``). Where neither exists only close-on-exec descriptors stay out (oneshot's own
    /// are all opened so, and the CLI marks inherited ones at start).
    private mutating func closeTheRest(from first: Int32) throws(SystemError) {
        #if os(Linux)
            guard let closeFrom = Self.addCloseFrom else { return }
            try Self.check("posix_spawn_file_actions_addclosefrom_np", closeFrom(&actions, first))
        #endif
    }

    #if os(Linux)
        private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        private static let addCloseFrom = HiddenLibCFunction.lookUp(
            "posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)
    #endif

    private static var flags: Int32 {
        #if os(Linux)
            // POSIX_SPAWN_SETSID: glibc 2.26+; the Glibc module does not import the macro.
            0x80
        #else
            Int32(POSIX_SPAWN_SETSID) | Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
    }

    /// `posix_spawn*` functions return an error number instead of setting `errno`.
    private static func check(_ call: String, _ result: Int32) throws(SystemError) {
        if result != 0 { throw SystemError(call: call, path: nil, errno: result) }
    }
}
