// The Avahi side of one announcement: the client, its entry group holding the
// services, and the name they are under. Registers when the daemon is running,
// picks an alternative name on a collision, and reconnects (waiting for the
// daemon) when the daemon goes away.
//
// Touched only on Avahi's thread, with the threaded poll's lock held (Avahi
// calls back that way), or by ZeroconfAnnouncement before that thread starts
// and after it stops.

import CAvahi
import NIOConcurrencyHelpers

final class AvahiServiceGroup {
    struct Service {
        var type: String
        var port: UInt16
    }

    let poll: OpaquePointer
    var client: OpaquePointer?
    private var group: OpaquePointer?
    private var name: String
    private let services: [Service]
    private let onEvent: @Sendable (ZeroconfEvent) -> Void
    /// The name, for readers on other threads.
    let currentName: NIOLockedValueBox<String>

    init(poll: OpaquePointer, name: String, services: [Service], onEvent: @escaping @Sendable (ZeroconfEvent) -> Void) {
        self.poll = poll
        self.name = name
        self.services = services
        self.onEvent = onEvent
        self.currentName = NIOLockedValueBox(name)
    }

    /// Creates the client; nil with Avahi's error code when that fails (AVAHI_ERR_NO_DAEMON without
    /// `waitForDaemon`; with it the client waits for a daemon instead).
    func connect(waitForDaemon: Bool) -> Int32? {
        var error: Int32 = 0
        let flags = waitForDaemon ? AVAHI_CLIENT_NO_FAIL : AvahiClientFlags(0)
        let userdata = Unmanaged.passUnretained(self).toOpaque()
        client = avahi_client_new(avahi_threaded_poll_get(poll), flags, AvahiServiceGroup.clientCallback, userdata, &error)
        return client == nil ? error : nil
    }

    /// Frees the client, and with it the entry group: the daemon withdraws the services.
    func disconnect() {
        if let client { avahi_client_free(client) }
        client = nil
        group = nil
    }

    private static let clientCallback: AvahiClientCallback = { client, state, userdata in
        guard let client, let userdata else { return }
        Unmanaged<AvahiServiceGroup>.fromOpaque(userdata).takeUnretainedValue().clientChanged(client, state)
    }

    private static let groupCallback: AvahiEntryGroupCallback = { group, state, userdata in
        guard let group, let userdata else { return }
        Unmanaged<AvahiServiceGroup>.fromOpaque(userdata).takeUnretainedValue().groupChanged(group, state)
    }

    private func clientChanged(_ client: OpaquePointer, _ state: AvahiClientState) {
        // Called from inside avahi_client_new too, before it has returned the client.
        self.client = client
        switch state {
        case AVAHI_CLIENT_S_RUNNING:
            register(client)
        case AVAHI_CLIENT_S_COLLISION, AVAHI_CLIENT_S_REGISTERING:
            // The host name is being (re)registered: the services follow once it runs again.
            if let group { avahi_entry_group_reset(group) }
        case AVAHI_CLIENT_FAILURE:
            if avahi_client_errno(client) == Int32(AVAHI_ERR_DISCONNECTED) {
                disconnect()
                onEvent(.disconnected)
                if let error = connect(waitForDaemon: true) { onEvent(.failed(AvahiServiceGroup.message(error))) }
            } else {
                onEvent(.failed(AvahiServiceGroup.message(avahi_client_errno(client))))
            }
        default:
            break  // AVAHI_CLIENT_CONNECTING: waiting for the daemon.
        }
    }

    private func groupChanged(_ group: OpaquePointer, _ state: AvahiEntryGroupState) {
        switch state {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            onEvent(.established(name: name))
        case AVAHI_ENTRY_GROUP_COLLISION:
            rename()
            if let client { register(client) }
        case AVAHI_ENTRY_GROUP_FAILURE:
            onEvent(.failed(AvahiServiceGroup.message(avahi_client_errno(avahi_entry_group_get_client(group)))))
        default:
            break  // Uncommitted or registering.
        }
    }

    /// Adds the services to the (new or emptied) entry group and commits it; a name already taken on
    /// this host is a collision too, answered with the next name.
    private func register(_ client: OpaquePointer) {
        if group == nil {
            group = avahi_entry_group_new(client, AvahiServiceGroup.groupCallback, Unmanaged.passUnretained(self).toOpaque())
        }
        guard let group else {
            onEvent(.failed(AvahiServiceGroup.message(avahi_client_errno(client))))
            return
        }
        guard avahi_entry_group_is_empty(group) != 0 else { return }
        while true {
            var result: Int32 = 0
            for service in services where result == 0 {
                result = avahi_entry_group_add_service_strlst(
                    group, AvahiIfIndex(AVAHI_IF_UNSPEC), AvahiProtocol(AVAHI_PROTO_UNSPEC), AvahiPublishFlags(0),
                    name, service.type, nil, nil, service.port, nil
                )
            }
            if result == 0 { result = avahi_entry_group_commit(group) }
            if result == Int32(AVAHI_ERR_COLLISION) {
                avahi_entry_group_reset(group)
                rename()
                continue
            }
            if result != 0 { onEvent(.failed(AvahiServiceGroup.message(result))) }
            return
        }
    }

    private func rename() {
        guard let alternative = avahi_alternative_service_name(name) else { return }
        let new = String(cString: alternative)
        avahi_free(alternative)
        onEvent(.renamed(from: name, to: new))
        name = new
        currentName.withLockedValue { $0 = new }
    }

    static func message(_ error: Int32) -> String {
        String(cString: avahi_strerror(error))
    }
}
