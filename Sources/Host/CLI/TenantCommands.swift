import JSON

enum TenantCommands {
    static let defaultPlan = "pro"

    static let createSpec = CommandSpec(
        "tenant create", operands: "NAME", summary: "Create a tenant; every installed toolset starts enabled.",
        options: [.valued("plan", "P", "its plan (default \(defaultPlan))")])
    static let listSpec = CommandSpec(
        "tenant list", summary: "List the tenants with their plans and enabled toolsets.", options: [.json])
    static let showSpec = CommandSpec(
        "tenant show", operands: "NAME", summary: "Show one tenant: plan, trial, toolsets and tokens.", options: [.json])
    static let setPlanSpec = CommandSpec(
        "tenant set-plan", operands: "NAME PLAN", summary: "Change a tenant's plan, from its next request on.",
        options: [.valued("trial-until", "YYYY-MM-DD", "grant PLAN as a trial through that day (UTC, or an RFC 3339 time), then return to the current plan")])
    static let enableSpec = CommandSpec(
        "tenant enable", operands: "NAME TOOLSET…", summary: "Enable toolsets for a tenant.")
    static let disableSpec = CommandSpec(
        "tenant disable", operands: "NAME TOOLSET…",
        summary: "Disable toolsets for a tenant: their tools are no longer listed and calls to them are refused; their data is kept.")
    static let forms = [createSpec, listSpec, showSpec, setPlanSpec, enableSpec, disableSpec]

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        var words = words
        guard let action = words.popFirst() else { throw Arguments.UsageError("tenant needs an action: \(CommandSpec.actions(forms))") }
        switch action {
        case "create":
            let arguments = try Arguments(words, for: createSpec)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: \(createSpec.synopsis)") }
            return try create(name: arguments.positionals[0], plan: arguments.value("plan") ?? defaultPlan, runtime: try makeRuntime(arguments))
        case "list":
            let arguments = try Arguments(words, for: listSpec)
            return try list(runtime: try makeRuntime(arguments), json: arguments.has("json"))
        case "show":
            let arguments = try Arguments(words, for: showSpec)
            guard arguments.positionals.count == 1 else { throw Arguments.UsageError("usage: \(showSpec.synopsis)") }
            return try show(name: arguments.positionals[0], runtime: try makeRuntime(arguments), json: arguments.has("json"))
        case "set-plan":
            let arguments = try Arguments(words, for: setPlanSpec)
            guard arguments.positionals.count == 2 else { throw Arguments.UsageError("usage: \(setPlanSpec.synopsis)") }
            return try setPlan(name: arguments.positionals[0], plan: arguments.positionals[1], trialUntil: arguments.value("trial-until"),
                               runtime: try makeRuntime(arguments))
        case "enable", "disable":
            let spec = action == "enable" ? enableSpec : disableSpec
            let arguments = try Arguments(words, for: spec)
            guard arguments.positionals.count >= 2 else { throw Arguments.UsageError("usage: \(spec.synopsis)") }
            return try toggle(name: arguments.positionals[0], toolsets: Array(arguments.positionals.dropFirst()),
                              enabled: action == "enable", runtime: try makeRuntime(arguments))
        default:
            throw Arguments.UsageError("unknown tenant action \"\(action)\" (\(CommandSpec.actions(forms)))")
        }
    }

    /// Also checked on every MCP request's path (MCPRoute), so it reads the UTF-8 view in place.
    static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...63).contains(bytes.count) else { return false }
        func allowed(_ c: UInt8, first: Bool) -> Bool {
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || (!first && c == 0x2D)
        }
        var first = true
        for c in bytes {
            guard allowed(c, first: first) else { return false }
            first = false
        }
        return true
    }

    static func checkPlan(_ plan: String, runtime: Runtime) throws {
        let plans = runtime.configuration.plans
        guard plans.isKnown(plan) else { throw CommandError("unknown plan \"\(plan)\" (plans: \(plans.allPlans.joined(separator: ", ")))") }
    }

    static func create(name: String, plan: String, runtime: Runtime) throws -> Int32 {
        guard isValidName(name) else {
            throw CommandError("invalid tenant name \"\(name)\": use 1–63 of a–z, 0–9 and '-', starting with a letter or digit")
        }
        try checkPlan(plan, runtime: runtime)
        let trialNotice = try runtime.withStore { store in
            if try store.tenant(named: name) != nil { throw CommandError("tenant \"\(name)\" already exists") }
            return try insertTenant(name: name, plan: plan, store: store, plans: runtime.configuration.plans)
        }
        printError("Created tenant \(name) (plan \(plan)); every installed toolset is enabled: \(runtime.registry.toolsetNames.joined(separator: ", "))")
        if let trialNotice { printError(trialNotice) }
        return 0
    }

    /// Writes a new tenant, on the deployer's new-tenant trial if one is configured
    /// (`plans.new_tenant_trial`); returns the sentence announcing that trial, if any. Every
    /// place that creates tenants goes through here (`tenant create`, the first start's demo).
    static func insertTenant(name: String, plan: String, store: HostStore, plans: PlanCatalog) throws -> String? {
        guard let trial = plans.newTenantTrial else {
            try store.createTenant(name: name, plan: plan)
            return nil
        }
        let until = trial.endMs(startingAt: Clock.nowMilliseconds())
        try store.createTenant(name: name, plan: plan, trial: (trial.plan, until))
        return "Tenant \(name) starts on a \(trial.days)-day \(trial.plan) trial until \(formatTime(until)); then \(plan)."
    }

    static func list(runtime: Runtime, json: Bool) throws -> Int32 {
        let tenants = try runtime.withStore { try $0.tenants() }
        if json {
            print(JSONValue.array(tenants.map { describe($0, runtime: runtime) }).jsonString)
        } else {
            printTable(["NAME", "PLAN", "ENABLED TOOLSETS", "CREATED"], tenants.map { tenant in
                [tenant.name, describePlan(tenant), enabledToolsets(tenant, runtime: runtime).joined(separator: ","), formatTime(tenant.createdMs)]
            })
        }
        return 0
    }

    static func show(name: String, runtime: Runtime, json: Bool) throws -> Int32 {
        guard let tenant = try runtime.withStore({ try $0.tenant(named: name) }) else { throw CommandError("no tenant named \"\(name)\"") }
        let tokens = try runtime.withStore { try $0.tokens(tenant: name) }
        var description = describe(tenant, runtime: runtime).objectValue!
        description["active_tokens"] = .int(Int64(tokens.filter { $0.revokedMs == nil }.count))
        if json {
            print(JSONValue.object(description).jsonString)
        } else {
            print("Tenant:    \(tenant.name)")
            print("Plan:      \(describePlan(tenant))")
            print("Created:   \(formatTime(tenant.createdMs))")
            print("Enabled:   \(enabledToolsets(tenant, runtime: runtime).joined(separator: ", "))")
            print("Disabled:  \(tenant.disabledToolsets.sorted().joined(separator: ", "))")
            print("Tokens:    \(tokens.filter { $0.revokedMs == nil }.count) active, \(tokens.count) in all")
        }
        return 0
    }

    /// Takes effect on the next request of every token of the tenant: plans are never copied into tokens.
    static func setPlan(name: String, plan: String, trialUntil: String?, runtime: Runtime) throws -> Int32 {
        try checkPlan(plan, runtime: runtime)
        var until: Int64?
        if let trialUntil {
            guard let parsed = Timestamp.parseExpiry(trialUntil) else {
                throw Arguments.UsageError("--trial-until must be YYYY-MM-DD (the trial runs through that day, UTC) or an RFC 3339 time")
            }
            guard parsed > Clock.nowMilliseconds() else { throw CommandError("--trial-until \(trialUntil) is in the past") }
            until = parsed
        }
        let tenant = try runtime.withStore { store -> TenantRecord in
            guard let tenant = try store.tenant(named: name) else { throw CommandError("no tenant named \"\(name)\"") }
            try store.setPlan(tenant: name, plan: plan, trialUntilMs: until)
            return tenant
        }
        if let until {
            printError("Tenant \(name) is on a \(plan) trial until \(formatTime(until)); then back to \(tenant.plan).")
        } else {
            printError("Tenant \(name) is now on plan \(plan) (was \(tenant.plan)); this applies from the next request.")
        }
        return 0
    }

    static func toggle(name: String, toolsets: [String], enabled: Bool, runtime: Runtime) throws -> Int32 {
        let installed = runtime.registry.toolsetNames
        for toolset in toolsets where !installed.contains(toolset) {
            throw CommandError("unknown toolset \"\(toolset)\" (installed: \(installed.joined(separator: ", ")))")
        }
        try runtime.withStore { store in
            guard try store.tenant(named: name) != nil else { throw CommandError("no tenant named \"\(name)\"") }
            try store.database.transaction {
                for toolset in toolsets { try store.setToolset(toolset, enabled: enabled, forTenant: name) }
            }
        }
        let verb = enabled ? "Enabled" : "Disabled"
        printError("\(verb) \(toolsets.joined(separator: ", ")) for tenant \(name)\(enabled ? "" : "; its data is kept for when it is enabled again")")
        return 0
    }

    private static func describePlan(_ tenant: TenantRecord) -> String {
        guard let trial = tenant.trialPlan, let until = tenant.trialUntilMs, Clock.nowMilliseconds() < until else { return tenant.plan }
        return "\(trial) (trial until \(formatTime(until)), then \(tenant.plan))"
    }

    private static func enabledToolsets(_ tenant: TenantRecord, runtime: Runtime) -> [String] {
        runtime.registry.toolsetNames.filter(tenant.isEnabled)
    }

    private static func describe(_ tenant: TenantRecord, runtime: Runtime) -> JSONValue {
        [
            "name": .string(tenant.name),
            "plan": .string(tenant.plan),
            "effective_plan": .string(tenant.effectivePlan(now: Clock.nowMilliseconds())),
            "trial_plan": tenant.trialPlan.map { .string($0) } ?? .null,
            "trial_until": tenant.trialUntilMs.map { .string(formatTime($0)) } ?? .null,
            "created": .string(formatTime(tenant.createdMs)),
            "enabled_toolsets": .array(enabledToolsets(tenant, runtime: runtime).map { .string($0) }),
            "disabled_toolsets": .array(tenant.disabledToolsets.sorted().map { .string($0) }),
        ]
    }
}
