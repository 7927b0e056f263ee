import PonteProviders
import Testing

@Suite struct FormURLEncodedTests {
    @Test func formDecodesPlusAndPercentAndKeepsOrderAndRepeats() {
        let pairs = FormURLEncoded.parse(Array("b=1+2&a=%C3%A9%2B&b=3&flag&&c=".utf8))
        #expect(pairs.map(\.name) == ["b", "a", "b", "flag", "c"])
        #expect(pairs.map(\.value) == ["1 2", "é+", "3", "", ""])
    }

    @Test func formKeepsMalformedPercentEscapesLiterally() {
        let pairs = FormURLEncoded.parse(Array("a=%zz%4&b=100%".utf8))
        #expect(pairs.map(\.value) == ["%zz%4", "100%"])
    }

    @Test func queryParametersIgnoreFragmentAndMissingQuery() {
        #expect(FormURLEncoded.queryParameters(ofURL: "https://x/p").isEmpty)
        let pairs = FormURLEncoded.queryParameters(ofURL: "https://x/p?secret=a%2Fb&x=1#frag")
        #expect(FormURLEncoded.first("secret", in: pairs) == "a/b")
        #expect(FormURLEncoded.first("x", in: pairs) == "1")
    }
}

@Suite struct WebhookRequestTests {
    @Test func headerLookupIsCaseInsensitiveAndReturnsFirstMatch() {
        let request = WebhookRequest(
            url: "https://x", headers: [(name: "X-Thing", value: "1"), (name: "x-thing", value: "2")], body: [])
        #expect(request.header("x-THING") == "1")
        #expect(request.header("x-thin") == nil)
    }
}
