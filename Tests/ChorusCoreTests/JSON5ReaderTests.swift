import Testing
@testable import ChorusCore

struct JSON5ReaderTests {
    @Test func readsJSON5Features() throws {
        let node = try JSON5Reader.parse("""
        // a comment
        {
          unquoted: 'single',
          "quoted": "double \\u00e9 \\n",
          /* block */ hex: 0x1F, lead: .5, trail: 5., plus: +3, exp: 1e3,
          list: [1, 2, 3,],
          nested: { a: null, b: true, },
        }
        """)
        guard case .object(let members) = node.value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["unquoted", "quoted", "hex", "lead", "trail", "plus", "exp", "list", "nested"])
        guard case .string("single") = members[0].node.value else { Issue.record("unquoted"); return }
        guard case .string("double é \n") = members[1].node.value else { Issue.record("escapes"); return }
        guard case .number(31, isInteger: true) = members[2].node.value else { Issue.record("hex"); return }
        guard case .number(0.5, _) = members[3].node.value else { Issue.record("lead"); return }
        guard case .number(5, _) = members[4].node.value else { Issue.record("trail"); return }
        guard case .number(3, _) = members[5].node.value else { Issue.record("plus"); return }
        guard case .number(1000, isInteger: false) = members[6].node.value else { Issue.record("exp"); return }
        #expect(members[0].keyPosition == SourcePosition(line: 3, column: 3))
        #expect(members[0].node.position == SourcePosition(line: 3, column: 13))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let node = try JSON5Reader.parse("{ he: 'שלום', x: 1 }")
        guard case .object(let members) = node.value else { Issue.record("not an object"); return }
        #expect(members[1].keyPosition == SourcePosition(line: 1, column: 15))
    }

    /// Strings without escapes are taken in one piece, those with escapes byte by byte: both keep the column.
    @Test func columnsAfterStringsWithAndWithoutEscapes() throws {
        let node = try JSON5Reader.parse("{ a: 'שלום', b: 'x\\u05e9y\\'z', c: \"\\\\\", d: '', e: 1 }")
        guard case .object(let members) = node.value else { Issue.record("not an object"); return }
        #expect(members.map(\.keyPosition.column) == [3, 14, 32, 41, 48])
        guard case .string("xשy'z") = members[1].node.value, case .string("\\") = members[2].node.value,
              case .string("") = members[3].node.value else { Issue.record("values: \(members.map(\.node.value))"); return }
    }

    @Test(arguments: [
        ("{ a: 1 b: 2 }", 1, 8, "expected ',' or '}'"),
        ("{\n  a: 1,\n  a: 2,\n}", 3, 3, "duplicate key 'a'"),
        ("[1, 2", 1, 6, "unexpected end of file, expected ',' or ']'"),
        ("[1, 2,", 1, 1, "unterminated list"),
        ("{ a: 'x }", 1, 6, "unterminated string"),
        ("{ a: 'x\\u00e9 }", 1, 6, "unterminated string"),
        ("{ a: 'שלום\n' }", 1, 11, "line break inside a string"),
        ("{ a: yes }", 1, 6, "strings need quotes"),
        ("/* open", 1, 1, "unterminated block comment"),
        ("{} {}", 1, 4, "after the end of the document"),
    ])
    func syntaxErrorsHavePositions(text: String, line: Int, column: Int, message: String) {
        do {
            _ = try JSON5Reader.parse(text)
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.position == SourcePosition(line: line, column: column), "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// Large objects find duplicates through a set, small ones by comparing: both report the same key.
    @Test(arguments: [3, 15, 16, 17, 40])
    func duplicateKeysInObjectsOfAnySize(members: Int) {
        let keys = (0..<members).map { "k\($0)" }
        for duplicate in [keys[0], keys[members - 1]] {
            let text = "{ " + (keys + [duplicate]).map { "\($0): 1" }.joined(separator: ", ") + " }"
            do {
                _ = try JSON5Reader.parse(text)
                Issue.record("parsed \(members) members with '\(duplicate)' twice")
            } catch {
                #expect(error.message == "duplicate key '\(duplicate)'", "\(error)")
            }
        }
        let unique = "{ " + keys.map { "\($0): 1" }.joined(separator: ", ") + " }"
        #expect(throws: Never.self) { try JSON5Reader.parse(unique) }
    }

    @Test func refusesDeepNesting() {
        let text = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: JSON5SyntaxError.self) { try JSON5Reader.parse(text) }
    }

    @Test func convertsToPlainJSON() throws {
        let node = try JSON5Reader.parse("{ a: 'q\"', b: [1, 2.5, null, true] }")
        #expect(node.value.jsonText() == #"{"a":"q\"","b":[1,2.5,null,true]}"#)
    }
}
