import Foundation
import Testing

@testable import PonteProviders

/// `JSONTopLevel`: the verifiers' one-pass reader of an event's id and type.
@Suite struct JSONTopLevelTests {
    private func read(_ text: String, _ names: [String] = ["id", "type"]) throws(JSONTopLevel.Failure) -> [String?] {
        try JSONTopLevel.strings(names, in: Array(text.utf8))
    }

    @Test func readsTopLevelStringsAndSkipsEverythingElse() throws {
        let body = """
            {"data": {"object": {"id": "ch_nested", "type": "inner", "amount": [1, 2.5, -3e4, {"id": "x"}]}},
             "livemode": false, "pending_webhooks": 1, "request": null, "flags": [true, false, null, [], {}],
             "id": "evt_1", "type": "charge.succeeded", "api_version": "2024-06-20"}
            """
        #expect(try read(body) == ["evt_1", "charge.succeeded"])
        #expect(try read(#"{"id": "evt_2"}"#) == ["evt_2", nil])
        #expect(try read(#"{"id": null, "type": "t"}"#) == [nil, "t"])
        #expect(try read(" \n\t{}\r\n ") == [nil, nil])
        // The last of repeated names wins, as in Foundation's decoder.
        #expect(try read(#"{"id": "first", "id": "second"}"#) == ["second", nil])
    }

    @Test func unescapesValuesAndNames() throws {
        #expect(try read(#"{"id": "a\"b\\c\/d\b\f\n\r\t", "type": "\u00e9\u4e2d"}"#) == ["a\"b\\c/d\u{8}\u{c}\n\r\t", "é中"])
        #expect(try read(#"{"\u0069d": "escaped name", "type": "\ud83d\ude00"}"#) == ["escaped name", "😀"])
        #expect(try read(#"{"id": "ünïcödé raw"}"#) == ["ünïcödé raw", nil])
    }

    @Test func refusesWhatIsNotJSON() {
        let invalid = [
            "", " ", "{", "}", #"{"id": "evt_1""#, #"{"id": "evt_1",}"#, #"{"id" "evt_1"}"#, #"{"id": evt_1}"#,
            #"{id: "evt_1"}"#, #"{'id': 'evt_1'}"#, #"{"id": "evt_1"} x"#, #"{"id": "evt_1"}{}"#, #"{"a": [1, 2,]}"#,
            #"{"a": 01}"#, #"{"a": 1.}"#, #"{"a": .5}"#, #"{"a": -}"#, #"{"a": 1e}"#, #"{"a": +1}"#, #"{"a": tru}"#,
            #"{"a": nul}"#, #"{"a": "\x"}"#, #"{"a": "\u12G4"}"#, "{\"a\": \"tab\there\"}", "{\"a\": \"line\nbreak\"}",
            #"{"id": "\ud83d"}"#, #"{"id": "\ude00"}"#, #"{"a": NaN}"#, #"{"a": Infinity}"#, #"{"a": [}"#, #"{"a": {"b"}}"#,
        ]
        for text in invalid {
            #expect(throws: JSONTopLevel.Failure.invalid, "\(text)") { try read(text) }
        }
        #expect(throws: JSONTopLevel.Failure.invalid) { try JSONTopLevel.strings(["id"], in: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) }
    }

    @Test func namesAMemberOfTheWrongTypeAndADocumentThatIsNoObject() {
        #expect(throws: JSONTopLevel.Failure.notAString("id")) { try read(#"{"id": 42, "type": "t"}"#) }
        #expect(throws: JSONTopLevel.Failure.notAString("type")) { try read(#"{"id": "e", "type": {"name": "t"}}"#) }
        // Validity first: a wrongly typed member of a broken document is reported as invalid.
        #expect(throws: JSONTopLevel.Failure.invalid) { try read(#"{"id": 42, "#) }
        for text in [#"["id", "evt_1"]"#, #""evt_1""#, "42", "null", "true"] {
            #expect(throws: JSONTopLevel.Failure.notAnObject, "\(text)") { try read(text) }
        }
    }

    @Test func refusesNestingDeeperThanTheLimit() throws {
        let deep = JSONTopLevel.maxDepth
        let fits = "{\"a\":" + String(repeating: "[", count: deep - 1) + String(repeating: "]", count: deep - 1) + "}"
        #expect(try read(fits) == [nil, nil])
        let tooDeep = "{\"a\":" + String(repeating: "[", count: deep) + String(repeating: "]", count: deep) + "}"
        #expect(throws: JSONTopLevel.Failure.invalid) { try read(tooDeep) }
        let hostile = "{\"a\":" + String(repeating: "[", count: 100_000)
        #expect(throws: JSONTopLevel.Failure.invalid) { try read(hostile) }
    }

    /// Foundation's parser as the judge of validity, over a set of tricky documents.
    @Test func agreesWithFoundationOnValidity() throws {
        let documents = [
            #"{"a": 0}"#, #"{"a": -0.0e+10}"#, #"{"a": 1E-2}"#, #"{"a": 123456789012345678901234567890}"#,
            #"{"a": "\u0000"}"#, #"{"a": "\/"}"#, #"{"a": [[[[]]]], "b": {"c": {"d": {}}}}"#, #"{"":""}"#,
            #"{"a": 1 , "b" : [ 1 , 2 ] }"#, #"{"a": 1,, "b": 2}"#, #"{"a": [1 2]}"#, #"{"a": "\'"}"#, #"{"a": 0x10}"#,
            #"{"a": 1.5e}"#, #"{"a": --1}"#, #"{"a": "unterminated}"#, #"{"a": true false}"#,
        ]
        for text in documents {
            let foundation = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil
            let ours: Bool
            do {
                _ = try read(text, ["not_in_these_documents"])
                ours = true
            } catch {
                ours = false
            }
            #expect(ours == foundation, "\(text)")
        }
    }
}
