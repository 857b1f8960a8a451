/*
 * The Clock toolset: a plain-C Toolhost plugin written against toolhost_plugin.h, reading its
 * arguments and writing its results with toolhost_json.h (no JSON code of its own).
 *
 *   current_time  -> {"utc":"2026-11-23T07:00:00Z","unix_ms":1795417200000}   (the host clock)
 *   days_between  -> {"days": n}   for start_date/end_date as YYYY-MM-DD (n = end - start, may be negative)
 *
 * Everything is static except the entry symbol TOOLHOST_PLUGIN() defines. Results are malloc'd
 * by call() and freed by release_result(). No state beyond the host API table copied in init().
 */
#include "toolhost_plugin.h"
#include "toolhost_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The host API table, copied in init() (only the part the host declared; the rest stays zero). */
static th_host_api host_api;

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
    char iso[40];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
    th_json_writer structured = TH_JSON_WRITER_INIT;
    th_json_begin_object(&structured);
    th_json_key(&structured, "utc");
    th_json_write_string(&structured, iso);
    th_json_key(&structured, "unix_ms");
    th_json_write_int64(&structured, ms);
    th_json_end_object(&structured);
    return th_json_result(result, NULL, &structured, 0);
}

static th_status days_between(const th_json_value *args, th_call_result *result) {
    const char *start = th_json_get_string(args, "start_date");
    const char *end = th_json_get_string(args, "end_date");
    long start_days, end_days;
    if (!start) return th_json_error_result(result, "\"start_date\" is required (YYYY-MM-DD, e.g. \"2026-12-01\")");
    if (!end) return th_json_error_result(result, "\"end_date\" is required (YYYY-MM-DD, e.g. \"2026-12-24\")");
    if (!parse_date(start, &start_days))
        return th_json_error_result(result, "\"start_date\" must be a calendar date in YYYY-MM-DD form, e.g. \"2026-12-01\"");
    if (!parse_date(end, &end_days))
        return th_json_error_result(result, "\"end_date\" must be a calendar date in YYYY-MM-DD form, e.g. \"2026-12-24\"");
    th_json_writer structured = TH_JSON_WRITER_INIT;
    th_json_begin_object(&structured);
    th_json_key(&structured, "days");
    th_json_write_int64(&structured, end_days - start_days);
    th_json_end_object(&structured);
    return th_json_result(result, NULL, &structured, 0);
}

static th_status clock_call(void *toolset_data, const th_call_context *ctx, const char *tool,
                            const char *args, size_t args_len, th_call_result *result) {
    (void)toolset_data;
    (void)ctx;
    if (!result) return TH_INVALID_ARGUMENT;
    if (!tool) { result->message = "clock: no tool name"; return TH_INVALID_ARGUMENT; }
    if (strcmp(tool, "current_time") == 0) return current_time(result);
    if (strcmp(tool, "days_between") != 0) {
        result->message = "clock: unknown tool";
        return TH_NOT_FOUND;
    }
    if (!args) { args = "{}"; args_len = 2; }
    th_json_document *doc = th_json_parse(args, args_len, NULL);
    if (!doc || doc->root.type != TH_JSON_OBJECT) {
        th_json_free(doc);
        result->message = "clock: arguments are not a JSON object";
        return TH_INVALID_ARGUMENT;
    }
    th_status status = days_between(&doc->root, result);
    th_json_free(doc);
    return status;
}

static void clock_release(void *toolset_data, th_call_result *result) {
    (void)toolset_data;
    th_json_release_result(result);
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
