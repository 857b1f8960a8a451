import ToolsetKit
