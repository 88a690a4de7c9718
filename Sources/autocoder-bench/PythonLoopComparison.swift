// The peer comparison: `autocoder render` against the published synthesis
// loop as Python autocoder users run it (scripts/python-loop.py: TensorFlow
// Lite's interpreter and numpy), on the bundled model at 4096/512. Each run is
// a child process of its own, charged its whole-process CPU time (user +
// system of every thread, from wait4), so start-up, model loading, the
// interpreter and the file written all count; the two alternate, three runs
// each, and a one-hop run of each measures its start-up.
//
// Bench main thread only.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Bench {
    /// One side of the comparison: how to run it for a number of hops, and how
    /// many hops make a run of a few CPU seconds.
    struct LoopPeer {
        let name: String
        let hops: Int
        let command: (Int) -> [String]
    }

    static func pythonLoopComparison(model: String) throws {
        let label = "offline render 4096/512 vs Python+TFLite loop"
        let python = root + "/.venv-litert/bin/python"
        let autocoder = root + "/.build/release/autocoder"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print(row(label, "skipped: no .venv-litert",
                      "python3 -m venv .venv-litert && .venv-litert/bin/pip install ai-edge-litert numpy python-osc"))
            return
        }
        guard FileManager.default.isExecutableFile(atPath: autocoder) else {
            print(row(label, "skipped: no release autocoder", "swift build -c release"))
            return
        }
        let sound = NSTemporaryDirectory() + "autocoder-bench-peer-\(getpid()).wav"
        defer { unlink(sound) }
        let shape = ["--fft", "4096", "--hop", "512"]
        // The Python loop costs several times more per hop: it gets fewer hops
        // for a run of about the same length.
        let ours = LoopPeer(name: "autocoder", hops: 20000) {
            [autocoder, "render", model, "--frames", String($0)] + shape + ["--out", sound, "--overwrite"]
        }
        let theirs = LoopPeer(name: "Python+TFLite", hops: 4000) {
            [python, root + "/scripts/python-loop.py", "--model", model, "--hops", String($0)] + shape + ["--out", sound]
        }

        var perHop: [String: [Double]] = [:], startUp: [String: [Double]] = [:]
        for _ in 0..<3 {
            for peer in [ours, theirs] {
                startUp[peer.name, default: []].append(try childCPUSeconds(peer.command(1)))
                perHop[peer.name, default: []].append(try childCPUSeconds(peer.command(peer.hops)) / Double(peer.hops))
            }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        func micros(_ peer: LoopPeer) -> String {
            let runs = perHop[peer.name]!
            return String(format: "%.0f/%.0f", runs.min()! * 1e6, median(runs) * 1e6)
        }
        // What a hop costs once running: the start-up taken out of each run.
        func steady(_ peer: LoopPeer) -> Double {
            (median(perHop[peer.name]!) * Double(peer.hops) - median(startUp[peer.name]!)) / Double(peer.hops - 1)
        }
        let startUpMillis = [ours, theirs].map { median(startUp[$0.name]!) * 1e3 }
        print(row("offline render 4096/512, CPU µs/hop, whole process",
                  "autocoder \(micros(ours)), Python+TFLite \(micros(theirs))",
                  "min / median of 3 runs of \(ours.hops) / \(theirs.hops) hops"))
        print(row("offline render 4096/512, start-up CPU (a 1-hop run)",
                  String(format: "autocoder %.0f ms, Python+TFLite %.0f ms", startUpMillis[0], startUpMillis[1]),
                  String(format: "median; net of it, per hop: %.0f / %.0f µs", steady(ours) * 1e6, steady(theirs) * 1e6)))
        print(row("offline render 4096/512, autocoder N× cheaper per hop",
                  String(format: "%.1f× (%.1f× net of start-up)",
                         median(perHop[theirs.name]!) / median(perHop[ours.name]!), steady(theirs) / steady(ours)),
                  "≥ 25×"))
    }

    /// Runs `command` (executable first) to its end and returns the CPU seconds
    /// it used, user plus system, over all its threads; standard output is
    /// discarded and standard error is kept to say why a run failed.
    static func childCPUSeconds(_ command: [String]) throws -> Double {
        let errors = NSTemporaryDirectory() + "autocoder-bench-peer-\(getpid()).err"
        defer { unlink(errors) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let started = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard started == 0 else { throw BenchError("posix_spawn \(command[0]): \(String(cString: strerror(started)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 \(command[0]): \(String(cString: strerror(errno)))") }
        }
        guard status == 0 else {
            let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            throw BenchError("\(command.joined(separator: " ")) ended with status \(status): \(said.suffix(500))")
        }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
