// Which output `serve` plays through, from its options, and the list
// `--list-devices` prints.
//
// The choice: `--null-output` → the null output. `--device jack`, or no
// `--device` while a JACK server runs → the native JACK output, with as many
// ports as channels. `--device D` → that PortAudio device. No device named and
// no JACK → the system default, then any other PortAudio device that can play
// the channels. A machine with no device at all gets the null output; a device
// that exists but cannot give the channels is an error, never silence.
//
// Threading: a control thread (the server's init, the output supervisor).

import Foundation

public struct AudioOutputRequest: Sendable {
    /// A PortAudio device by number or part of its name, or "jack"; nil: the default choice.
    public var device: String?
    public var sampleRate: Double?
    /// Frames per callback (JACK's own buffer size wins under JACK).
    public var blockSize = 256
    public var channels = 2
    public var inputChannels = 0
    public var jackClientName = "autocoder"
    public var nullOutput = false

    public init() {}

    /// The output to play through, not started yet. Throws with the reason
    /// when the named device cannot play, or no device can give the channels.
    public func open() throws -> AudioOutput {
        if nullOutput { return null(reason: "asked for with --null-output") }
        var jackReason = ""
        if device == nil || device?.lowercased() == "jack" {
            do {
                return try openJack()
            } catch let error as AudioOutputError where error.noJackServer && device == nil {
                jackReason = error.description
            }
        }
        return try openPortAudio(besides: jackReason)
    }

    /// A JACK client on the running server (also how a lost JACK output is reconnected).
    public func openJack() throws -> JackOutput {
        try JackOutput(clientName: jackClientName, channels: channels, inputChannels: inputChannels, requestedSampleRate: sampleRate)
    }

    /// The null output at the requested (or the given) rate and block size.
    public func null(reason: String, sampleRate rate: Double? = nil, blockSize size: Int? = nil) -> NullOutput {
        NullOutput(sampleRate: rate ?? sampleRate ?? 44100, blockSize: size ?? blockSize, channels: channels, reason: reason)
    }

    private func openPortAudio(besides jackReason: String) throws -> AudioOutput {
        let candidates: [AudioDevice]
        do {
            if let device {
                let matching = try PortAudio.devices().filter { $0.matches(device) }
                guard !matching.isEmpty else {
                    throw AudioOutputError(description: "no output device matches '\(device)'; `autocoder serve --list-devices` lists them")
                }
                candidates = matching
            } else {
                candidates = try PortAudio.candidates()
            }
        } catch let error as AudioOutputError where device == nil {
            return null(reason: "no usable sound device (\([jackReason, error.description].filter { !$0.isEmpty }.joined(separator: "; ")))")
        }
        var shortfalls: [String] = []
        var refusals: [String] = []
        for candidate in candidates {
            guard candidate.outputChannels >= channels else {
                shortfalls.append("\(candidate.name) [\(candidate.hostAPI)] has \(candidate.outputChannels) output channels, \(channels) asked for")
                continue
            }
            for rate in [sampleRate ?? 44100, candidate.defaultSampleRate] where PortAudio.supports(candidate, rate: rate, channels: channels) {
                return PortAudioOutput(device: candidate, sampleRate: rate, blockSize: blockSize, channels: channels, inputChannels: inputChannels)
            }
            refusals.append("\(candidate.name) [\(candidate.hostAPI)] refuses \(channels) channels at \(Int(sampleRate ?? 44100)) Hz")
        }
        if device != nil {
            throw AudioOutputError(description: "the named device cannot play: " + (shortfalls + refusals).joined(separator: "; "))
        }
        if !shortfalls.isEmpty {
            throw AudioOutputError(description: "no sound device can play \(channels) channels: " + (shortfalls + refusals).joined(separator: "; ")
                + " (ask for fewer with --channels, or start a JACK server: JACK clients have as many ports as asked for)")
        }
        let reasons = [jackReason] + (candidates.isEmpty ? ["no sound output devices"] : refusals)
        return null(reason: "no usable sound device (\(reasons.filter { !$0.isEmpty }.joined(separator: "; ")))")
    }

    /// What `--list-devices` prints: the JACK server when one runs, then every
    /// PortAudio output device (PortAudio's own JACK ones are left out).
    public static func deviceList(jackClientName: String) throws -> [String] {
        let jack = JackServer.probe(clientName: jackClientName).server.map { [$0.description + " (default)"] } ?? []
        PortAudio.setJACKClientName(jackClientName)
        return try jack + PortAudio.devices().map(\.description)
    }
}
