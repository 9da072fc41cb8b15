import Foundation
import OneshotWorkstreams

/// A temporary folder removed when the test ends.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "oneshot-checkpoint-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    func read(_ name: String) -> String? {
        try? String(contentsOfFile: file(name), encoding: .utf8)
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }

    func names(in subfolder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: file(subfolder))) ?? []).sorted()
    }

    var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

func ws(_ id: String, _ dependencies: [String] = [], outputs: [String] = [], idempotent: Bool = true) -> Workstream {
    Workstream(id: id, dependencies: dependencies, outputs: outputs, isIdempotent: idempotent)
}

/// Seed 003's example checkpoint, exactly as the original system wrote it.
let seedCheckpoint = """
    {
      "version": "1.0",
      "feature_id": "F052",
      "timestamp": "2026-02-07T12:34:56Z",
      "completed": ["00-052-01", "00-052-02"],
      "failed": ["00-052-03"],
      "graph": {
        "nodes": [
          {
            "id": "00-052-04",
            "depends_on": ["00-052-01"],
            "indegree": 0,
            "completed": false
          }
        ],
        "edges": {
          "00-052-01": ["00-052-04", "00-052-05"]
        }
      },
      "circuit_breaker": {
        "state": 0,
        "failure_count": 1,
        "success_count": 0,
        "consecutive_opens": 0,
        "last_failure_time": "2026-02-07T12:34:00Z"
      }
    }
    """
