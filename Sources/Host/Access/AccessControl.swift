import JSON

/// Admission: runs the access layers for a request, in their order; the first that refuses answers.
/// Every layer lives in this folder:
///   1. token validity (TokenLayer.swift)                                     → 401
///   2. scope: the token's tenant, toolset grants, tenant switches, write
///      scope and named tools for the called tool (ScopeLayer.swift)          → 403
///   3. plan tier of the toolset and the called tool (Plans.swift, PlanLayer) → 403
///   4. abuse guard: address lockout, per-token burst (AbuseGuard.swift)       → 429
/// Layers 2 and 3 run together per toolset and per tool (Caller+Layers.swift). Tool-level checks
/// need the tool's name, which the MCP core reads from the request first (Target.tool).
final class AccessControl: Sendable {
    let stores: ConnectionPool<HostStore>
    let registry: PluginRegistry
    let lastUsed: LastUsedTracker
    let events: EventSink?
    let watcher: HostDatabaseWatcher?
    let plans: PlanCatalog
    let abuse: AbuseGuard

    init(stores: ConnectionPool<HostStore>, registry: PluginRegistry, lastUsed: LastUsedTracker, events: EventSink?,
         watcher: HostDatabaseWatcher?, configuration: Configuration, lockouts: LockoutPersistence? = nil) {
        self.stores = stores
        self.registry = registry
        self.lastUsed = lastUsed
        self.events = events
        self.watcher = watcher
        self.plans = configuration.plans
        self.abuse = AbuseGuard(limits: configuration.abuse, persistence: lockouts)
        let now = Clock.nowMilliseconds()
        if let lockouts { abuse.restore(lockouts.load(now: now), now: now) }
    }

    /// Admits the request or returns the error to send.
    func admit(authorization: String?, target: Target) -> Result<Caller, RPCError> {
        let now = Clock.nowMilliseconds()
        var caller: Caller
        switch authenticate(authorization: authorization, target: target, now: now) {
        case .failure(let error): return .failure(error)
        case .success(let authenticated): caller = authenticated
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
            // Bound to the endpoint's toolset (nil on the combined endpoint or if it does not exist).
            let endpointToolset = target.toolset.flatMap { registry.toolsetsByName[$0] }
            return .success(Caller(tenant: tenant, principal: principal, endpointToolset: endpointToolset,
                                   clientAddress: target.client, plans: plans, now: now))
        }
    }

    /// Layers 2 and 3 for the endpoint's toolset and, for a tools/call, the called tool. An
    /// admitted tool is remembered in the caller so the dispatcher does not resolve it again.
    private func scopeAndPlan(_ caller: inout Caller, target: Target) -> Denial? {
        if let toolset = caller.endpointToolset, let denial = caller.denial(for: toolset) { return denial }
        guard let name = target.tool else { return nil }
        // Resolving a name (qualified forms, collisions) is the catalogue's job; it asks the layers.
        switch ToolCatalog(registry: registry, caller: caller).resolve(name) {
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

    /// Layer 4 for the further messages of an admitted 2025-03-26 batch (admission counted the
    /// request, which stands for its first message): each counts against the token's burst limit
    /// like a request of its own, so a batch is no way around it. Returns how many of them may run;
    /// the rest get the denial (logged and audited once for the batch).
    func admitFurtherBatchMessages(_ count: Int, caller: Caller) -> (admitted: Int, denial: Denial?) {
        #if TOOLHOST_BENCH_WITHOUT_LAYERS
        return (count, nil)
        #else
        guard count > 0 else { return (0, nil) }
        let outcome = abuse.admitBurst(tokenID: caller.principal.token.id, now: caller.now, messages: count)
        if let denial = outcome.denial {
            let target = Target(tenant: caller.tenant.name, toolset: caller.endpointToolset?.name, tool: nil, client: caller.clientAddress)
            record(denial, target: target, tokenID: caller.principal.token.publicID, tokenName: caller.principal.token.name)
        }
        return outcome
        #endif
    }

    private func abuseGuard(_ caller: Caller, target: Target) -> Denial? {
        abuse.lockout(address: target.client, now: caller.now) ?? abuse.admitBurst(tokenID: caller.principal.token.id, now: caller.now)
    }

    /// Every denial is logged with its layer (never with the presented secret) and audited.
    func record(_ denial: Denial, target: Target, tokenID: String?, tokenName: String?) {
        Log.warning("access", "denied at layer \(denial.layer.rawValue): \(denial.message) (tenant \(target.tenant), token \(tokenID ?? "-"), client \(target.client))")
        events?.record(AuditEvent(
            timeMs: Clock.nowMilliseconds(), kind: .accessDenied, tenant: target.tenant, tokenID: tokenID, tokenName: tokenName,
            toolset: target.toolset ?? target.tool.flatMap { registry.toolsetOwning($0) }, tool: target.tool, outcome: .denied,
            layer: denial.layer, requestID: nil, client: target.client, durationMicros: nil,
            details: ["message": .string(denial.message)], plugin: nil))
    }
}
