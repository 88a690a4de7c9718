// The README's address tables, written from the declarations: one table per
// family, then the /status fields. `autocoder addresses` prints them,
// `scripts/address-tables` puts them into the README, and a test checks that
// the README holds exactly these. Any thread.

import AutocoderEngine

extension OSCCommandTable {
    /// The tables as Markdown, one `####` section per family.
    var markdown: String {
        var text = ""
        for family in OSCCommand.Family.allCases {
            let rows = commands.filter { $0.family == family }
            guard !rows.isEmpty else { continue }
            text += "#### \(family.title)\n\n| address | arguments (range, default) | what it does, what it answers |\n| --- | --- | --- |\n"
            var index = 0
            while index < rows.count {
                let command = rows[index]
                // A run of like addresses is one row: `/latent/1` … `/latent/32`.
                var last = index
                while command.run != nil, last + 1 < rows.count, rows[last + 1].run == command.run { last += 1 }
                let address = last == index ? Self.addressCell(command) : Self.addressCell(command, through: rows[last])
                let summary = last == index ? command.summary : command.run!
                text += "| \(address) | \(Self.escaped(command.signature.summary)) | \(Self.escaped(Self.summary(summary, kinds: command.kinds))) |\n"
                index = last + 1
            }
            text += "\n"
        }
        text += "#### Status fields\n\n`/status` answers these, in order:\n\n| field | type | what it says |\n| --- | --- | --- |\n"
        for field in AutocoderServer.statusFields {
            text += "| `\(field.name)` | \(field.tag) | \(Self.escaped(field.summary)) |\n"
        }
        return text
    }

    /// "`/latent`, `/voice/ID/latent`"; for a run, "`/latent/1` … `/latent/32`, `/voice/ID/latent/1` … ".
    private static func addressCell(_ command: OSCCommand, through last: OSCCommand? = nil) -> String {
        func form(_ prefix: String) -> String {
            "`\(prefix)\(command.name)`" + (last.map { " … `\(prefix)\($0.name)`" } ?? "")
        }
        var forms: [String] = []
        if command.hasPlainAddress { forms.append(form("")) }
        if command.kinds != nil { forms.append(form("/voice/ID")) }
        return forms.joined(separator: ", ")
    }

    /// The summary, with the kinds of voice a voice's address is for when that is not every kind.
    private static func summary(_ summary: String, kinds: Set<VoiceKind>?) -> String {
        guard let kinds, kinds != OSCCommand.everyKind else { return summary }
        let names = VoiceKind.allCases.filter(kinds.contains).map(\.rawValue)
        let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
        return summary + " (\(list) voice\(names.count == 1 ? "" : "s"))"
    }

    private static func escaped(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}

/// The address tables for the command line (`autocoder addresses`).
public enum AddressTables {
    public static var markdown: String { OSCCommandTable.standard.markdown }
}
