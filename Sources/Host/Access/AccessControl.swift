import JSON

/// Runs the access layers for a request, in their order; the first that refuses answers:
///   1. token validity (TokenLayer)                                   → 401
///   2. scope: the token's tenant, toolset grants, tenant switches,
///      write scope and named tools for the called tool (ToolCatalog)  → 403
///   3. plan tier of the toolset and the called tool (PlanLayer)      → 403
///   4. abuse guard: address lockout, per-token burst (AbuseGuard)     → 429
/// Tool-level checks need the tool's name, which the transport reads from the request first.
final class AccessControl: @unchecked Sendable {
    let stores: ConnectionPool<HostStore>
    let registry: PluginRegistry
    let lastUsed: LastUsedTracker
    let events: EventSink?
    let watcher: HostDatabaseWatcher?
    let plans: PlanCatalog
    let abuse: AbuseGuard

    init(stores: ConnectionPool<HostStore>, registry: PluginRegistry, lastUsed: LastUsedTracker, events: EventSink?,
         watcher: HostDatabaseWatcher?, configuration: Configuration) {
        self.stores = stores
        self.registry = registry
        self.lastUsed = lastUsed
        self.events = events
        self.watcher = watcher
        self.plans = configuration.plans
        self.abuse = AbuseGuard(limits: configuration.abuse)
    }

    /// What the request is about to do, as far as the layers care.
    struct Target {
        let tenant: String
        /// The toolset of a per-toolset endpoint.
        let toolset: String?
        /// The tool a tools/call names, if this request is one.
        let tool: String?
        let client: String
        /// The MCP endpoint URLs an OAuth access token may be bound to for this request (none on
        /// stdio). A function, so requests with personal access tokens never build these strings.
        var resources: @Sendable () -> [String] = { [] }
    }

    /// Admits the request or returns the error to send.
    func admit(authorization: String?, target: Target) -> Result<Caller, RPCError> {
        let now = Clock.nowMilliseconds()
        var caller: Caller
        switch authenticate(authorization: authorization, target: target, now: now) {
        case .failure(let error): return .failure(error)
        case .success(let authenticated): caller = withEndpoint(authenticated, target)
        }
        if let toolset = target.toolset, registry.toolsetsByName[toolset] == nil {
            return .failure(RPCError(code: RPCCode.noSuchToolset, message: "No toolset named \(toolset)", httpStatus: 404))
        }
        if let denial = scopeAndPlan(&caller, target: target) ?? laterLayers(caller, target: target) {
            record(denial, target: target, tokenID: caller.principal.token.publicID, tokenName: caller.principal.token.name)
            return .failure(RPCError(denial))
        }
        lastUsed.touch(tokenID: caller.principal.token.id, at: now)
        return .success(caller)
    }

    /// Layer 1, and the tenant lookup that layer 2 needs.
    private func authenticate(authorization: String?, target: Target, now: Int64) -> Result<Caller, RPCError> {
        let outcome: Result<(Principal, TenantRecord?), Denial>
        do {
            outcome = try stores.withResource { store in
                store.refreshCacheIfChanged(watcher: watcher)
                return try TokenLayer.authenticate(authorization: authorization, store: store, now: now).map { principal in
                    (principal, principal.tenant == target.tenant ? try? store.tenant(named: target.tenant) : nil)
                }
            }
        } catch {
            Log.error("access", "host database error while authenticating: \(error)")
            return .failure(.internalError("could not read the host database"))
        }
        switch outcome {
        case .failure(let denial):
            if authorization != nil { abuse.recordFailedAuthentication(address: target.client, now: now) }
            record(denial, target: target, tokenID: denial.tokenID, tokenName: nil)
            return .failure(RPCError(denial))
        case .success(let (principal, tenant)):
            if let resource = principal.token.resource, !target.resources().contains(resource) {
                var denial = Denial.otherResource()
                denial.tokenID = principal.token.publicID
                abuse.recordFailedAuthentication(address: target.client, now: now)
                record(denial, target: target, tokenID: denial.tokenID, tokenName: principal.token.name)
                return .failure(RPCError(denial))
            }
            guard let tenant else {
                let denial = Denial.otherTenant(target.tenant)
                record(denial, target: target, tokenID: principal.token.publicID, tokenName: principal.token.name)
                return .failure(RPCError(denial))
            }
            return .success(Caller(tenant: tenant, principal: principal, endpointToolset: nil, clientAddress: target.client, plans: plans, now: now))
        }
    }

    /// Layers 2 and 3 for the endpoint's toolset and, for a tools/call, the called tool. An
    /// admitted tool is remembered in the caller so the dispatcher does not resolve it again.
    private func scopeAndPlan(_ caller: inout Caller, target: Target) -> Denial? {
        let catalog = ToolCatalog(registry: registry, caller: caller)
        if let toolset = caller.endpointToolset, let denial = catalog.denial(for: toolset) { return denial }
        guard let name = target.tool else { return nil }
        switch catalog.resolve(name) {
        case .success(let tool): caller.admittedTool = (name, tool)
        case .failure(.denied(let denial)): return denial
        case .failure(.invalid): break  // unknown or ambiguous: the dispatcher answers with invalid params
        }
        return nil
    }

    /// Layer 4. (A benchmark-only build, `-DTOOLHOST_BENCH_WITHOUT_LAYERS`, leaves it out to
    /// measure what the layers cost; it is a compile-time switch so no deployed binary has it.)
    private func laterLayers(_ caller: Caller, target: Target) -> Denial? {
        #if TOOLHOST_BENCH_WITHOUT_LAYERS
        return nil
        #else
        return abuseGuard(caller, target: target)
        #endif
    }

    private func abuseGuard(_ caller: Caller, target: Target) -> Denial? {
        abuse.lockout(address: target.client, now: caller.now) ?? abuse.admitBurst(tokenID: caller.principal.token.id, now: caller.now)
    }

    /// The caller as the dispatcher sees it: bound to the endpoint's toolset, if any.
    func withEndpoint(_ caller: Caller, _ target: Target) -> Caller {
        Caller(tenant: caller.tenant, principal: caller.principal, endpointToolset: target.toolset.flatMap { registry.toolsetsByName[$0] },
               clientAddress: caller.clientAddress, plans: caller.plans, now: caller.now)
    }

    /// Every denial is logged with its layer (never with the presented secret) and audited.
    private func record(_ denial: Denial, target: Target, tokenID: String?, tokenName: String?) {
        Log.warning("access", "denied at layer \(denial.layer.rawValue): \(denial.message) (tenant \(target.tenant), token \(tokenID ?? "-"), client \(target.client))")
        events?.record(AuditEvent(
            timeMs: Clock.nowMilliseconds(), kind: "access.denied", tenant: target.tenant, tokenID: tokenID, tokenName: tokenName,
            toolset: target.toolset ?? target.tool.flatMap { registry.toolsetOwning($0) }, tool: target.tool, outcome: "denied",
            layer: denial.layer.rawValue, requestID: nil, client: target.client, durationMicros: nil,
            details: ["message": .string(denial.message)], plugin: nil))
    }
}
