import ArgumentParser
import Foundation
import PonteServer

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create admin API tokens.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a JWT (HS256) for the admin API.",
            discussion: """
                Signed with PONTE_JWT_SECRET, or, without it, with the random key the hub keeps in \
                its data directory (pass the same --database or --config as serve so both find it).
                Use it as: curl -H "Authorization: Bearer $(ponte token create --role admin)" http://127.0.0.1:8080/api/v1/webhooks
                """
        )

        @Option(help: "The token's role: admin (everything); venue_admin or user (one venue's integrations, with --venue); kiosk, operator.")
        var role: String

        @Option(help: "How long the token is valid: e.g. 30m, 1h, 7d, 3600s.")
        var ttl: String = "1h"

        @Option(help: "Who the token is for (the 'sub' claim).")
        var subject: String = "ponte-cli"

        @Option(help: "The venue of a venue user (the 'venue_id' claim), for roles venue_admin and user.")
        var venue: String?

        @OptionGroup var options: HubOptions

        func validate() throws {
            guard !role.isEmpty, role.allSatisfy({ $0.isLetter || $0 == "_" || $0 == "-" }) else {
                throw ValidationError("--role must be a word such as admin")
            }
            if ["venue_admin", "user"].contains(role), venue == nil {
                throw ValidationError("role \(role) belongs to one venue: pass --venue <venue id>")
            }
            if let venue, venue.isEmpty || venue.count > 200 {
                throw ValidationError("--venue must be a venue id of 1 to 200 characters")
            }
            guard Duration.parse(ttl) != nil else {
                throw ValidationError("--ttl '\(ttl)' is not a duration like 30m, 1h, 7d or 3600s")
            }
        }

        func run() async throws {
            let configuration = try loadConfiguration(options)
            let (secret, _) = try TokenSecret.resolve(
                configured: configuration.jwtSecret, dataDirectory: configuration.resolvedDataDirectory
            )
            let lifetime = Duration.parse(ttl) ?? 3600
            print(AdminTokens(secret: secret).issue(role: role, subject: subject, venueID: venue, now: Date(), lifetime: lifetime))
        }
    }
}

extension Duration {
    /// Seconds in a duration written as `<n>s`, `<n>m`, `<n>h` or `<n>d` (a bare number is seconds).
    static func parse(_ text: String) -> TimeInterval? {
        guard let last = text.last else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = units[last], let value = Double(text.dropLast()), value > 0 { return value * unit }
        if let value = Double(text), value > 0 { return value }
        return nil
    }
}
