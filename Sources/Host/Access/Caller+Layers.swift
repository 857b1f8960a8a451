/// Layers 2 and 3 for one toolset or tool, in their order: scope (ScopeLayer), then plan
/// (PlanLayer). Admission (AccessControl) runs them for the endpoint and the called tool;
/// the tool catalogue runs them to decide what a caller sees in tools/list.
extension Caller {
    func denial(for toolset: RegisteredToolset) -> Denial? {
        if let denial = ScopeLayer.check(toolset, caller: self) { return denial }
        #if TOOLHOST_BENCH_WITHOUT_LAYERS
        return nil
        #else
        return PlanLayer.check(toolset, tool: nil, tenant: tenant, plans: plans, now: now)
        #endif
    }

    /// For a tool inside a toolset whose own checks passed.
    func denial(for tool: RegisteredTool) -> Denial? {
        if let denial = ScopeLayer.check(tool, caller: self) { return denial }
        guard tool.minPlan != nil else { return nil }
        return PlanLayer.check(tool.toolset, tool: tool, tenant: tenant, plans: plans, now: now)
    }
}
