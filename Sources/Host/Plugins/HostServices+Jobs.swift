import Foundation
import JSON
import PluginABI

/// The ABI 1.2 job and schedule functions of th_host_api (header section 8). Each acts for the call
/// whose `call_handle` it is given: that call's tenant and this plugin, nothing else.
extension HostServices {
    func installJobFunctions(_ api: UnsafeMutablePointer<th_host_api>) {
        api.pointee.enqueue_job = { host, handle, request, jobID, jobIDSize in
            PluginHostContext.from(host).enqueueJob(handle, request, jobID, jobIDSize)
        }
        api.pointee.cancel_job = { host, handle, jobID in
            PluginHostContext.from(host).cancelJob(handle, jobID)
        }
        api.pointee.is_cancelled = { _, handle in
            CallHandle.from(handle)?.isStopRequested == true ? 1 : 0
        }
        api.pointee.set_schedule = { host, handle, schedule in
            PluginHostContext.from(host).setSchedule(handle, schedule)
        }
        api.pointee.delete_schedule = { host, handle, name in
            PluginHostContext.from(host).deleteSchedule(handle, name)
        }
        api.pointee.cron_next = { host, cron, zone, afterMs, nextMs in
            PluginHostContext.from(host).cronNext(cron, zone, afterMs, nextMs)
        }
    }
}

extension PluginHostContext {
    /// The handle of a call of THIS plugin, or nil (logged: a plugin passing another's handle is a bug).
    private func handle(_ pointer: UnsafeMutableRawPointer?, for function: String) -> CallHandle? {
        guard let handle = CallHandle.from(pointer), handle.plugin === plugin else {
            Log.warning("plugin:\(plugin.name)", "\(function): call_handle is NULL or not one of this plugin's calls")
            return nil
        }
        return handle
    }

    private func refuse(_ function: String, _ why: String) -> th_status {
        Log.warning("plugin:\(plugin.name)", "\(function): \(why)")
        return TH_INVALID_ARGUMENT
    }

    /// A JSON value as text, validated; "null" when absent.
    private func payload(_ json: UnsafePointer<CChar>?, _ length: Int) -> String? {
        guard let json else { return "null" }
        let bytes = UnsafeRawBufferPointer(start: json, count: length)
        guard (try? JSONParser.parse(bytes)) != nil else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    func enqueueJob(_ pointer: UnsafeMutableRawPointer?, _ requestPointer: UnsafePointer<th_job_request>?,
                    _ jobID: UnsafeMutablePointer<CChar>?, _ jobIDSize: Int) -> th_status {
        let function = "enqueue_job"
        guard let handle = handle(pointer, for: function) else { return TH_INVALID_ARGUMENT }
        guard let requestPointer, let jobID, jobIDSize >= Int(TH_JOB_ID_SIZE) else {
            return refuse(function, "request and a job_id buffer of at least TH_JOB_ID_SIZE bytes are required")
        }
        let request = readSized(requestPointer, zero: th_job_request())
        let kind = request.kind.map { String(cString: $0) } ?? ""
        guard let handler = plugin.jobHandlers[kind] else {
            Log.warning("plugin:\(plugin.name)", "\(function): no job handler of kind \"\(kind)\" is registered")
            return TH_NOT_FOUND
        }
        guard let payload = payload(request.payload_json, request.payload_len) else { return refuse(function, "payload is not a JSON value") }
        guard let store = services.jobs() else { return TH_UNSUPPORTED }
        let key = request.idempotency_key.map { String(cString: $0) }
        let now = Clock.nowMilliseconds()
        do {
            let (id, created) = try store.enqueue(tenant: handle.tenant, plugin: plugin.name, kind: kind, payload: payload,
                                                  runAtMs: max(request.run_at_ms, now), maxAttempts: handler.maxAttempts,
                                                  startedBy: handle.origin, idempotencyKey: key)
            if created {
                services.events?.recordJob(.enqueued, tenant: handle.tenant, jobID: id, kind: kind, plugin: plugin.name,
                                           origin: handle.origin, requestID: handle.requestID,
                                           details: ["job_id": .string(id), "kind": .string(kind), "run_at_ms": .int(max(request.run_at_ms, now))])
            }
            _ = id.withCString { strncpy(jobID, $0, jobIDSize - 1) }
            jobID[jobIDSize - 1] = 0
            return TH_OK
        } catch {
            Log.error("plugin:\(plugin.name)", "\(function): could not queue a \(kind) job for tenant \(handle.tenant): \(error)")
            return TH_ERROR
        }
    }

    func cancelJob(_ pointer: UnsafeMutableRawPointer?, _ jobID: UnsafePointer<CChar>?) -> th_status {
        guard let handle = handle(pointer, for: "cancel_job"), let jobID else { return TH_INVALID_ARGUMENT }
        guard let store = services.jobs() else { return TH_UNSUPPORTED }
        do {
            switch try store.cancel(id: String(cString: jobID), tenant: handle.tenant, plugin: plugin.name) {
            case .notFound: return TH_NOT_FOUND
            case .cancelled, .willStop, .alreadyFinished: return TH_OK
            }
        } catch {
            Log.error("plugin:\(plugin.name)", "cancel_job: \(error)")
            return TH_ERROR
        }
    }

    func setSchedule(_ pointer: UnsafeMutableRawPointer?, _ schedulePointer: UnsafePointer<th_schedule_def>?) -> th_status {
        let function = "set_schedule"
        guard let handle = handle(pointer, for: function) else { return TH_INVALID_ARGUMENT }
        guard let schedulePointer else { return refuse(function, "schedule is NULL") }
        let definition = readSized(schedulePointer, zero: th_schedule_def())
        func text(_ pointer: UnsafePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
        let name = text(definition.name), kind = text(definition.kind), cronText = text(definition.cron)
        let zoneName = definition.time_zone.map { String(cString: $0) } ?? "UTC"
        guard RegisteredJobHandler.isValidName(name) else { return refuse(function, "schedule name \"\(name)\" is not [a-z0-9_.-]{1,64}") }
        guard plugin.jobHandlers[kind] != nil else { return refuse(function, "schedule \(name): no job handler of kind \"\(kind)\" is registered") }
        let cron: CronExpression
        do { cron = try CronExpression(cronText) } catch { return refuse(function, "schedule \(name): \(error)") }
        guard let zone = TimeZone(identifier: zoneName) else { return refuse(function, "schedule \(name): unknown time zone \"\(zoneName)\"") }
        guard let payload = payload(definition.payload_json, definition.payload_len) else {
            return refuse(function, "schedule \(name): payload is not a JSON value")
        }
        guard let store = services.jobs() else { return TH_UNSUPPORTED }
        let record = ScheduleRecord(tenant: handle.tenant, plugin: plugin.name, name: name, cron: cronText, timeZone: zoneName, kind: kind,
                                    payload: payload, nextRunMs: cron.next(after: Clock.nowMilliseconds(), in: zone), lastRunMs: nil,
                                    createdBy: handle.origin)
        do {
            try store.setSchedule(record)
            return TH_OK
        } catch {
            Log.error("plugin:\(plugin.name)", "\(function): \(error)")
            return TH_ERROR
        }
    }

    func deleteSchedule(_ pointer: UnsafeMutableRawPointer?, _ name: UnsafePointer<CChar>?) -> th_status {
        guard let handle = handle(pointer, for: "delete_schedule"), let name else { return TH_INVALID_ARGUMENT }
        guard let store = services.jobs() else { return TH_UNSUPPORTED }
        do {
            return try store.deleteSchedule(tenant: handle.tenant, plugin: plugin.name, name: String(cString: name)) ? TH_OK : TH_NOT_FOUND
        } catch {
            Log.error("plugin:\(plugin.name)", "delete_schedule: \(error)")
            return TH_ERROR
        }
    }

    func cronNext(_ cronText: UnsafePointer<CChar>?, _ zoneName: UnsafePointer<CChar>?, _ afterMs: Int64,
                  _ nextMs: UnsafeMutablePointer<Int64>?) -> th_status {
        guard let cronText, let nextMs, let cron = try? CronExpression(String(cString: cronText)),
              let zone = TimeZone(identifier: zoneName.map { String(cString: $0) } ?? "UTC") else { return TH_INVALID_ARGUMENT }
        guard let next = cron.next(after: afterMs, in: zone) else { return TH_NOT_FOUND }
        nextMs.pointee = next
        return TH_OK
    }
}
