// A toolset's public surface uses JSONValue/JSONObject (arguments, results) and Database/SQLValue
// (ToolCall.database): re-exported so that `import ToolsetKit` is the only import a toolset needs,
// inside this repository or in a package that depends on the ToolsetKit product.
@_exported import JSON
@_exported import SQLite
