import JSON

/// Deployer configuration, off by default: every tenant created from now on starts on a trial
/// of `plan` for `days`, then falls back to its base plan (the trial machinery of
/// `tenant set-plan --trial-until`: the plan check compares times, no job runs).
///
///     "plans": {"tiers": […], "new_tenant_trial": {"plan": "enterprise", "days": 7}}
///
/// Existing tenants are not touched: the trial is written once, when the tenant row is.
struct NewTenantTrial: Sendable, Equatable {
    let plan: String
    let days: Int

    static let maxDays = 365

    init(plan: String, days: Int) {
        self.plan = plan
        self.days = days
    }

    /// Reads `plans.new_tenant_trial`; nil when absent. `plans` are the known plan names.
    init?(configuration: JSONValue?, plans: [String]) throws {
        guard let configuration else { return nil }
        let label = "plans.new_tenant_trial"
        guard configuration.objectValue != nil else {
            throw ConfigurationError(#"\#(label) must be an object like {"plan": "enterprise", "days": 7}"#)
        }
        guard let plan = configuration["plan"]?.stringValue, plans.contains(plan) else {
            throw ConfigurationError("\(label).plan must name one of the plans \(plans.joined(separator: ", "))")
        }
        guard let days = configuration["days"]?.intValue, (1...Int64(NewTenantTrial.maxDays)).contains(days) else {
            throw ConfigurationError("\(label).days must be an integer from 1 to \(NewTenantTrial.maxDays)")
        }
        self.init(plan: plan, days: Int(days))
    }

    /// When a trial starting at `now` ends.
    func endMs(startingAt now: Int64) -> Int64 { now + Int64(days) * 86_400_000 }
}
