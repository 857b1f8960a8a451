/// validate_package: graph checks, then (when the graph is sound) every component's schema and
/// expressions against real connections. Returns every problem found, per component.
public enum FlowValidation {
    public static func validate(_ document: FlowDocument, variables: [String: Value], connections: ConnectionResolver) -> [ComponentIssue] {
        let compiler = FlowCompiler(document, variables: variables, connections: connections)
        let graphIssues = compiler.graph.issues()
        // Schemas cannot be worked out through a cycle or a component missing its inputs.
        if graphIssues.contains(where: { $0.message.contains("cycle") }) { return graphIssues }
        return graphIssues + compiler.schemaIssues().filter { issue in !graphIssues.contains { $0.component == issue.component } }
    }
}
