/// Runs the access layers for a request, in their order, before any MCP method is looked at:
///   1. token validity (TokenLayer)           → 401
///   2. scope: the token's tenant, the endpoint's toolset, the tenant's switch → 403 / 404
/// Per-tool checks of layer 2 happen again at tools/call (ToolCatalog.resolve), because the
/// combined endpoint serves several toolsets.
final class AccessControl: @unchecked Sendable {
    let stores: ConnectionPool<HostStore>
    let registry: PluginRegistry
    let lastUsed: LastUsedTracker
    let events: EventSink?
    let watcher: HostDatabaseWatcher?

    init(stores: ConnectionPool<HostStore>, registry: PluginRegistry, lastUsed: LastUsedTracker, events: EventSink?, watcher: HostDatabaseWatcher?) {
        self.watcher = watcher
        self.stores = stores
        self.registry = registry
        self.lastUsed = lastUsed
        self.events = events
    }

    /// Admits the request or returns the error to send.
    func admit(authorization: String?, tenant tenantName: String, toolset toolsetName: String?, client: String) -> Result<Caller, RPCError> {
        let now = Clock.nowMilliseconds()
        let admitted: Result<(Principal, TenantRecord), Denial>
        do {
            admitted = try stores.withResource { store in
                store.refreshCacheIfChanged(watcher: watcher)
                switch try TokenLayer.authenticate(authorization: authorization, store: store, now: now) {
                case .failure(let denial): return .failure(denial)
                case .success(let principal):
                    guard principal.tenant == tenantName, let tenant = try store.tenant(named: tenantName) else {
                        return .failure(.otherTenant(tenantName))
                    }
                    return .success((principal, tenant))
                }
            }
        } catch {
            Log.error("access", "host database error while authenticating: \(error)")
            return .failure(.internalError("could not read the host database"))
        }
        switch admitted {
        case .failure(let denial):
            record(denial, tenant: tenantName, tokenID: nil, client: client)
            return .failure(RPCError(denial))
        case .success(let (principal, tenant)):
            var endpointToolset: RegisteredToolset?
            if let toolsetName {
                guard let toolset = registry.toolsetsByName[toolsetName] else {
                    return .failure(RPCError(code: RPCCode.noSuchToolset, message: "No toolset named \(toolsetName)", httpStatus: 404))
                }
                endpointToolset = toolset
            }
            let caller = Caller(tenant: tenant, principal: principal, endpointToolset: endpointToolset, clientAddress: client)
            if let toolset = endpointToolset, let denial = ToolCatalog(registry: registry, caller: caller).denial(for: toolset) {
                record(denial, tenant: tenantName, tokenID: principal.token.publicID, client: client)
                return .failure(RPCError(denial))
            }
            lastUsed.touch(tokenID: principal.token.id, at: now)
            return .success(caller)
        }
    }

    /// Every denial is logged with its layer (never with the presented secret).
    private func record(_ denial: Denial, tenant: String, tokenID: String?, client: String) {
        Log.warning("access", "denied at layer \(denial.layer.rawValue): \(denial.message) (tenant \(tenant), token \(tokenID ?? "-"), client \(client))")
        events?.record(AuditEvent(
            timeMs: Clock.nowMilliseconds(), kind: "access.denied", tenant: tenant, tokenID: tokenID, tokenName: nil, toolset: nil,
            tool: nil, outcome: "denied:\(denial.layer.rawValue)", requestID: nil, client: client, durationMicros: nil,
            details: ["message": .string(denial.message)], plugin: nil))
    }
}
