import JSON

/// Admission for a tool call a job makes for the token that started it (header section 12).
/// Layer 1 reads the token again (revoked or expired since the job was queued: refused), then the
/// tenant, then layer 4's burst limit, which such calls count against like the token's own
/// requests. Layers 2 and 3 run when the tool is resolved (ToolMethods.call, as for clients).
extension AccessControl {
    func admitOnBehalf(tokenID publicID: String, tenant: String, tool: String, client: String) -> Result<Caller, RPCError> {
        let now = Clock.nowMilliseconds()
        let target = Target(tenant: tenant, toolset: nil, tool: tool, client: client)
        let found: (TokenRecord?, TenantRecord?)
        do {
            found = try stores.withResource { store in
                store.refreshCacheIfChanged(watcher: watcher)
                return (try store.token(id: String(publicID.dropFirst("tok_".count))), try store.tenant(named: tenant))
            }
        } catch {
            Log.error("access", "host database error while admitting a job's call: \(error)")
            return .failure(.internalError("could not read the host database"))
        }
        guard let token = found.0, token.tenant == tenant, let tenantRecord = found.1 else {
            return refuse(.invalidToken(), target: target, token: nil)
        }
        if let denial = TokenLayer.refusal(of: token, now: now) { return refuse(denial, target: target, token: token) }
        #if !TOOLHOST_BENCH_WITHOUT_LAYERS
        if let denial = abuse.admitBurst(tokenID: token.id, now: now) { return refuse(denial, target: target, token: token) }
        #endif
        lastUsed.touch(tokenID: token.id, at: now)
        return .success(Caller(tenant: tenantRecord, principal: Principal(token: token), endpointToolset: nil, clientAddress: client,
                               plans: plans, now: now))
    }

    private func refuse(_ denial: Denial, target: Target, token: TokenRecord?) -> Result<Caller, RPCError> {
        var denial = denial
        if let token { denial.tokenID = token.publicID }
        record(denial, target: target, tokenID: token?.publicID, tokenName: token?.name)
        return .failure(RPCError(denial))
    }
}
