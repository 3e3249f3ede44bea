import Commands
import Foundation

exit(Microlabel.main(Array(CommandLine.arguments.dropFirst())))
