// Zeroconf through a real Avahi daemon of the test's own (AvahiTestDaemon):
// the services resolve to the ports announced and lead to the OSCQuery
// server; a taken serviceName is replaced; stop() withdraws; a daemon that goes away
// and comes back gets the services again. Without a daemon the announcement
// says so. The daemon tests skip, with the reason, where the machine cannot
// run one.

import AutocoderOSCQuery
import Foundation
import NIOConcurrencyHelpers
import XCTest

final class ZeroconfAnnouncementTests: XCTestCase {
    private var avahi: AvahiTestDaemon?
    private let events = NIOLockedValueBox<[ZeroconfEvent]>([])
    private let serviceName = "autocoder test \(getpid())"

    /// This process's Avahi clients use the tests' bus, running or not (libdbus keeps the first address
    /// it reads for the life of the process, so it is the same for every test).
    override func setUp() {
        setenv("DBUS_SYSTEM_BUS_ADDRESS", AvahiTestDaemon.busAddress, 1)
    }

    override func tearDown() {
        avahi?.stop()
        avahi = nil
    }

    /// The test's own bus and daemon.
    private func startAvahi() throws -> AvahiTestDaemon {
        let avahi = try AvahiTestDaemon()
        self.avahi = avahi
        try avahi.startBus()
        try avahi.startDaemon()
        return avahi
    }

    private func announce(_ name: String, oscQueryPort: Int, oscPort: Int = 9000) throws -> ZeroconfAnnouncement {
        let events = events
        return try ZeroconfAnnouncement(name: name, oscQueryPort: oscQueryPort, oscPort: oscPort) { event in
            events.withLockedValue { $0.append(event) }
        }
    }

    private func eventually(_ timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { return false }
            usleep(50_000)
        }
        return true
    }

    private func count(_ event: ZeroconfEvent) -> Int {
        events.withLockedValue { $0.filter { $0 == event }.count }
    }

    func testWithoutABusThereIsNoDaemon() {
        XCTAssertThrowsError(try announce(serviceName, oscQueryPort: 5000)) { error in
            XCTAssertEqual(error as? ZeroconfError, .noDaemon)
            XCTAssertEqual("\(error)", "no Avahi daemon: not announced on the network")
        }
    }

    func testWithABusButNoAvahiOnItThereIsNoDaemon() throws {
        let avahi = try AvahiTestDaemon()
        self.avahi = avahi
        try avahi.startBus()
        XCTAssertThrowsError(try announce(serviceName, oscQueryPort: 5000)) { error in
            XCTAssertEqual(error as? ZeroconfError, .noDaemon)
        }
    }

    func testInvalidNamesAndPortsAreRefusedBeforeAnything() {
        XCTAssertThrowsError(try announce("", oscQueryPort: 5000)) { XCTAssertEqual($0 as? ZeroconfError, .invalidName("")) }
        let long = String(repeating: "n", count: 64)
        XCTAssertThrowsError(try announce(long, oscQueryPort: 5000)) { XCTAssertEqual($0 as? ZeroconfError, .invalidName(long)) }
        XCTAssertThrowsError(try announce(serviceName, oscQueryPort: 0)) { XCTAssertEqual($0 as? ZeroconfError, .invalidPort(0)) }
        XCTAssertThrowsError(try announce(serviceName, oscQueryPort: 5000, oscPort: 70000)) { XCTAssertEqual($0 as? ZeroconfError, .invalidPort(70000)) }
    }

    func testTheServicesResolveToTheServerAndStopWithdrawsThem() throws {
        let avahi = try startAvahi()
        let service = try OSCQueryService(host: "127.0.0.1", port: 0, hostInfo: OSCQueryHostInfo(name: serviceName, oscPort: 9000)) {
            [OSCQueryMethod(fullPath: "/gain", typeTags: "f", access: .readWrite, value: [.float(0.5)])]
        }
        defer { service.stop() }
        let announcement = try announce(serviceName, oscQueryPort: service.port)
        defer { announcement.stop() }

        XCTAssertTrue(eventually { count(.established(name: serviceName)) == 1 }, "events: \(events.withLockedValue { $0 })")
        XCTAssertEqual(announcement.name, serviceName)
        let oscQuery = avahi.browse("_oscjson._tcp").filter { $0.name == serviceName }
        XCTAssertEqual(oscQuery, [.init(name: serviceName, type: "_oscjson._tcp", address: "127.0.0.1", port: service.port)])
        XCTAssertEqual(
            avahi.browse("_osc._udp").filter { $0.name == serviceName },
            [.init(name: serviceName, type: "_osc._udp", address: "127.0.0.1", port: 9000)]
        )

        // What a client finds leads to the address space.
        let resolved = try XCTUnwrap(oscQuery.first)
        XCTAssertEqual(try HTTPTestClient(port: resolved.port).request("GET", "/gain?VALUE").text, #"{"VALUE":[0.5]}"#)

        announcement.stop()
        XCTAssertTrue(eventually { avahi.browse("_oscjson._tcp").allSatisfy { $0.name != serviceName } }, "still announced after stop()")
        XCTAssertTrue(avahi.browse("_osc._udp").allSatisfy { $0.name != serviceName })
    }

    func testATakenNameIsReplacedByTheNextOne() throws {
        let avahi = try startAvahi()
        let other = try avahi.launch("avahi-publish", ["--service", serviceName, "_oscjson._tcp", "4999"], log: "publish.log")
        defer { other.terminate() }
        XCTAssertTrue(eventually { avahi.log("publish.log").contains("Established") }, avahi.log("publish.log"))

        let announcement = try announce(serviceName, oscQueryPort: 5001)
        defer { announcement.stop() }
        let renamed = serviceName + " #2"
        XCTAssertTrue(eventually { count(.established(name: renamed)) == 1 }, "events: \(events.withLockedValue { $0 })")
        XCTAssertEqual(events.withLockedValue { $0 }, [.renamed(from: serviceName, to: renamed), .established(name: renamed)])
        XCTAssertEqual(announcement.name, renamed)
        XCTAssertEqual(
            Set(avahi.browse("_oscjson._tcp").filter { $0.name.hasPrefix(serviceName) }.map { [$0.name: $0.port] }),
            [[serviceName: 4999], [renamed: 5001]]
        )
        XCTAssertEqual(avahi.browse("_osc._udp").filter { $0.name.hasPrefix(serviceName) }.map(\.name), [renamed])
    }

    func testTheServicesComeBackWithTheDaemon() throws {
        let avahi = try startAvahi()
        let announcement = try announce(serviceName, oscQueryPort: 5002)
        defer { announcement.stop() }
        XCTAssertTrue(eventually { count(.established(name: serviceName)) == 1 })

        avahi.stopDaemon()
        XCTAssertTrue(eventually { count(.disconnected) == 1 }, "events: \(events.withLockedValue { $0 })")
        try avahi.startDaemon()
        XCTAssertTrue(eventually { count(.established(name: serviceName)) == 2 }, "events: \(events.withLockedValue { $0 })")
        XCTAssertEqual(avahi.browse("_oscjson._tcp").filter { $0.name == serviceName }.map(\.port), [5002])
    }
}
