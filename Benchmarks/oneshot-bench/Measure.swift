import Foundation
import Oneshot
import OneshotSystem
import Synchronization

/// Wall-clock seconds of `body`.
func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let elapsed = clock.now - start
    return elapsed.inSeconds
}

/// Peak resident memory of this process so far, in MiB (`getrusage`).
func peakMemoryMiB() -> Double {
    var usage = rusage()
    #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576  // bytes on Darwin
    #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // KiB on Linux
    #endif
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// A file system that counts fsyncs and bytes written, passing everything through.
final class CountingFileSystem: FileSystem {
    private let base = PosixFileSystem()
    private let fsyncCount = Atomic<Int>(0)
    private let byteCount = Atomic<Int>(0)

    var fsyncs: Int { fsyncCount.load(ordering: .relaxed) }
    var bytes: Int { byteCount.load(ordering: .relaxed) }

    func open(_ path: String, flags: Int32, mode: mode_t) throws(SystemError) -> Int32 {
        try base.open(path, flags: flags, mode: mode)
    }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) -> Int {
        let written = try base.write(fd, bytes, path: path)
        byteCount.add(written, ordering: .relaxed)
        return written
    }
    func fsync(_ fd: Int32, path: String) throws(SystemError) {
        fsyncCount.add(1, ordering: .relaxed)
        try base.fsync(fd, path: path)
    }
    func close(_ fd: Int32) { base.close(fd) }
    func rename(_ source: String, to destination: String) throws(SystemError) { try base.rename(source, to: destination) }
    func unlink(_ path: String) throws(SystemError) { try base.unlink(path) }
    func flock(_ fd: Int32, operation: Int32, path: String) throws(SystemError) {
        try base.flock(fd, operation: operation, path: path)
    }
    func truncate(_ fd: Int32, length: Int, path: String) throws(SystemError) {
        try base.truncate(fd, length: length, path: path)
    }
}

/// A fresh temporary folder.
func temporaryFolder(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "oneshot-bench-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Prints a table with aligned columns.
func printTable(_ title: String, _ header: [String], _ rows: [[String]]) {
    print("\n## \(title)\n")
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ")
            + " |"
    }
    print(line(header))
    print("| " + widths.map { String(repeating: "-", count: $0) }.joined(separator: " | ") + " |")
    rows.forEach { print(line($0)) }
}

func format(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
}

/// Whose CPU time ``cpuSeconds(_:)`` reads.
enum CPUOf {
    /// This process.
    case ownProcess
    /// The processes this one has waited for, and theirs.
    case waitedForChildren
}

/// User and system CPU seconds so far (`getrusage`).
func cpuSeconds(_ whose: CPUOf) -> Double {
    var usage = rusage()
    #if canImport(Darwin)
        getrusage(whose == .ownProcess ? RUSAGE_SELF : RUSAGE_CHILDREN, &usage)
    #else
        getrusage((whose == .ownProcess ? RUSAGE_SELF : RUSAGE_CHILDREN).rawValue, &usage)
    #endif
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
