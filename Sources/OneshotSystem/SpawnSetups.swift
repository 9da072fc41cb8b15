import Synchronization

/// The ``SpawnSetup``s spawns have used, one per pair of descriptors, kept for the process's
/// lifetime.
///
/// glibc checks each descriptor a file action names against the descriptor limit as the action
/// is added: a `prlimit64` per descriptor, eight per spawn of an attempt. Descriptors are reused,
/// so the spawns of a run use a few pairs: each pair's setup is built once. `posix_spawn` only
/// reads a setup, from any number of threads at once.
enum SpawnSetups {
    /// Past this many pairs (a harness juggling descriptors), setups are built per spawn.
    static let capacity = 256

    private struct Key: Hashable {
        var output: Int32
        var passed: Int32?
        var parking: Int32?
    }

    /// A setup on the heap, never freed: a spawn in flight may be reading it.
    private struct Kept: @unchecked Sendable {
        let setup: UnsafeMutablePointer<SpawnSetup>
    }

    private static let kept = Mutex<[Key: Kept]>([:])

    /// The setup of a spawn whose output goes to `outputFD`, passing `passedFD` and `parkingFD`.
    ///
    /// - Returns: the setup, and whether the caller owns it (frees it with ``release(_:)``): only
    ///   when ``capacity`` setups are kept already.
    /// - Throws: ``SystemError`` naming the call that failed (out of memory, in practice).
    static func setup(outputFD: Int32, passedFD: Int32?, parkingFD: Int32? = nil) throws(SystemError) -> (
        setup: UnsafeMutablePointer<SpawnSetup>, owned: Bool
    ) {
        let key = Key(output: outputFD, passed: passedFD, parking: parkingFD)
        if let found = kept.withLock({ $0[key] }) { return (found.setup, false) }
        let setup = UnsafeMutablePointer<SpawnSetup>.allocate(capacity: 1)
        do {
            setup.initialize(to: try SpawnSetup(outputFD: outputFD, passedFD: passedFD, parkingFD: parkingFD))
        } catch {
            setup.deallocate()
            throw error
        }
        let winner = kept.withLock { kept -> Kept? in
            if let earlier = kept[key] { return earlier }
            guard kept.count < capacity else { return nil }
            kept[key] = Kept(setup: setup)
            return kept[key]
        }
        guard let winner else { return (setup, true) }
        // Another thread made the same setup meanwhile: its copy is the one kept.
        if winner.setup != setup { release(setup) }
        return (winner.setup, false)
    }

    /// Frees a setup ``setup(outputFD:passedFD:)`` left to its caller.
    static func release(_ setup: UnsafeMutablePointer<SpawnSetup>) {
        setup.pointee.destroy()
        setup.deinitialize(count: 1)
        setup.deallocate()
    }
}
