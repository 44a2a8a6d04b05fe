// swift-tools-version: 6.1
import PackageDescription

// The interpreter's hot loop touches class state on every instruction; dynamic
// exclusivity checks would cost more than the work itself.
let fastCode: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "Trapeze",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "trapeze", targets: ["trapeze"]),
        .library(name: "PowerISA", targets: ["PowerISA"]),
        .library(name: "E500", targets: ["E500"]),
        .library(name: "LinuxUser", targets: ["LinuxUser"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "PowerISA", swiftSettings: fastCode),
        .target(name: "E500", dependencies: ["PowerISA"], swiftSettings: fastCode),
        .target(name: "LinuxUser", dependencies: ["E500", "PowerISA"], swiftSettings: fastCode),
        .target(name: "Telemetry"),
        .target(name: "Platform", dependencies: ["E500", "Telemetry"], swiftSettings: fastCode),
        .target(name: "Hypervisor", dependencies: ["E500", "PowerISA", "Platform", "Telemetry"], swiftSettings: fastCode),
        .executableTarget(
            name: "trapeze",
            dependencies: [
                "PowerISA", "E500", "LinuxUser", "Platform", "Hypervisor", "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Helpers the test targets share (a seeded generator, valid encodings); not in any product.
        .target(name: "TestSupport", dependencies: ["PowerISA"], path: "Tests/TestSupport"),
        .testTarget(name: "PowerISATests", dependencies: ["PowerISA", "TestSupport"]),
        .testTarget(name: "E500Tests", dependencies: ["E500", "PowerISA", "TestSupport"]),
        .testTarget(name: "DifferentialTests", dependencies: ["PowerISA", "TestSupport"]),
        .testTarget(name: "LinuxUserTests", dependencies: ["LinuxUser"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "Telemetry", "TestSupport", "E500", "PowerISA"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"]),
        .testTarget(name: "HypervisorTests", dependencies: ["Hypervisor", "Telemetry", "E500", "Platform", "PowerISA", "TestSupport"]),
    ]
)
