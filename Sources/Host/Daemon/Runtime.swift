import Foundation
import Locking

/// Where things live, resolved from flags, then environment, then defaults.
struct Settings {
    var dataDirectory: String
    var pluginsDirectory: String
    /// When plugins are taken from the binary's own folder, only `libToolhost*.so` there.
    var pluginNamePrefix: String?

    static let defaultDataDirectory = "./var"

    init(data: String?, plugins: String?) {
        let environment = ProcessInfo.processInfo.environment
        dataDirectory = data ?? environment["TOOLHOST_DATA"] ?? Settings.defaultDataDirectory
        if let explicit = plugins ?? environment["TOOLHOST_PLUGINS"] {
            pluginsDirectory = explicit
            pluginNamePrefix = nil
        } else {
            let binaryFolder = Settings.executableDirectory()
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: binaryFolder + "/plugins", isDirectory: &isDirectory), isDirectory.boolValue {
                pluginsDirectory = binaryFolder + "/plugins"
                pluginNamePrefix = nil
            } else {
                pluginsDirectory = binaryFolder
                pluginNamePrefix = "libToolhost"
            }
        }
    }

    static func executableDirectory() -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }
}

/// The pieces every command shares: the host database, the loaded plugins and the services
/// they use. `serve` and `stdio` add the request path on top.
final class Runtime: Sendable {
    let settings: Settings
    let configuration: Configuration
    let stores: ConnectionPool<HostStore>
    let events: EventSink?
    let lastUsed = LastUsedTracker()
    let toolsetDatabases: ToolsetDatabases
    /// The job queue (ABI 1.2), opened at first use.
    let jobs: LazyJobStore
    /// Signed links and their keys (ABI 1.2, section 11), opened at first use.
    let links: LazyLinkStore
    /// Created before the first request so no change can slip between start-up and the watch.
    let hostDatabaseWatcher: HostDatabaseWatcher?

    /// - Parameter withEvents: open the audit database (the serving commands need it).
    init(settings: Settings, withEvents: Bool) throws {
        self.settings = settings
        let data = settings.dataDirectory
        let first = try HostStore(dataDirectory: data)  // creates the folder and migrates once
        configuration = try Configuration.load(dataDirectory: data)
        hostDatabaseWatcher = HostDatabaseWatcher(dataDirectory: data)
        if hostDatabaseWatcher == nil { Log.warning("storage", "inotify unavailable; checking host.db for changes with a read per request") }
        let pool = ConnectionPool<HostStore> { try HostStore(dataDirectory: data) }
        stores = pool
        events = withEvents ? try EventSink(path: data + "/audit.db", journalFolder: data + "/audit-journal") : nil
        let jobs = LazyJobStore(dataDirectory: data)
        self.jobs = jobs
        let links = LazyLinkStore(dataDirectory: data)
        self.links = links
        services = HostServices(events: events, configurationFile: data + "/plugins.json", jobs: { jobs.store }, links: { links.store },
                                dataDirectory: data)
        toolsetDatabases = ToolsetDatabases(dataDirectory: data)
        _ = first
        if let events {
            let lastUsed = self.lastUsed
            events.addPeriodicTask { [pool] in
                let pending = lastUsed.drain()
                guard !pending.isEmpty else { return }
                do { try pool.withResource { try $0.recordLastUsed(pending) } } catch {
                    Log.error("tokens", "could not record last-used times: \(error)")
                }
            }
        }
    }

    func withStore<T>(_ body: (HostStore) throws -> T) throws -> T { try stores.withResource(body) }

    private let services: HostServices

    /// The origin plugins build links on (header section 11, public_base_url).
    var publicBaseURL: PublicBaseURL { services.publicBaseURL }

    /// What answers /{tenant}/x/{plugin}/… in the daemon: signed links to plugins' HTTP handlers.
    func makeLinkEndpoint(threads: Int, queue: Int) -> LinkEndpoint {
        LinkEndpoint(registry: registry, links: links, databases: toolsetDatabases, stores: stores, events: events,
                     dataDirectory: settings.dataDirectory, threads: threads, queue: queue)
    }
    private let loadedRegistry = Locked<PluginRegistry?>(nil)

    /// The plugins, loaded at first use: commands that need no plugin (user, audit, token revoke…)
    /// never run a plugin's code. Names given to their only claimant are remembered in host.db
    /// from then on (NameAssignments).
    var registry: PluginRegistry {
        loadedRegistry.withLock { loaded in
            if let loaded { return loaded }
            let assignments = (try? withStore { try $0.pluginAssignments() }) ?? []
            let context = PluginLoader.Context(services: services, plans: configuration.plans, assignments: NameAssignments(assignments))
            let registry = PluginLoader.loadAll(from: settings.pluginsDirectory, namePrefix: settings.pluginNamePrefix, context: context)
            do { try withStore { try $0.rememberFirstSeen(registry.newAssignments) } } catch {
                Log.error("plugins", "could not remember plugin name assignments in host.db: \(error)")
            }
            loaded = registry
            return registry
        }
    }

    func makeToolMethods() -> ToolMethods {
        let pageSize = Int(ProcessInfo.processInfo.environment["TOOLHOST_TOOLS_PAGE_SIZE"] ?? "") ?? 100
        var methods = ToolMethods(registry: registry, invoker: ToolInvoker(databases: toolsetDatabases), events: events, pageSize: max(1, pageSize))
        methods.recordArguments = configuration.recordArguments
        return methods
    }

    /// Lets jobs call other toolsets for their principal (header section 12), through `access`
    /// and `tools`: the same layers and tool methods the daemon's clients go through.
    func enableCallsOnBehalf(access: AccessControl, tools: ToolMethods) {
        services.callsOnBehalf.withLock { $0 = CallsOnBehalf(access: access, tools: tools, jobs: { [jobs] in jobs.store }) }
    }

    /// The job runner of the serving daemon (never of a CLI process or stdio).
    func makeJobRunner(settings: JobRunner.Settings) -> JobRunner? {
        guard let store = jobs.store else { return nil }
        return JobRunner(store: store, registry: registry, hostStores: stores, watcher: hostDatabaseWatcher, databases: toolsetDatabases, events: events,
                         plans: configuration.plans, settings: settings)
    }

    /// Lockouts are kept in host.db when there is a flush thread to write them (the serving commands).
    func makeAccessControl() -> AccessControl {
        var lockouts: LockoutPersistence?
        if let events {
            let persistence = LockoutPersistence(stores: stores)
            events.addPeriodicTask { persistence.flush() }
            lockouts = persistence
        }
        return AccessControl(stores: stores, registry: registry, lastUsed: lastUsed, events: events, watcher: hostDatabaseWatcher,
                             configuration: configuration, lockouts: lockouts)
    }

    /// Flushes queued audit events and last-used times, then closes databases.
    func close() {
        events?.stop()
        toolsetDatabases.closeAll()
        stores.drain()
    }
}
