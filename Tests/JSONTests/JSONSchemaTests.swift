import Foundation
import JSON
import JSONSchema
import XCTest

final class JSONSchemaTests: XCTestCase {
    // MARK: - Helpers

    private func schema(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> CompiledSchema? {
        do {
            return try CompiledSchema.compile(try JSONParser.parse(text))
        } catch {
            XCTFail("schema did not compile: \(error)", file: file, line: line)
            return nil
        }
    }

    private func failures(_ schemaText: String, _ valueText: String) -> [ValidationFailure] {
        guard let compiled = schema(schemaText), let value = try? JSONParser.parse(valueText) else {
            return [ValidationFailure(path: "?", message: "setup failed")]
        }
        return compiled.validate(value)
    }

    private func assertValid(_ schemaText: String, _ values: String..., file: StaticString = #filePath, line: UInt = #line) {
        for value in values {
            XCTAssertEqual(failures(schemaText, value), [], "\(value) against \(schemaText)", file: file, line: line)
        }
    }

    private func assertInvalid(
        _ schemaText: String, _ valueText: String, path: String = "", _ message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(
            failures(schemaText, valueText), [ValidationFailure(path: path, message: message)],
            "\(valueText) against \(schemaText)", file: file, line: line)
    }

    private func assertCompileError(_ schemaText: String, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try CompiledSchema.compile(try JSONParser.parse(schemaText))
            XCTFail("\(schemaText) compiled", file: file, line: line)
        } catch let error as SchemaError {
            XCTAssertTrue(error.message.contains(mentions), "\(error.message) does not mention \(mentions)", file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    // MARK: - type

    func testType() {
        assertValid(#"{"type":"string"}"#, #""x""#)
        assertInvalid(#"{"type":"string"}"#, "3", "must be a string, not integer")
        assertInvalid(#"{"type":"object"}"#, "[]", "must be an object, not array")
        assertInvalid(#"{"type":"null"}"#, "false", "must be null, not boolean")
        assertValid(#"{"type":"integer"}"#, "3", "3.0", "-0", "1e2")
        assertInvalid(#"{"type":"integer"}"#, "3.5", "must be an integer, not number")
        assertValid(#"{"type":"number"}"#, "3", "3.5")
        assertInvalid(#"{"type":"number"}"#, #""3""#, "must be a number, not string")
        assertValid(#"{"type":"boolean"}"#, "true")
        assertValid(#"{"type":"array"}"#, "[1]")
        assertValid(#"{"type":["string","null"]}"#, "null", #""a""#)
        assertInvalid(#"{"type":["string","null"]}"#, "3", "must be one of types string, null, not integer")
        assertValid(#"{"type":["integer"]}"#, "3")
    }

    func testTypeFailureSuppressesOtherChecksOfTheSameSchema() {
        assertInvalid(#"{"type":"string","minLength":3,"enum":["abc"]}"#, "7", "must be a string, not integer")
    }

    // MARK: - enum / const

    func testEnum() {
        let s = #"{"enum":["requested","confirmed","cancelled"]}"#
        assertValid(s, #""confirmed""#)
        assertInvalid(s, #""done""#, #"must be one of: "requested", "confirmed", "cancelled""#)
        assertValid(#"{"enum":[1, null, {"a":[1]}]}"#, "1.0", "null", #"{"a":[1.0]}"#)
        assertInvalid(#"{"enum":[1, null]}"#, "true", "must be one of: 1, null")
    }

    func testConst() {
        assertValid(#"{"const":"x"}"#, #""x""#)
        assertInvalid(#"{"const":"x"}"#, #""y""#, #"must be exactly "x""#)
        assertValid(#"{"const":{"a":1,"b":2}}"#, #"{"b":2,"a":1}"#)
        assertInvalid(#"{"const":{"a":1}}"#, #"{"a":1,"b":2}"#, #"must be exactly {"a":1}"#)
        assertInvalid(#"{"const":false}"#, "0", "must be exactly false")
    }

    // MARK: - strings

    func testLength() {
        assertValid(#"{"minLength":1,"maxLength":3}"#, #""a""#, #""abc""#, "5")
        assertInvalid(#"{"minLength":1}"#, #""""#, "must be at least 1 character(s) long")
        assertInvalid(#"{"maxLength":200}"#, "\"" + String(repeating: "x", count: 201) + "\"", "must be at most 200 character(s) long")
        // Code points, not UTF-16 units or bytes: one emoji (a surrogate pair in UTF-16) is one.
        assertValid(#"{"maxLength":1}"#, #""😀""#, #""é""#)
        assertValid(#"{"minLength":2,"maxLength":2}"#, "\"e\u{301}\"")  // two code points, one grapheme
        assertInvalid(#"{"maxLength":1}"#, #""😀😀""#, "must be at most 1 character(s) long")
    }

    func testPattern() {
        assertValid(#"{"pattern":"^[a-z]+$"}"#, #""abc""#, "12")
        assertInvalid(#"{"pattern":"^[a-z]+$"}"#, #""abc1""#, "must match the pattern ^[a-z]+$")
        assertValid(#"{"pattern":"b"}"#, #""abc""#)  // not anchored
        assertValid(#"{"pattern":"^.$"}"#, #""😀""#)
    }

    func testFormatDateTime() {
        let s = #"{"format":"date-time"}"#
        assertValid(s, #""2026-05-01T09:00:00+02:00""#, #""2026-05-01T09:00:00Z""#, #""2024-02-29t23:59:60.123z""#,
                    #""2026-05-01T09:00:00.5-05:30""#, "42")
        let message = "must be a valid date-time (RFC 3339, e.g. 2026-05-01T09:00:00+02:00)"
        for bad in [#""2026-05-01 09:00:00Z""#, #""2026-05-01T09:00:00""#, #""2026-05-01T24:00:00Z""#,
                    #""2026-02-30T09:00:00Z""#, #""2026-05-01T09:00Z""#, #""2026-05-01T09:00:00+0200""#,
                    #""2026-05-01T09:00:00.Z""#, #""2026-05-01T09:00:00Zjunk""#, #""""#] {
            assertInvalid(s, bad, message)
        }
    }

    func testFormatDate() {
        let s = #"{"format":"date"}"#
        assertValid(s, #""2026-05-01""#, #""2024-02-29""#, #""2000-02-29""#)
        for bad in [#""2026-02-29""#, #""1900-02-29""#, #""2026-13-01""#, #""2026-00-10""#, #""2026-04-31""#,
                    #""2026-5-1""#, #""2026-05-01T00:00:00Z""#, #""26-05-01""#] {
            assertInvalid(s, bad, "must be a valid date (YYYY-MM-DD)")
        }
    }

    func testFormatEmail() {
        let s = #"{"format":"email"}"#
        assertValid(s, #""ada@example.com""#, #""a.b+c@mail.example.org""#)
        for bad in [#""ada""#, #""@example.com""#, #""ada@example""#, #""a@b@example.com""#, #""ada @example.com""#,
                    #""ada@.com""#, #""ada@example.""#] {
            assertInvalid(s, bad, "must be a valid email address")
        }
    }

    func testFormatURI() {
        let s = #"{"format":"uri"}"#
        assertValid(s, #""https://example.com/a?b=c""#, #""urn:isbn:0451450523""#, #""mailto:ada@example.com""#)
        for bad in [#""example.com""#, #""/relative/path""#, #""https://exa mple.com""#, #""1http://x""#, #"":nothing""#] {
            assertInvalid(s, bad, "must be a valid URI")
        }
    }

    func testFormatUUID() {
        let s = #"{"format":"uuid"}"#
        assertValid(s, #""123e4567-e89b-12d3-a456-426614174000""#, #""123E4567-E89B-12D3-A456-426614174000""#, "7")
        for bad in [#""123e4567e89b12d3a456426614174000""#, #""123e4567-e89b-12d3-a456-42661417400g""#, #""""#] {
            assertInvalid(s, bad, "must be a valid UUID (e.g. 123e4567-e89b-12d3-a456-426614174000)")
        }
    }

    func testFormatTimeAndDuration() {
        assertValid(#"{"format":"time"}"#, #""09:00:00Z""#, #""23:59:60Z""#, #""09:00:00.5+02:00""#)
        for bad in [#""9:00:00Z""#, #""09:00:00""#, #""24:00:00Z""#, #""12:59:60Z""#] {
            assertInvalid(#"{"format":"time"}"#, bad, "must be a valid time (RFC 3339, e.g. 09:00:00+02:00)")
        }
        assertValid(#"{"format":"duration"}"#, #""P1D""#, #""PT30M""#, #""P1Y2M3DT4H5M6S""#, #""P2W""#, #""P1Y3D""#)
        for bad in [#""P""#, #""PT""#, #""P1DT""#, #""1D""#, #""P1M1Y""#, #""PT1D""#, #""P1W2D""#, #""P1.5D""#] {
            assertInvalid(#"{"format":"duration"}"#, bad, "must be a valid duration (ISO 8601, e.g. P1DT2H or PT30M)")
        }
    }

    func testFormatNetwork() {
        assertValid(#"{"format":"ipv4"}"#, #""192.168.0.1""#, #""0.0.0.0""#)
        for bad in [#""256.1.1.1""#, #""1.2.3""#, #""01.2.3.4""#, #""1.2.3.4 ""#] {
            assertInvalid(#"{"format":"ipv4"}"#, bad, "must be a valid IPv4 address")
        }
        assertValid(#"{"format":"ipv6"}"#, #""::1""#, #""::""#, #""2001:db8::8a2e:370:7334""#, #""::ffff:192.168.0.1""#,
                    #""1:2:3:4:5:6:7:8""#)
        for bad in [#""1:2:3:4:5:6:7:8:9""#, #""1::2::3""#, #""12345::""#, #""1:2:3:4:5:6:7""#, #"":1""#, #""::1%eth0""#] {
            assertInvalid(#"{"format":"ipv6"}"#, bad, "must be a valid IPv6 address")
        }
        assertValid(#"{"format":"hostname"}"#, #""example.com""#, #""a-b.c1""#, #""localhost""#)
        for bad in [#""-a.com""#, #""a..com""#, #""not a hostname!""#, #""a.com.""#] {
            assertInvalid(#"{"format":"hostname"}"#, bad, "must be a valid hostname")
        }
        assertValid(#"{"format":"json-pointer"}"#, #""""#, #""/a~0b/c~1d/0""#)
        assertInvalid(#"{"format":"json-pointer"}"#, #""a/b""#, "must be a valid JSON Pointer (RFC 6901)")
        assertInvalid(#"{"format":"json-pointer"}"#, #""/a~2""#, "must be a valid JSON Pointer (RFC 6901)")
    }

    func testUnknownFormatIsRefused() {
        assertCompileError(#"{"properties":{"u":{"format":"uri-template"}}}"#, mentions: #"format "uri-template" at /properties/u"#)
        assertCompileError(#"{"format":"hostnam"}"#, mentions: "hostname")  // the supported list is in the message
    }

    // MARK: - numbers

    func testMinimumMaximum() {
        let s = #"{"minimum":1,"maximum":100}"#
        assertValid(s, "1", "100", "1.0", "50.5", #""x""#)
        assertInvalid(s, "0", "must be >= 1")
        assertInvalid(s, "0.999", "must be >= 1")
        assertInvalid(s, "101", "must be <= 100")
        assertInvalid(#"{"minimum":1.5}"#, "1", "must be >= 1.5")
        // Exact for large integers: 2^53 + 1 is not representable as a Double.
        assertInvalid(#"{"maximum":9007199254740992}"#, "9007199254740993", "must be <= 9007199254740992")
        assertValid(#"{"maximum":9007199254740992.0}"#, "9007199254740992")
        assertInvalid(#"{"maximum":9007199254740992.0}"#, "9007199254740993", "must be <= 9007199254740992")
    }

    func testExclusive() {
        assertValid(#"{"exclusiveMinimum":0,"exclusiveMaximum":10}"#, "0.1", "9")
        assertInvalid(#"{"exclusiveMinimum":0}"#, "0", "must be > 0")
        assertInvalid(#"{"exclusiveMaximum":10}"#, "10.0", "must be < 10")
        assertInvalid(#"{"minimum":0,"exclusiveMinimum":0}"#, "0", "must be > 0")
        // Draft-04 boolean form: refused rather than read one way or the other.
        assertCompileError(#"{"minimum":0,"exclusiveMinimum":true}"#, mentions: "draft-04 boolean form")
        assertCompileError(#"{"maximum":10,"exclusiveMaximum":false}"#, mentions: #""exclusiveMaximum" must be a number"#)
    }

    func testMultipleOf() {
        assertValid(#"{"multipleOf":5}"#, "10", "0", "-15", "10.0")
        assertInvalid(#"{"multipleOf":5}"#, "7", "must be a multiple of 5")
        assertValid(#"{"multipleOf":0.01}"#, "19.99", "0.3", "4")
        assertInvalid(#"{"multipleOf":0.01}"#, "0.001", "must be a multiple of 0.01")
        assertInvalid(#"{"multipleOf":2}"#, "2.5", "must be a multiple of 2")
    }

    // MARK: - arrays

    func testItems() {
        let s = #"{"items":{"type":"integer"}}"#
        assertValid(s, "[]", "[1,2,3]", "{}")
        assertInvalid(s, #"[1,"x",3]"#, path: "/1", "must be an integer, not string")
    }

    func testPrefixItems() {
        let s = #"{"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#
        assertValid(s, #"["a",1]"#, #"["a"]"#)
        assertInvalid(s, #"[1,1]"#, path: "/0", "must be a string, not integer")
        assertInvalid(s, #"["a",1,true]"#, path: "/2", "no value is allowed here")
        // Draft-07 tuple form.
        let old = #"{"items":[{"type":"string"}],"additionalItems":{"type":"boolean"}}"#
        assertValid(old, #"["a",true,false]"#)
        assertInvalid(old, #"["a",true,3]"#, path: "/2", "must be a boolean, not integer")
    }

    func testItemCounts() {
        assertValid(#"{"minItems":1,"maxItems":5}"#, "[1]", "[1,2,3,4,5]")
        assertInvalid(#"{"minItems":1}"#, "[]", "must have at least 1 item(s)")
        assertInvalid(#"{"maxItems":5}"#, "[1,2,3,4,5,6]", "must have at most 5 item(s)")
    }

    func testUniqueItems() {
        assertValid(#"{"uniqueItems":true}"#, "[1,2,3]", #"[{"a":1},{"a":2}]"#, "[1, true]")
        assertInvalid(#"{"uniqueItems":true}"#, "[1,2,1.0]", "must not contain duplicate items (items 0 and 2 are equal)")
        assertInvalid(#"{"uniqueItems":true}"#, #"[{"a":1,"b":2},{"b":2,"a":1}]"#,
                      "must not contain duplicate items (items 0 and 1 are equal)")
        assertValid(#"{"uniqueItems":false}"#, "[1,1]")
    }

    // MARK: - objects

    func testRequired() {
        let s = #"{"type":"object","required":["title","start"]}"#
        assertValid(s, #"{"title":"a","start":1}"#)
        assertInvalid(s, #"{"start":1}"#, #"missing required property "title""#)
        XCTAssertEqual(failures(s, "{}").map(\.message), [#"missing required property "title""#, #"missing required property "start""#])
        assertInvalid(#"{"properties":{"meeting":{"required":["title"]}}}"#, #"{"meeting":{}}"#, path: "/meeting",
                      #"missing required property "title""#)
    }

    func testProperties() {
        let s = #"{"properties":{"title":{"type":"string","minLength":1},"count":{"type":"integer"}}}"#
        assertValid(s, #"{"title":"a"}"#, #"{"other":1}"#, "[]")
        assertInvalid(s, #"{"title":""}"#, path: "/title", "must be at least 1 character(s) long")
        XCTAssertEqual(failures(s, #"{"title":1,"count":"x"}"#), [
            ValidationFailure(path: "/title", message: "must be a string, not integer"),
            ValidationFailure(path: "/count", message: "must be an integer, not string"),
        ])
    }

    func testNestedPathsAndEscaping() {
        let s = #"""
        {"properties":{"attendees":{"items":{"properties":{"email":{"format":"email"}}}},
                       "a/b":{"type":"string"},"c~d":{"type":"string"}}}
        """#
        assertInvalid(s, #"{"attendees":[{"email":"ada@example.com"},{"email":"nope"}]}"#, path: "/attendees/1/email",
                      "must be a valid email address")
        assertInvalid(s, #"{"a/b":1}"#, path: "/a~1b", "must be a string, not integer")
        assertInvalid(s, #"{"c~d":1}"#, path: "/c~0d", "must be a string, not integer")
    }

    func testAdditionalProperties() {
        let s = #"{"properties":{"a":{}},"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}"#
        assertValid(s, #"{"a":1,"x-y":"z"}"#)
        assertInvalid(s, #"{"a":1,"foo":2}"#, #"additional property "foo" is not allowed"#)
        assertInvalid(s, #"{"x-y":2}"#, path: "/x-y", "must be a string, not integer")
        assertInvalid(#"{"properties":{"n":{"properties":{}, "additionalProperties":false}}}"#, #"{"n":{"q":1}}"#,
                      path: "/n", #"additional property "q" is not allowed"#)
        let typed = #"{"properties":{"a":{}},"additionalProperties":{"type":"integer"}}"#
        assertValid(typed, #"{"a":"s","b":1}"#)
        assertInvalid(typed, #"{"a":"s","b":"x"}"#, path: "/b", "must be an integer, not string")
    }

    func testPropertyCounts() {
        assertValid(#"{"minProperties":1,"maxProperties":2}"#, #"{"a":1}"#, "[]")
        assertInvalid(#"{"minProperties":1}"#, "{}", "must have at least 1 property(ies)")
        assertInvalid(#"{"maxProperties":1}"#, #"{"a":1,"b":2}"#, "must have at most 1 property(ies)")
    }

    // MARK: - composition

    func testAllOf() {
        let s = #"{"allOf":[{"type":"string"},{"minLength":2}]}"#
        assertValid(s, #""ab""#)
        assertInvalid(s, #""a""#, "must be at least 2 character(s) long")
    }

    func testAnyOf() {
        let s = #"{"anyOf":[{"type":"string"},{"type":"integer","minimum":0}]}"#
        assertValid(s, #""a""#, "3")
        assertInvalid(s, "-1", "must match at least one of the allowed schemas")
        assertInvalid(#"{"properties":{"v":{"anyOf":[{"type":"string"},{"type":"null"}]}}}"#, #"{"v":1}"#, path: "/v",
                      "must match at least one of the allowed schemas")
    }

    func testOneOf() {
        let s = #"{"oneOf":[{"type":"integer"},{"minimum":10}]}"#
        assertValid(s, "3", "10.5")
        assertInvalid(s, "11", "must match exactly one of the allowed schemas")
        assertInvalid(s, "2.5", "must match exactly one of the allowed schemas")
    }

    func testNot() {
        assertValid(#"{"not":{"type":"null"}}"#, "1")
        assertInvalid(#"{"not":{"type":"null"}}"#, "null", "must not match the disallowed schema")
    }

    func testIfThenElse() {
        let s = #"""
        {"if":{"properties":{"kind":{"const":"online"}}},
         "then":{"required":["url"]},
         "else":{"required":["room"]}}
        """#
        assertValid(s, #"{"kind":"online","url":"u"}"#, #"{"kind":"office","room":"r"}"#)
        assertInvalid(s, #"{"kind":"online"}"#, #"missing required property "url""#)
        assertInvalid(s, #"{"kind":"office"}"#, #"missing required property "room""#)
        assertValid(#"{"if":{"type":"string"},"then":{"minLength":1}}"#, "3")
    }

    func testBooleanSchemas() {
        assertValid("true", "1", "null", "{}")
        assertInvalid("false", "1", "no value is allowed here")
        assertInvalid(#"{"properties":{"gone":false}}"#, #"{"gone":1}"#, path: "/gone", "no value is allowed here")
        assertValid("{}", #"{"anything":[1,2]}"#)
    }

    // MARK: - $ref

    func testLocalRefs() {
        let s = #"""
        {"$defs":{"person":{"type":"object","required":["email"],"properties":{"email":{"format":"email"}}}},
         "definitions":{"id":{"type":"integer","minimum":1}},
         "properties":{"owner":{"$ref":"#/$defs/person"},"id":{"$ref":"#/definitions/id"},
                       "attendees":{"type":"array","items":{"$ref":"#/$defs/person"}}}}
        """#
        assertValid(s, #"{"owner":{"email":"a@b.co"},"id":3,"attendees":[{"email":"c@d.io"}]}"#)
        assertInvalid(s, #"{"id":0}"#, path: "/id", "must be >= 1")
        assertInvalid(s, #"{"attendees":[{"email":"c@d.io"},{"email":"x"}]}"#, path: "/attendees/1/email",
                      "must be a valid email address")
        assertInvalid(s, #"{"owner":{}}"#, path: "/owner", #"missing required property "email""#)
    }

    func testRecursiveRef() {
        let s = #"""
        {"$ref":"#/$defs/node",
         "$defs":{"node":{"type":"object","required":["name"],
                          "properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}}}
        """#
        assertValid(s, #"{"name":"a","children":[{"name":"b","children":[{"name":"c"}]}]}"#)
        assertInvalid(s, #"{"name":"a","children":[{"name":"b","children":[{"name":3}]}]}"#, path: "/children/0/children/0/name",
                      "must be a string, not integer")
        // Recursion through the root document.
        let rootRef = ##"{"type":"array","items":{"$ref":"#"}}"##
        assertValid(rootRef, "[[[]],[]]")
        assertInvalid(rootRef, "[[1]]", path: "/0/0", "must be an array, not integer")
    }

    func testRefCycleTerminates() {
        for text in [##"{"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##,
                     ##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"anyOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}"##,
                     ##"{"$ref":"#"}"##] {
            guard let compiled = schema(text) else { continue }
            XCTAssertEqual(compiled.validate(1).count, 1, text)
        }
        XCTAssertEqual(schema(##"{"$ref":"#"}"##)?.validate(1), [ValidationFailure(path: "", message: "schema $ref recursion does not terminate")])
    }

    // MARK: - contains, dependencies, propertyNames

    func testContains() {
        let s = #"{"contains":{"type":"integer"}}"#
        assertValid(s, "[1]", #"["a",2]"#, "{}")
        assertInvalid(s, #"["a"]"#, #"must contain an item matching the "contains" schema"#)
        assertInvalid(s, "[]", #"must contain an item matching the "contains" schema"#)
        let bounded = #"{"contains":{"const":1},"minContains":2,"maxContains":3}"#
        assertValid(bounded, "[1,1]", "[1,2,1,1]")
        assertInvalid(bounded, "[1,2]", #"must contain at least 2 items matching the "contains" schema"#)
        assertInvalid(bounded, "[1,1,1,1]", #"must contain at most 3 item(s) matching the "contains" schema"#)
        assertValid(#"{"contains":{"const":1},"minContains":0}"#, "[]")
        // Recursion through "contains" descends into items, so it is not a $ref cycle.
        let nested = ##"{"anyOf":[{"const":0},{"type":"array","contains":{"$ref":"#"}}]}"##
        assertValid(nested, "[[[[[0]]]]]")
        assertInvalid(nested, "[[[[[1]]]]]", "must match at least one of the allowed schemas")
    }

    func testPropertyNames() {
        let s = #"{"propertyNames":{"pattern":"^[a-z]+$","maxLength":5}}"#
        assertValid(s, #"{"abc":1}"#, "{}", "[]")
        assertInvalid(s, #"{"abc":1,"Nope":2}"#, path: "/Nope", #"property name "Nope" does not match the "propertyNames" schema"#)
    }

    func testDependentRequiredAndSchemas() {
        let s = #"{"dependentRequired":{"card":["cvc","expiry"]},"dependentSchemas":{"vip":{"required":["host"]}}}"#
        assertValid(s, #"{}"#, #"{"card":1,"cvc":2,"expiry":3}"#, #"{"vip":true,"host":"h"}"#, "[]")
        assertInvalid(s, #"{"card":1,"expiry":3}"#, #"missing property "cvc", required when "card" is present"#)
        assertInvalid(s, #"{"vip":true}"#, #"missing required property "host""#)
        // Draft-07 "dependencies" holds either form.
        let old = #"{"dependencies":{"a":["b"],"c":{"properties":{"d":{"type":"string"}}}}}"#
        assertInvalid(old, #"{"a":1}"#, #"missing property "b", required when "a" is present"#)
        assertInvalid(old, #"{"c":1,"d":2}"#, path: "/d", "must be a string, not integer")
    }

    func testStringEqualityIsByCodePoint() {
        assertInvalid(#"{"const":"é"}"#, #""é""#, #"must be exactly "é""#)
    }

    // MARK: - compile errors

    func testCompileErrors() {
        assertCompileError(#"{"minLength":"a"}"#, mentions: "minLength")
        assertCompileError(#"{"minLength":-1}"#, mentions: "minLength")
        assertCompileError(#"{"maxItems":1.5}"#, mentions: "maxItems")
        assertCompileError(#"{"required":3}"#, mentions: "required")
        assertCompileError(#"{"required":[3]}"#, mentions: "required")
        assertCompileError(#"{"type":"strin"}"#, mentions: "strin")
        assertCompileError(#"{"type":[]}"#, mentions: "type")
        assertCompileError(#"{"type":3}"#, mentions: "type")
        assertCompileError(#"{"enum":"a"}"#, mentions: "enum")
        assertCompileError(#"{"pattern":"(unclosed"}"#, mentions: "pattern")
        assertCompileError(#"{"pattern":3}"#, mentions: "pattern")
        assertCompileError(#"{"minimum":"1"}"#, mentions: "minimum")
        assertCompileError(#"{"exclusiveMaximum":"1"}"#, mentions: "exclusiveMaximum")
        assertCompileError(#"{"multipleOf":0}"#, mentions: "multipleOf")
        assertCompileError(#"{"uniqueItems":1}"#, mentions: "uniqueItems")
        assertCompileError(#"{"properties":[]}"#, mentions: "properties")
        assertCompileError(#"{"properties":{"a":3}}"#, mentions: "/properties/a")
        assertCompileError(#"{"anyOf":[]}"#, mentions: "anyOf")
        assertCompileError(#"{"allOf":{}}"#, mentions: "allOf")
        assertCompileError(#"{"format":1}"#, mentions: "format")
        assertCompileError(#"{"$ref":"https://example.com/schema.json"}"#, mentions: "https://example.com/schema.json")
        assertCompileError(#"{"$ref":"other.json#/a"}"#, mentions: "other.json")
        assertCompileError(##"{"$ref":"#/$defs/missing"}"##, mentions: "#/$defs/missing")
        assertCompileError(#"{"$defs":{"unused":{"maxLength":"x"}}}"#, mentions: "maxLength")
        assertCompileError("3", mentions: "object or a boolean")
    }

    func testAnnotationsAndExtensionsAreIgnored() {
        assertValid(#"""
        {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"urn:x","title":"T","description":"D",
         "default":1,"examples":[1],"$comment":"c","readOnly":true,"writeOnly":false,"deprecated":true,
         "contentMediaType":"text/plain","contentEncoding":"base64","x-internal":{"type":"bogus"}}
        """#, "1", #""s""#)
    }

    func testUnknownKeywordsAreRefusedWithAHint() {
        assertCompileError(#"{"type":"object","properties":{"a":{"type":"object","requried":["x"]}}}"#,
                           mentions: #"unknown JSON Schema keyword "requried" at /properties/a (did you mean "required"?)"#)
        assertCompileError(#"{"frobnicate":7}"#, mentions: #""frobnicate" at the root"#)
        assertCompileError(#"{"nullable":true}"#, mentions: #"add "null" to "type""#)
        assertCompileError(#"{"tpye":"string"}"#, mentions: #"did you mean "type"?"#)
        assertCompileError(#"{"maxlength":3}"#, mentions: #"did you mean "maxLength"?"#)
        assertCompileError(#"{"additionalPropertys":false}"#, mentions: #"did you mean "additionalProperties"?"#)
        assertCompileError(#"{"id":"x"}"#, mentions: #"spelled "$id""#)
        assertCompileError(#"{"iff":{}}"#, mentions: #""iff" at the root:"#)  // too short to guess
    }

    func testUnsupportedKeywordsAreRefused() {
        let cases: [(String, String)] = [
            (#"{"properties":{"x":{"unevaluatedProperties":false}}}"#, #"keyword "unevaluatedProperties" at /properties/x"#),
            (#"{"items":{"unevaluatedItems":false}}"#, #"keyword "unevaluatedItems" at /items"#),
            (##"{"$dynamicRef":"#node"}"##, #"keyword "$dynamicRef" at the root"#),
            (#"{"$defs":{"a":{"$anchor":"a"}}}"#, #"keyword "$anchor" at /$defs/a"#),
            (#"{"properties":{"x":{"$id":"urn:y"}}}"#, #"keyword "$id" at /properties/x"#),
            (#"{"$schema":"http://json-schema.org/draft-04/schema#"}"#, #"keyword "$schema" at the root"#),
            (##"{"$ref":"#a"}"##, "anchor"),
            (#"{"allOf":[{"$ref":"other.json"}]}"#, #"keyword "$ref" at /allOf/0"#),
        ]
        for (text, message) in cases {
            assertCompileError(text, mentions: message)
            assertCompileError(text, mentions: "docs/JSON-SCHEMA.md")
        }
    }

    func testCompileErrorCarriesKeywordAndPointer() throws {
        do {
            _ = try CompiledSchema.compile(try JSONParser.parse(#"{"properties":{"a/b":{"items":{"minContains":-1}}}}"#))
            XCTFail("compiled")
        } catch let error as SchemaError {
            XCTAssertEqual(error.kind, .invalidValue)
            XCTAssertEqual(error.keyword, "minContains")
            XCTAssertEqual(error.pointer, "/properties/a~1b/items")
        }
    }

    func testDraft7RefSiblingsAreRefused() {
        let draft7 = #""$schema":"http://json-schema.org/draft-07/schema#""#
        assertCompileError(##"{\##(draft7),"definitions":{"a":{}},"properties":{"x":{"$ref":"#/definitions/a","maxItems":1}}}"##,
                           mentions: #"draft-07 ignores keywords next to "$ref" (here "maxItems")"#)
        // Definitions and annotations next to $ref are fine; in 2020-12 siblings are applied.
        assertValid(##"{\##(draft7),"definitions":{"a":{"type":"integer"}},"$ref":"#/definitions/a","description":"d"}"##, "1")
        assertInvalid(##"{"$defs":{"a":{"type":"array"}},"$ref":"#/$defs/a","maxItems":1}"##, "[1,2]", "must have at most 1 item(s)")
    }

    func testNestedDefinitionsAreCompiled() {
        assertCompileError(#"{"properties":{"a":{"$defs":{"b":{"minLength":"x"}}}}}"#, mentions: "/properties/a/$defs/b")
    }

    // MARK: - limits and sharing

    func testStopsAfterTenFailures() {
        let s = #"{"items":{"type":"string"}}"#
        let value = "[" + (0..<50).map(String.init).joined(separator: ",") + "]"
        let result = failures(s, value)
        XCTAssertEqual(result.count, CompiledSchema.maxFailures)
        XCTAssertEqual(result.first?.path, "/0")
    }

    func testConcurrentValidation() throws {
        let compiled = try XCTUnwrap(schema(#"{"type":"object","properties":{"n":{"type":"integer"},"s":{"pattern":"^a+$"}}}"#))
        let good = try JSONParser.parse(#"{"n":1,"s":"aaa"}"#)
        let bad = try JSONParser.parse(#"{"n":"1","s":"b"}"#)
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            if i % 2 == 0 {
                XCTAssertEqual(compiled.validate(good), [])
            } else {
                XCTAssertEqual(compiled.validate(bad).map(\.path), ["/n", "/s"])
            }
        }
    }

    func testMCPToolSchema() {
        let s = #"""
        {"type":"object","additionalProperties":false,"required":["title","start"],
         "properties":{
           "title":{"type":"string","minLength":1,"maxLength":200},
           "start":{"type":"string","format":"date-time"},
           "status":{"enum":["requested","confirmed","cancelled"]},
           "attendees":{"type":"array","maxItems":5,"items":{"type":"object","required":["email"],
                        "properties":{"email":{"type":"string","format":"email"}}}}}}
        """#
        assertValid(s, #"{"title":"Sync","start":"2026-05-01T09:00:00+02:00","attendees":[{"email":"a@b.co"}]}"#)
        XCTAssertEqual(failures(s, #"{"title":"","start":"tomorrow","status":"done","attendees":[{}],"foo":1}"#), [
            ValidationFailure(path: "/title", message: "must be at least 1 character(s) long"),
            ValidationFailure(path: "/start", message: "must be a valid date-time (RFC 3339, e.g. 2026-05-01T09:00:00+02:00)"),
            ValidationFailure(path: "/status", message: #"must be one of: "requested", "confirmed", "cancelled""#),
            ValidationFailure(path: "/attendees/0", message: #"missing required property "email""#),
            ValidationFailure(path: "", message: #"additional property "foo" is not allowed"#),
        ])
    }
}
