/*
 * toolhost_plugin.h — the Toolhost plugin contract (ABI 1.2).
 *
 * A Toolhost plugin is a shared library (.so) that registers one or more
 * *toolsets* — named groups of MCP tools — with the host. This header is the
 * whole contract: a plugin written in C, Swift, Rust or anything else that can
 * export a C function needs nothing but this file. It links no host symbol.
 * (Optional, for C: toolhost_json.h beside it reads `args` and writes results.)
 *
 * ---------------------------------------------------------------------------
 * 1. LIFECYCLE
 * ---------------------------------------------------------------------------
 *   1. The host dlopen()s every *.so in its plugins directory with
 *      RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE (undefined symbols are refused at
 *      load time, not at first call).
 *      A plugin is trusted native code running inside the daemon's process,
 *      with all its rights. So, like sshd's StrictModes, the host refuses a
 *      file (or a whole plugins folder) that is owned by anyone but root or the
 *      daemon's user, or that is writable by group or others.
 *      The host maps a private, sealed in-memory copy of the file, never the
 *      file itself: overwriting, replacing or deleting the .so while the daemon
 *      runs cannot touch running code, and the new file takes effect at the
 *      next start. Consequence for linking: $ORIGIN in the plugin's RUNPATH
 *      does not point at the plugins folder; find your own dependencies through
 *      an absolute RUNPATH or the system library path.
 *   2. It resolves exactly one symbol, TOOLHOST_PLUGIN_ENTRY_SYMBOL
 *      ("toolhost_plugin_entry"), and calls it. The entry function must do
 *      nothing but return a pointer to a static, constant th_plugin_info whose
 *      leading "magic" fields (struct_size, abi_major, abi_minor, pointer_size)
 *      the host checks BEFORE any other plugin code runs. On a mismatch the
 *      plugin is refused with a log line naming the field that differs, and
 *      the rest of the plugins keep serving. Use TOOLHOST_PLUGIN_INFO_INIT.
 *   3. The host calls info->init(host, registrar) once, on the
 *      main thread. The plugin registers its toolsets and migrations through
 *      the registrar during that call (and only then). If init returns a
 *      non-OK status, or the host refused any registration (the registrar
 *      function returned non-OK), everything it registered is dropped: the
 *      plugin serves nothing, and the others keep loading. After init the host
 *      also applies the migrations to a scratch in-memory database and refuses
 *      the plugin, with SQLite's message, if one fails.
 *   3a. Names. The plugin name (which picks its database files), each toolset
 *      name (a URL, the grants of tokens) and each operator command group
 *      are decided after every plugin's init ran, never by file-name order:
 *      the host's database remembers who holds each name. A name held by one
 *      library is refused to any other, whatever its file is called, until the
 *      operator hands it over (`toolhost plugins assign`); an unheld name goes
 *      to its only claimant and is remembered; an unheld name two libraries
 *      claim goes to neither. A plugin that loses any name is refused whole.
 *      So a plugin's identity is its plugin name in its own file: keep both
 *      stable across versions, and replace the file to upgrade.
 *   4. Tool calls arrive through each toolset's `call` function until the
 *      process exits.
 *   5. Plugins are NEVER unloaded. There is no shutdown hook that frees code:
 *      the library stays mapped until the process exits (Swift runtimes in
 *      particular crash if their code is unmapped). Durable state belongs in
 *      the database the host hands you, not in memory.
 *
 * ---------------------------------------------------------------------------
 * 2. VERSIONING
 * ---------------------------------------------------------------------------
 *   - TOOLHOST_ABI_MAJOR changes on any binary break: the host refuses a
 *     plugin whose major differs from its own.
 *   - TOOLHOST_ABI_MINOR only appends: new struct fields go at the END of a
 *     struct, new host functions at the END of th_host_api. The host accepts a
 *     plugin with a minor version up to its own; a plugin built against a
 *     newer minor than the host is refused (it may rely on what the host lacks).
 *   - Every struct crossing the boundary starts with `uint32_t struct_size`,
 *     set by whoever fills it in to sizeof() of the struct as THEY compiled
 *     it. The reader uses only fields that lie entirely within struct_size
 *     (see TOOLHOST_HAS_FIELD) and treats the rest as zero/absent.
 *   - A host function pointer that is NULL means "not provided". Which may be
 *     NULL: a 1.x host always provides every th_host_api function of 1.0
 *     (log, now_ms, emit_event, config_json) and every th_registrar function
 *     of 1.0 (add_toolset, add_migration, set_error); add_operator_command is
 *     there from 1.1 on. A function appended in a later minor exists only if
 *     TOOLHOST_HAS_FIELD says so AND it is non-NULL: check both.
 *
 * ---------------------------------------------------------------------------
 * 3. OWNERSHIP
 * ---------------------------------------------------------------------------
 *   - The th_host_api table given to init() and everything it points to
 *     (including its `host` handle) stay valid for the life of the process:
 *     keep the pointer and call its functions from any later call().
 *   - Other host → plugin data (strings, the call context, argument bytes, the
 *     database handle, the registrar) is BORROWED: valid only until the
 *     function it was passed to returns. Copy what you need to keep. (What a
 *     plugin may keep *about* a database handle between calls: section 5.)
 *   - Plugin → host data during registration (names, schemas, migration SQL)
 *     is copied by the host before the registrar function returns.
 *   - A call result (th_call_result.json, .message, .release_data) is
 *     allocated by the plugin and freed by the plugin: after copying the bytes
 *     out, the host calls the toolset's release_result() exactly once for every
 *     call() that left json or release_data non-NULL, whatever the status.
 *     A run-time `message` therefore belongs in memory reachable from
 *     release_data (or be static). Whoever allocates, frees.
 *   - Strings are UTF-8 and NUL-terminated unless a length is given.
 *
 * ---------------------------------------------------------------------------
 * 4. THREADS
 * ---------------------------------------------------------------------------
 *   - init() runs once on the host's main thread before any call.
 *   - call() MAY RUN CONCURRENTLY on several host worker threads, for the same
 *     or different tenants and toolsets. Plugin-global mutable state must be
 *     synchronised by the plugin. Per-call state lives on the stack or in the
 *     database.
 *   - The database handle in a call context is leased to that call alone for
 *     its duration: no other thread uses it until call() returns. Do not use
 *     it after returning (section 5 says what you may keep for the next call
 *     that is given the same handle).
 *   - Host API functions are thread-safe and may be called from call().
 *   - Never let an exception, Swift error, longjmp or panic escape a function
 *     the host calls. Report failures as values (th_status / isError results).
 *   - Do not start background threads that call back into the host outside a
 *     call; there is no hook that would stop them. Work that outlives a call
 *     is a job (section 8, ABI 1.2): the host runs it on its own threads.
 *   - Host functions that act for "the current call" take ctx->call_handle
 *     (ABI 1.2; in th_call_context, th_operator_context, th_job_context and
 *     th_http_context).
 *     A handle is valid only until the function it came with returns.
 *   - The host limits how many calls of one toolset run at once (deployer
 *     configuration) and gives each call a deadline. When the deadline passes,
 *     the client is told the call timed out, but the host never interrupts or
 *     kills a call that has started: call() always runs to completion and its
 *     result is released as usual (then dropped). A call still queued at its
 *     deadline is never made. Keep calls short; do not rely on the client
 *     having seen your result.
 *
 * ---------------------------------------------------------------------------
 * 5. STORAGE
 * ---------------------------------------------------------------------------
 *   Each (tenant, plugin) pair has its own SQLite database file, opened by the
 *   host (WAL mode, foreign keys on) and passed to call() as ctx->db (a
 *   `sqlite3 *`; include <sqlite3.h> and link libsqlite3 to use it — both sides
 *   resolve the same libsqlite3.so.0). All toolsets of one plugin share that
 *   database; no tenant can ever reach another tenant's file. The plugin
 *   declares its schema as an ordered list of migrations (registrar
 *   add_migration); the host applies the missing ones, each in its own
 *   transaction, before the first call for a tenant, and records the version
 *   in the database's PRAGMA user_version. Never edit a released migration:
 *   append a new one. A database whose user_version is higher than the
 *   number of migrations the plugin registers (written by a newer version of
 *   the plugin) is never downgraded: every call for that tenant fails with an
 *   internal error naming both versions, and the file is left untouched.
 *
 *   Connection lifetime and caching. The host keeps a pool of connections per
 *   (tenant, plugin) and guarantees, for every ctx->db it passes (to call()
 *   and to operator commands alike):
 *     - it is open and migrated, and used by no one else until the function
 *       it was passed to returns;
 *     - between calls it stays open in the pool and is only ever passed again
 *       to this plugin, for the same tenant (a later call may get it or
 *       another connection of the pool);
 *     - it is closed only when the host shuts down, never while a call is
 *       using it, with sqlite3_close_v2(); the host never finalizes a
 *       statement it did not prepare.
 *   A plugin MAY therefore keep per-connection state between calls, typically
 *   prepared statements keyed by the handle, and use it only inside a later
 *   call that is given the same handle. Keep such state only while it holds
 *   at least one unfinalized statement of that connection: that statement
 *   keeps the connection allocated even after sqlite3_close_v2(), so no other
 *   connection can appear at the same address. State kept for a handle
 *   without one (or after finalizing them) may be found again for a NEW
 *   connection at a reused address; drop it instead. Before returning, leave
 *   the connection as you found it: every statement reset or done (a
 *   statement left mid-run holds its read snapshot into the next call), no
 *   open transaction, no changed connection settings (PRAGMAs, busy
 *   handler). ToolsetKit's statement cache follows these rules for Swift
 *   toolsets.
 *
 *   Transactions. A call (and an operator command) starts with ctx->db in
 *   autocommit mode and MUST return it in autocommit mode: COMMIT or ROLLBACK
 *   whatever you BEGIN, on every path, errors included. The host checks after
 *   every call; if a transaction is still open it rolls it back (the call's
 *   writes are lost), logs an error naming the plugin, toolset and tool, and
 *   answers the call with an internal error (an operator command fails with
 *   exit code 1). Without that check the open transaction would swallow every
 *   later write on the pooled connection and lock out the others.
 *
 * ---------------------------------------------------------------------------
 * 6. CALLS AND RESULTS
 * ---------------------------------------------------------------------------
 *   The host has already authenticated the caller, checked its grants and
 *   validated `arguments` against the tool's input schema before call() runs.
 *   call() fills a th_call_result with a UTF-8 JSON object, the MCP
 *   CallToolResult:
 *       {"content":[{"type":"text","text":"..."}],
 *        "structuredContent":{...},          (required if an outputSchema is declared)
 *        "isError":false}
 *   A domain failure the model can fix (bad date, slot taken, not found) is a
 *   *result* with "isError":true and a clear text — return TH_OK. Return a
 *   non-OK status only when the plugin itself failed (the host answers the
 *   client with an internal error and logs `message`).
 *
 *   Schemas (input_schema, output_schema): every JSON Schema keyword is
 *   either enforced or refused at load, never silently ignored; unknown
 *   keywords and format names refuse the plugin too ("x-" extensions are
 *   ignored). The list, with the official test suite's results:
 *   docs/JSON-SCHEMA.md.
 *
 *   Arguments arrive exactly as the client sent them (once validated): the
 *   host does NOT fill in a schema's "default" values, so an optional
 *   argument the client left out is absent from `args`; apply your default.
 *
 *   ctx->restrictions_json is the token's restriction object verbatim, as the
 *   operator gave it (`toolhost token create --restrict`), e.g.
 *   {"calendar_ids":["c1"]}. The host only checks, when the token is made,
 *   that each key is one a granted toolset declared in restriction_keys with
 *   the declared JSON type; it never looks at a call's arguments. Enforcing
 *   the restriction (refusing calendar "c2") is the toolset's job.
 *
 *   Tool names may contain dots. On the combined endpoint /{tenant}/mcp a
 *   name whose part before the first dot is a toolset's name always means
 *   that toolset ("notes.get_note" is toolset notes' get_note), so a tool of
 *   toolset "zz" named "notes.get_note" is listed and called there as
 *   "zz.notes.get_note"; on its own endpoint it keeps its bare name.
 *
 *   The host checks every result before it leaves: each content block must
 *   be one of text {text}, image or audio {data (base64), mimeType},
 *   resource_link {uri, name, title?, description?, mimeType?, size?} or
 *   resource {resource: {uri, mimeType?, text | blob}}, optionally with
 *   annotations {audience, priority 0..1, lastModified} and _meta; and
 *   structuredContent must match the outputSchema. A result that breaks
 *   either is answered as an internal error, with the reason in the log.
 *
 * ---------------------------------------------------------------------------
 * 7. OPERATOR COMMANDS (ABI 1.1)
 * ---------------------------------------------------------------------------
 *   Administrative actions an operator runs through the host (the CLI now, a
 *   web console later), e.g. `toolhost knowledge promote --tenant T ID`. A
 *   plugin registers them with registrar->add_operator_command — after checking
 *   TOOLHOST_HAS_FIELD(registrar, th_registrar, add_operator_command) (a host
 *   of this ABI always provides it; the check keeps the rule of section 2 that
 *   no member beyond struct_size is touched). Note that a 1.0 host refuses a
 *   plugin built for 1.1 at the magic check, so a plugin that must also load
 *   on 1.0 hosts has to be built against the 1.0 header. The host never learns the plugin's schema: it leases
 *   the (tenant, plugin) database (migrated first), passes a
 *   th_operator_context and the arguments as JSON
 *       {"positional": ["ID", …], "options": {"name": "value" | true, …}}
 *   and the command fills a th_call_result with a JSON object:
 *       {"text": "human-readable output",          (printed by the CLI)
 *        "data": <any JSON>,                       (printed instead with --json)
 *        "events": [{"kind": "x.y", "details": {…}}, …]}   (optional; the host
 *                                                   records them in its audit trail)
 *   or, for an operator mistake (unknown id, bad option), {"error": "message"}
 *   — still with TH_OK. A non-OK status means the plugin itself failed
 *   (result->message explains). The result is released exactly as a tool
 *   call's: the host calls the command's `release` once whenever json or
 *   release_data is non-NULL. Operator commands run on the caller's thread;
 *   the same threading rules as call() apply.
 *
 * ---------------------------------------------------------------------------
 * 7a. CONSOLE-READY OPERATOR COMMANDS (ABI 1.2)
 * ---------------------------------------------------------------------------
 *   registrar->add_operator_command_ex (check TOOLHOST_HAS_FIELD and non-NULL)
 *   registers a command with everything an operator console needs to render
 *   it without knowing the plugin: a th_operator_command_def (sized, copied
 *   before the call returns, like every registration). 1.1 registrations
 *   keep working unchanged; group and name follow the rules of section 7.
 *     - title, summary, description: a label for a button or menu, one line
 *       for usage lists, a paragraph for help pages. summary is required.
 *     - input_schema: a JSON Schema (section 6, Schemas) with root "type":
 *       "object", or NULL for a command that takes no arguments (then every
 *       word and option is refused). The host validates the arguments
 *       against it BEFORE the command runs: a command never sees bad input.
 *     - output_schema: a JSON Schema of the result's "data", or NULL. A
 *       result whose data does not match is a plugin failure (the CLI exits
 *       1; the reason is logged and audited), as for a tool's output.
 *     - view_json: how to show "data"; NULL = {"kind":"text"}. One of
 *         {"kind":"text"}     show "text" (the default);
 *         {"kind":"record"}   data is one object, shown as fields;
 *         {"kind":"table",
 *          "rows":"/items",   a JSON Pointer to an array in data ("" = data itself)
 *          "columns":[{"key":"id","title":"ID"}, …],   key: a member of each row
 *          "row_actions":[{"command":"promote","label":"Promote","args":{"id":"{id}"}}, …]}
 *       A row action names another command of the SAME group; "{key}" in a
 *       string of its "args" is replaced by that row's member. The host checks
 *       the view at load (known kind, non-empty columns with string keys,
 *       every action's command registered in the group by the end of init)
 *       and refuses the plugin, naming the problem, if it is wrong.
 *     - annotations_set / annotations: TH_HINT_* bits, as for tools. A console
 *       asks for confirmation before a DESTRUCTIVE command; help shows both.
 *     - toolset: a toolset this plugin registers (by the end of init), or
 *       NULL. While that toolset is disabled for the tenant the command is
 *       refused and left out of the tenant's listings.
 *     - required_role: "viewer" < "admin" < "owner"; NULL = "admin". The host
 *       refuses an operator whose role ranks lower. The CLI's operator is the
 *       deployer, role "owner"; a console will have all three.
 *     - run, release, command_data: as in section 7.
 *
 *   Arguments. With an input_schema, `args` is the validated arguments
 *   object itself, e.g. {"id":"kn_1","limit":5} — exactly as for a tool call,
 *   NOT the 1.1 {"positional","options"} shape. Why: a console builds that
 *   object from a form generated from the same schema and sends it as is,
 *   the host validates one thing, and the plugin reads typed values with the
 *   parser it uses for tools. No "default" is filled in (section 6). Without
 *   an input_schema `args` is {}.
 *
 *   The command line is derived from the schema. Each property P is an
 *   option --P VALUE (or --P=VALUE), typed by P's "type": "string" as given,
 *   "integer"/"number" parsed as JSON numbers, "boolean" a flag (--P is
 *   true, --P=false false), "array" repeated (--tag a --tag b) or comma-
 *   separated (--tag a,b) with items typed the same way; a property without
 *   a "type" takes the word as JSON if it parses, else as a string. Words
 *   that are not options fill, in order, the properties the schema names in
 *   an "x-positional" array (an extension keyword the validator ignores):
 *   with "x-positional":["id"], `toolhost knowledge promote --tenant T kn_1`
 *   runs with {"id":"kn_1"}. An unknown option, a surplus word, a value of
 *   the wrong type or any schema violation is a usage error: the CLI names
 *   the option and exits 2, and the command never runs.
 *   A string property marked "x-secret":true (a password, a key) is never
 *   taken from the command line, where other users of the machine could see
 *   it: the CLI offers --P-stdin instead, which reads one line from stdin,
 *   and refuses --P VALUE. It may not be positional (positional values are
 *   what the audit trail records), and a console renders it as a password
 *   input. The plugin must not echo it in results, events or logs.
 *
 *   Context. th_operator_context gains operator_role ("viewer", "admin" or
 *   "owner") and channel ("cli" now, "console" later), for 1.1 commands
 *   too; both are recorded in the audit trail. Results, events, {"error"},
 *   release and the thread rule are those of section 7.
 *
 * ---------------------------------------------------------------------------
 * 8. JOBS AND SCHEDULES (ABI 1.2)
 * ---------------------------------------------------------------------------
 *   Work that must outlive a tool call (a pipeline run, a recipe, a nightly
 *   export) is a job. During init a plugin registers job handlers with
 *   registrar->add_job_handler: a kind, the toolset that gates it, a function
 *   and limits. From a tool call, an operator command or another job it
 *   enqueues a job with host->enqueue_job(host, ctx->call_handle, &request):
 *   a kind, a JSON payload, optionally a time to run at and an idempotency
 *   key. The job id comes back at once (TH_JOB_ID_SIZE bytes suffice).
 *
 *   Durability and delivery. enqueue_job returns TH_OK only once the job is
 *   committed to the host's job queue (jobs.db in the data folder): a job
 *   acknowledged as enqueued runs even if the daemon is killed right after.
 *   The queue is NOT part of the plugin's own database, so the enqueue and
 *   the plugin's writes do not commit together; give the job what it needs to
 *   check (an id it looks up) and use an idempotency key for "at most one job
 *   per thing". Delivery is AT LEAST ONCE: a job that was running when the
 *   daemon died is delivered again after the restart, with ctx->attempt one
 *   higher. Make handlers idempotent: record what a job did in the database,
 *   in the same transaction as the effect, keyed by ctx->job_id, and skip
 *   what is already recorded.
 *
 *   Running. Jobs run only in the serving daemon (never in a CLI process or
 *   `toolhost stdio`), on the host's job threads, which are separate from
 *   the threads that answer tool calls: jobs never starve tool calls. Each
 *   attempt gets the (tenant, plugin) database leased as a call does (same
 *   rules: section 5, including the transaction check). At most
 *   max_concurrency jobs of one kind run at once. A job whose toolset is
 *   disabled for its tenant, or no longer within the tenant's plan, does not
 *   run: it is held, with the reason visible to operators, and runs once the
 *   toolset is allowed again.
 *
 *   Outcome. The handler returns TH_OK when the job is done; result->json may
 *   hold a JSON value (at most 64 KiB) the host keeps as the job's output
 *   (`toolhost jobs show`). Any other status is a failed attempt,
 *   result->message the reason: the job runs again after retry_delay_ms,
 *   doubling per attempt (at most an hour), until max_attempts; then it is
 *   failed. The result is released with the handler's release function
 *   exactly as a call's.
 *
 *   Cancellation is cooperative: host->is_cancelled(host, ctx->call_handle)
 *   turns 1 when an operator (`toolhost jobs cancel`) or the plugin
 *   (host->cancel_job) cancels the job, when its timeout_ms has passed, and
 *   when the daemon is stopping. Poll it between steps and return soon after
 *   it turns 1. A cancelled job ends as cancelled whatever it returns; a job
 *   stopped by a shutdown that does not return TH_OK runs again after the
 *   restart (its attempt is not counted); a queued job that is cancelled
 *   never starts. On SIGTERM the host stops starting jobs, waits for running
 *   ones up to its drain time, then asks them to stop.
 *
 *   Schedules. host->set_schedule(host, ctx->call_handle, &schedule) creates
 *   or replaces a named schedule of the call's tenant: a 5-field cron
 *   expression (minute hour day-of-month month day-of-week; numbers, ranges
 *   a-b, lists a,b, steps * / n and a-b/n, month and weekday names jan…dec,
 *   sun…sat, 0 and 7 both Sunday; when both day fields are restricted a day
 *   matching either runs, as in Vixie cron) in an IANA time zone, and the job
 *   it enqueues each time it fires. The host evaluates every schedule, for
 *   every plugin, with one implementation (host->cron_next exposes it).
 *   Daylight saving time: a time that does not exist locally (the hour
 *   skipped in spring) fires once at the first minute after the gap; a time
 *   that occurs twice (autumn) fires once, at its first occurrence. Runs
 *   missed while the daemon was down are caught up by ONE run at start-up,
 *   never a burst. Each fired job is attributed to "schedule:<name>".
 *
 *   Swift toolsets use ToolsetKit's Job, JobRequest and Schedule (and
 *   call.enqueue / run.isCancelled); examples/swift-notes shows one.
 *
 *   Operators see every job (`toolhost jobs list|show|cancel --tenant T`),
 *   and the audit trail records each enqueue (attributed to the token,
 *   operator, schedule or job that started it) and each outcome.
 *
 * ---------------------------------------------------------------------------
 * 9. TOOLSET-DEFINED SCOPES (ABI 1.2)
 * ---------------------------------------------------------------------------
 *   A toolset may declare named scopes, each a set of its tools with a
 *   description a person can judge, e.g. helpdesk's "drafts" →
 *   create_draft_reply, list_drafts: th_toolset_def.scopes / scope_count /
 *   scope_def_size (appended last; a 1.0 or 1.1 plugin's struct_size ends
 *   before them, so it declares none). Tokens and OAuth consent grant a
 *   scope as "{toolset}.{scope}" (`toolhost token create --scopes
 *   helpdesk.drafts`, OAuth scope string "helpdesk.drafts"); the dot never
 *   occurs in a toolset name, so the form cannot clash with one.
 *     - A scope grant admits the toolset and, within it, ONLY the scope's
 *       tools: tools/list shows exactly them and a call of any other tool of
 *       the toolset is refused, naming the scope(s) that would allow it.
 *     - Grants add up: "helpdesk.drafts" plus "helpdesk.send" allows the tools
 *       of both; the whole toolset ("helpdesk") allows every tool, whatever
 *       scopes come with it.
 *     - "{toolset}.{scope}:read", like "{toolset}:read", allows only the
 *       scope's tools that declare readOnlyHint; a read-only token
 *       (--read-only) makes every scope so. A token limited with --tools is
 *       limited further to those tools: each restriction narrows.
 *     - A scope name may carry one qualifier: "conversations:read",
 *       "drafts:write", granted as "helpdesk.conversations:read" like any
 *       other. A grant "{toolset}.{s}" means the scope named exactly s
 *       first; only if the toolset declares no such scope does a trailing
 *       ":read" mean the read-only form of the scope without it. A toolset
 *       may therefore not declare both "x" and "x:read" (refused at load).
 *       The scope "conversations:read" grants its tools with writes, like
 *       any scope (a read-only token still makes it read-only): name a
 *       scope for what its tools do. OAuth offers the ":read" form only for
 *       scopes without a qualifier.
 *     - ctx->scopes_json lists the token's grants as given, scope grants in
 *       the same form: ["helpdesk.drafts"] (["helpdesk.drafts:read"] for a
 *       read-only token). The host has already enforced them; a toolset need
 *       not look, but may (e.g. to word a hint).
 *   Validation at load: each name [a-z0-9_-]{1,32}, optionally followed by
 *   one ":" and a qualifier [a-z0-9_-]{1,16}, unique within the toolset
 *   and not both "x" and "x:read", a description, at least one tool, every tool name one of this
 *   toolset's tools (registered in the same th_toolset_def), none twice in
 *   a scope. Anything else refuses the plugin with a log line naming the
 *   toolset, the scope and the problem. A tool may be in several scopes or
 *   in none (then only a whole-toolset grant reaches it).
 *   Renaming or removing a scope in a later plugin version leaves tokens that
 *   name it granting nothing through it (never more): keep scope names
 *   stable, and add new ones rather than widen an old one silently.
 *
 * ---------------------------------------------------------------------------
 * 10. PROGRESS AND CANCELLATION OF TOOL CALLS (ABI 1.2)
 * ---------------------------------------------------------------------------
 *   Progress. host->report_progress(host, ctx->call_handle, progress, total,
 *   message) tells the client how far a running tool call got. The host
 *   forwards it as an MCP notifications/progress {progressToken, progress,
 *   total?, message?} only when the client asked for progress (it put
 *   _meta.progressToken in its tools/call) and can receive it: over HTTP the
 *   call is then answered as a Server-Sent Events stream that carries the
 *   notifications as they happen and then the result; on stdio each one is a
 *   line before the result's. Otherwise report_progress is a no-op that
 *   returns TH_OK at once (no allocation, no lock): call it freely.
 *     - progress must increase from one report to the next (MCP requires it);
 *       a value that does not, or is not finite, is dropped and the function
 *       returns TH_INVALID_ARGUMENT. total <= 0 means "unknown" (omitted);
 *       message (UTF-8, may be NULL) is copied before the function returns.
 *     - Reports are lossy by design: once the call's answer is sent (it
 *       finished, or its deadline passed) they are dropped with TH_OK, and a
 *       client that reads slowly may miss intermediate ones (the host bounds
 *       what it buffers per call). Never rely on one arriving.
 *     - Only from inside call(), on the thread that runs it, with that call's
 *       ctx->call_handle. From a job or an operator command it is a no-op.
 *
 *   Cancellation. host->is_cancelled(host, ctx->call_handle) (section 8)
 *   works for tool calls too: it returns 1 once the client sent
 *   notifications/cancelled for this request (same token, and same session
 *   in the handshake era), once the call's deadline passed (section 4: the
 *   client was already told it timed out), or, in the 2026-07-28 era, once
 *   the client dropped the HTTP request of the call before its answer (that
 *   era's way to cancel; in the handshake era a disconnect is not a
 *   cancellation). It is one atomic load: poll it between steps of long
 *   work and return soon after it turns 1 (any result; an isError text
 *   saying what was left undone is kindest).
 *   Nothing is interrupted: a call that never polls runs to completion as
 *   before. A call still queued when its deadline passes is never made; one
 *   cancelled while queued starts with is_cancelled already 1.
 *
 *   What the client gets for a cancelled call: MCP says the server should not
 *   answer a cancelled request. When the call is answered as an SSE stream,
 *   the stream ends without the result. A call answered as plain JSON still
 *   gets its result when call() returns (an HTTP request cannot stay
 *   unanswered; clients ignore replies to requests they cancelled). Messages
 *   of a 2025-03-26 batch cannot be cancelled and report no progress.
 *
 * ---------------------------------------------------------------------------
 * 11. HTTP HANDLERS, SIGNED LINKS AND FILES (ABI 1.2)
 * ---------------------------------------------------------------------------
 *   (Swift toolsets: ToolsetKit's HTTPHandler, HTTPAnswer, LinkRequest and
 *   call.signLink / call.filesFolder; examples/swift-notes shares a note.)
 *   A plugin can answer plain HTTP requests (a download, a small page) under
 *   a path the host owns for it, /{tenant}/x/{plugin}/…, and only through
 *   links the host signed for it. Every check is the host's, made BEFORE any
 *   plugin code runs; a handler never sees a request without a valid link.
 *
 *   Handlers. During init, registrar->add_http_handler (check
 *   TOOLHOST_HAS_FIELD and non-NULL) registers a th_http_handler_def: a path
 *   prefix (1–128 bytes of segments of [a-z0-9_.-] joined by '/', no "." or
 *   ".." segment, unique within the plugin) and the functions. A request for
 *   /{tenant}/x/{plugin}/{prefix}[/{rest}] goes to the handler with the
 *   longest matching prefix; ctx->path is {rest} ("" for the prefix itself).
 *   Only GET and HEAD are served (others: 405). On HEAD the host sends the
 *   headers of the handler's answer and no body; a handler must not change
 *   state on HEAD (HEAD never consumes a single-use link).
 *
 *   Signed links. From any 1.2 context, host->sign_link(host,
 *   ctx->call_handle, &request, url, url_size, link_id, link_id_size) makes a
 *   link to a path of THIS plugin for the call's tenant:
 *       {public base URL}/{tenant}/x/{plugin}/{path}?l={id}&e={expiry}&k={key}&s={sig}
 *   - path: under a registered handler's prefix; same character rules (no
 *     percent-encoding is ever needed); at most 512 bytes.
 *   - claims_json: a JSON object (NULL = {}), at most 4 KiB, kept by the host
 *     (never in the URL) and handed to the handler as ctx->claims_json.
 *   - expires_in_seconds: 1 .. 30 days (TH_LINK_MAX_SECONDS); 0 = one day.
 *   - single_use: non-zero = the first GET consumes the link, atomically and
 *     before the handler runs (a handler that then fails does not give it
 *     back); any later request answers 410 Gone.
 *   The signature is HMAC-SHA256 over tenant, plugin, path, link id, expiry
 *   and the single-use flag, with the host's current link key (k names it, so
 *   keys rotate: `toolhost links rotate-key`; older keys keep verifying until
 *   retired). The host answers 404 for a bad signature, an unknown key or
 *   link, another tenant's or plugin's path (no oracle), and 410 for an
 *   expired, revoked or used link. url_size >= TH_LINK_URL_SIZE and
 *   link_id_size >= TH_LINK_ID_SIZE always suffice. Returns TH_NOT_FOUND if no
 *   handler of this plugin covers the path, TH_INVALID_ARGUMENT (reason in
 *   the log) for anything else malformed. The link is attributed to whoever
 *   started the call (ctx->created_by in the handler; the audit trail).
 *   host->revoke_link(host, call_handle, link_id) revokes a link of this
 *   plugin and the call's tenant (TH_NOT_FOUND if there is none); operators
 *   revoke with `toolhost links revoke ID --tenant T`.
 *   The query string of a request is NOT signed: ctx->query is what the
 *   client sent minus the link's own parameters. Put what matters in claims.
 *
 *   Answers. The handler fills a th_http_response (zeroed by the host,
 *   struct_size the host's) and returns TH_OK; any other status answers 500.
 *   Either a small body (body/body_len, at most 1 MiB; the plugin's, released
 *   with the handler's release function exactly as a call result) or a
 *   file_path the HOST streams (sendfile, Range requests, HEAD), so a large
 *   file never passes through plugin memory. file_path must name a regular
 *   file inside this (tenant, plugin)'s files folder (below): anything else,
 *   including a symbolic link anywhere on the way out of it, is refused with
 *   a 500 and a log line; nothing is served. status 0 means 200; content_type
 *   NULL means application/octet-stream; download_name (UTF-8) becomes
 *   Content-Disposition: attachment, escaped by the host (RFC 6266/5987).
 *   The host adds X-Content-Type-Options: nosniff, Content-Security-Policy:
 *   sandbox; default-src 'none', Cache-Control: no-store and Referrer-Policy:
 *   no-referrer to every answer; a plugin cannot turn them off. Each request
 *   is audited as link.used (link id, the creator, status, bytes sent).
 *
 *   Files. host->files_folder(host, call_handle) returns this (tenant,
 *   plugin)'s private folder (<data>/tenants/<tenant>/files/<plugin>, created
 *   on first use with mode 0700), as an absolute path without a trailing
 *   slash, owned by the host and valid for the life of the process; NULL if
 *   it cannot be created. No other plugin or tenant is handed it. Storage
 *   quotas are not enforced yet.
 *   host->public_base_url(host) returns the origin clients reach the host by
 *   (`--public-url`, else the address the daemon listens on), e.g.
 *   "https://files.example.com", no trailing slash; "" where none is known
 *   (a CLI process without TOOLHOST_PUBLIC_URL), in which case sign_link
 *   writes the path alone, starting with '/'. Owned by the host, valid for
 *   the life of the process.
 *
 *   Threads. Handlers run on the host's link workers (a bounded pool of
 *   their own: a flood of downloads never takes the tool workers; over its
 *   queue the host answers 503), concurrently, under the rules of section 4;
 *   ctx->db is leased as for a call (section 5, including the transaction
 *   check) and ctx->call_handle is valid until the handler returns.
 *
 * ---------------------------------------------------------------------------
 * 12. CALLING OTHER TOOLSETS FROM A JOB (ABI 1.2)
 * ---------------------------------------------------------------------------
 *   A job may call a tool of another plugin on behalf of whoever started it:
 *   a workflow recipe that adds a kanban card, then books a meeting.
 *       host->call_tool(host, ctx->call_handle, "kanban.add_card",
 *                       args_json, args_len, &result_json, &result_len);
 *   - Only from a job attempt (th_job_context's call_handle); from any other
 *     context it returns TH_INVALID_ARGUMENT and calls nothing. A job must
 *     not call a tool of its own plugin (TH_INVALID_ARGUMENT): call your own
 *     code directly.
 *   - `tool` names the tool as a client of the tenant's combined endpoint
 *     would: "toolset.tool", or the bare name when only one toolset has it.
 *     `args_json` is a JSON object (NULL or empty = {}).
 *   - The call acts for the job's principal, found from its started_by: the
 *     token that enqueued it (a job enqueued by a job acts for the token that
 *     started the first one), or the operator who did ("cli:alice", who may
 *     use every toolset enabled for the tenant). A job started by a schedule
 *     acts for nobody: its calls are refused. The token is read again for
 *     every call, so revoking it (or its expiry) stops the job's next call.
 *   - Every access layer applies as to a client's request (token validity,
 *     scope including declared scopes and named tools, tenant switches,
 *     plan, and the token's burst limit), then argument validation,
 *     the call itself (ctx->token_id and token_name are the principal's,
 *     restrictions_json its restrictions), content and output checks, and
 *     the audit trail (client "job:<id>"). A recipe can never do more than
 *     the token that triggered it.
 *   - On TH_OK, *result_json (NUL-terminated, *result_len bytes without the
 *     NUL) is a host-allocated JSON object the plugin releases with
 *     host->free_tool_result(host, result_json): either
 *         {"result": <CallToolResult>}      (the tool ran; it may be isError)
 *     or  {"error": {"code": …, "message": …, "data": {…}}}
 *     with exactly the JSON-RPC error a client would have received, e.g. the
 *     scope layer's "Token lacks scope …" with data.layer "scope".
 *   - The nested call runs on the job's thread, synchronously, outside the
 *     callee toolset's concurrency lane and deadline (the job's own timeout
 *     bounds it); job threads are few, so this stays bounded.
 *
 * ---------------------------------------------------------------------------
 * CHANGELOG
 * ---------------------------------------------------------------------------
 *   1.0  2026-11-01  First stable contract.
 *   1.1  2026-11-23  Operator commands: th_operator_context, th_operator_fn and
 *                    th_registrar.add_operator_command (appended last).
 *        2026-12-01  Documented, no layout change: `args` never holds duplicate
 *                    member names; results that do are refused as malformed.
 *                    What the host guarantees about ctx->db between calls;
 *                    plugins may cache prepared statements per handle (section 5).
 *                    A call must return with ctx->db in autocommit mode; the
 *                    host rolls back and fails a call that leaves a
 *                    transaction open (section 5). Content blocks are
 *                    checked like structuredContent (section 6).
 *        2026-12-02  Documented, no layout change: plugin files writable by
 *                    others are refused and the host runs a private copy
 *                    (section 1.1); who gets a plugin, toolset or command
 *                    group name (1.3a); a failing init's registrations are
 *                    dropped and migrations are checked at load (1.3); which
 *                    functions may be NULL (2); plan names (min_plan); no
 *                    argument defaults filled in, restrictions_json, dotted
 *                    tool names (6); newer databases are not downgraded (5).
 *                    Every schema keyword is enforced or refused at load (6).
 *                    Per-toolset concurrency caps and call deadlines; a
 *                    started call is never interrupted (section 4).
 *                    toolhost_json.h, an optional header-only JSON reader
 *                    and writer for C plugins, ships beside this header.
 *   1.2  2026-12-02  Jobs and schedules (section 8): th_registrar.add_job_handler;
 *                    th_host_api.enqueue_job, cancel_job, is_cancelled,
 *                    set_schedule, delete_schedule, cron_next; call_handle
 *                    appended to th_call_context and th_operator_context;
 *                    th_job_context, th_job_fn, th_job_handler_def,
 *                    th_job_request, th_schedule_def. All appended last.
 *                    Console-ready operator commands (section 7a):
 *                    th_operator_command_def, th_registrar.add_operator_command_ex;
 *                    operator_role and channel appended to th_operator_context.
 *                    Toolset-defined scopes (section 9): th_scope_def;
 *                    scopes, scope_count, scope_def_size appended to th_toolset_def.
 *                    Scope names may carry one ":qualifier" ("drafts:write");
 *                    a toolset may not declare both "x" and "x:read".
 *                    Progress and cancellation of tool calls (section 10):
 *                    th_host_api.report_progress (after cron_next); is_cancelled
 *                    answers for tool calls (client cancel, deadline).
 *                    HTTP handlers, signed links and files (section 11):
 *                    th_registrar.add_http_handler; th_host_api.sign_link,
 *                    revoke_link, files_folder, public_base_url;
 *                    th_http_handler_def, th_http_context, th_http_response,
 *                    th_http_fn, th_http_release_fn, th_link_request. All
 *                    appended last.
 *                    Calling other toolsets from a job (section 12):
 *                    th_host_api.call_tool and free_tool_result (after
 *                    public_base_url).
 */
#ifndef TOOLHOST_PLUGIN_H
#define TOOLHOST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOOLHOST_ABI_MAJOR 1
#define TOOLHOST_ABI_MINOR 2

/** The one symbol the host resolves in a plugin. */
#define TOOLHOST_PLUGIN_ENTRY_SYMBOL "toolhost_plugin_entry"

/** Visibility helper for C plugins built with -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define TOOLHOST_EXPORT __attribute__((visibility("default")))
#else
#define TOOLHOST_EXPORT
#endif

/** True if `field` of struct pointer `ptr` lies within the size its writer declared. */
#define TOOLHOST_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/** Status codes returned across the boundary. */
typedef enum th_status {
    TH_OK = 0,
    TH_ERROR = 1,           /* generic failure; see the accompanying message */
    TH_INVALID_ARGUMENT = 2,/* the caller passed something malformed */
    TH_NOT_FOUND = 3,       /* e.g. unknown tool name */
    TH_UNSUPPORTED = 4      /* a feature the other side does not provide */
} th_status;

/** Log levels for th_host_api.log. */
typedef enum th_log_level {
    TH_LOG_DEBUG = 0,
    TH_LOG_INFO = 1,
    TH_LOG_WARNING = 2,
    TH_LOG_ERROR = 3
} th_log_level;

/** Bit flags for th_tool_def.annotations_set / annotations (MCP tool annotations). */
enum {
    TH_HINT_READ_ONLY = 1u << 0,   /* readOnlyHint: the tool does not modify its environment */
    TH_HINT_DESTRUCTIVE = 1u << 1, /* destructiveHint: may destroy/overwrite data (only meaningful if not read-only) */
    TH_HINT_IDEMPOTENT = 1u << 2,  /* idempotentHint: repeating the call has no extra effect */
    TH_HINT_OPEN_WORLD = 1u << 3   /* openWorldHint: reaches beyond the workspace (e.g. the internet) */
};

/* ------------------------------------------------------------------------- */
/* Host services: a function table passed to init(). Never link host symbols. */
/* ------------------------------------------------------------------------- */

typedef struct th_call_context th_call_context;
typedef struct th_job_request th_job_request;     /* ABI 1.2, defined below */
typedef struct th_schedule_def th_schedule_def;   /* ABI 1.2, defined below */
typedef struct th_link_request th_link_request;   /* ABI 1.2, defined below */

typedef struct th_host_api {
    uint32_t struct_size;   /* sizeof(th_host_api) as the HOST compiled it */
    uint16_t abi_major;     /* the host's TOOLHOST_ABI_MAJOR */
    uint16_t abi_minor;     /* the host's TOOLHOST_ABI_MINOR: test it before using newer members */
    /** Opaque host handle for this plugin; pass it back to every function below. */
    void *host;

    /** Write one line to the host log, attributed to this plugin. Never log secrets. */
    void (*log)(void *host, th_log_level level, const char *message);

    /** Wall-clock time in milliseconds since the Unix epoch (tests may pin it). */
    int64_t (*now_ms)(void *host);

    /**
     * Record an audit/event entry attributed to the call in `ctx` (tenant,
     * token, toolset, tool come from there). `kind` is a short dotted name
     * such as "booking.created"; `json`/`json_len` is an optional UTF-8 JSON
     * object with details (may be NULL/0). The host queues it and writes it in
     * a batch; it returns TH_OK once queued. Never put secrets in details.
     */
    th_status (*emit_event)(void *host, const th_call_context *ctx, const char *kind,
                            const char *json, size_t json_len);

    /**
     * This plugin's configuration as a UTF-8 JSON object (from the host's
     * plugin configuration; "{}" when none). The returned string is owned by
     * the host and stays valid for the life of the process.
     */
    const char *(*config_json)(void *host);

    /* --- ABI 1.2 (check TOOLHOST_HAS_FIELD and non-NULL before use; section 8) --- */
    /**
     * Enqueue a job for the tenant of the current call (call_handle from any
     * 1.2 context). Returns TH_OK once it is durably queued, with its id
     * ("job_…", NUL-terminated) in job_id; TH_NOT_FOUND for a kind this
     * plugin did not register; TH_INVALID_ARGUMENT for a malformed request or
     * payload (not a JSON value), or job_id_size < TH_JOB_ID_SIZE. With an
     * idempotency key already used for this tenant and kind, returns TH_OK and
     * the existing job's id, and queues nothing.
     */
    th_status (*enqueue_job)(void *host, void *call_handle, const th_job_request *request,
                             char *job_id, size_t job_id_size);
    /** Cancel a job of the current call's tenant and this plugin (see section 8). TH_NOT_FOUND if none. */
    th_status (*cancel_job)(void *host, void *call_handle, const char *job_id);
    /** 1 when the current job or tool call should stop (cancelled, timed out, shutting down; sections 8 and 10); 0 otherwise. */
    int (*is_cancelled)(void *host, void *call_handle);
    /** Create or replace the named schedule of the current call's tenant. TH_INVALID_ARGUMENT names the problem in the log. */
    th_status (*set_schedule)(void *host, void *call_handle, const th_schedule_def *schedule);
    /** Delete the named schedule of the current call's tenant. TH_NOT_FOUND if there is none. */
    th_status (*delete_schedule)(void *host, void *call_handle, const char *name);
    /**
     * The first time after `after_ms` that `cron` fires in `time_zone` (NULL
     * = "UTC"), in ms since the epoch, into *next_ms. TH_INVALID_ARGUMENT for
     * a malformed expression or unknown zone; TH_NOT_FOUND if it never fires
     * within five years (e.g. "0 0 30 2 *").
     */
    th_status (*cron_next)(void *host, const char *cron, const char *time_zone, int64_t after_ms, int64_t *next_ms);
    /* --- ABI 1.2, section 10 (check TOOLHOST_HAS_FIELD and non-NULL before use) --- */
    /**
     * Report how far the current tool call got (section 10): `progress` must
     * increase between reports; `total` <= 0 means unknown; `message` may be
     * NULL. A no-op returning TH_OK when the client asked for no progress.
     * TH_INVALID_ARGUMENT (dropped) for a value that does not increase or is
     * not finite. Only from inside call(), with ctx->call_handle.
     */
    th_status (*report_progress)(void *host, void *call_handle, double progress, double total, const char *message);
    /* --- ABI 1.2, section 11 (check TOOLHOST_HAS_FIELD and non-NULL before use) --- */
    /**
     * Sign a link to `request->path` of this plugin for the current call's
     * tenant. Writes the URL (absolute when a public base URL is known) into
     * `url` and the link id ("lnk_…") into `link_id`, both NUL-terminated.
     * TH_INVALID_ARGUMENT if a buffer is too small (TH_LINK_URL_SIZE and
     * TH_LINK_ID_SIZE suffice) or the request is malformed; TH_NOT_FOUND if
     * no handler of this plugin covers the path.
     */
    th_status (*sign_link)(void *host, void *call_handle, const th_link_request *request,
                           char *url, size_t url_size, char *link_id, size_t link_id_size);
    /** Revoke a link of this plugin and the current call's tenant. TH_NOT_FOUND if none. */
    th_status (*revoke_link)(void *host, void *call_handle, const char *link_id);
    /** The (tenant, plugin) files folder, created 0700 on first use; host-owned, valid for the process; NULL on failure. */
    const char *(*files_folder)(void *host, void *call_handle);
    /** The origin clients reach the host by, without a trailing slash; "" if unknown. Host-owned, valid for the process. */
    const char *(*public_base_url)(void *host);
    /* --- ABI 1.2, section 12 (check TOOLHOST_HAS_FIELD and non-NULL before use) --- */
    /**
     * From a job attempt only: call `tool` ("toolset.tool") of another plugin
     * for the job's principal, through every access layer. TH_OK with a
     * host-allocated JSON object in *result_json: {"result": CallToolResult}
     * or {"error": JSON-RPC error}; release it with free_tool_result.
     * TH_INVALID_ARGUMENT (nothing called) outside a job, for the job's own
     * plugin, or for arguments that are not a JSON object.
     */
    th_status (*call_tool)(void *host, void *call_handle, const char *tool, const char *args_json, size_t args_len,
                           char **result_json, size_t *result_len);
    /** Releases a result of call_tool. NULL is ignored. */
    void (*free_tool_result)(void *host, char *result_json);
} th_host_api;

/* ------------------------------------------------------------------------- */
/* Per-call context: who is calling, for which tenant, with which database.   */
/* ------------------------------------------------------------------------- */

struct th_call_context {
    uint32_t struct_size;          /* sizeof(th_call_context) as the HOST compiled it */
    const char *tenant;            /* tenant name, e.g. "demo" */
    const char *toolset;           /* the toolset the tool belongs to */
    const char *token_id;          /* the calling principal: public token id (never the secret) */
    const char *token_name;        /* the name its operator gave that token */
    const char *scopes_json;       /* JSON array of granted scopes, e.g. ["scheduling"] */
    const char *restrictions_json; /* JSON object of resource restrictions, "{}" when none */
    const char *request_id;        /* unique id of this request, for logs and events */
    void *db;                      /* sqlite3 * for this (tenant, plugin); leased to this call only; see section 5 */
    /* --- ABI 1.2 --- */
    void *call_handle;             /* this call, for host functions acting for it (enqueue_job …) */
};

/* ------------------------------------------------------------------------- */
/* Tool results.                                                             */
/* ------------------------------------------------------------------------- */

typedef struct th_call_result {
    uint32_t struct_size;   /* sizeof(th_call_result) as the HOST compiled it; the host zero-fills it */
    const char *json;       /* plugin-allocated UTF-8 JSON CallToolResult object */
    size_t json_len;        /* its length in bytes (no NUL required) */
    void *release_data;     /* opaque, for the plugin's release_result() */
    const char *message;    /* on a non-OK status: a static or result-owned explanation */
} th_call_result;

/* ------------------------------------------------------------------------- */
/* What a plugin registers.                                                  */
/* ------------------------------------------------------------------------- */

typedef struct th_tool_def {
    uint32_t struct_size;        /* sizeof(th_tool_def) as the PLUGIN compiled it */
    const char *name;            /* 1–64 chars of A–Z a–z 0–9 _ - . ; unique within the toolset */
    const char *title;           /* human-readable name, may be NULL */
    const char *description;     /* what the tool does, for the model; required */
    const char *input_schema;    /* JSON Schema of the arguments (section 6, Schemas); root type "object" */
    const char *output_schema;   /* JSON Schema of structuredContent, or NULL */
    uint32_t annotations_set;    /* which TH_HINT_* bits the plugin states at all */
    uint32_t annotations;        /* their values (bit set = true) */
    const char *min_plan;        /* minimum plan for this tool if stricter than the toolset's, or NULL (plan names: th_toolset_def.min_plan) */
} th_tool_def;

/**
 * Called for every tools/call routed to this toolset. `tool` names one of the
 * toolset's tools; `args`/`args_len` is the validated arguments object as
 * UTF-8 JSON. It never names a member twice, at any depth: the host refuses
 * such requests before any layer runs (I-JSON, RFC 7493 §2.3), so a plugin's
 * JSON parser may take the first or the last copy and still act on exactly the
 * value the host validated. Fill `result` (already zeroed, struct_size set by
 * the host) and return TH_OK, or return an error status with result->message set.
 * A result naming a member twice is refused as malformed, like invalid JSON.
 */
typedef th_status (*th_call_fn)(void *toolset_data, const th_call_context *ctx, const char *tool,
                                const char *args, size_t args_len, th_call_result *result);

/** Frees what call() put in `result`. Called exactly once per call that left json or release_data non-NULL. */
typedef void (*th_release_fn)(void *toolset_data, th_call_result *result);

/** ABI 1.2: a named scope a toolset declares (section 9). Strings are copied by the host. */
typedef struct th_scope_def {
    uint32_t struct_size;        /* sizeof(th_scope_def) as the PLUGIN compiled it */
    const char *name;            /* [a-z0-9_-]{1,32}[:[a-z0-9_-]{1,16}], unique within the toolset; granted as "{toolset}.{name}" */
    const char *title;           /* short label for consent pages, e.g. "Draft replies"; NULL = the name */
    const char *description;     /* one sentence for the person granting it; required */
    const char *const *tools;    /* NULL-terminated names of tools of THIS toolset; at least one */
} th_scope_def;

typedef struct th_toolset_def {
    uint32_t struct_size;        /* sizeof(th_toolset_def) as the PLUGIN compiled it */
    const char *name;            /* toolset name, [a-z0-9_-]{1,32}; also its URL segment /{tenant}/mcp/{name} */
    const char *title;           /* e.g. "Scheduling" */
    const char *description;     /* one paragraph for operators and models */
    /* Minimum plan, or NULL = any plan. Plans are deployer configuration; the
     * default tiers, lowest first: "starter" < "growth" < "pro" < "custom",
     * plus the named plan "enterprise" (ranks as "pro", and only it satisfies
     * "enterprise"). A name the host's plan list lacks refuses the plugin at load. */
    const char *min_plan;
    const th_tool_def *tools;    /* array of tool_count definitions ... */
    uint32_t tool_count;
    uint32_t tool_def_size;      /* ... laid out every tool_def_size bytes (sizeof(th_tool_def) as compiled) */
    th_call_fn call;             /* required */
    th_release_fn release_result;/* required */
    void *toolset_data;          /* passed back to call/release_result */
    /**
     * JSON object describing the resource-restriction keys this toolset
     * understands, as {"key": {"description": "...", "type": "array"}} (e.g. the
     * helpdesk's {"inboxes": …}); NULL when it has none. Tokens carrying keys no
     * toolset declares are refused when they are created.
     */
    const char *restriction_keys;
    /* --- ABI 1.2 (section 9; the host reads these only within struct_size) --- */
    const th_scope_def *scopes;  /* array of scope_count named scopes, or NULL ... */
    uint32_t scope_count;
    uint32_t scope_def_size;     /* ... laid out every scope_def_size bytes (sizeof(th_scope_def) as compiled) */
} th_toolset_def;

/* ABI 1.1: operator commands — administrative actions an operator runs through the host (CLI now, web console later). */
typedef struct th_operator_context {
    uint32_t struct_size;        /* sizeof(th_operator_context) as the HOST compiled it */
    const char *tenant;          /* the tenant the command acts on */
    const char *operator_name;   /* who runs it, e.g. "cli:root" */
    const char *request_id;      /* unique id of this run, for logs and events */
    void *db;                    /* sqlite3 * of (tenant, plugin), migrated, leased for the call */
    /* --- ABI 1.2 --- */
    void *call_handle;           /* this run, for host functions acting for it (enqueue_job …) */
    const char *operator_role;   /* "viewer", "admin" or "owner" (section 7a); the CLI's operator is "owner" */
    const char *channel;         /* where the operator acts: "cli" (a console later: "console") */
} th_operator_context;

/* ABI 1.2: jobs and schedules (section 8). */

/** Enough for any job id the host writes, with its NUL. */
#define TH_JOB_ID_SIZE 48

typedef struct th_job_context {
    uint32_t struct_size;        /* sizeof(th_job_context) as the HOST compiled it */
    const char *tenant;          /* the tenant the job belongs to */
    const char *kind;            /* the handler's kind */
    const char *job_id;          /* "job_…": stable across attempts; key idempotency records by it */
    uint32_t attempt;            /* 1 on the first delivery, 2 after a failure or a restart mid-run, … */
    uint32_t max_attempts;       /* the handler's limit */
    const char *started_by;      /* token id, operator ("cli:alice"), "schedule:<name>" or "job:<id>" */
    const char *request_id;      /* unique id of this attempt, for logs and events */
    void *db;                    /* sqlite3 * of (tenant, plugin), migrated, leased for the attempt */
    void *call_handle;           /* this attempt, for is_cancelled, enqueue_job … */
} th_job_context;

/**
 * Runs one attempt of a job. `payload`/`payload_len`: the UTF-8 JSON value it
 * was enqueued with. Return TH_OK when done (result->json: an optional JSON
 * output the host keeps), or another status with result->message for a
 * failed attempt. Released with the handler's release function.
 */
typedef th_status (*th_job_fn)(void *handler_data, const th_job_context *ctx,
                               const char *payload, size_t payload_len, th_call_result *result);

typedef struct th_job_handler_def {
    uint32_t struct_size;        /* sizeof(th_job_handler_def) as the PLUGIN compiled it */
    const char *kind;            /* [a-z0-9_.-]{1,64}, unique within the plugin */
    const char *toolset;         /* a toolset of this plugin: its switch and plan gate the job; required */
    th_job_fn run;               /* required */
    th_release_fn release;       /* required: frees what run put in its result */
    void *handler_data;          /* passed back to run/release */
    uint32_t max_concurrency;    /* jobs of this kind running at once in the daemon; 0 = 1 */
    uint32_t timeout_ms;         /* after this an attempt is asked to stop (is_cancelled); 0 = 10 minutes */
    uint32_t max_attempts;       /* 0 = 3 */
    uint32_t retry_delay_ms;     /* before attempt n+1: retry_delay_ms * 2^(n-1), at most an hour; 0 = 10 s */
} th_job_handler_def;

struct th_job_request {
    uint32_t struct_size;        /* sizeof(th_job_request) as the PLUGIN compiled it */
    const char *kind;            /* a kind this plugin registered */
    const char *payload_json;    /* UTF-8 JSON value handed to the job; NULL = null */
    size_t payload_len;          /* its length in bytes */
    int64_t run_at_ms;           /* not before this time (ms since the epoch); 0 = now */
    const char *idempotency_key; /* NULL = none; else one job per (tenant, kind, key), ever */
};

struct th_schedule_def {
    uint32_t struct_size;        /* sizeof(th_schedule_def) as the PLUGIN compiled it */
    const char *name;            /* [a-z0-9_.-]{1,64}, unique per (tenant, plugin) */
    const char *cron;            /* 5 fields, see section 8 */
    const char *time_zone;       /* IANA zone such as "Europe/Berlin"; NULL = "UTC" */
    const char *kind;            /* the job kind to enqueue when it fires */
    const char *payload_json;    /* the payload of every fired job; NULL = null */
    size_t payload_len;
};

/* ABI 1.2: HTTP handlers, signed links and files (section 11). */

/** Enough for any link id the host writes, with its NUL. */
#define TH_LINK_ID_SIZE 48
/** Enough for any link URL the host writes, with its NUL. */
#define TH_LINK_URL_SIZE 2048
/** The longest a link may live: 30 days. */
#define TH_LINK_MAX_SECONDS 2592000  /* 30 * 24 * 3600 */

struct th_link_request {
    uint32_t struct_size;        /* sizeof(th_link_request) as the PLUGIN compiled it */
    const char *path;            /* under a handler's prefix, e.g. "download/report-7"; see section 11 */
    const char *claims_json;     /* a JSON object (at most 4 KiB) handed to the handler; NULL = {} */
    int64_t expires_in_seconds;  /* 1 .. TH_LINK_MAX_SECONDS; 0 = one day */
    uint32_t single_use;         /* non-zero: the first GET consumes it */
};

typedef struct th_http_context {
    uint32_t struct_size;        /* sizeof(th_http_context) as the HOST compiled it */
    const char *tenant;          /* the tenant the link was signed for */
    const char *method;          /* "GET" or "HEAD" */
    const char *path;            /* the request path after the handler's prefix and its '/'; "" for the prefix itself */
    const char *query;           /* the query string minus the link's parameters, NOT signed; "" when none */
    const char *claims_json;     /* the verified link's claims: a JSON object */
    const char *link_id;         /* "lnk_…" */
    const char *created_by;      /* who signed it: a token id, "cli:<operator>", "schedule:<name>", "job:<id>" */
    const char *request_id;      /* unique id of this request, for logs and events */
    void *db;                    /* sqlite3 * of (tenant, plugin), migrated, leased for the request */
    void *call_handle;           /* this request, for host functions acting for it (sign_link …) */
} th_http_context;

typedef struct th_http_response {
    uint32_t struct_size;        /* sizeof(th_http_response) as the HOST compiled it; the host zero-fills it */
    uint32_t status;             /* 200..599; 0 = 200 */
    const char *content_type;    /* NULL = "application/octet-stream" */
    const char *body;            /* a small answer (at most 1 MiB), plugin-owned; or NULL */
    size_t body_len;
    const char *file_path;       /* or: a regular file inside files_folder() the host streams; body is then ignored */
    const char *download_name;   /* UTF-8 file name for Content-Disposition: attachment; NULL = none */
    void *release_data;          /* opaque, for the handler's release function */
} th_http_response;

/** Answers one request through a verified link (section 11). Fill `response` and return TH_OK. */
typedef th_status (*th_http_fn)(void *handler_data, const th_http_context *ctx, th_http_response *response);
/** Frees what the handler put in `response`; called once whenever body or release_data is non-NULL. */
typedef void (*th_http_release_fn)(void *handler_data, th_http_response *response);

typedef struct th_http_handler_def {
    uint32_t struct_size;        /* sizeof(th_http_handler_def) as the PLUGIN compiled it */
    const char *path;            /* prefix under /{tenant}/x/{plugin}/, e.g. "download"; see section 11 */
    th_http_fn handle;           /* required */
    th_http_release_fn release;  /* required */
    void *handler_data;          /* passed back to handle/release */
} th_http_handler_def;

/**
 * Runs one operator command (section 7). `args`/`args_len`: UTF-8 JSON
 * {"positional": [...], "options": {...}} for a 1.1 registration, the
 * validated arguments object for a 1.2 one (section 7a); never with
 * duplicate member names (as for call()). Fill `result` (zeroed by the host)
 * with {"text", "data", "events"} or {"error"} and return TH_OK.
 */
typedef th_status (*th_operator_fn)(void *command_data, const th_operator_context *ctx,
                                    const char *args, size_t args_len, th_call_result *result);

/** ABI 1.2: a console-ready operator command (section 7a). Strings are copied by the host. */
typedef struct th_operator_command_def {
    uint32_t struct_size;        /* sizeof(th_operator_command_def) as the PLUGIN compiled it */
    const char *group;           /* [a-z0-9_-]{1,32}, as in section 7 */
    const char *name;            /* [a-z0-9_-]{1,32}, unique within the group */
    const char *title;           /* short label, e.g. "Promote item"; NULL = the name */
    const char *summary;         /* one line for usage lists; required */
    const char *description;     /* a paragraph for help pages, or NULL */
    const char *input_schema;    /* JSON Schema of `args` (root "type":"object"; "x-positional"), or NULL = no arguments */
    const char *output_schema;   /* JSON Schema of the result's "data", or NULL */
    const char *view_json;       /* view hint: {"kind":"text"|"record"|"table", …}, or NULL = text */
    uint32_t annotations_set;    /* which TH_HINT_* bits the plugin states at all */
    uint32_t annotations;        /* their values (bit set = true) */
    const char *toolset;         /* a toolset of this plugin that gates the command, or NULL */
    const char *required_role;   /* "viewer" | "admin" | "owner"; NULL = "admin" */
    th_operator_fn run;          /* required */
    th_release_fn release;       /* required: frees what run put in its result */
    void *command_data;          /* passed back to run/release */
} th_operator_command_def;

/** Handed to init(); valid only during init(). */
typedef struct th_registrar {
    uint32_t struct_size;        /* sizeof(th_registrar) as the HOST compiled it */
    void *host;                  /* opaque; pass back below */
    /** Register a toolset. Copies everything. Fails on a duplicate or invalid definition. */
    th_status (*add_toolset)(void *host, const th_toolset_def *toolset);
    /**
     * Append schema migration number `version` (1, 2, 3, … in order, no gaps)
     * of this plugin's per-tenant database. `sql` may hold several statements.
     */
    th_status (*add_migration)(void *host, uint32_t version, const char *sql);
    /** Set a human-readable reason for a failing init(); copied. */
    void (*set_error)(void *host, const char *message);
    /* --- ABI 1.1 (check TOOLHOST_HAS_FIELD before use) --- */
    /**
     * Register operator command `group` `name` (each [a-z0-9_-]{1,32}; e.g.
     * "knowledge" "promote" → `toolhost knowledge promote`). `summary` is one
     * line for the usage text. `release` frees what `fn` put in its result
     * (called as release(command_data, result)). Strings are copied.
     */
    th_status (*add_operator_command)(void *host, const char *group, const char *name, const char *summary,
                                      th_operator_fn fn, th_release_fn release, void *command_data);
    /* --- ABI 1.2 (check TOOLHOST_HAS_FIELD before use) --- */
    /** Register a job handler (section 8). Copies the definition. */
    th_status (*add_job_handler)(void *host, const th_job_handler_def *handler);
    /** Register a console-ready operator command (section 7a). Copies the definition. */
    th_status (*add_operator_command_ex)(void *host, const th_operator_command_def *command);
    /** Register an HTTP handler under /{tenant}/x/{plugin}/{path} (section 11). Copies the definition. */
    th_status (*add_http_handler)(void *host, const th_http_handler_def *handler);
} th_registrar;

/* ------------------------------------------------------------------------- */
/* The entry point.                                                          */
/* ------------------------------------------------------------------------- */

typedef th_status (*th_init_fn)(const th_host_api *host, const th_registrar *registrar);

typedef struct th_plugin_info {
    /* --- magic block: checked before anything else; never reorder --- */
    uint32_t struct_size;    /* sizeof(th_plugin_info) as the PLUGIN compiled it */
    uint16_t abi_major;      /* TOOLHOST_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;      /* TOOLHOST_ABI_MINOR the plugin was built against */
    uint16_t pointer_size;   /* sizeof(void *) */
    uint16_t reserved;       /* zero */
    /* --- identity --- */
    const char *name;        /* plugin name, [a-z0-9_-]{1,32}; names its per-tenant database file */
    const char *version;     /* the plugin's own version, e.g. "1.0.0" */
    const char *description; /* one line */
    th_init_fn init;         /* registers toolsets and migrations */
} th_plugin_info;

/** The signature of the exported entry symbol. */
typedef const th_plugin_info *(*th_plugin_entry_fn)(void);

/** Fills the magic block of a static th_plugin_info. */
#define TOOLHOST_PLUGIN_INFO_INIT(name_, version_, description_, init_) \
    { sizeof(th_plugin_info), TOOLHOST_ABI_MAJOR, TOOLHOST_ABI_MINOR, \
      (uint16_t)sizeof(void *), 0, (name_), (version_), (description_), (init_) }

/**
 * Defines the entry point in a C plugin:
 *     static th_status my_init(const th_host_api *h, const th_registrar *r) { ... }
 *     TOOLHOST_PLUGIN("clock", "1.0.0", "Current time", my_init)
 */
#define TOOLHOST_PLUGIN(name_, version_, description_, init_) \
    TOOLHOST_EXPORT const th_plugin_info *toolhost_plugin_entry(void) { \
        static const th_plugin_info info = TOOLHOST_PLUGIN_INFO_INIT(name_, version_, description_, init_); \
        return &info; \
    }

#ifdef __cplusplus
}
#endif

#endif /* TOOLHOST_PLUGIN_H */
