import Foundation

exit(CommandLineInterface.run(CommandLine.arguments))
