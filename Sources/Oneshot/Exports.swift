// `import Oneshot` gives an embedding harness the whole library in one line.
@_exported import OneshotBreaker
@_exported import OneshotCheckpoint
@_exported import OneshotCommand
@_exported import OneshotDispatch
@_exported import OneshotGraph
@_exported import OneshotReport
@_exported import OneshotSystem
@_exported import OneshotWorkstreams
