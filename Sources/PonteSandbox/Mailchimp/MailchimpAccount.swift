/// The one Mailchimp account of the sandbox: whoever authorizes an app, it is this user, on
/// data centre `us6`.
enum MailchimpAccount {
    static let dataCenter = "us6"
    static let userID = 86_753_090
    static let accountName = "Ponte Sandbox"
    static let loginID = 31_415_926
    static let email = "owner@ponte-sandbox.example"

    /// The answer of `GET /oauth2/metadata`. Field names as social-core's Mailchimp backend and
    /// mailchimp3 read them (PROVIDERS.md 14.3); `api_endpoint` and `login_url` point at the
    /// sandbox, since the client appends `/3.0` to `api_endpoint` for the Marketing API.
    struct Metadata: Encodable {
        struct Login: Encodable {
            var email = MailchimpAccount.email
            var avatar: String? = nil
            var loginID = MailchimpAccount.loginID
            var loginName = "ponte-sandbox"
            var loginEmail = MailchimpAccount.email

            enum CodingKeys: String, CodingKey {
                case email, avatar
                case loginID = "login_id"
                case loginName = "login_name"
                case loginEmail = "login_email"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(email, forKey: .email)
                try container.encode(avatar, forKey: .avatar)
                try container.encode(loginID, forKey: .loginID)
                try container.encode(loginName, forKey: .loginName)
                try container.encode(loginEmail, forKey: .loginEmail)
            }
        }

        var dc = MailchimpAccount.dataCenter
        var role = "owner"
        var accountname = MailchimpAccount.accountName
        var userID = MailchimpAccount.userID
        var login = Login()
        var loginURL: String
        var apiEndpoint: String

        enum CodingKeys: String, CodingKey {
            case dc, role, accountname, login
            case userID = "user_id"
            case loginURL = "login_url"
            case apiEndpoint = "api_endpoint"
        }
    }
}
