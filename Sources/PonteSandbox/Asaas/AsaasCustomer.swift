import Foundation

/// A customer (`cus_…`) of the simulated Asaas account, written as Asaas writes it: every
/// field present, `null` when unset.
struct AsaasCustomer: Sendable, Encodable {
    var id: String
    var dateCreated: String
    var name: String
    var taxID: String
    var personType: String
    var email: String?
    var phone: String?
    var mobilePhone: String?
    var address: String?
    var addressNumber: String?
    var complement: String?
    var province: String?
    var postalCode: String?
    var externalReference: String?
    var notificationDisabled: Bool
    var additionalEmails: String?
    var municipalInscription: String?
    var stateInscription: String?
    var observations: String?
    var groupName: String?
    var company: String?
    var deleted = false

    /// The body of `POST /v3/customers`.
    struct Creation: Decodable {
        var name: String?
        var cpfCnpj: String?
        var email: String?
        var phone: String?
        var mobilePhone: String?
        var address: String?
        var addressNumber: String?
        var complement: String?
        var province: String?
        var postalCode: String?
        var externalReference: String?
        var notificationDisabled: Bool?
        var additionalEmails: String?
        var municipalInscription: String?
        var stateInscription: String?
        var observations: String?
        var groupName: String?
        var company: String?
    }

    /// The customer `creation` describes, or the Asaas errors that refuse it.
    init(id: String, dateCreated: String, creation: Creation) throws(AsaasError) {
        guard let name = creation.name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw .invalid("invalid_name", "O campo nome deve ser informado.")
        }
        guard let text = creation.cpfCnpj, !text.isEmpty else {
            throw .invalid("invalid_cpfCnpj", "O campo cpfCnpj deve ser informado.")
        }
        guard let taxID = BrazilianTaxID(text) else {
            throw .invalid("invalid_cpfCnpj", "O CPF/CNPJ informado é inválido.")
        }
        self.id = id
        self.dateCreated = dateCreated
        self.name = name
        self.taxID = taxID.digits
        self.personType = taxID.personType
        email = creation.email
        phone = creation.phone
        mobilePhone = creation.mobilePhone
        address = creation.address
        addressNumber = creation.addressNumber
        complement = creation.complement
        province = creation.province
        postalCode = creation.postalCode
        externalReference = creation.externalReference
        notificationDisabled = creation.notificationDisabled ?? false
        additionalEmails = creation.additionalEmails
        municipalInscription = creation.municipalInscription
        stateInscription = creation.stateInscription
        observations = creation.observations
        groupName = creation.groupName
        company = creation.company
    }

    enum CodingKeys: String, CodingKey {
        case object, id, dateCreated, name, email, phone, mobilePhone, address, addressNumber, complement, province
        case postalCode, cpfCnpj, personType, deleted, additionalEmails, externalReference, notificationDisabled
        case observations, municipalInscription, stateInscription, groupName, company, foreignCustomer
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("customer", forKey: .object)
        try c.encode(id, forKey: .id)
        try c.encode(dateCreated, forKey: .dateCreated)
        try c.encode(name, forKey: .name)
        try c.encode(email, forKey: .email)
        try c.encode(phone, forKey: .phone)
        try c.encode(mobilePhone, forKey: .mobilePhone)
        try c.encode(address, forKey: .address)
        try c.encode(addressNumber, forKey: .addressNumber)
        try c.encode(complement, forKey: .complement)
        try c.encode(province, forKey: .province)
        try c.encode(postalCode, forKey: .postalCode)
        try c.encode(taxID, forKey: .cpfCnpj)
        try c.encode(personType, forKey: .personType)
        try c.encode(deleted, forKey: .deleted)
        try c.encode(additionalEmails, forKey: .additionalEmails)
        try c.encode(externalReference, forKey: .externalReference)
        try c.encode(notificationDisabled, forKey: .notificationDisabled)
        try c.encode(observations, forKey: .observations)
        try c.encode(municipalInscription, forKey: .municipalInscription)
        try c.encode(stateInscription, forKey: .stateInscription)
        try c.encode(groupName, forKey: .groupName)
        try c.encode(company, forKey: .company)
        try c.encode(false, forKey: .foreignCustomer)
    }
}
