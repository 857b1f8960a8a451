// Address classification for the SSRF guard: IPv4/IPv6 parsing, public vs. loopback, private,
// link-local, shared, multicast, unspecified and reserved ranges, and host resolution.
import Glibc

enum AddressKind: Equatable, CustomStringConvertible {
    case publicUnicast, loopback, privateNetwork, linkLocal, sharedAddressSpace, multicast, unspecified, reserved

    var description: String {
        switch self {
        case .publicUnicast: return "public"
        case .loopback: return "loopback"
        case .privateNetwork: return "private"
        case .linkLocal: return "link-local"
        case .sharedAddressSpace: return "shared (CGNAT)"
        case .multicast: return "multicast"
        case .unspecified: return "unspecified"
        case .reserved: return "reserved"
        }
    }
}

enum NetworkAddress {
    /// 4 bytes for IPv4, 16 for IPv6, nil if the text is neither.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func classify(_ bytes: [UInt8]) -> AddressKind {
        if bytes.count == 4 { return classifyV4(bytes[0], bytes[1], bytes[2], bytes[3]) }
        guard bytes.count == 16 else { return .reserved }
        let b = bytes
        if b.allSatisfy({ $0 == 0 }) { return .unspecified }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the embedded IPv4 address decides.
        if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)) {
            return classifyV4(b[12], b[13], b[14], b[15])
        }
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too.
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..<12].allSatisfy({ $0 == 0 }) {
            return classifyV4(b[12], b[13], b[14], b[15])
        }
        if b[0] == 0x20 && b[1] == 0x02 {
            let inner = classifyV4(b[2], b[3], b[4], b[5])
            if inner != .publicUnicast { return inner }
        }
        if b[0] == 0xff { return .multicast }
        if b[0] & 0xfe == 0xfc { return .privateNetwork }               // fc00::/7 unique local
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .linkLocal }     // fe80::/10
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return .privateNetwork } // fec0::/10 site-local (deprecated)
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .reserved } // 2001:db8::/32 documentation
        if b[0] & 0xe0 != 0x20 { return .reserved }                       // outside 2000::/3 global unicast
        return .publicUnicast
    }

    static func classifyV4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> AddressKind {
        switch a {
        case 0: return .unspecified                                  // 0.0.0.0/8
        case 10: return .privateNetwork                              // 10/8
        case 127: return .loopback                                   // 127/8
        case 100 where b & 0xc0 == 64: return .sharedAddressSpace    // 100.64/10
        case 169 where b == 254: return .linkLocal                   // 169.254/16 (incl. 169.254.169.254)
        case 172 where b & 0xf0 == 16: return .privateNetwork        // 172.16/12
        case 192 where b == 168: return .privateNetwork              // 192.168/16
        case 192 where b == 0 && c == 0: return .reserved            // 192.0.0/24 protocol assignments
        case 198 where b & 0xfe == 18: return .reserved              // 198.18/15 benchmarking
        case 224...239: return .multicast                            // 224/4
        case 240...255: return .reserved                             // 240/4 and broadcast
        default: return .publicUnicast
        }
    }

    /// The host's addresses as text (numeric hosts are returned as they are, without a lookup).
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if let addr = entry.pointee.ai_addr,
               getnameinfo(addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                var text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) } // drop an IPv6 zone
                if !out.contains(text) { out.append(text) }
            }
            cursor = entry.pointee.ai_next
        }
        return out
    }
}
