// Announces an OSCQuery server on the local network with zeroconf (DNS-SD over
// multicast DNS, through the Avahi daemon): `_oscjson._tcp` at the HTTP port
// and `_osc._udp` at the OSC port, under one service name, until `stop()`.
//
// Any thread may create it, read `name` and stop it. Avahi runs on a thread
// of its own, which delivers `onEvent`; `onEvent` must not call `stop()`.

import CAvahi
import NIOConcurrencyHelpers

public final class ZeroconfAnnouncement: @unchecked Sendable {
    // @unchecked: `services` is touched under Avahi's poll lock only (AvahiServiceGroup), or once its
    // thread has stopped; `stopped` has a lock of its own, which outlives the poll.

    public static let oscQueryServiceType = "_oscjson._tcp"
    public static let oscServiceType = "_osc._udp"

    private let services: AvahiServiceGroup
    private let stopped = NIOLockedValueBox(false)

    /// Starts announcing. Throws `.noDaemon` when no Avahi daemon runs (log it once and serve anyway);
    /// a daemon that goes away later is waited for, and the services announced again when it is back.
    /// A name already taken is replaced by Avahi's alternative ("name #2"), reported by `onEvent`.
    public init(
        name: String, oscQueryPort: Int, oscPort: Int,
        onEvent: @escaping @Sendable (ZeroconfEvent) -> Void = { _ in }
    ) throws(ZeroconfError) {
        guard avahi_is_valid_service_name(name) != 0 else { throw .invalidName(name) }
        for port in [oscQueryPort, oscPort] where !(1...65535).contains(port) { throw .invalidPort(port) }
        guard let poll = avahi_threaded_poll_new() else { throw .avahi(code: Int32(AVAHI_ERR_NO_MEMORY), message: "no threaded poll") }
        let services = AvahiServiceGroup(
            poll: poll, name: name,
            services: [
                .init(type: Self.oscQueryServiceType, port: UInt16(oscQueryPort)),
                .init(type: Self.oscServiceType, port: UInt16(oscPort)),
            ],
            onEvent: onEvent
        )
        if let error = services.connect(waitForDaemon: false) {
            avahi_threaded_poll_free(poll)
            throw error == Int32(AVAHI_ERR_NO_DAEMON) ? .noDaemon : .avahi(code: error, message: AvahiServiceGroup.message(error))
        }
        guard avahi_threaded_poll_start(poll) == 0 else {
            services.disconnect()
            avahi_threaded_poll_free(poll)
            throw .avahi(code: Int32(AVAHI_ERR_FAILURE), message: "could not start Avahi's thread")
        }
        // Set last: once it is, deinit stops it.
        self.services = services
    }

    /// The service name: the one asked for, or the alternative after a collision.
    public var name: String { services.currentName.withLockedValue { $0 } }

    /// Withdraws the services from the network and ends Avahi's thread. Idempotent.
    public func stop() {
        let wasStopped = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return stopped
        }
        guard !wasStopped else { return }
        avahi_threaded_poll_stop(services.poll)
        services.disconnect()
        avahi_threaded_poll_free(services.poll)
    }

    deinit {
        stop()
    }
}
