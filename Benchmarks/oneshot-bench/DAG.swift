import Foundation
import Oneshot

/// A generated dependency graph: the same work as workstream files, a `build.ninja` and a
/// `Makefile`, with its critical path and the lower bound of its makespan.
struct DAG {
    enum Shape: String, CaseIterable {
        case chain, wide, diamond, layered
    }

    /// `ids[i]` depends on `dependencies[i]` (indices of earlier nodes).
    var dependencies: [[Int]]
    /// Seconds each node takes.
    var durations: [Double]

    var count: Int { dependencies.count }

    static func id(_ index: Int) -> String { "n\(index)" }

    /// Generates `count` nodes of `shape`, durations uniform in `duration` (seeded).
    static func generate(_ shape: Shape, count: Int, duration: ClosedRange<Double> = 0...0, seed: UInt64 = 1) -> DAG {
        var random = SeededRandom(seed: seed)
        var dependencies = [[Int]](repeating: [], count: count)
        switch shape {
        case .chain:
            for index in 1..<max(1, count) { dependencies[index] = [index - 1] }
        case .wide:
            break
        case .diamond:
            // One source, a wide middle, one sink.
            for index in 1..<max(1, count - 1) { dependencies[index] = [0] }
            if count > 2 { dependencies[count - 1] = Array(1..<(count - 1)) }
        case .layered:
            // Layers about √n wide; each node depends on 1–3 nodes of the layer above.
            let width = max(1, Int(Double(count).squareRoot()))
            for index in width..<max(width, count) {
                let layerStart = (index / width - 1) * width
                var picks = Set<Int>()
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    picks.insert(layerStart + Int.random(in: 0..<width, using: &random))
                }
                dependencies[index] = picks.sorted()
            }
        }
        let durations = (0..<count).map { _ in
            duration.lowerBound == duration.upperBound ? duration.lowerBound : Double.random(in: duration, using: &random)
        }
        return DAG(dependencies: dependencies, durations: durations)
    }

    /// The longest path, in seconds.
    var criticalPath: Double {
        var finish = [Double](repeating: 0, count: count)
        for index in 0..<count {
            finish[index] = durations[index] + (dependencies[index].map { finish[$0] }.max() ?? 0)
        }
        return finish.max() ?? 0
    }

    /// No schedule on `workers` can be shorter: `max(critical path, total work / workers)`.
    func lowerBound(workers: Int) -> Double {
        max(criticalPath, durations.reduce(0, +) / Double(workers))
    }

    var workstreams: [Workstream] {
        (0..<count).map { Workstream(id: Self.id($0), dependencies: dependencies[$0].map(Self.id)) }
    }

    /// Writes the same work for every tool under `root`: feature `B`, `plain.ninja`,
    /// `stamps.ninja` and a `Makefile`.
    func writeWorkload(to root: String, command: (Int) -> String) throws {
        try writeFeature("B", to: root, command: command)
        try writeNinja(to: "\(root)/plain.ninja", stamps: false, command: command)
        try writeNinja(to: "\(root)/stamps.ninja", stamps: true, command: command)
        try writeMakefile(to: "\(root)/Makefile", command: command)
    }

    /// Writes `features/<feature>/nX.md` under `root`, each running `command(i)`.
    func writeFeature(_ feature: String, to root: String, command: (Int) -> String) throws {
        let folder = "\(root)/features/\(feature)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for index in 0..<count {
            let depends = dependencies[index].map(Self.id).joined(separator: ", ")
            let text = "---\nws_id: \(Self.id(index))\ndepends_on: [\(depends)]\nrun: '\(command(index))'\n---\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(folder)/\(Self.id(index)).md"))
        }
    }

    /// A `build.ninja`: each node an edge running `command(i)`; with `stamps`, the edge also
    /// touches its output, as ninja users do; without, outputs never exist and every edge runs.
    func writeNinja(to path: String, stamps: Bool, command: (Int) -> String) throws {
        var text = "rule run\n  command = $cmd\n\n"
        for index in 0..<count {
            let output = stamps ? "\(Self.id(index)).stamp" : Self.id(index)
            let inputs = dependencies[index].map { stamps ? "\(Self.id($0)).stamp" : Self.id($0) }
            let run = stamps ? "\(command(index)) && touch \(output)" : command(index)
            text += "build \(output): run" + (inputs.isEmpty ? "" : " | " + inputs.joined(separator: " ")) + "\n  cmd = \(run)\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A `Makefile` of phony targets, one per node, running `command(i)`.
    func writeMakefile(to path: String, command: (Int) -> String) throws {
        var text = ".PHONY: all " + (0..<count).map(Self.id).joined(separator: " ") + "\n"
        text += "all: " + (0..<count).map(Self.id).joined(separator: " ") + "\n"
        for index in 0..<count {
            text += "\(Self.id(index)): " + dependencies[index].map(Self.id).joined(separator: " ") + "\n\t@\(command(index))\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
