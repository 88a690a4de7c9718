// swift-tools-version:6.0
//
// autocoder: a real-time neural synthesis server and its offline tools.
//
// One library module per job; the `autocoder` executable is a thin layer of
// subcommands over them. C libraries come in through system-library targets
// (`C…`) found with pkg-config; `scripts/setup` installs their Debian packages.
import PackageDescription

// The sample loops of inference, DSP and the engine run hundreds of times
// slower unoptimised, which would make the unit tests (debug builds) render
// minutes of audio for seconds of sound: they are optimised in debug builds too.
let optimizedEvenInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "autocoder",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "autocoder", targets: ["autocoder"]),
        .executable(name: "autocoder-bench", targets: ["autocoder-bench"]),
        .library(name: "AutocoderModel", targets: ["AutocoderModel"]),
        .library(name: "AutocoderDSP", targets: ["AutocoderDSP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
    ],
    targets: [
        // C libraries from Debian.
        .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CLibLo", pkgConfig: "liblo", providers: [.apt(["liblo-dev"])]),
        .systemLibrary(name: "CPortAudio", pkgConfig: "portaudio-2.0", providers: [.apt(["portaudio19-dev"])]),
        .systemLibrary(name: "CJack", pkgConfig: "jack", providers: [.apt(["libjack-jackd2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        // Its headers are in the system's include path and its libraries named in the module map; no
        // pkg-config, whose -D_REENTRANT the package manager would warn about on every build.
        .systemLibrary(name: "CAvahi", providers: [.apt(["libavahi-client-dev"])]),

        // Model files (.mm, TensorFlow Lite) and inference; the mel filterbank tells a `.fft.dec`'s matrix.
        .target(name: "AutocoderModel", dependencies: ["COpenBLAS", "CDenseAVX2", "AutocoderDSP"], swiftSettings: optimizedEvenInDebug),
        // Starting the server's training child at SCHED_IDLE in its own process group.
        .target(name: "CSpawn"),
        // The AVX2/FMA batched dense kernel, chosen at run time (the package builds for baseline x86-64).
        .target(name: "CDenseAVX2", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        // Signal processing: mel filterbanks, FFT.
        .target(name: "AutocoderDSP", dependencies: ["CFFTW3"], swiftSettings: optimizedEvenInDebug),
        // The real-time synthesis engine: render thread, command queue, status atomics.
        .target(
            name: "AutocoderEngine",
            dependencies: ["AutocoderModel", "AutocoderDSP", .product(name: "Atomics", package: "swift-atomics")],
            swiftSettings: optimizedEvenInDebug
        ),

        // OSC over UDP: the socket and the message codec (liblo).
        .target(name: "AutocoderOSC", dependencies: ["CLibLo"]),
        // OSCQuery: the address space as JSON over HTTP (SwiftNIO), announced with zeroconf (Avahi).
        .target(
            name: "AutocoderOSCQuery",
            dependencies: [
                "CAvahi",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Sound devices (JACK natively, PortAudio for the rest, a clock-paced null output) and sound files (libsndfile).
        .target(
            name: "AutocoderAudio",
            dependencies: ["AutocoderEngine", "CJack", "CPortAudio", "CSndFile", "CSoxr", .product(name: "Atomics", package: "swift-atomics")]
        ),
        // Training: analysis of sounds into training sets, and the VAE trainer (OpenBLAS).
        .target(name: "AutocoderTraining", dependencies: ["AutocoderModel", "AutocoderDSP", "AutocoderAudio", "COpenBLAS"]),
        // The model report: a PNG of a model against its training sound (cairo).
        .target(
            name: "AutocoderReport",
            dependencies: ["AutocoderModel", "AutocoderDSP", "AutocoderAudio", "CCairo"],
            swiftSettings: optimizedEvenInDebug
        ),
        // The OSC server: the address space, model loading and recording control.
        .target(
            name: "AutocoderServer",
            dependencies: [
                "AutocoderModel", "AutocoderEngine", "AutocoderAudio", "AutocoderOSC", "AutocoderOSCQuery", "CSpawn",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "autocoder",
            dependencies: [
                "AutocoderModel", "AutocoderDSP", "AutocoderEngine", "AutocoderAudio", "AutocoderServer", "AutocoderTraining",
                "AutocoderReport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "autocoder-bench",
            dependencies: [
                "AutocoderModel", "AutocoderDSP", "AutocoderEngine", "AutocoderAudio", "AutocoderServer", "AutocoderOSC",
                "AutocoderTraining",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        .testTarget(name: "AutocoderModelTests", dependencies: ["AutocoderModel", "AutocoderDSP", "AudioTestSupport"]),
        .testTarget(name: "AutocoderDSPTests", dependencies: ["AutocoderDSP", "AutocoderModel"]),
        // Counts the render thread's heap allocations (run under LD_PRELOAD by AutocoderServerTests).
        .executableTarget(
            name: "render-allocation-probe",
            dependencies: [
                "AutocoderEngine", "AutocoderAudio", "AutocoderModel", "AutocoderDSP",
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Tests/RenderAllocationProbe"
        ),
        .target(name: "AudioTestSupport", dependencies: ["AutocoderDSP", "AutocoderModel"], path: "Tests/AudioTestSupport"),
        // libFuzzer targets (scripts/fuzz); built plainly, a replayer of inputs.
        .executableTarget(
            name: "autocoder-fuzz",
            dependencies: ["AutocoderModel", "AutocoderDSP", "AutocoderAudio", "AutocoderOSC", "AutocoderServer"],
            path: "Tests/Fuzz",
            exclude: ["corpus", "dictionaries"]
        ),
        .testTarget(name: "AutocoderEngineTests", dependencies: ["AutocoderEngine", "AutocoderAudio", "AutocoderModel", "AutocoderDSP", "AudioTestSupport"]),
        .testTarget(name: "AutocoderTrainingTests", dependencies: ["AutocoderTraining", "AutocoderAudio", "AutocoderModel", "AudioTestSupport"]),
        // Start the built server and talk to it over UDP; need `swift build -c release` first (scripts/test does it).
        .testTarget(
            name: "AutocoderServerTests",
            dependencies: ["AutocoderOSC", "AutocoderAudio", "AutocoderModel", "AutocoderDSP", "AudioTestSupport"]
        ),
        // Real sockets; the zeroconf tests run their own avahi-daemon on a private bus where the machine allows it.
        .testTarget(
            name: "AutocoderOSCQueryTests",
            dependencies: ["AutocoderOSCQuery", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        // Runs the built `autocoder` binary as a user would.
        .testTarget(name: "AutocoderCLITests", dependencies: ["autocoder", "AutocoderModel", "AutocoderReport", "CCairo", "AudioTestSupport"]),
    ]
)
