// The native JACK output: a JACK client with one output port per channel
// (out_0, out_1, …) and one input port per input channel (in_0, …), as many
// as asked for, connected to the server's physical ports (as many as exist).
// The server sets the sample rate and the block size; the engine renders
// whatever frame count each cycle brings.
//
// Threading: init/start/stop/failure/relinquishEngine from a control thread.
// JACK's process callback is the engine's render thread: it interleaves the
// input ports into preallocated scratch, calls `SynthesisEngine.render`, and
// de-interleaves into the output ports — no allocation, locks, logging or
// Foundation. The xrun, buffer-size and shutdown callbacks (JACK's own
// threads) only store atomics and copy the shutdown reason into a
// preallocated buffer.

internal import CJack
import Atomics
import AutocoderEngine
import Foundation

public final class JackOutput: AudioOutput {
    public let serverName: String
    /// The client's name as JACK gave it (JACK appends -01, -02 … when the
    /// asked-for name is taken).
    public let clientName: String
    public let sampleRate: Double
    public let channels: Int
    public let inputChannels: Int
    private let requestedSampleRate: Double?
    private let client: OpaquePointer
    private let outputPorts: UnsafeMutablePointer<OpaquePointer>
    private let inputPorts: UnsafeMutablePointer<OpaquePointer>
    private let bufferSize: ManagedAtomic<Int>
    private var context: Unmanaged<Context>?
    private var connections = ""
    private var closed = false

    /// Opens a client on the running server and registers its ports; throws,
    /// naming the port, when the server refuses one (its port limit), and when
    /// no server runs.
    public init(clientName requested: String, channels: Int, inputChannels: Int = 0, requestedSampleRate: Double? = nil) throws {
        let client = try JackServer.openClient(named: requested)
        let outputPorts = UnsafeMutablePointer<OpaquePointer>.allocate(capacity: max(channels, 1))
        let inputPorts = UnsafeMutablePointer<OpaquePointer>.allocate(capacity: max(inputChannels, 1))
        do {
            for c in 0..<channels { outputPorts[c] = try Self.register(client, "out_\(c)", output: true, of: channels) }
            for c in 0..<inputChannels { inputPorts[c] = try Self.register(client, "in_\(c)", output: false, of: inputChannels) }
        } catch {
            jack_client_close(client)
            outputPorts.deallocate()
            inputPorts.deallocate()
            throw error
        }
        self.client = client
        self.outputPorts = outputPorts
        self.inputPorts = inputPorts
        serverName = JackServer.serverName
        clientName = String(cString: jack_get_client_name(client))
        sampleRate = Double(jack_get_sample_rate(client))
        bufferSize = ManagedAtomic(Int(jack_get_buffer_size(client)))
        self.channels = channels
        self.inputChannels = inputChannels
        self.requestedSampleRate = requestedSampleRate
    }

    private static func register(_ client: OpaquePointer, _ name: String, output: Bool, of count: Int) throws -> OpaquePointer {
        let flags = UInt((output ? JackPortIsOutput : JackPortIsInput).rawValue)
        guard let port = jack_port_register(client, name, autocoder_jack_audio_type(), flags, 0) else {
            throw AudioOutputError(description: "JACK server \"\(JackServer.serverName)\" refused port \(name) of the \(count) "
                + "\(output ? "output" : "input") ports asked for (its port limit, `jackd --port-max`, may be too low)")
        }
        return port
    }

    public var kind: AudioOutputKind { .jack }
    public var blockSize: Int { bufferSize.load(ordering: .relaxed) }

    public var description: String {
        var text = "JACK: \(clientName) on server \"\(serverName)\", \(Int(sampleRate)) Hz, block \(blockSize), "
            + "\(channels) output port\(channels == 1 ? "" : "s")"
        if inputChannels > 0 { text += ", \(inputChannels) input port\(inputChannels == 1 ? "" : "s")" }
        if !connections.isEmpty { text += "; " + connections }
        if let requestedSampleRate, requestedSampleRate != sampleRate {
            text += "; --sample-rate \(Int(requestedSampleRate)) does not apply: the JACK server runs at \(Int(sampleRate)) Hz"
        }
        return text
    }

    public func start(_ engine: SynthesisEngine) throws {
        precondition(engine.channels == channels, "the engine renders \(engine.channels) channels, the client has \(channels) ports")
        guard context == nil, !closed else { return }
        let retained = Unmanaged.passRetained(Context(engine: engine, outputPorts: outputPorts, channels: channels,
                                                      inputPorts: inputPorts, inputChannels: inputChannels, bufferSize: bufferSize))
        let argument = retained.toOpaque()
        jack_set_process_callback(client, jackProcess, argument)
        jack_set_xrun_callback(client, jackXrun, argument)
        jack_set_buffer_size_callback(client, jackBufferSize, argument)
        jack_on_info_shutdown(client, jackShutdown, argument)
        context = retained
        guard jack_activate(client) == 0 else {
            throw AudioOutputError(description: "JACK server \"\(serverName)\" would not activate the client \(clientName)")
        }
        connections = connectPhysicalPorts()
    }

    /// out_k → the k-th physical playback port and the k-th capture port → in_k,
    /// as far as there are such ports; says what is left unconnected.
    private func connectPhysicalPorts() -> String {
        func connect(_ ports: UnsafeMutablePointer<OpaquePointer>, count: Int, to physical: [String], output: Bool) -> String {
            let names = (0..<count).map { String(cString: jack_port_name(ports[$0])) }
            let linked = min(count, physical.count)
            for k in 0..<linked {
                if output { jack_connect(client, names[k], physical[k]) } else { jack_connect(client, physical[k], names[k]) }
            }
            let local = { (k: Int) in String(names[k].split(separator: ":").last ?? "") }
            func span(_ first: String, _ last: String) -> String { first == last ? first : first + "…" + last }
            var text = linked == 0 ? "" : "\(span(local(0), local(linked - 1))) \(output ? "→" : "←") \(span(physical[0], physical[linked - 1]))"
            if linked < count {
                text += (text.isEmpty ? "" : ", ") + "\(span(local(linked), local(count - 1))) unconnected "
                    + "(the server has \(physical.count) physical \(output ? "playback" : "capture") port\(physical.count == 1 ? "" : "s"))"
            }
            return text
        }
        let playback = JackServer.physicalPorts(client, receivingSound: true)
        let capture = JackServer.physicalPorts(client, receivingSound: false)
        return [connect(outputPorts, count: channels, to: playback, output: true),
                connect(inputPorts, count: inputChannels, to: capture, output: false)]
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    public var failure: String? {
        guard let context = context?.takeUnretainedValue(), context.shutDown.isSet else { return nil }
        let reason = String(cString: context.shutdownReason)
        return "the JACK server \"\(serverName)\" shut the client \(clientName) down" + (reason.isEmpty ? "" : " (\(reason))")
    }

    public func relinquishEngine() -> Bool {
        context?.takeUnretainedValue().gate.close() ?? true
    }

    public func stop() {
        guard !closed else { return }
        closed = true
        jack_client_close(client)
        context?.release()
        context = nil
    }

    deinit {
        stop()
        outputPorts.deallocate()
        inputPorts.deallocate()
    }

    /// What JACK's callbacks touch: the engine, the ports, scratch space for
    /// interleaving, and the flags the control thread reads.
    fileprivate final class Context {
        /// Frames rendered per engine call; longer JACK cycles take several.
        static let chunkFrames = 1024
        static let reasonCapacity = 512
        let engine: SynthesisEngine
        let gate = RenderGate()
        let outputPorts: UnsafeMutablePointer<OpaquePointer>
        let inputPorts: UnsafeMutablePointer<OpaquePointer>
        let channels: Int
        let inputChannels: Int
        let outputBuffers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
        let inputBuffers: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
        let interleavedOutput: UnsafeMutablePointer<Float>
        let interleavedInput: UnsafeMutablePointer<Float>
        let bufferSize: ManagedAtomic<Int>
        let shutDown = ManagedFlag()
        let shutdownReason: UnsafeMutablePointer<CChar>

        init(engine: SynthesisEngine, outputPorts: UnsafeMutablePointer<OpaquePointer>, channels: Int,
             inputPorts: UnsafeMutablePointer<OpaquePointer>, inputChannels: Int, bufferSize: ManagedAtomic<Int>) {
            self.engine = engine
            self.outputPorts = outputPorts
            self.inputPorts = inputPorts
            self.channels = channels
            self.inputChannels = inputChannels
            self.bufferSize = bufferSize
            outputBuffers = .allocate(capacity: max(channels, 1))
            inputBuffers = .allocate(capacity: max(inputChannels, 1))
            interleavedOutput = .allocate(capacity: Self.chunkFrames * channels)
            interleavedInput = .allocate(capacity: Self.chunkFrames * max(inputChannels, 1))
            shutdownReason = .allocate(capacity: Self.reasonCapacity)
            shutdownReason.initialize(repeating: 0, count: Self.reasonCapacity)
        }

        deinit {
            outputBuffers.deallocate()
            inputBuffers.deallocate()
            interleavedOutput.deallocate()
            interleavedInput.deallocate()
            shutdownReason.deallocate()
        }

        /// One JACK cycle. Real-time safe. Shut out by the gate, it plays silence.
        @inline(__always)
        func process(frames: jack_nframes_t) {
            let count = Int(frames)
            for c in 0..<channels {
                outputBuffers[c] = jack_port_get_buffer(outputPorts[c], frames).assumingMemoryBound(to: Float.self)
            }
            guard gate.enter() else {
                for c in 0..<channels { outputBuffers[c].update(repeating: 0, count: count) }
                return
            }
            for c in 0..<inputChannels {
                inputBuffers[c] = jack_port_get_buffer(inputPorts[c], frames).assumingMemoryBound(to: Float.self)
            }
            var done = 0
            while done < count {
                let chunk = min(count - done, Self.chunkFrames)
                for i in 0..<chunk {
                    for c in 0..<inputChannels { interleavedInput[i * inputChannels + c] = inputBuffers[c][done + i] }
                }
                engine.render(interleavedOutput, frames: chunk,
                              input: inputChannels > 0 ? UnsafePointer(interleavedInput) : nil, inputChannels: inputChannels)
                for c in 0..<channels {
                    let port = outputBuffers[c] + done
                    for i in 0..<chunk { port[i] = interleavedOutput[i * channels + c] }
                }
                done += chunk
            }
            gate.leave()
        }

        /// Called from JACK's thread as from a signal handler: copy and flag only.
        func shutDown(reason: UnsafePointer<CChar>?) {
            if let reason { strncpy(shutdownReason, reason, Self.reasonCapacity - 1) }
            shutDown.set(true)
        }
    }
}

private func jackProcess(_ frames: jack_nframes_t, _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let argument else { return 0 }
    Unmanaged<JackOutput.Context>.fromOpaque(argument)._withUnsafeGuaranteedRef { $0.process(frames: frames) }
    return 0
}

private func jackXrun(_ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let argument else { return 0 }
    Unmanaged<JackOutput.Context>.fromOpaque(argument)._withUnsafeGuaranteedRef {
        $0.engine.status.xruns.wrappingIncrement(ordering: .relaxed)
    }
    return 0
}

private func jackBufferSize(_ frames: jack_nframes_t, _ argument: UnsafeMutableRawPointer?) -> Int32 {
    guard let argument else { return 0 }
    Unmanaged<JackOutput.Context>.fromOpaque(argument)._withUnsafeGuaranteedRef {
        $0.bufferSize.store(Int(frames), ordering: .relaxed)
    }
    return 0
}

private func jackShutdown(_ code: jack_status_t, _ reason: UnsafePointer<CChar>?, _ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    Unmanaged<JackOutput.Context>.fromOpaque(argument)._withUnsafeGuaranteedRef { $0.shutDown(reason: reason) }
}
