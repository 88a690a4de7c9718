// What the snapshot addresses do (declared in OSCCommand+Snapshots.swift):
// keeping a voice's state under a name in its model's store (SnapshotStore),
// gliding back to one, blending several, listing and deleting them; and
// answering a recall once its glide has ended. Network thread only.

import AutocoderEngine
import AutocoderOSC
import Foundation

extension AutocoderServer {
    /// The store of voice `id`'s model, read on first use; a problem with its
    /// file is logged once and told, as `/error s:/snapshot`, to the first
    /// `requester` (at start there is none: the first client to need it hears it).
    func snapshotStore(of id: Int, requester: SocketAddress?) throws -> SnapshotStore {
        guard let anchor = engine.voices[id]?.model, !anchor.isEmpty else { throw Rejection("voice \(id) has no model") }
        let store = snapshotStores[anchor] ?? SnapshotStore(anchor: anchor)
        snapshotStores[anchor] = store
        if let problem = store.problem, !store.problemLogged {
            logger.error("snapshots: \(problem)")
            store.problemLogged = true
        }
        if let requester, let problem = store.takeProblem() {
            send(OSCMessage("/error", [.string("/snapshot"), .string(problem)]), to: replyDestination(requester))
        }
        return store
    }

    /// `/snapshot/save s:NAME`: the latent targets, walk, controls and level of voice `id`.
    func saveSnapshot(_ request: Request, voice id: Int) throws {
        let name = try snapshotName(request)
        let store = try snapshotStore(of: id, requester: lastSender)
        guard let record = engine.voices[id], let status = record.status else { throw Rejection("voice \(id) plays no model") }
        var controls: [String: Float] = [:]
        for parameter in Snapshot.parameters {
            let value = settingValues["\(id)/" + parameter.rawValue]?.first?.number.map(Float.init) ?? parameter.defaultValue(for: record.kind)
            controls[parameter.rawValue] = value
        }
        let snapshot = Snapshot(latent: status.targets(count: latentCount(of: id)), walk: status.isWalking, controls: controls, level: record.level)
        try store.save(snapshot, as: name)
        reply("/snapshot/saved", [.string(name)])
    }

    /// `/snapshot/recall s:NAME [f:SECONDS [s:CURVE]]`.
    func recallSnapshot(_ request: Request, voice id: Int) throws {
        let name = try snapshotName(request)
        let snapshot = try snapshot(name, of: id)
        let seconds = request.count > 1 ? try request.float(1) : 0
        let curve = request.count > 2 ? MorphCurve(rawValue: try request.string(2))! : .linear
        let serial = try morph(id, to: snapshot, seconds: seconds, curve: curve)
        if seconds == 0 {
            reply("/snapshot/recalled", [.string(name)])
        } else {
            pendingRecalls[id] = PendingRecall(name: name, serial: serial, requester: lastSender!)
        }
    }

    /// `/snapshot/blend s:A f:wA s:B f:wB …`: the weighted mean, at once.
    func blendSnapshots(_ request: Request, voice id: Int) throws {
        var parts: [(snapshot: Snapshot, weight: Float)] = []
        var names: [OSCArgument] = []
        for pair in 0..<request.count / 2 {
            let name = try request.string(2 * pair)
            parts.append((try snapshot(name, of: id), try request.float(2 * pair + 1)))
            names.append(.string(name))
        }
        guard parts.contains(where: { $0.weight > 0 }) else { throw Rejection("the weights are all 0") }
        try morph(id, to: Snapshot.blend(parts), seconds: 0, curve: .linear)
        reply("/snapshot/blended", names)
    }

    /// `/snapshot/list` + the names, sorted.
    func listSnapshots(voice id: Int) throws {
        reply("/snapshot/list", try snapshotStore(of: id, requester: lastSender).snapshots.keys.sorted().map { .string($0) })
    }

    /// `/snapshot/delete s:NAME`.
    func deleteSnapshot(_ request: Request, voice id: Int) throws {
        let name = try snapshotName(request)
        _ = try snapshot(name, of: id)
        try snapshotStore(of: id, requester: lastSender).delete(name)
        reply("/snapshot/deleted", [.string(name)])
    }

    /// Tells whoever asked that their recall's glide has ended (or that their voice is gone).
    func answerRecalls() {
        for (id, pending) in pendingRecalls {
            guard let status = engine.voices[id]?.status else {
                pendingRecalls[id] = nil
                reject("/snapshot/recall", "voice \(id) was freed before \"\(pending.name)\" was reached", pending.requester)
                continue
            }
            guard status.lastEndedMorph >= pending.serial else { continue }
            pendingRecalls[id] = nil
            reply("/snapshot/recalled", [.string(pending.name)], to: pending.requester)
        }
    }

    /// Sends voice `id` gliding to `snapshot` (at the time of the message's
    /// bundle, if any); the controls' remembered settings are the snapshot's
    /// from now on. A recall still gliding there is superseded. Returns the morph's serial.
    @discardableResult
    private func morph(_ id: Int, to snapshot: Snapshot, seconds: Float, curve: MorphCurve) throws -> Int {
        let controls = snapshot.engineControls
        let latent = snapshot.latent.prefix(latentCount(of: id)).map { min(max($0, 0), 1) }
        morphSerial += 1
        try perform(.morph(Morph(latent: LatentVector(Array(latent)), controls: controls, walking: snapshot.walk,
                                 level: min(max(snapshot.level, 0), 4), frames: Int((Double(seconds) * engine.sampleRate).rounded()),
                                 curve: curve, serial: morphSerial)), on: id)
        if let older = pendingRecalls.removeValue(forKey: id) {
            reject("/snapshot/recall", "\"\(older.name)\" was superseded before it was reached", older.requester)
        }
        for (parameter, value) in controls { settingValues["\(id)/" + parameter.rawValue] = [.float(value)] }
        return morphSerial
    }

    private func snapshot(_ name: String, of id: Int) throws -> Snapshot {
        let store = try snapshotStore(of: id, requester: lastSender)
        guard let snapshot = store.snapshots[name] else {
            throw Rejection("there is no snapshot \"\(name)\" for \(engine.voices[id]?.model ?? "this model") (\(store.path))")
        }
        return snapshot
    }

    private func snapshotName(_ request: Request) throws -> String {
        let name = try request.string(0)
        guard !name.isEmpty else { throw Rejection("a snapshot needs a name") }
        return name
    }
}
