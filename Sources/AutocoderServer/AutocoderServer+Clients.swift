// /notify, /sync and the server's news: who hears what, and the replies that
// wait for the engine (/done, /synced). Network thread only.

import AutocoderOSC
import Foundation

extension AutocoderServer {
    /// `/notify i:1|0 [i:PORT]`.
    func notify(_ request: Request) throws {
        let sender = lastSender!
        if try request.flag(0) {
            let destination = clients.register(sender, port: request.count == 2 ? try request.integer(1) : nil)
            send(OSCMessage("/done", [.string("/notify")]), to: destination)
        } else {
            let destination = clients.drop(sender) ?? replyDestination(sender)
            send(OSCMessage("/done", [.string("/notify")]), to: destination)
        }
    }

    /// `/sync i:ID`: `/synced i:ID` once everything asked for before has taken effect.
    func sync(_ id: Int32) {
        wait(Completion(message: OSCMessage("/synced", [.int(id)]), destination: replyDestination(lastSender!),
                        commandMark: engine.commandMark, loadMark: loads.mark, sequence: takeSequence()))
        sendCompletions()
    }

    /// `/done s:ADDRESS` to `requester` once the engine has taken the commands
    /// queued so far, in its place among the replies: that of the request
    /// `sequence` (nil: a request being handled now).
    func doneWhenTaken(_ address: String, requester: SocketAddress, sequence: Int? = nil) {
        wait(Completion(message: OSCMessage("/done", [.string(address)]), destination: replyDestination(requester),
                        commandMark: engine.commandMark, loadMark: nil, sequence: sequence ?? takeSequence()))
    }

    /// The next request's place in the order of requests.
    func takeSequence() -> Int {
        requestSequence += 1
        return requestSequence
    }

    /// Puts `completion` among the waiting replies, after those of earlier requests.
    private func wait(_ completion: Completion) {
        let index = completions.firstIndex { $0.sequence > completion.sequence } ?? completions.count
        completions.insert(completion, at: index)
    }

    /// Sends the waiting replies whose time has come, in the order they were made.
    func sendCompletions() {
        while let first = completions.first, engine.hasTaken(first.commandMark),
              first.loadMark.map({ loads.hasFinished(through: $0) }) ?? true {
            completions.removeFirst()
            send(first.message, to: first.destination)
        }
    }

    /// Tells `requester` and every registered client (each once).
    func announce(_ message: OSCMessage, to requester: SocketAddress?) {
        var destinations = clients.destinations
        if let requester {
            let own = replyDestination(requester)
            if !destinations.contains(where: { $0.description == own.description }) { destinations.insert(own, at: 0) }
        }
        for destination in destinations { send(message, to: destination) }
    }

    /// The answer to a slow request, now that it is applied: `reply` to its
    /// sender (and, when `news`, to every registered client), then `/done`
    /// once the engine has what it made.
    func finish(_ ticket: LoadTicket, _ address: String, _ arguments: [OSCArgument], news: Bool = true) {
        let message = OSCMessage(address, arguments)
        if news { announce(message, to: ticket.requester) } else { send(message, to: replyDestination(ticket.requester)) }
        doneWhenTaken(ticket.address, requester: ticket.requester, sequence: ticket.sequence)
    }

    /// The /status every `/notify/interval` seconds to every registered client.
    func sendPeriodicStatus(now: Date = Date()) {
        guard clients.statusInterval > 0, !clients.isEmpty, now.timeIntervalSince(clients.lastStatus) >= clients.statusInterval else { return }
        clients.lastStatus = now
        for destination in clients.destinations { sendStatus(to: destination) }
    }
}
