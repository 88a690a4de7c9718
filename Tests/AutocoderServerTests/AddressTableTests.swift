// The README's address tables are the server's command table: the block
// between the addresses markers is exactly what `autocoder addresses` prints
// (scripts/address-tables writes it), and every address the tables name is
// one the running server knows — none answers "unknown address".

import AudioTestSupport
import AutocoderOSC
import Foundation
import Testing

@Suite struct AddressTableTests {
    /// The README's generated block.
    static func readmeTables() throws -> String {
        let readme = try String(contentsOfFile: Binaries.root + "/README.md", encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- addresses:begin -->\n")), end = try #require(readme.range(of: "<!-- addresses:end -->"))
        return String(readme[begin.upperBound..<end.lowerBound])
    }

    /// Every address the README's tables name, with runs (`/latent/1` … `/latent/32`) spelled out.
    static func readmeAddresses() throws -> [String] {
        var addresses: [String] = []
        for line in try readmeTables().split(separator: "\n") where line.hasPrefix("| `/") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            let forms = cell.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for form in forms {
                let names = form.components(separatedBy: " … ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
                if names.count == 2, let first = Int(names[0].split(separator: "/").last!), let last = Int(names[1].split(separator: "/").last!) {
                    let stem = names[0].split(separator: "/").dropLast().joined(separator: "/")
                    addresses += (first...last).map { "/" + stem + "/\($0)" }
                } else {
                    addresses.append(names[0])
                }
            }
        }
        return addresses
    }

    @Test func theReadmeHoldsTheGeneratedTables() throws {
        let printed = try Binaries.runAutocoder(["addresses"])
        #expect(printed.status == 0)
        let readme = try Self.readmeTables()
        #expect(readme == "\n" + printed.output + "\n", "the README's address tables differ from `autocoder addresses`: run scripts/address-tables")
    }

    @Test func everyAddressInTheTablesIsKnownToTheServer() throws {
        let addresses = try Self.readmeAddresses()
        #expect(addresses.count > 100, "\(addresses.count) addresses")
        #expect(addresses.contains("/gain") && addresses.contains("/latent/32") && addresses.contains("/voice/ID/tail"))
        let server = try ServerProcess()
        // Too many arguments: refused after the address is found, so nothing runs (not even /quit).
        let tooMany = [OSCArgument](repeating: .int(0), count: 1025)
        for address in addresses {
            let concrete = address.replacingOccurrences(of: "/voice/ID/", with: "/voice/1/")
            let reason = server.expectError(concrete, tooMany)
            if address.hasPrefix("/voice/ID/") {
                // Voice 1 is generative: another kind's address is refused naming the kind, never as unknown.
                #expect(reason.hasPrefix("1025 arguments") || reason.hasPrefix("voice 1 is a generative voice"), "\(address): \(reason)")
            } else {
                #expect(reason.hasPrefix("1025 arguments"), "\(address): \(reason)")
            }
        }
        #expect(server.expectError("/no/such/address") == "unknown address")
    }
}
