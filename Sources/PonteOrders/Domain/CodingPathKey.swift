/// A coding key made at run time: a JSON object's key that is not known in advance (a
/// status in `notification_templates`, a day in operating hours) or an array index, so that
/// a decoding error names the exact place at fault (`accepted_payment_methods[1]`).
struct CodingPathKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}
