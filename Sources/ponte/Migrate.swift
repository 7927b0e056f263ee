import ArgumentParser
import Logging
import PonteKit
import PonteServer
import PonteStore
import ServiceLifecycle

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply database migrations and exit (serve applies them too)."
    )

    @OptionGroup var options: HubOptions

    func run() async throws {
        let configuration = try loadConfiguration(options)
        let logger = bootstrapLogging(level: configuration.logLevel)
        let location: DatabaseLocation
        do {
            location = try configuration.databaseLocation()
        } catch {
            throw ValidationError("database: \(error.message)")
        }
        let migrations = HubModules.all.map(\.moduleMigrations)
        let applied = try await withStore(location, logger: logger) { database in
            try await database.migrate(migrations, logger: logger)
        }
        print(applied.isEmpty
            ? "\(location): every migration was already applied"
            : "\(location): applied \(applied.map(\.description).joined(separator: ", "))")
    }
}

/// Opens the store, keeps its service running while `body` uses it, then shuts it down.
func withStore<T: Sendable>(
    _ location: DatabaseLocation, logger: Logger, _ body: @escaping @Sendable (any StoreDatabase) async throws -> T
) async throws -> T {
    let database = try await Store.open(location, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await database.run()
            return nil
        }
        group.addTask { try await body(database) }
        var result: T?
        while let next = try await group.next() {
            if let value = next {
                result = value
                group.cancelAll()
            }
        }
        guard let result else { throw StoreError("the database closed before the command finished") }
        return result
    }
}
