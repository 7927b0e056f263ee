import ArgumentParser
import Foundation
import PonteProviders
import PonteServer

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the configuration.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration with every secret redacted; exit non-zero when it is invalid.",
            discussion: "Precedence: flags, then environment variables, then the YAML file, then defaults."
        )

        @OptionGroup var options: HubOptions

        func run() async throws {
            let configuration = try loadConfiguration(options)
            print(ConfigurationReport.render(configuration))
            let problems = configuration.problems()
            guard problems.isEmpty else {
                var standardError = FileHandle.standardError
                print("\nThe configuration is invalid:", to: &standardError)
                for problem in problems { print("  - \(problem)", to: &standardError) }
                throw ExitCode(2)
            }
            print("\nThe configuration is valid.")
        }
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) {
        write(Data(string.utf8))
    }
}
