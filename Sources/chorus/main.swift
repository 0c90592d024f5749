import ChorusCLI
import Foundation

// The whole program lives in ChorusCLI so that tests can run it in-process; this file only hands over
// the command line and exits with the code the command tree chose.
let code = CommandRunner.run(Array(CommandLine.arguments.dropFirst()), context: .process())
exit(code.rawValue)
