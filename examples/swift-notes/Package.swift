// swift-tools-version:6.0
// An example Toolhost toolset in Swift, built as its own package: a dynamic library (.so) that the
// host loads from its plugins folder. It depends on the Toolhost package for ToolsetKit only.
import PackageDescription

// Where the Toolhost package is: this repository, two folders up.
let toolhostPath = "../.."

// SwiftPM names a path dependency after the last component of its path (lowercased), not after
// the `name: "Toolhost"` in its manifest, and `.product(…, package:)` must use that name. A package
// of your own, next to a clone in a folder named `toolhost`, writes it out:
//     .package(path: "../toolhost"),  …  .product(name: "ToolsetKit", package: "toolhost")
// This example lives inside the repository, whose folder may be called anything (`toolhost`, a
// worktree, a CI checkout), so it derives the name from where this manifest is:
// <repository>/examples/swift-notes/Package.swift.
let toolhostIdentity: String = {
    let components = #filePath.split(separator: "/")
    precondition(components.count >= 4, "unexpected manifest path \(#filePath)")
    return components[components.count - 4].lowercased()
}()

let package = Package(
    name: "SwiftNotes",
    products: [
        // Dynamic: the host dlopen()s libSwiftNotes.so. ToolsetKit is linked into it statically.
        .library(name: "SwiftNotes", type: .dynamic, targets: ["SwiftNotes"]),
    ],
    dependencies: [
        .package(path: toolhostPath),
    ],
    targets: [
        .target(
            name: "SwiftNotes",
            dependencies: [.product(name: "ToolsetKit", package: toolhostIdentity)]
        ),
    ]
)
