import PonteJobs
import PonteStore

/// A business capability of the hub — store orders, kiosk tickets, venue integrations, calls
/// to providers — as one Swift target that declares, in one place, everything it adds:
/// its migrations, its job kinds, the provider events it consumes, its queues and periodic
/// jobs, and its routes under `/api/v1` with their OpenAPI description.
///
/// `ponte serve` and `ponte worker` assemble the same list of modules, so any process can
/// run any module's jobs. See the README's "Adding a module".
public protocol HubModule: Sendable {
    /// The module's name: lower-case letters, digits and `_`. Its migrations are recorded
    /// under it; by convention its job kinds and subscriptions start with `<name>.`.
    var name: String { get }

    /// The module's schema changes, versions 1, 2, 3, … in order. Each is applied once, on
    /// SQLite and PostgreSQL, before the hub serves or runs jobs.
    var migrations: [Migration] { get }

    /// Declares the module's job kinds, subscriptions, queues, periodic jobs and routes.
    func install(into module: inout ModuleInstallation, context: ModuleContext) throws
}

extension HubModule {
    public var migrations: [Migration] { [] }

    /// The module's migrations, named for the migrations table.
    public var moduleMigrations: ModuleMigrations { ModuleMigrations(module: name, migrations: migrations) }
}
