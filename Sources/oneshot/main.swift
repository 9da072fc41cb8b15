import Foundation
import OneshotCLI

exit(await OneshotCLI.main(Array(CommandLine.arguments.dropFirst())))
