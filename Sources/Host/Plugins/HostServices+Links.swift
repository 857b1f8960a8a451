import Foundation
import JSON
import PluginABI

/// The ABI 1.2 link and file functions of th_host_api (header section 11). sign_link,
/// revoke_link and files_folder act for the call whose `call_handle` they are given: that
/// call's tenant and this plugin, nothing else.
extension HostServices {
    func installLinkFunctions(_ api: UnsafeMutablePointer<th_host_api>) {
        api.pointee.sign_link = { host, handle, request, url, urlSize, linkID, linkIDSize in
            PluginHostContext.from(host).signLink(handle, request, url, urlSize, linkID, linkIDSize)
        }
        api.pointee.revoke_link = { host, handle, linkID in
            PluginHostContext.from(host).revokeLink(handle, linkID)
        }
        api.pointee.files_folder = { host, handle in
            PluginHostContext.from(host).filesFolder(handle)
        }
        api.pointee.public_base_url = { host in
            PluginHostContext.from(host).services.publicBaseURL.cString
        }
    }
}

extension PluginHostContext {
    static let maxClaimsBytes = 4096
    static let defaultLinkSeconds: Int64 = 86_400

    /// The handle of a call of THIS plugin, or nil (logged: a plugin passing another's handle is a bug).
    private func linkHandle(_ pointer: UnsafeMutableRawPointer?, for function: String) -> CallHandle? {
        guard let handle = CallHandle.from(pointer), handle.plugin === plugin else {
            Log.warning("plugin:\(plugin.name)", "\(function): call_handle is NULL or not one of this plugin's calls")
            return nil
        }
        return handle
    }

    private func refuseLink(_ function: String, _ why: String) -> th_status {
        Log.warning("plugin:\(plugin.name)", "\(function): \(why)")
        return TH_INVALID_ARGUMENT
    }

    func signLink(_ pointer: UnsafeMutableRawPointer?, _ requestPointer: UnsafePointer<th_link_request>?,
                  _ url: UnsafeMutablePointer<CChar>?, _ urlSize: Int, _ linkID: UnsafeMutablePointer<CChar>?, _ linkIDSize: Int) -> th_status {
        let function = "sign_link"
        guard let handle = linkHandle(pointer, for: function) else { return TH_INVALID_ARGUMENT }
        guard let requestPointer, let url, let linkID, linkIDSize >= Int(TH_LINK_ID_SIZE) else {
            return refuseLink(function, "request, a url buffer and a link_id buffer of at least TH_LINK_ID_SIZE bytes are required")
        }
        let request = readSized(requestPointer, zero: th_link_request())
        let path = request.path.map { String(cString: $0) } ?? ""
        guard LinkPath.isValid(path, maxBytes: LinkPath.maxPathBytes) else {
            return refuseLink(function, "path \"\(path)\" is not 1–\(LinkPath.maxPathBytes) bytes of [a-z0-9_.-] segments joined by '/'")
        }
        guard plugin.httpHandler(for: path) != nil else {
            Log.warning("plugin:\(plugin.name)", "\(function): no HTTP handler of this plugin covers \"\(path)\"")
            return TH_NOT_FOUND
        }
        var claims = "{}"
        if let text = request.claims_json {
            let bytes = UnsafeRawBufferPointer(start: text, count: strlen(text))
            guard bytes.count <= Self.maxClaimsBytes else { return refuseLink(function, "claims_json is longer than \(Self.maxClaimsBytes) bytes") }
            guard let parsed = try? JSONParser.parse(bytes), case .object = parsed else { return refuseLink(function, "claims_json is not a JSON object") }
            claims = parsed.jsonString
        }
        let seconds = request.expires_in_seconds == 0 ? Self.defaultLinkSeconds : request.expires_in_seconds
        guard (1...Int64(TH_LINK_MAX_SECONDS)).contains(seconds) else {
            return refuseLink(function, "expires_in_seconds must be 1 to \(TH_LINK_MAX_SECONDS) (30 days), or 0 for one day")
        }
        guard let store = services.links() else { return TH_UNSUPPORTED }
        do {
            let key = try store.currentKey()
            let now = Clock.nowMilliseconds()
            let link = LinkRecord(id: LinkSignature.newLinkID(), tenant: handle.tenant, plugin: plugin.name, path: path, claims: claims,
                                  keyID: key.id, expiresAt: now / 1000 + seconds, singleUse: request.single_use != 0, usedMs: nil,
                                  revokedMs: nil, createdBy: handle.origin, createdMs: now)
            let signature = LinkSignature(link)
            let text = services.publicBaseURL.text + "/\(link.tenant)/x/\(link.plugin)/\(link.path)?"
                + signature.query(keyID: key.id, signature: signature.sign(with: key))
            guard text.utf8.count < urlSize else { return refuseLink(function, "the url buffer holds \(urlSize) bytes; the link needs \(text.utf8.count + 1)") }
            try store.insert(link)
            copy(text, into: url, size: urlSize)
            copy(link.id, into: linkID, size: linkIDSize)
            services.events?.recordLink(.signed, link, requestID: handle.requestID, details: [
                "link_id": .string(link.id), "path": .string(link.path), "expires_at": .int(link.expiresAt), "single_use": .bool(link.singleUse)])
            return TH_OK
        } catch {
            Log.error("plugin:\(plugin.name)", "\(function): could not store a link for tenant \(handle.tenant): \(error)")
            return TH_ERROR
        }
    }

    func revokeLink(_ pointer: UnsafeMutableRawPointer?, _ linkID: UnsafePointer<CChar>?) -> th_status {
        guard let handle = linkHandle(pointer, for: "revoke_link"), let linkID else { return TH_INVALID_ARGUMENT }
        guard let store = services.links() else { return TH_UNSUPPORTED }
        let id = String(cString: linkID)
        do {
            guard try store.revoke(id: id, tenant: handle.tenant, plugin: plugin.name), let link = try store.find(id: id) else { return TH_NOT_FOUND }
            services.events?.recordLink(.revoked, link, requestID: handle.requestID, details: ["link_id": .string(id), "revoked_by": .string(handle.origin)])
            return TH_OK
        } catch {
            Log.error("plugin:\(plugin.name)", "revoke_link: \(error)")
            return TH_ERROR
        }
    }

    func filesFolder(_ pointer: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
        guard let handle = linkHandle(pointer, for: "files_folder"), let data = services.dataDirectory else { return nil }
        return filesFolders.withLock { folders in
            if let known = folders[handle.tenant] { return UnsafePointer(known) }
            do {
                let path = try FilesFolder.ensure(dataDirectory: data, tenant: handle.tenant, plugin: plugin.name)
                let text = strdup(path)!
                folders[handle.tenant] = text
                return UnsafePointer(text)
            } catch {
                Log.error("plugin:\(plugin.name)", "files_folder: \(error)")
                return nil
            }
        }
    }

    private func copy(_ text: String, into buffer: UnsafeMutablePointer<CChar>, size: Int) {
        _ = text.withCString { strncpy(buffer, $0, size - 1) }
        buffer[size - 1] = 0
    }
}
