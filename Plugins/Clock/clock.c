/*
 * The Clock toolset: a plain-C Toolhost plugin written only against toolhost_plugin.h.
 *
 *   current_time  -> {"utc":"2026-11-23T07:00:00Z","unix_ms":1795417200000}   (the host clock)
 *   days_between  -> {"days": n}   for start_date/end_date as YYYY-MM-DD (n = end - start, may be negative)
 *
 * Everything is static except the entry symbol TOOLHOST_PLUGIN() defines. Results are malloc'd
 * by call() and freed by release_result(). No state beyond the host API table copied in init().
 */
#include "toolhost_plugin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The host API table, copied in init() (only the part the host declared; the rest stays zero). */
static th_host_api host_api;

/* ---- JSON output ------------------------------------------------------ */

typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} buffer;

static void buf_append(buffer *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) { b->failed = 1; return; }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void buf_puts(buffer *b, const char *s) { buf_append(b, s, strlen(s)); }

static void buf_printf(buffer *b, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) { b->failed = 1; return; }
    buf_append(b, tmp, (size_t)n);
}

/* A JSON string literal with the required escapes. */
static void buf_json_string(buffer *b, const char *s) {
    buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"') buf_puts(b, "\\\"");
        else if (*p == '\\') buf_puts(b, "\\\\");
        else if (*p < 0x20) buf_printf(b, "\\u%04x", *p);
        else buf_append(b, (const char *)p, 1);
    }
    buf_puts(b, "\"");
}

/* Hands a finished CallToolResult to the host. */
static th_status finish(buffer *b, th_call_result *result) {
    if (b->failed || !b->data) {
        free(b->data);
        result->message = "clock: out of memory";
        return TH_ERROR;
    }
    result->json = b->data;
    result->json_len = b->len;
    result->release_data = NULL;
    return TH_OK;
}

/* {"content":[{"type":"text","text": <structured as text>}],"structuredContent":<structured>,"isError":false} */
static th_status structured_result(const char *structured, th_call_result *result) {
    buffer b = {0};
    buf_puts(&b, "{\"content\":[{\"type\":\"text\",\"text\":");
    buf_json_string(&b, structured);
    buf_puts(&b, "}],\"structuredContent\":");
    buf_puts(&b, structured);
    buf_puts(&b, ",\"isError\":false}");
    return finish(&b, result);
}

static th_status error_result(const char *message, th_call_result *result) {
    buffer b = {0};
    buf_puts(&b, "{\"content\":[{\"type\":\"text\",\"text\":");
    buf_json_string(&b, message);
    buf_puts(&b, "}],\"isError\":true}");
    return finish(&b, result);
}

/* ---- JSON input: just enough to read string members of the arguments object ---- */

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Parses a JSON string at p into out (truncated to cap-1, NUL-terminated; \u escapes other than
   ASCII become '?'). Returns the position after the closing quote, or NULL if malformed. */
static const char *parse_string(const char *p, const char *end, char *out, size_t cap) {
    size_t n = 0;
    if (p >= end || *p != '"') return NULL;
    p++;
    while (p < end && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            if (p >= end) return NULL;
            char e = *p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                if (end - p < 4) return NULL;
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = p[i];
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
                    else return NULL;
                }
                p += 4;
                c = (v < 0x80 && v != 0) ? (char)v : '?';
                break;
            }
            default: c = e; break; /* \" \\ \/ */
            }
        }
        if (out && n + 1 < cap) out[n++] = c;
    }
    if (p >= end) return NULL;
    if (out && cap) out[n] = 0;
    return p + 1;
}

/* Skips any JSON value (strings aware of escapes, nested containers). NULL if malformed. */
static const char *skip_value(const char *p, const char *end) {
    int depth = 0;
    p = skip_ws(p, end);
    do {
        if (p >= end) return NULL;
        if (*p == '"') {
            p = parse_string(p, end, NULL, 0);
            if (!p) return NULL;
        } else if (*p == '{' || *p == '[') {
            depth++;
            p++;
        } else if (*p == '}' || *p == ']') {
            depth--;
            p++;
        } else {
            while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != '"') p++;
        }
        if (depth > 0) {
            while (p < end && (*p == ',' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
        }
    } while (depth > 0);
    return p;
}

/* Finds the top-level string member `key` of the arguments object. 1 found, 0 absent/not a string, -1 malformed. */
static int get_string_arg(const char *json, size_t len, const char *key, char *out, size_t cap) {
    const char *p = json, *end = json + len;
    char name[64];
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return -1;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') return 0;
    while (p < end) {
        p = parse_string(p, end, name, sizeof name);
        if (!p) return -1;
        p = skip_ws(p, end);
        if (p >= end || *p != ':') return -1;
        p = skip_ws(p + 1, end);
        if (strcmp(name, key) == 0 && p < end && *p == '"') {
            return parse_string(p, end, out, cap) ? 1 : -1;
        }
        p = skip_value(p, end);
        if (!p) return -1;
        p = skip_ws(p, end);
        if (p < end && *p == ',') { p = skip_ws(p + 1, end); continue; }
        if (p < end && *p == '}') return 0;
        return -1;
    }
    return -1;
}

/* ---- dates ---------------------------------------------------------------- */

static int is_leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Days since 1970-01-01 (proleptic Gregorian). */
static long days_from_civil(long y, int m, int d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Strict YYYY-MM-DD with a real calendar date. */
static int parse_date(const char *s, long *days) {
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) continue;
        if (s[i] < '0' || s[i] > '9') return 0;
    }
    long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1) return 0;
    int max = month_days[m - 1] + (m == 2 && is_leap(y));
    if (d > max) return 0;
    *days = days_from_civil(y, m, d);
    return 1;
}

/* ---- tools ---------------------------------------------------------------- */

static th_status current_time(th_call_result *result) {
    int64_t ms = host_api.now_ms ? host_api.now_ms(host_api.host) : (int64_t)time(NULL) * 1000;
    time_t seconds = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm utc;
    if (!gmtime_r(&seconds, &utc)) {
        result->message = "clock: the host clock is out of range";
        return TH_ERROR;
    }
    char text[128];
    snprintf(text, sizeof text, "{\"utc\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\",\"unix_ms\":%lld}",
             utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, (long long)ms);
    return structured_result(text, result);
}

static th_status days_between(const char *args, size_t len, th_call_result *result) {
    char start[32], end[32];
    long start_days, end_days;
    int found = get_string_arg(args, len, "start_date", start, sizeof start);
    if (found < 0) { result->message = "clock: arguments are not a JSON object"; return TH_INVALID_ARGUMENT; }
    if (found == 0) return error_result("\"start_date\" is required (YYYY-MM-DD, e.g. \"2026-12-01\")", result);
    found = get_string_arg(args, len, "end_date", end, sizeof end);
    if (found < 0) { result->message = "clock: arguments are not a JSON object"; return TH_INVALID_ARGUMENT; }
    if (found == 0) return error_result("\"end_date\" is required (YYYY-MM-DD, e.g. \"2026-12-24\")", result);
    if (!parse_date(start, &start_days))
        return error_result("\"start_date\" must be a calendar date in YYYY-MM-DD form, e.g. \"2026-12-01\"", result);
    if (!parse_date(end, &end_days))
        return error_result("\"end_date\" must be a calendar date in YYYY-MM-DD form, e.g. \"2026-12-24\"", result);
    char text[64];
    snprintf(text, sizeof text, "{\"days\":%ld}", end_days - start_days);
    return structured_result(text, result);
}

static th_status clock_call(void *toolset_data, const th_call_context *ctx, const char *tool,
                            const char *args, size_t args_len, th_call_result *result) {
    (void)toolset_data;
    (void)ctx;
    if (!result) return TH_INVALID_ARGUMENT;
    if (!tool) { result->message = "clock: no tool name"; return TH_INVALID_ARGUMENT; }
    if (!args) { args = "{}"; args_len = 2; }
    if (strcmp(tool, "current_time") == 0) return current_time(result);
    if (strcmp(tool, "days_between") == 0) return days_between(args, args_len, result);
    result->message = "clock: unknown tool";
    return TH_NOT_FOUND;
}

static void clock_release(void *toolset_data, th_call_result *result) {
    (void)toolset_data;
    if (!result) return;
    free((void *)result->json);
    result->json = NULL;
    result->json_len = 0;
}

/* ---- registration --------------------------------------------------------- */

static const th_tool_def clock_tools[] = {
    {
        sizeof(th_tool_def), "current_time", "Current time",
        "The current date and time in UTC (ISO 8601) and as Unix milliseconds.",
        "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{"
            "\"utc\":{\"type\":\"string\",\"format\":\"date-time\"},"
            "\"unix_ms\":{\"type\":\"integer\"}},"
            "\"required\":[\"utc\",\"unix_ms\"],\"additionalProperties\":false}",
        TH_HINT_READ_ONLY | TH_HINT_DESTRUCTIVE | TH_HINT_IDEMPOTENT | TH_HINT_OPEN_WORLD,
        TH_HINT_READ_ONLY,
        NULL,
    },
    {
        sizeof(th_tool_def), "days_between", "Days between two dates",
        "Whole days from start_date to end_date (negative if end_date is earlier). Dates are YYYY-MM-DD.",
        "{\"type\":\"object\",\"properties\":{"
            "\"start_date\":{\"type\":\"string\",\"format\":\"date\",\"description\":\"YYYY-MM-DD\"},"
            "\"end_date\":{\"type\":\"string\",\"format\":\"date\",\"description\":\"YYYY-MM-DD\"}},"
            "\"required\":[\"start_date\",\"end_date\"],\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{\"days\":{\"type\":\"integer\"}},"
            "\"required\":[\"days\"],\"additionalProperties\":false}",
        TH_HINT_READ_ONLY | TH_HINT_DESTRUCTIVE | TH_HINT_IDEMPOTENT | TH_HINT_OPEN_WORLD,
        TH_HINT_READ_ONLY | TH_HINT_IDEMPOTENT,
        NULL,
    },
};

static th_status clock_init(const th_host_api *host, const th_registrar *registrar) {
    if (!host || !registrar || !registrar->add_toolset) return TH_INVALID_ARGUMENT;
    memset(&host_api, 0, sizeof host_api);
    memcpy(&host_api, host, host->struct_size < sizeof host_api ? host->struct_size : sizeof host_api);

    th_toolset_def toolset;
    memset(&toolset, 0, sizeof toolset);
    toolset.struct_size = sizeof toolset;
    toolset.name = "clock";
    toolset.title = "Clock";
    toolset.description = "The current time and simple date arithmetic.";
    toolset.min_plan = NULL;
    toolset.tools = clock_tools;
    toolset.tool_count = sizeof clock_tools / sizeof clock_tools[0];
    toolset.tool_def_size = sizeof(th_tool_def);
    toolset.call = clock_call;
    toolset.release_result = clock_release;
    toolset.toolset_data = NULL;
    toolset.restriction_keys = NULL;
    th_status status = registrar->add_toolset(registrar->host, &toolset);
    if (status != TH_OK && TOOLHOST_HAS_FIELD(registrar, th_registrar, set_error) && registrar->set_error)
        registrar->set_error(registrar->host, "clock: the host refused toolset \"clock\"");
    return status;
}

TOOLHOST_PLUGIN("clock", "1.0.0", "The current time and date arithmetic", clock_init)
