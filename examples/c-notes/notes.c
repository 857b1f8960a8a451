/*
 * An example Toolhost toolset in C: short notes kept in each tenant's own SQLite database.
 *
 *   add_note   {title, body} -> {"id": 1, "title": "…"}
 *   get_note   {id}          -> {"id", "title", "body", "created_ms"}, or an isError result
 *   list_notes {}            -> {"notes": [{"id", "title"}, …]}   (50 newest first)
 *
 * It needs two headers from the Toolhost repository: toolhost_plugin.h (the contract) and
 * toolhost_json.h (reading `args`, writing results). The database handle comes from the host, and
 * so do the sqlite3_* functions: both sides resolve the same libsqlite3.so.0 (header section 5).
 */
#include "toolhost_plugin.h"
#include "toolhost_json.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* The host API table, copied in init(): it stays valid for the life of the process (section 3). */
static th_host_api host;

static int64_t now_ms(void) { return host.now_ms ? host.now_ms(host.host) : 0; }

/* A plugin failure (not the caller's): the host answers with an internal error and logs the message. */
static th_status database_failure(th_call_result *result) {
    result->message = "c_notes: the notes database failed";
    return TH_ERROR;
}

/* ---- tools ---------------------------------------------------------------- */

static th_status add_note(const th_call_context *ctx, const th_json_value *args, th_call_result *result) {
    /* The host validated args against the input schema: both are strings. */
    const th_json_value *title = th_json_get(args, "title");
    const th_json_value *body = th_json_get(args, "body");
    if (!th_json_as_string(title) || !th_json_as_string(body)) return th_json_error_result(result, "\"title\" and \"body\" are required");

    sqlite3 *db = ctx->db;
    sqlite3_stmt *insert = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO notes (title, body, created_ms) VALUES (?, ?, ?)", -1, &insert, NULL) != SQLITE_OK)
        return database_failure(result);
    /* Bind with lengths: a string may hold "\u0000", and strlen() would cut it short. */
    sqlite3_bind_text(insert, 1, title->text, (int)title->length, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, body->text, (int)body->length, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 3, now_ms());
    int done = sqlite3_step(insert) == SQLITE_DONE;
    sqlite3_finalize(insert); /* finalized on every path: nothing of ours stays open on the pooled connection */
    if (!done) return database_failure(result);
    int64_t id = sqlite3_last_insert_rowid(db);

    /* An audit event with details written by the same writer. */
    th_json_writer details = TH_JSON_WRITER_INIT;
    th_json_begin_object(&details);
    th_json_key(&details, "id");
    th_json_write_int64(&details, id);
    th_json_end_object(&details);
    size_t details_length = 0;
    char *details_json = th_json_writer_finish(&details, &details_length);
    if (details_json && host.emit_event) host.emit_event(host.host, ctx, "note.created", details_json, details_length);
    free(details_json);

    th_json_writer structured = TH_JSON_WRITER_INIT;
    th_json_begin_object(&structured);
    th_json_key(&structured, "id");
    th_json_write_int64(&structured, id);
    th_json_key(&structured, "title");
    th_json_write_string_n(&structured, title->text, title->length);
    th_json_end_object(&structured);
    return th_json_result(result, "Saved the note.", &structured, 0);
}

static th_status get_note(const th_call_context *ctx, const th_json_value *args, th_call_result *result) {
    int64_t id;
    if (!th_json_as_int64(th_json_get(args, "id"), &id)) return th_json_error_result(result, "\"id\" must be an integer");

    sqlite3_stmt *select = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT title, body, created_ms FROM notes WHERE id = ?", -1, &select, NULL) != SQLITE_OK)
        return database_failure(result);
    sqlite3_bind_int64(select, 1, id);
    int step = sqlite3_step(select);
    if (step != SQLITE_ROW) {
        sqlite3_finalize(select);
        if (step != SQLITE_DONE) return database_failure(result);
        /* A failure the model can fix is a result with isError and TH_OK, not an error status. */
        char message[96];
        snprintf(message, sizeof message, "No note %lld; list_notes shows the ids there are.", (long long)id);
        return th_json_error_result(result, message);
    }
    th_json_writer structured = TH_JSON_WRITER_INIT;
    th_json_begin_object(&structured);
    th_json_key(&structured, "id");
    th_json_write_int64(&structured, id);
    th_json_key(&structured, "title");
    th_json_write_string_n(&structured, (const char *)sqlite3_column_text(select, 0), (size_t)sqlite3_column_bytes(select, 0));
    th_json_key(&structured, "body");
    th_json_write_string_n(&structured, (const char *)sqlite3_column_text(select, 1), (size_t)sqlite3_column_bytes(select, 1));
    th_json_key(&structured, "created_ms");
    th_json_write_int64(&structured, sqlite3_column_int64(select, 2));
    th_json_end_object(&structured);
    sqlite3_finalize(select);
    return th_json_result(result, NULL, &structured, 0);
}

static th_status list_notes(const th_call_context *ctx, th_call_result *result) {
    sqlite3_stmt *select = NULL;
    if (sqlite3_prepare_v2(ctx->db, "SELECT id, title FROM notes ORDER BY id DESC LIMIT 50", -1, &select, NULL) != SQLITE_OK)
        return database_failure(result);
    th_json_writer structured = TH_JSON_WRITER_INIT;
    th_json_begin_object(&structured);
    th_json_key(&structured, "notes");
    th_json_begin_array(&structured);
    int step;
    while ((step = sqlite3_step(select)) == SQLITE_ROW) {
        th_json_begin_object(&structured);
        th_json_key(&structured, "id");
        th_json_write_int64(&structured, sqlite3_column_int64(select, 0));
        th_json_key(&structured, "title");
        th_json_write_string_n(&structured, (const char *)sqlite3_column_text(select, 1), (size_t)sqlite3_column_bytes(select, 1));
        th_json_end_object(&structured);
    }
    sqlite3_finalize(select);
    if (step != SQLITE_DONE) {
        th_json_writer_discard(&structured);
        return database_failure(result);
    }
    th_json_end_array(&structured);
    th_json_end_object(&structured);
    return th_json_result(result, NULL, &structured, 0);
}

/* ---- the toolset's call and release --------------------------------------- */

/* May run on several host threads at once: everything here is per call (stack, ctx->db). */
static th_status notes_call(void *toolset_data, const th_call_context *ctx, const char *tool,
                            const char *args, size_t args_len, th_call_result *result) {
    (void)toolset_data;
    if (strcmp(tool, "list_notes") == 0) return list_notes(ctx, result);
    th_json_error error;
    th_json_document *doc = th_json_parse(args, args_len, &error);
    if (!doc) {
        result->message = "c_notes: the host passed arguments that are not JSON";
        return TH_INVALID_ARGUMENT;
    }
    th_status status;
    if (strcmp(tool, "add_note") == 0) status = add_note(ctx, &doc->root, result);
    else if (strcmp(tool, "get_note") == 0) status = get_note(ctx, &doc->root, result);
    else {
        result->message = "c_notes: unknown tool";
        status = TH_NOT_FOUND;
    }
    th_json_free(doc);
    return status;
}

static void notes_release(void *toolset_data, th_call_result *result) {
    (void)toolset_data;
    th_json_release_result(result);
}

/* ---- registration ---------------------------------------------------------- */

static const th_tool_def notes_tools[] = {
    {
        sizeof(th_tool_def), "add_note", "Add a note",
        "Save a note. Returns its id, which get_note takes.",
        "{\"type\":\"object\",\"properties\":{"
            "\"title\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,\"description\":\"A short title\"},"
            "\"body\":{\"type\":\"string\",\"maxLength\":10000,\"description\":\"The note itself\"}},"
            "\"required\":[\"title\",\"body\"],\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"}},"
            "\"required\":[\"id\",\"title\"],\"additionalProperties\":false}",
        TH_HINT_READ_ONLY | TH_HINT_DESTRUCTIVE | TH_HINT_IDEMPOTENT | TH_HINT_OPEN_WORLD,
        0, /* writes, destroys nothing, not idempotent, stays inside the workspace */
        NULL,
    },
    {
        sizeof(th_tool_def), "get_note", "Read a note",
        "One note by the id add_note or list_notes gave.",
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":1}},"
            "\"required\":[\"id\"],\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"},"
            "\"body\":{\"type\":\"string\"},\"created_ms\":{\"type\":\"integer\"}},"
            "\"required\":[\"id\",\"title\",\"body\",\"created_ms\"],\"additionalProperties\":false}",
        TH_HINT_READ_ONLY | TH_HINT_IDEMPOTENT | TH_HINT_OPEN_WORLD,
        TH_HINT_READ_ONLY | TH_HINT_IDEMPOTENT,
        NULL,
    },
    {
        sizeof(th_tool_def), "list_notes", "List notes",
        "Ids and titles of the 50 newest notes, newest first.",
        "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{\"notes\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
            "\"properties\":{\"id\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"}},"
            "\"required\":[\"id\",\"title\"],\"additionalProperties\":false}}},"
            "\"required\":[\"notes\"],\"additionalProperties\":false}",
        TH_HINT_READ_ONLY | TH_HINT_IDEMPOTENT | TH_HINT_OPEN_WORLD,
        TH_HINT_READ_ONLY | TH_HINT_IDEMPOTENT,
        NULL,
    },
};

static th_status notes_init(const th_host_api *host_api, const th_registrar *registrar) {
    /* Copy only the part of the table the host declared (section 2); the rest stays zero. */
    memcpy(&host, host_api, host_api->struct_size < sizeof host ? host_api->struct_size : sizeof host);

    th_status status = registrar->add_migration(registrar->host, 1,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, created_ms INTEGER NOT NULL)");
    if (status != TH_OK) return status;

    th_toolset_def toolset;
    memset(&toolset, 0, sizeof toolset);
    toolset.struct_size = sizeof toolset;
    toolset.name = "c_notes";
    toolset.title = "Notes (C example)";
    toolset.description = "Write short notes and read them back. Each workspace has its own notes.";
    toolset.tools = notes_tools;
    toolset.tool_count = sizeof notes_tools / sizeof notes_tools[0];
    toolset.tool_def_size = sizeof(th_tool_def);
    toolset.call = notes_call;
    toolset.release_result = notes_release;
    status = registrar->add_toolset(registrar->host, &toolset);
    if (status != TH_OK) registrar->set_error(registrar->host, "c_notes: the host refused toolset \"c_notes\"");
    return status;
}

/* The plugin name also names each tenant's database file for it. */
TOOLHOST_PLUGIN("c_notes", "1.0.0", "Example toolset in C: short notes kept per tenant", notes_init)
