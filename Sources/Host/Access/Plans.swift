import JSON

/// Plan tiers are deployer configuration (`plans` in the config file):
///
///     "plans": {"tiers": ["starter", "growth", "pro", "custom"],
///               "named": {"enterprise": "pro"},
///               "upgrade_url": "https://example.com/pricing",
///               "new_tenant_trial": {"plan": "enterprise", "days": 7}}
///
/// - `tiers` are ordered: a tenant on a tier satisfies every requirement for that tier or a lower one.
/// - A `named` plan ranks like the tier it names (enterprise ≥ pro) and, in addition, satisfies
///   requirements that name it exactly. Only enterprise satisfies "enterprise": a product sold
///   "on the Enterprise plan" is not unlocked by custom or pro.
/// - A trial grants a plan until a date (`tenant set-plan NAME PLAN --trial-until DATE`), after
///   which the tenant's base plan applies again, with no job to run: the check compares times.
/// - `new_tenant_trial` (off by default) starts every new tenant on such a trial (NewTenantTrial).
struct PlanCatalog: Sendable {
    let tiers: [String]
    let named: [String: String]
    let upgradeURL: String?
    let newTenantTrial: NewTenantTrial?

    static let standard = PlanCatalog(tiers: ["starter", "growth", "pro", "custom"], named: ["enterprise": "pro"], upgradeURL: nil)

    init(tiers: [String], named: [String: String], upgradeURL: String?, newTenantTrial: NewTenantTrial? = nil) {
        self.tiers = tiers
        self.named = named
        self.upgradeURL = upgradeURL
        self.newTenantTrial = newTenantTrial
    }

    /// Reads the `plans` object of the configuration; problems are configuration errors.
    init(configuration: JSONValue?) throws {
        guard let configuration else { self = .standard; return }
        guard let tiers = configuration["tiers"]?.arrayValue?.compactMap(\.stringValue), !tiers.isEmpty else {
            throw ConfigurationError("plans.tiers must be a non-empty array of plan names, lowest first")
        }
        var named: [String: String] = [:]
        for (name, value) in configuration["named"]?.objectValue?.members ?? [] {
            guard let tier = value.stringValue, tiers.contains(tier) else {
                throw ConfigurationError("plans.named.\(name) must name one of the tiers \(tiers.joined(separator: ", "))")
            }
            named[name] = tier
        }
        let upgradeURL = configuration["upgrade_url"]?.stringValue
        let plans = PlanCatalog(tiers: tiers, named: named, upgradeURL: upgradeURL).allPlans
        self.init(tiers: tiers, named: named, upgradeURL: upgradeURL,
                  newTenantTrial: try NewTenantTrial(configuration: configuration["new_tenant_trial"], plans: plans))
    }

    var allPlans: [String] { tiers + named.keys.sorted() }

    func isKnown(_ plan: String) -> Bool { tiers.contains(plan) || named[plan] != nil }

    private func rank(_ plan: String) -> Int? {
        if let index = tiers.firstIndex(of: plan) { return index }
        return named[plan].flatMap { tiers.firstIndex(of: $0) }
    }

    /// Does a tenant on `plan` get something that requires `required`?
    func satisfies(_ plan: String, required: String) -> Bool {
        if plan == required { return true }
        if named[required] != nil { return false }  // named requirements need that very plan
        guard let have = rank(plan), let need = rank(required) else { return false }
        return have >= need
    }

    /// The base plan for a new tenant under which every requirement works from the start:
    /// `preferred` when it, or the configured new-tenant trial, covers them all; else the first plan
    /// that does (named plans, then tiers from the highest); `preferred` if none can.
    func newTenantPlan(preferring preferred: String, satisfying requirements: [String]) -> String {
        let covers = { (plan: String) in requirements.allSatisfy { self.satisfies(plan, required: $0) } }
        if covers(preferred) || newTenantTrial.map({ covers($0.plan) }) == true { return preferred }
        return (named.keys.sorted() + tiers.reversed()).first(where: covers) ?? preferred
    }

    /// The lowest plan that would satisfy `required`, for the upgrade hint.
    func hint(for required: String) -> String {
        if named[required] != nil { return "the \(required) plan" }
        if let index = tiers.firstIndex(of: required), index < tiers.count - 1 { return "\(required) or above" }
        return "the \(required) plan"
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Layer 3 — plan tier. Downgrades take effect on the next request, for every token: the
/// tenant's plan is read (from the cache that any host.db change invalidates) on each request,
/// never copied into tokens.
enum PlanLayer {
    static func check(_ toolset: RegisteredToolset, tool: RegisteredTool?, tenant: TenantRecord, plans: PlanCatalog, now: Int64) -> Denial? {
        let current = tenant.effectivePlan(now: now)
        if let required = toolset.minPlan, !plans.satisfies(current, required: required) {
            return denial(toolset, tool: tool, required: required, current: current, plans: plans)
        }
        if let required = tool?.minPlan, !plans.satisfies(current, required: required) {
            return denial(toolset, tool: tool, required: required, current: current, plans: plans)
        }
        return nil
    }

    private static func denial(_ toolset: RegisteredToolset, tool: RegisteredTool?, required: String, current: String, plans: PlanCatalog) -> Denial {
        do {
            var data: JSONObject = [
                "toolset": .string(toolset.name),
                "required_plan": .string(required),
                "current_plan": .string(current),
                "upgrade": .string("Upgrade to \(plans.hint(for: required)) to use the \(toolset.title) integration\(tool.map { " (tool \($0.name))" } ?? "").")
            ]
            if let tool { data["tool"] = .string(tool.name) }
            if let url = plans.upgradeURL { data["upgrade_url"] = .string(url) }
            var denial = Denial(layer: .plan, httpStatus: 403, message: "Your current plan does not include the \(toolset.name) integration",
                                challenge: #"Bearer realm="toolhost", error="insufficient_scope", error_description="plan""#)
            denial.extraData = data
            return denial
        }
    }
}
